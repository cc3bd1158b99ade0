/**
 * Where a branch ends: its last event, or further where the run that recorded it stopped between
 * two events (a live run paused, a run cut at --max-instructions): the Recorder's snapshot there,
 * taken after every event of the branch, marks how far the machine went.
 */
import type { BranchId } from '../journal/ids.js';
import type { JournalStore } from '../journal/store.js';

export function branchEndIcount(store: JournalStore, branch: BranchId): number {
  const last = store.events(branch, { order: 'desc', limit: 1 })[0]?.icount ?? 0;
  const length = store.branchLength(branch);
  let end = last;
  for (const s of store.listSnapshots(branch)) if (s.branch === branch && s.seq === length && s.icount > end) end = s.icount;
  return end;
}
