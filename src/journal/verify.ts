/**
 * verify(store): everything a recording promises about itself, checked from the stored bytes.
 * - the container: SQLite's quick_check and the schema objects (SQLite store);
 * - every branch's events: seqs contiguous from the fork point, each row's hash recomputed from
 *   its columns and the previous hash, the chain ending where the branch's recorded head says
 *   (so deleting or truncating rows is caught as well as editing them);
 * - every snapshot: its state decompresses to its recorded size, its pages exist;
 * - every page: it decompresses and the sha256 of its bytes is its key.
 * Problems are returned as values (STYLE.md 8); only a bug throws.
 */
import { JournalError } from './errors.js';
import { hexOfBytes, rowHash, sameBytes, ZERO_HASH } from './event-row.js';
import { sha256Hex } from './base-store.js';
import type { BranchId, PageHash, SnapshotId } from './ids.js';
import type { BranchInfo, JournalStore } from './store.js';

export type VerifyProblem =
  | { readonly kind: 'container'; readonly message: string }
  | { readonly kind: 'event'; readonly branch: BranchId; readonly seq: number; readonly message: string }
  | { readonly kind: 'branch'; readonly branch: BranchId; readonly message: string }
  | { readonly kind: 'snapshot'; readonly snapshot: SnapshotId; readonly message: string }
  | { readonly kind: 'page'; readonly hash: PageHash; readonly message: string };

export interface VerifyReport {
  readonly ok: boolean;
  /** The first event row whose chain breaks, in branch then seq order. */
  readonly firstBrokenEvent: { readonly branch: BranchId; readonly seq: number; readonly message: string } | null;
  readonly problems: readonly VerifyProblem[];
  readonly branches: number;
  readonly events: number;
  readonly snapshots: number;
  readonly pages: number;
}

export interface VerifyOptions {
  /** Stop collecting after this many problems (default 100). */
  readonly maxProblems?: number;
  /** Called now and then with a phase and a count, for a progress bar. */
  readonly progress?: (phase: 'events' | 'snapshots' | 'pages', done: number) => void;
}

const PAGE = 4096;

/** The stored hash of event seq in a branch's timeline, read from whichever ancestor owns the row. */
function hashAt(store: JournalStore, byId: ReadonlyMap<number, BranchInfo>, branch: BranchId, seq: number): Uint8Array | null {
  for (let b = byId.get(branch); b !== undefined; b = b.parent === null ? undefined : byId.get(b.parent)) {
    if (seq >= b.forkSeq) {
      const r = store.rawEvents(b.id, seq, 1)[0];
      return r !== undefined && r.seq === seq ? r.hash : null;
    }
  }
  return null;
}

interface Ctx {
  readonly store: JournalStore;
  readonly options: VerifyOptions;
  readonly add: (p: VerifyProblem) => void;
  readonly branches: readonly BranchInfo[];
}

export function verify(store: JournalStore, options: VerifyOptions = {}): VerifyReport {
  const max = options.maxProblems ?? 100;
  const problems: VerifyProblem[] = [];
  let firstBrokenEvent: VerifyReport['firstBrokenEvent'] = null;
  const add = (p: VerifyProblem): void => {
    if (p.kind === 'event' && firstBrokenEvent === null) firstBrokenEvent = { branch: p.branch, seq: p.seq, message: p.message };
    if (problems.length < max) problems.push(p);
  };
  // A file damaged beyond what a check expects makes the store throw JournalError (CORRUPT,
  // IO); that ends the phase as one more problem rather than ending verify.
  const guarded = <T>(phase: string, fallback: T, fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof JournalError)) throw e;
      add({ kind: 'container', message: `${phase}: ${e.message}` });
      return fallback;
    }
  };
  const branches = guarded('container', [] as readonly BranchInfo[], () => {
    store.flush();
    for (const message of store.checkIntegrity()) add({ kind: 'container', message });
    if (store.getRecording() === null) add({ kind: 'container', message: 'no recording row' });
    return store.listBranches();
  });
  const ctx: Ctx = { store, options, add, branches };
  const events = guarded('events', 0, () => verifyEvents(ctx));
  const snapshots = guarded('snapshots', 0, () => verifySnapshots(ctx));
  const pages = guarded('pages', 0, () => verifyPages(ctx));
  return { ok: problems.length === 0 && firstBrokenEvent === null, firstBrokenEvent, problems, branches: branches.length, events, snapshots, pages };
}

