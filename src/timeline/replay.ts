/**
 * Replay and seek as loops over the Replayer: `replay` re-executes a branch and holds every
 * event to the recording, `seek` gives the machine at an icount. Both throw DivergenceError with
 * the Replayer's divergence (the same answer `xrr replay` prints and the TUI marks D).
 */
import type { MachineEvent } from '../core/events.js';
import type { Machine } from '../core/machine.js';
import type { BranchId, Icount } from '../journal/ids.js';
import type { JournalStore, SnapshotRecord } from '../journal/store.js';
import { branchEndIcount } from './branch-end.js';
import { DivergenceError } from './divergence.js';
import { Replayer } from './replayer.js';

/** Instructions between two progress reports. */
const SLICE = 5_000_000;

export interface ReplayOptions {
  /** Stop at this icount (default: the end of the recording). */
  readonly to?: number;
  /**
   * Start from the nearest snapshot at or before this icount (default: the one nearest `to`; with
   * no `to`, the first: a whole replay, which a snapshot where the recording ends would make empty).
   */
  readonly from?: number;
  /** Receives every replayed event that matched (e.g. to print it). */
  readonly onEvent?: (e: MachineEvent) => void;
  /** Console output of the replayed machine. */
  readonly consoleOut?: (bytes: Uint8Array) => void;
  /** Called every few million instructions with the icount reached. */
  readonly progress?: (icount: number) => void;
  /** The key seed of a copy shared without it (see machineOf). */
  readonly keySeed?: Uint8Array;
}

export interface ReplayResult {
  readonly machine: Machine;
  /** Events compared and found equal. */
  readonly matched: number;
  /** The branch timeline position after the last matched event. */
  readonly seq: number;
  /** The snapshot the replay started from. */
  readonly snapshot: SnapshotRecord;
  /** Whether it went through the end of the recording. */
  readonly end: boolean;
}

/** Re-execute `branch` from a snapshot up to `to` (default: the end), checking every event. */
export function replay(store: JournalStore, branch: BranchId, opts: ReplayOptions = {}): ReplayResult {
  store.flush();
  const end = Math.min(opts.to ?? Number.MAX_SAFE_INTEGER, branchEndIcount(store, branch));
  const snapshot = store.nearestSnapshot(branch, (opts.from ?? (opts.to === undefined ? 0 : end)) as Icount) ?? store.listSnapshots(branch)[0];
  if (!snapshot) throw new Error('the recording has no snapshot to replay from');
  const r = Replayer.atSnapshot(store, branch, snapshot, { onEvent: opts.onEvent, console: opts.consoleOut, keySeed: opts.keySeed });
  // A full replay goes through the last recorded event (inputs at its icount too); a seek stops
  // when the machine reaches `to`, before any input that arrived there.
  const target = opts.to === undefined ? Number.MAX_SAFE_INTEGER : opts.to;
  for (;;) {
    const stops = [{ kind: 'icount' as const, icount: target }, { kind: 'icount' as const, icount: Math.min(target, r.icount + SLICE) }];
    const out = r.runUntil(stops);
    opts.progress?.(r.icount);
    if (out.kind === 'divergence') throw new DivergenceError(out.divergence);
    if (out.kind === 'end' || (out.kind === 'stopped' && r.icount >= target)) {
      return { machine: r.machine, matched: r.seq - snapshot.seq, seq: r.seq, snapshot, end: out.kind === 'end' };
    }
  }
}

/** The machine at `icount` on `branch` (the last instruction boundary at or before it, and no further than the recording's end). */
export function seek(store: JournalStore, branch: BranchId, icount: number, opts: Omit<ReplayOptions, 'to' | 'from'> = {}): ReplayResult {
  return replay(store, branch, { ...opts, from: icount, to: icount });
}
