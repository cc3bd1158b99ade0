/**
 * Where a branch ends: its last event, or further where the run that recorded it stopped between
 * two events (a live run paused, a run cut at --max-instructions): the Recorder's snapshot there,
 * taken after every event of the branch, marks how far the machine went.
 */
import type { BranchId, Icount } from '../journal/ids.js';
import type { JournalStore } from '../journal/store.js';

export function branchEndIcount(store: JournalStore, branch: BranchId): number {
  const last = store.events(branch, { order: 'desc', limit: 1 })[0]?.icount ?? 0;
  // The latest snapshot is one indexed lookup (the TUI asks on every frame); it counts only when
  // it is the branch's own and after all its events.
  const s = store.nearestSnapshot(branch, Number.MAX_SAFE_INTEGER as Icount);
  return s !== null && s.branch === branch && s.seq === store.branchLength(branch) && s.icount > last ? s.icount : last;
}