function verifyEvents({ store, options, add, branches }: Ctx): number {
  let events = 0;
  const byId = new Map(branches.map((b) => [b.id as number, b]));
  for (const b of branches) {
    if (b.parent !== null && !byId.has(b.parent)) {
      add({ kind: 'branch', branch: b.id, message: `parent branch ${b.parent} does not exist` });
      continue;
    }
    // The chain enters the branch from the parent's event just before the fork point.
    let prev: Uint8Array = ZERO_HASH;
    if (b.parent !== null && b.forkSeq > 0) {
      const before = hashAt(store, byId, b.parent, b.forkSeq - 1);
      if (before === null) {
        add({ kind: 'branch', branch: b.id, message: `forks at seq ${b.forkSeq}, but the parent has no event ${b.forkSeq - 1}` });
        continue;
      }
      prev = before;
    }
    let expectSeq: number = b.forkSeq;
    let broken = false;
    for (;;) {
      const rows = store.rawEvents(b.id, expectSeq, PAGE);
      for (const r of rows) {
        if (r.seq !== expectSeq) {
          add({ kind: 'event', branch: b.id, seq: expectSeq, message: `row ${expectSeq} is missing (next stored row is ${r.seq})` });
          broken = true;
          break;
        }
        const h = rowHash(prev, r);
        if (!(r.hash instanceof Uint8Array) || !sameBytes(h, r.hash)) {
          const stored = r.hash instanceof Uint8Array ? hexOfBytes(r.hash).slice(0, 16) : String(r.hash);
          add({ kind: 'event', branch: b.id, seq: r.seq, message: `hash mismatch: stored ${stored}..., recomputed ${hexOfBytes(h).slice(0, 16)}... (this row was altered)` });
          broken = true;
          break;
        }
        prev = r.hash;
        expectSeq++;
        events++;
      }
      if (broken || rows.length < PAGE) break;
      options.progress?.('events', events);
    }
    if (broken) continue;
    const head = store.recordedHead(b.id);
    if (head.length !== expectSeq) {
      add({ kind: 'event', branch: b.id, seq: expectSeq, message: `the branch recorded ${head.length} events, ${expectSeq} are stored (rows lost at the end)` });
    } else if (expectSeq > b.forkSeq && (head.hash === null || !sameBytes(head.hash, prev))) {
      add({ kind: 'event', branch: b.id, seq: expectSeq - 1, message: "the last row does not match the branch's recorded head hash" });
    }
  }
  return events;
}

function verifySnapshots({ store, options, add, branches }: Ctx): number {
  const snapshots = store.allSnapshots();
  let done = 0;
  for (const s of snapshots) {
    try {
      const state = store.loadSnapshotState(s.id);
      if (state.length !== s.stateBytes) add({ kind: 'snapshot', snapshot: s.id, message: `state decompresses to ${state.length} bytes, ${s.stateBytes} recorded` });
    } catch (e) {
      if (!(e instanceof JournalError)) throw e;
      add({ kind: 'snapshot', snapshot: s.id, message: `state does not decompress: ${e.message}` });
    }
    const pages = store.snapshotPages(s.id);
    if (pages.length !== s.pageCount) add({ kind: 'snapshot', snapshot: s.id, message: `lists ${pages.length} pages, ${s.pageCount} recorded` });
    const missing = pages.find((h) => !store.hasPage(h));
    if (missing !== undefined) add({ kind: 'snapshot', snapshot: s.id, message: `refers to page ${missing}, which is not stored` });
    if (!branches.some((b) => b.id === s.branch)) add({ kind: 'snapshot', snapshot: s.id, message: `belongs to branch ${s.branch}, which does not exist` });
    if (++done % 64 === 0) options.progress?.('snapshots', done);
  }
  return snapshots.length;
}

function verifyPages({ store, options, add }: Ctx): number {
  let pages = 0;
  let after: PageHash | null = null;
  for (;;) {
    const hashes = store.pageHashes(after, PAGE);
    for (const h of hashes) {
      pages++;
      try {
        const bytes = store.getPage(h);
        if (bytes === null) add({ kind: 'page', hash: h, message: 'listed but not readable' });
        else if (sha256Hex(bytes) !== h) add({ kind: 'page', hash: h, message: `content hashes to ${sha256Hex(bytes)}, not its key` });
      } catch (e) {
        if (!(e instanceof JournalError)) throw e;
        add({ kind: 'page', hash: h, message: `does not decompress: ${e.message}` });
      }
    }
    if (hashes.length < PAGE) return pages;
    after = hashes[hashes.length - 1]!;
    options.progress?.('pages', pages);
  }
}
