/**
 * A large recording made quickly, for the benchmarks that open one: a real machine booted with a
 * guest that makes delegated getpid calls (syscall, request, reply and return: four events each)
 * until the journal holds about `events` events, then exits; recorded by the timeline's Recorder
 * into a journal written on the writer thread, as `xrr record` does.
 */
import { Machine, MACHINE_VERSION } from '../src/core/machine.js';
import { loadGuestImage } from '../src/cli/guest-image.js';
import { createServers } from '../src/servers/create-servers.js';
import { BackgroundJournal } from '../src/timeline/background-journal.js';
import { Recorder } from '../src/timeline/recorder.js';
import { exitWith, linkProgram, S0, addi, sys } from '../test/support/guest-asm.js';
import { li } from '../test/support/rv-encode.js';

const EPOCH = 1_750_000_000_000_000_000n;
const SEED = new Uint8Array(32).fill(3);

/** getpid `n` times, then exit. */
function getpidLoop(n: number): Uint8Array {
  return linkProgram([li(S0, n), { label: 'loop' }, { branch: 'beq', rs1: S0, rs2: 0, to: 'done' }, sys(29), addi(S0, S0, -1), { jal: 0, to: 'loop' }, { label: 'done' }, exitWith(0)]);
}

export interface GetpidRecording {
  readonly events: number;
  readonly icount: number;
  readonly snapshots: number;
  readonly ms: number;
}

/** Record the getpid loop into the new file `file`; `log` hears of progress every ten seconds. */
export async function recordGetpidLoop(file: string, events: number, log: (line: string) => void): Promise<GetpidRecording> {
  const t0 = performance.now();
  const image = loadGuestImage();
  const journal = await BackgroundJournal.start(file, {
    machineVersion: MACHINE_VERSION, imageHash: image.hash, seedHex: Buffer.from(SEED).toString('hex'),
    bootEpochNs: EPOCH.toString(), commandLine: ['bench', 'getpid', String(events)], xrrVersion: 'bench',
  });
  try {
    const program = getpidLoop(Math.ceil(events / 4));
    const m = new Machine({
      seed: SEED, bootEpochNs: EPOCH, initArgv: ['/tmp/getpid'],
      servers: createServers([...image.entries, { path: '/tmp/getpid', kind: 'file', mode: 0o755, data: program }], EPOCH),
    });
    const recorder = new Recorder(m, journal, { snapshotNow: false });
    const err = m.boot();
    if (err) throw new Error(err);
    recorder.snapshot();
    for (;;) {
      const until = performance.now() + 10_000;
      const stop = recorder.run(Number.MAX_SAFE_INTEGER, () => performance.now() > until);
      if (stop.kind === 'halted') break;
      if (stop.kind === 'idle') throw new Error('the getpid loop waits for input');
      log(`recording: icount ${m.icount.toLocaleString('en-US')}...`);
    }
    const stored = await journal.close();
    return { events: stored, icount: m.icount, snapshots: journal.snapshots, ms: performance.now() - t0 };
  } catch (e) {
    await journal.close().catch(() => 0);
    throw e;
  }
}
