/**
 * The first divergence of two timelines. The journal chains every event's hash to the previous
 * one's (event-row.ts), so equal hashes at position k mean equal timelines up to k: the end of a
 * shared prefix is found by bisection over the two chains, a few dozen row reads whatever the
 * length. Past it (or from the start, when the recordings were sealed with other keys, or booted
 * with another seed) the derived events are compared by meaning, pairwise, until two differ.
 */
import type { JournalSeq } from '../journal/ids.js';
import type { StoredEvent } from '../journal/store.js';
import type { JournalWires } from '../export/journal-wires.js';
import { isInput, sameMeaning } from './event-meaning.js';
import type { DiffSide } from './side.js';

export interface FirstDivergence {
  /** Events the two timelines share row for row (equal hash chains up to here). */
  readonly sharedPrefix: number;
  /** 'hash': the first differing rows are the divergence; 'meaning': found by comparing events past them. */
  readonly foundBy: 'hash' | 'meaning';
  /** Derived events found equal by meaning past the shared prefix, before the divergence. */
  readonly equalByMeaning: number;
  /** The first derived event of each side that has no equal on the other; null where that side ended. */
  readonly a: StoredEvent | null;
  readonly b: StoredEvent | null;
}

export type FirstDivergenceResult =
  | { readonly equal: true; readonly identical: boolean; readonly sharedPrefix: number; readonly equalByMeaning: number }
  | ({ readonly equal: false } & FirstDivergence);

function sameHash(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hashAt(side: DiffSide, seq: number): Uint8Array | undefined {
  return side.store.eventAt(side.branch, seq as JournalSeq)?.hash;
}

/** How many events the two timelines share row for row: bisection over the hash chains. */
export function sharedPrefix(a: DiffSide, b: DiffSide): number {
  const n = Math.min(a.length, b.length);
  if (n === 0) return 0;
  if (sameHash(hashAt(a, n - 1), hashAt(b, n - 1))) return n;
  // Invariant: rows before lo are shared; the row at hi is not.
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = lo + ((hi - lo) >> 1);
    if (sameHash(hashAt(a, mid), hashAt(b, mid))) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The derived (not input) events of a side from a position on. */
export function* derivedEvents(side: DiffSide, fromSeq: number): Generator<StoredEvent> {
  for (const e of side.store.iterateEvents(side.branch, { fromSeq: fromSeq as JournalSeq })) if (!isInput(e.event)) yield e;
}

/** Events compared by meaning between two progress reports. */
const PROGRESS_EVERY = 10_000;

export function firstDivergence(a: DiffSide, wa: JournalWires, b: DiffSide, wb: JournalWires, progress?: (comparedByMeaning: number) => void): FirstDivergenceResult {
  const shared = sharedPrefix(a, b);
  if (shared === a.length && shared === b.length) return { equal: true, identical: true, sharedPrefix: shared, equalByMeaning: 0 };
  const ia = derivedEvents(a, shared);
  const ib = derivedEvents(b, shared);
  let equalByMeaning = 0;
  for (;;) {
    const ea = ia.next();
    const eb = ib.next();
    if (ea.done && eb.done) return { equal: true, identical: false, sharedPrefix: shared, equalByMeaning };
    const x = ea.done ? null : ea.value;
    const y = eb.done ? null : eb.value;
    if (x === null || y === null || !sameMeaning(x.event, wa, y.event, wb, true)) {
      return { equal: false, sharedPrefix: shared, foundBy: equalByMeaning === 0 && x?.seq === shared && y?.seq === shared ? 'hash' : 'meaning', equalByMeaning, a: x, b: y };
    }
    equalByMeaning++;
    if (progress && equalByMeaning % PROGRESS_EVERY === 0) progress(equalByMeaning);
  }
}
