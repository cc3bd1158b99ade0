/**
 * Fork: a new branch that starts from the machine at a point of its parent and goes on live,
 * recorded onto the branch (a snapshot at the fork point first, so the branch's seeks start there).
 */
import type { Machine } from '../core/machine.js';
import type { BranchId, Icount, JournalSeq } from '../journal/ids.js';
import type { JournalStore } from '../journal/store.js';
import { copyMachine, type Positioned } from './machines.js';
import { StoreTarget } from './record-target.js';
import { Recorder, type RecorderOptions } from './recorder.js';
import { seek } from './replay.js';
import type { DebugFiles } from '../symbols/debug-files.js';

export interface Fork {
  readonly branch: BranchId;
  readonly machine: Machine;
  /** Records the machine onto the branch: run the branch with recorder.run(). */
  readonly recorder: Recorder;
}

/**
 * Fork `parent` at the machine `at` (a position on it, e.g. where a Replayer stopped). `at` is
 * used as it is, not copied: its events go to the new branch from now on.
 */
export function branchOff(store: JournalStore, parent: BranchId, at: Positioned, label = '', opts: RecorderOptions = {}): Fork {
  const info = store.createBranch({ parent, forkIcount: at.machine.icount as Icount, forkSeq: at.seq as JournalSeq, label });
  const recorder = new Recorder(at.machine, new StoreTarget(store, info.id), opts);
  return { branch: info.id, machine: at.machine, recorder };
}

/**
 * Fork `parent` at `icount`: a seek, then the branch. `debugFiles` (the guest image's): the debug
 * file of each program the branch execs is stored in the recording, as a Recorder does.
 */
export function forkAt(
  store: JournalStore,
  parent: BranchId,
  icount: number,
  label = '',
  opts: { readonly progress?: (icount: number) => void; readonly keySeed?: Uint8Array; readonly debugFiles?: DebugFiles } = {},
): Fork {
  const r = seek(store, parent, icount, opts);
  return branchOff(store, parent, { machine: r.machine, seq: r.seq }, label, { debugFiles: opts.debugFiles });
}

/** Fork `parent` at a copy of a machine at hand (the TUI's cursor): no seek, and `from` stays as it was. */
export function forkFromCopy(store: JournalStore, parent: BranchId, from: Positioned, label = '', debugFiles?: DebugFiles): Fork {
  return branchOff(store, parent, { machine: copyMachine(store, from.machine), seq: from.seq }, label, { debugFiles });
}
