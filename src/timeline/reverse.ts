/**
 * Running backwards, as a loop over the Replayer: the last position before a point where a
 * condition holds (reverse-continue to a breakpoint, the last write to a watched range, the last
 * event matching a predicate). From the snapshot before the point, run forward to it remembering
 * every stop; if there was none, do the same from the snapshot before that one.
 */
import type { BranchId, Icount } from '../journal/ids.js';
import type { JournalStore, SnapshotRecord } from '../journal/store.js';
import { DivergenceError } from './divergence.js';
import { Replayer } from './replayer.js';
import type { RunOutcome, StopAt } from './stop-condition.js';

export interface LastStop {
  readonly icount: number;
  /** Timeline position there. */
  readonly seq: number;
  readonly outcome: Extract<RunOutcome, { kind: 'stopped' }>;
  /** The replayer, stopped there: go on from it (step, inspect, fork). */
  readonly replayer: Replayer;
}

/**
 * The last position strictly before icount `before` on `branch` where `stop` holds, or null when
 * there is none since the first snapshot. Throws DivergenceError if the recording does not replay.
 */
export function lastStopBefore(store: JournalStore, branch: BranchId, before: number, stop: StopAt): LastStop | null {
  let snap: SnapshotRecord | null = store.nearestSnapshot(branch, Math.max(0, before - 1) as Icount);
  // The window a replay from `snap` searches ends at `upper`: strictly before the point asked
  // for, then at the next window's snapshot (which that window could not see a stop at).
  let upper = before;
  let inclusive = false;
  while (snap) {
    const found = lastIn(store, branch, snap, upper, inclusive, stop);
    if (found) return found;
    if (snap.icount === 0) return null;
    upper = snap.icount;
    inclusive = true;
    snap = store.nearestSnapshot(branch, (snap.icount - 1) as Icount);
  }
  return null;
}

function lastIn(store: JournalStore, branch: BranchId, snap: SnapshotRecord, upper: number, inclusive: boolean, stop: StopAt): LastStop | null {
  const inside = (icount: number) => (inclusive ? icount <= upper : icount < upper);
  let last: { icount: number; seq: number; outcome: Extract<RunOutcome, { kind: 'stopped' }> } | null = null;
  const r = Replayer.atSnapshot(store, branch, snap);
  for (;;) {
    const out = r.runUntil([stop, { kind: 'icount', icount: upper }]);
    if (out.kind === 'divergence') throw new DivergenceError(out.divergence);
    if (out.kind !== 'stopped' || out.at !== stop || !inside(r.icount)) break;
    last = { icount: r.icount, seq: r.seq, outcome: out };
    if (r.icount >= upper) break;
  }
  if (!last) return null;
  // Back to the last stop: a second run from the snapshot, stopping there.
  const at = Replayer.atSnapshot(store, branch, snap);
  for (;;) {
    const out = at.runUntil([stop, { kind: 'icount', icount: upper }]);
    if (out.kind === 'divergence') throw new DivergenceError(out.divergence);
    if (at.icount >= last.icount && at.seq >= last.seq) return { ...last, replayer: at };
    if (out.kind !== 'stopped') return null;
  }
}
