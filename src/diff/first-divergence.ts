/**
 * The first divergence of two timelines. The journal chains a hash per block of 256 events to the
 * previous block's (block-chain.ts), so equal block hashes mean equal timelines up to the block's
 * end: the end of a shared prefix is found by bisection over the two chains and one block of rows,
 * a few dozen reads whatever the length. Past it (or from the start, when the recordings were sealed with other keys, or booted
 * with another seed) the derived events are compared by meaning, pairwise, until two differ.
 */
import type { JournalSeq } from '../journal/ids.js';
import { BLOCK_EVENTS, blockOf } from '../journal/index.js';
import type { RawEventRow, StoredEvent } from '../journal/store.js';
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

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether the chains agree through block `index`: equal timelines up to its last event. */
function sameBlock(a: DiffSide, b: DiffSide, index: number): boolean {
  const x = a.store.timelineBlock(a.branch, index);
  const y = b.store.timelineBlock(b.branch, index);
  return x !== null && y !== null && x.count === y.count && sameHash(x.hash, y.hash);
}

/** Two stored rows hold the same event (every column but the branch that stores it). */
function sameRow(x: RawEventRow, y: RawEventRow): boolean {
  return (
    x.seq === y.seq && x.icount === y.icount && x.seqInIcount === y.seqInIcount && x.kind === y.kind && x.pid === y.pid &&
    x.nr === y.nr && x.a0 === y.a0 && x.a1 === y.a1 && x.a2 === y.a2 && x.a3 === y.a3 && x.a4 === y.a4 && x.a5 === y.a5 &&
    x.name === y.name && x.body === y.body &&
    (x.data === y.data || (x.data !== null && y.data !== null && sameHash(x.data, y.data)))
  );
}

/**
 * How many events the two timelines share row for row: bisection over the chains' blocks (a
 * block's hash covers every event before its end), then the rows of the first block that differs.
 */
export function sharedPrefix(a: DiffSide, b: DiffSide): number {
  const n = Math.min(a.length, b.length);
  if (n === 0) return 0;
  // The block holding the last common position, when the timelines are as long: one read each.
  if (a.length === b.length && sameBlock(a, b, blockOf(n - 1))) return n;
  // Invariant: blocks before lo agree; block hi (the first not wholly inside both) is unknown.
  let lo = 0;
  let hi = Math.floor(n / BLOCK_EVENTS);
  while (lo < hi) {
    const mid = lo + ((hi - lo) >> 1);
    if (sameBlock(a, b, mid)) lo = mid + 1;
    else hi = mid;
  }
  const from = lo * BLOCK_EVENTS;
  const count = Math.min(BLOCK_EVENTS, n - from);
  const ra = a.store.timelineRows(a.branch, from, count);
  const rb = b.store.timelineRows(b.branch, from, count);
  for (let i = 0; i < count; i++) {
    const x = ra[i];
    const y = rb[i];
    if (x === undefined || y === undefined || !sameRow(x, y)) return from + i;
  }
  return from + count;
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
