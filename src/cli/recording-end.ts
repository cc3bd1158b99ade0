/** Where a branch ends, and the check that an icount a command is asked for lies within it. */
import type { BranchId } from '../journal/ids.js';
import type { JournalStore } from '../journal/store.js';
import { branchEndIcount } from '../timeline/branch-end.js';
import { UsageError } from './args.js';

/** Where a branch ends (its last event, or where its recording stopped after it; 0 for an empty branch). */
export function endIcount(store: JournalStore, branch: BranchId): number {
  return branchEndIcount(store, branch);
}

/** `at` itself, or a usage error naming the branch's end: a point past it is not silently taken as the end. */
export function withinRecording(store: JournalStore, branch: BranchId, option: string, at: number): number {
  const end = endIcount(store, branch);
  if (at > end) throw new UsageError(`${option} ${at}: beyond the end of the recording (branch ${branch} ends at icount ${end})`);
  return at;
}
