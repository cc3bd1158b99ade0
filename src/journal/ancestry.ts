/**
 * A branch and its ancestors, nearest first, for every walk up the fork tree (a store composing a
 * timeline, the schema-4 conversion). An edited parent column can make a branch its own ancestor:
 * the walk then ends with a CORRUPT error naming the loop instead of going round forever.
 */
import { JournalError } from './errors.js';

export interface BranchLink {
  readonly id: number;
  readonly parent: number | null;
}

/** `parentOf` gives the branch of an id, or undefined to end the walk there (a missing parent is the caller's to judge). */
export function* ancestry<B extends BranchLink>(start: B, parentOf: (id: number) => B | undefined): Generator<B> {
  const seen = new Set<number>();
  for (let b: B | undefined = start; b !== undefined; b = b.parent === null ? undefined : parentOf(b.parent)) {
    if (seen.has(b.id)) throw new JournalError('CORRUPT', `the ancestry of branch ${start.id} loops: branch ${b.id} is its own ancestor (run xrr verify)`);
    seen.add(b.id);
    yield b;
  }
}
