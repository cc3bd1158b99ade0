/**
 * Recordings made for the diff tests, programmatically where the CLI cannot (yet) say it: the key
 * seed of a recording (so two runs give byte-identical journals), another guest image, two forks
 * of one file at the same point. A run is fed its console input a line each time every process
 * waits, as `xrr record --input` does.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Fault } from '../src/core/events.js';
import { Machine, MACHINE_VERSION } from '../src/core/machine.js';
import { loadGuestImage, type GuestImage } from '../src/cli/guest-image.js';
import { createServers } from '../src/servers/create-servers.js';
import { ROOT_BRANCH, type BranchId } from '../src/journal/ids.js';
import { forkAt } from '../src/timeline/fork.js';
import { StoreTarget } from '../src/timeline/record-target.js';
import { Recorder } from '../src/timeline/recorder.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';

export const EPOCH_NS = 1_767_225_600_000_000_000n; // 2026-01-01T00:00:00Z
export const seedOf = (text: string) => Uint8Array.from(createHash('sha256').update(text).digest());

export interface RunSpec {
  readonly seed?: string;
  readonly keySeed?: string;
  readonly epochNs?: bigint;
  /** Console input, fed a line at a time when the machine waits. */
  readonly input?: string;
  readonly faults?: readonly Fault[];
  readonly image?: GuestImage;
  /** What init runs instead of the shell. */
  readonly program?: readonly string[];
  readonly maxIcount?: number;
}

function linesOf(input: string): Uint8Array[] {
  return input.split(/(?<=\n)/).filter((l) => l.length > 0).map((l) => new TextEncoder().encode(l));
}

/** Feeds the lines and runs until the machine halts or waits with nothing left to type. */
export function drive(machine: Machine, lines: Uint8Array[], recorder: Recorder, maxIcount = 500_000_000): void {
  for (;;) {
    const stop = recorder.run(maxIcount);
    if (stop.kind === 'halted' || machine.icount >= maxIcount) return;
    if (stop.kind === 'idle') {
      const next = lines.shift();
      if (next === undefined) return;
      machine.input(next);
    }
  }
}

/** Records a run into a new SQLite journal at `file`. */
export async function recordRun(file: string, spec: RunSpec = {}): Promise<void> {
  const image = spec.image ?? loadGuestImage();
  const seed = seedOf(spec.seed ?? 'diff-test');
  const epoch = spec.epochNs ?? EPOCH_NS;
  const keySeed = seedOf(spec.keySeed ?? 'diff-test-keys');
  const store = await SqliteJournalStore.open(file);
  try {
    store.createRecording({
      machineVersion: MACHINE_VERSION,
      imageHash: image.hash,
      seedHex: Buffer.from(seed).toString('hex'),
      bootEpochNs: epoch.toString(),
      commandLine: ['test', 'diff'],
      xrrVersion: 'test',
    });
    store.putKeySeed(keySeed);
    const machine = new Machine({
      seed,
      bootEpochNs: epoch,
      keySeed,
      servers: createServers(image.entries, epoch),
      initArgv: spec.program ? ['/sbin/init', ...spec.program] : undefined,
    });
    const recorder = new Recorder(machine, new StoreTarget(store, ROOT_BRANCH), { snapshotNow: false });
    const err = machine.boot();
    if (err) throw new Error(err);
    recorder.snapshot();
    for (const f of spec.faults ?? []) machine.inject(f);
    drive(machine, linesOf(spec.input ?? ''), recorder, spec.maxIcount);
    store.flush();
  } finally {
    store.close();
  }
}

/** Forks `file`'s main branch at `icount` and types `input` on the new branch; returns its id. */
export async function forkWithInput(file: string, icount: number, input: string): Promise<BranchId> {
  const store = await SqliteJournalStore.open(file);
  try {
    const { branch, machine, recorder } = forkAt(store, ROOT_BRANCH, icount, `input ${JSON.stringify(input)}`);
    drive(machine, linesOf(input), recorder);
    store.flush();
    return branch;
  } finally {
    store.close();
  }
}

/** The real command line. */
export function xrr(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/xrr.mjs', ...args], { encoding: 'utf8', timeout: 240_000, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
