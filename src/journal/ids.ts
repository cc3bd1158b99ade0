/**
 * Branded ids (STYLE.md 9) for the journal's coordinates, so that a branch id is never passed
 * where a sequence number or an icount is expected. The constructors check the range once at the
 * edge; inside, the brand carries the proof.
 */
import { JournalError } from './errors.js';

/** A branch (timeline) of the recording; the root branch is ROOT_BRANCH. */
export type BranchId = number & { readonly __brand: 'BranchId' };
/**
 * Position of an event in a branch's timeline: 0 for the first event of the recording, counted
 * through the parent chain, so a child forked at seq f numbers its own first event f.
 */
export type JournalSeq = number & { readonly __brand: 'JournalSeq' };
/** Guest instructions retired since boot (DESIGN.md section 3). */
export type Icount = number & { readonly __brand: 'Icount' };
/** Lowercase hex sha256 of a page's uncompressed bytes. */
export type PageHash = string & { readonly __brand: 'PageHash' };
export type SnapshotId = number & { readonly __brand: 'SnapshotId' };

export const ROOT_BRANCH = 1 as BranchId;

function checkCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new JournalError('BAD_ARGUMENT', `${what} must be a non-negative safe integer, got ${String(n)}`);
}

export function branchId(n: number): BranchId {
  checkCount(n, 'branch id');
  if (n === 0) throw new JournalError('BAD_ARGUMENT', 'branch ids start at 1');
  return n as BranchId;
}

export function journalSeq(n: number): JournalSeq {
  checkCount(n, 'journal seq');
  return n as JournalSeq;
}

export function icount(n: number): Icount {
  checkCount(n, 'icount');
  return n as Icount;
}

export function snapshotId(n: number): SnapshotId {
  checkCount(n, 'snapshot id');
  return n as SnapshotId;
}

const PAGE_HASH = /^[0-9a-f]{64}$/;

export function pageHash(hex: string): PageHash {
  if (!PAGE_HASH.test(hex)) throw new JournalError('BAD_ARGUMENT', `a page hash is 64 lowercase hex digits, got ${JSON.stringify(hex.slice(0, 80))}`);
  return hex as PageHash;
}

/**
 * Seqs per branch in the event table's key: id = (branch - 1) * SEQS_PER_BRANCH + seq
 * (migrations/0004). With ids exact below 2^53, that allows MAX_BRANCHES branches of up to 2^40
 * events each.
 */
export const SEQS_PER_BRANCH = 2 ** 40;
export const MAX_BRANCHES = 2 ** 13;

/** The event table's key of a branch's row at seq. */
export function eventRowId(branch: BranchId, seq: number): number {
  return (branch - 1) * SEQS_PER_BRANCH + seq;
}
