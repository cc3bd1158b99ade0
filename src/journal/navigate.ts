/**
 * Moving through a recording: by instruction, by event, by system call of a process, and to
 * the previous or next event matching a filter (reverse-continue / continue). A position is
 * an icount on a branch; every move returns the machine there (seek = nearest snapshot plus a
 * bounded replay) together with the event that motivated the move.
 */
import type { MachineEventKind } from '../core/events.js';
import type { BranchId, JournalSeq } from './ids.js';
import { seek, type ReplayResult } from './replay.js';
import type { EventFilter, JournalStore, StoredEvent } from './store.js';

export interface Position {
  readonly branch: BranchId;
  readonly icount: number;
}

export interface Move {
  readonly result: ReplayResult;
  /** The event the move went to, when it went to one. */
  readonly event: StoredEvent | null;
}

/** One instruction forward (+1) or back (-1); clamped at 0. */
export function stepInstruction(store: JournalStore, at: Position, delta: 1 | -1): Move {
  return { result: seek(store, at.branch, Math.max(0, at.icount + delta)), event: null };
}

/** The timeline position of the first event at or after `icount` on `branch`. */
function seqAt(store: JournalStore, branch: BranchId, icount: number): JournalSeq {
  const e = store.events(branch, { fromIcount: icount as never, limit: 1 })[0];
  return (e ? e.seq : store.branchLength(branch)) as JournalSeq;
}

/**
 * To the next (dir 1) or previous (dir -1) event matching `filter` strictly after / before the
 * current icount: continue and reverse-continue. Returns null when there is none.
 */
export function toMatch(store: JournalStore, at: Position, dir: 1 | -1, filter: EventFilter = {}): Move | null {
  let e: StoredEvent | null;
  if (dir === 1) {
    const after = store.events(at.branch, { ...filter, fromIcount: (at.icount + 1) as never, limit: 1 })[0] ?? null;
    e = after;
  } else {
    e = store.previousEvent(at.branch, seqAt(store, at.branch, at.icount), filter);
  }
  if (!e) return null;
  return { result: seek(store, at.branch, e.icount), event: e };
}

/** To the next or previous event of any kind. */
export function stepEvent(store: JournalStore, at: Position, dir: 1 | -1): Move | null {
  return toMatch(store, at, dir);
}

/** To the next or previous system call of `pid`. */
export function stepSyscall(store: JournalStore, at: Position, dir: 1 | -1, pid: number): Move | null {
  const kinds: MachineEventKind[] = ['syscall'];
  return toMatch(store, at, dir, { pid, kinds });
}
