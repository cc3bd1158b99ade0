/**
 * Recordings made for tests: the real machine (test/support/boot.ts) recorded by the timeline's
 * Recorder into a MemoryJournalStore, console input fed whenever every process waits; and the
 * same run straight, without a journal, to compare a replayed machine with.
 */
import { createHash } from 'node:crypto';
import type { Machine } from '../../src/core/machine.js';
import { ROOT_BRANCH } from '../../src/journal/ids.js';
import { MemoryJournalStore } from '../../src/journal/memory-store.js';
import type { JournalStore } from '../../src/journal/store.js';
import { StoreTarget } from '../../src/timeline/record-target.js';
import { Recorder } from '../../src/timeline/recorder.js';
import { newMachine, seedBytes, type BootOptions } from './boot.js';

export interface TestRun {
  readonly seed: number;
  readonly input: readonly string[];
  readonly initArgv?: string[];
  readonly files?: Record<string, Uint8Array>;
}

export function stateHash(m: Machine): string {
  return createHash('sha256').update(JSON.stringify(m.getState())).digest('hex');
}

function bootOptions(run: TestRun): BootOptions {
  return { seed: run.seed, initArgv: run.initArgv, files: run.files };
}

/** Record `run` to its end (init exits, or it waits with no input left); a snapshot every `interval` instructions. */
export async function recordRun(run: TestRun, interval = 3_000_000): Promise<{ store: JournalStore; machine: Machine; output: string }> {
  const store = await MemoryJournalStore.create();
  store.createRecording({ machineVersion: 'test', imageHash: 'x', seedHex: Buffer.from(seedBytes(run.seed)).toString('hex'), bootEpochNs: '1750000000000000000', commandLine: [], xrrVersion: 'test' });
  const { machine, output } = newMachine(bootOptions(run));
  const recorder = new Recorder(machine, new StoreTarget(store, ROOT_BRANCH), { interval, snapshotNow: false });
  const err = machine.boot();
  if (err) throw new Error(err);
  recorder.snapshot();
  const input = [...run.input];
  for (;;) {
    const stop = recorder.run();
    const next = input.shift();
    if (stop.kind !== 'idle' || next === undefined) break;
    machine.input(new TextEncoder().encode(next));
  }
  store.flush();
  return { store, machine, output: output() };
}

/**
 * The same run straight to `icount`, without a journal: input goes in when every process waits
 * before `icount` (and at `icount` too with `inputsAtEnd`, where a run stopped after the input).
 */
export function straightTo(run: TestRun, icount: number, opts: { readonly inputsAtEnd?: boolean } = {}): Machine {
  const { machine } = newMachine(bootOptions(run));
  const err = machine.boot();
  if (err) throw new Error(err);
  const input = [...run.input];
  for (;;) {
    const stop = machine.run(icount);
    const next = input[0];
    if (stop.kind === 'idle' && next !== undefined && (machine.icount < icount || (opts.inputsAtEnd === true && machine.icount === icount))) {
      input.shift();
      machine.input(new TextEncoder().encode(next));
      continue;
    }
    return machine;
  }
}
