/**
 * verify(store): everything a recording promises about itself, checked from the stored bytes,
 * in one read transaction (a recording still being written commits meanwhile).
 * - the container: SQLite's integrity_check (indexes against their tables) and the schema objects (SQLite store);
 * - every branch's events: seqs contiguous from the fork point, each chain block's hash
 *   recomputed from its rows and the previous block's hash (block-chain.ts), every stored block
 *   accounted for, the chain ending where the branch's recorded head says (so deleting or
 *   truncating rows is caught as well as editing them); a bad block is reported at its first event;
 * - the seal (seal.ts), with the recording's key: every block's tag, every head's tag; without
 *   it (a shared copy) only what the unkeyed hashes show;
 * - every branch's snapshot list chains to what its row records (none deleted or added);
 * - every snapshot: its state decompresses to its recorded size and matches its digest (and tag), its pages exist;
 * - every page: it decompresses and the sha256 of its bytes is its key;
 * - every debug file: it decompresses to its recorded size and sha256 and (with the key) its tag
 *   holds, so an edited ELF or a key moved to another program is caught.
 * Problems are returned as values (STYLE.md 8); only a bug throws.
 */
import { JournalError } from './errors.js';
import { BLOCK_EVENTS, blockOf, ChainCursor, ZERO_HASH } from './block-chain.js';
import { hexOf } from '../protocol/hex.js';
import { sameBytes } from './event-row.js';
import { sha256Hex } from './base-store.js';
import type { BranchId, PageHash, SnapshotId } from './ids.js';
import type { SealStatus } from './seal.js';
import type { BranchInfo, JournalStore } from './store.js';

export type VerifyProblem =
  | { readonly kind: 'container'; readonly message: string }
  | { readonly kind: 'event'; readonly branch: BranchId; readonly seq: number; readonly message: string }
  | { readonly kind: 'branch'; readonly branch: BranchId; readonly message: string }
  | { readonly kind: 'snapshot'; readonly snapshot: SnapshotId; readonly message: string }
  | { readonly kind: 'page'; readonly hash: PageHash; readonly message: string }
  /** guestSha256: the debug file's key, the sha256 of the program in the guest's file system. */
  | { readonly kind: 'debug-file'; readonly guestSha256: string; readonly message: string };

export interface VerifyReport {
  readonly ok: boolean;
  /**
   * Where the chain first breaks, in branch then seq order: the first event of the branch's own
   * rows in the bad block (the chain locates an altered row to its block of BLOCK_EVENTS events).
   */
  readonly firstBrokenEvent: { readonly branch: BranchId; readonly seq: number; readonly message: string } | null;
  readonly problems: readonly VerifyProblem[];
  readonly branches: number;
  readonly events: number;
  readonly snapshots: number;
  readonly pages: number;
  readonly debugFiles: number;
  /** Whether the keyed tags were checked: 'keyed'; 'withheld' (a shared copy); 'none' (made before schema 5). */
  readonly seal: SealStatus;
}

export interface VerifyOptions {
  /** Stop collecting after this many problems (default 100). */
  readonly maxProblems?: number;
  /** Called now and then with a phase and a count, for a progress bar. */
  readonly progress?: (phase: 'events' | 'snapshots' | 'pages', done: number) => void;
}

const PAGE = 4096;

interface Ctx {
  readonly store: JournalStore;
  readonly options: VerifyOptions;
  readonly add: (p: VerifyProblem) => void;
  readonly branches: readonly BranchInfo[];
}

export function verify(store: JournalStore, options: VerifyOptions = {}): VerifyReport {
  store.flush();
  return store.readConsistently(() => verifyNow(store, options));
}

function verifyNow(store: JournalStore, options: VerifyOptions): VerifyReport {
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
    for (const message of store.checkIntegrity()) add({ kind: 'container', message });
    if (store.getRecording() === null) add({ kind: 'container', message: 'no recording row' });
    return store.listBranches();
  });
  const ctx: Ctx = { store, options, add, branches };
  const events = guarded('events', 0, () => verifyEvents(ctx));
  const snapshots = guarded('snapshots', 0, () => verifySnapshots(ctx));
  const pages = guarded('pages', 0, () => verifyPages(ctx));
  const debugFiles = guarded('debug files', 0, () => verifyDebugFiles(ctx));
  const seal = guarded('seal', 'none' as SealStatus, () => store.sealStatus());
  return { ok: problems.length === 0 && firstBrokenEvent === null, firstBrokenEvent, problems, branches: branches.length, events, snapshots, pages, debugFiles, seal };
}

function verifyEvents({ store, options, add, branches }: Ctx): number {
  let events = 0;
  const byId = new Map(branches.map((b) => [b.id as number, b]));
  for (const b of branches) {
    if (b.parent !== null && !byId.has(b.parent)) {
      add({ kind: 'branch', branch: b.id, message: `parent branch ${b.parent} does not exist` });
      continue;
    }
    // The chain enters the branch's first block from the parent's timeline: the hash of the block
    // before, then the parent's events of that block up to the fork point.
    const firstBlock = blockOf(b.forkSeq);
    let prev: Uint8Array = ZERO_HASH;
    let inherited: ReturnType<JournalStore['timelineRows']> = [];
    if (b.parent !== null && b.forkSeq > 0) {
      if (firstBlock > 0) {
        const before = store.timelineBlock(b.parent, firstBlock - 1);
        if (before === null || before.count !== BLOCK_EVENTS) {
          add({ kind: 'branch', branch: b.id, message: `forks at seq ${b.forkSeq}, but the parent's hash chain has no block ${firstBlock - 1}` });
          continue;
        }
        prev = before.hash;
      }
      const from = firstBlock * BLOCK_EVENTS;
      inherited = store.timelineRows(b.parent, from, b.forkSeq - from).filter((r) => r.seq < b.forkSeq);
      if (inherited.length !== b.forkSeq - from) {
        add({ kind: 'branch', branch: b.id, message: `forks at seq ${b.forkSeq}, but the parent has no event ${from + inherited.length}` });
        continue;
      }
    }
    const chain = ChainCursor.at(b.forkSeq, prev, inherited);
    const stored = new Map<number, { count: number; hash: Uint8Array }>();
    for (let from = firstBlock; ; ) {
      const page = store.eventBlocks(b.id, from, PAGE);
      for (const x of page) stored.set(x.index, x);
      if (page.length < PAGE) break;
      from = page[page.length - 1]!.index + 1;
    }
    /** Holds the block just completed (or the partial last one) to its stored row; false when it breaks. */
    const checkBlock = (index: number, count: number, hash: Uint8Array): boolean => {
      const first = Math.max(index * BLOCK_EVENTS, b.forkSeq);
      const last = index * BLOCK_EVENTS + count - 1;
      const s = stored.get(index);
      stored.delete(index);
      if (s === undefined) {
        add({ kind: 'event', branch: b.id, seq: first, message: `block ${index} (events ${first}..${last}) has no stored hash (the chain was cut)` });
        return false;
      }
      if (s.count !== count || !sameBytes(s.hash, hash)) {
        const what = s.count !== count ? `stores ${s.count} events' hash, ${count} are there` : `hash mismatch: stored ${hexOf(s.hash).slice(0, 16)}..., recomputed ${hexOf(hash).slice(0, 16)}...`;
        add({ kind: 'event', branch: b.id, seq: first, message: `block ${index} (events ${first}..${last}): ${what} (an event in it was altered)` });
        return false;
      }
      if (store.checkBlockSeal(b.id, index, count, hash) === 'bad') {
        add({ kind: 'event', branch: b.id, seq: first, message: `block ${index} (events ${first}..${last}) fails its seal: an event in it or before it was altered and the hashes recomputed` });
        return false;
      }
      return true;
    };
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
        if (chain.add(r) && !checkBlock(chain.block - 1, BLOCK_EVENTS, chain.previousBlockHash)) {
          broken = true;
          break;
        }
        expectSeq++;
        events++;
      }
      if (broken || rows.length < PAGE) break;
      options.progress?.('events', events);
    }
    if (broken) continue;
    const head = store.recordedHead(b.id);
    if (head.length !== expectSeq) {
      // Checked before the last block, whose stored hash covers the lost rows too.
      add({ kind: 'event', branch: b.id, seq: expectSeq, message: `the branch recorded ${head.length} events, ${expectSeq} are stored (rows lost at the end)` });
      continue;
    }
    if (chain.rowsInBlock > 0 && expectSeq > b.forkSeq && !checkBlock(chain.block, chain.rowsInBlock, chain.current())) continue;
    if (expectSeq > b.forkSeq && (head.hash === null || !sameBytes(head.hash, chain.current()))) {
      add({ kind: 'event', branch: b.id, seq: expectSeq - 1, message: "the last row does not match the branch's recorded head hash" });
      continue;
    }
    const sealProblem = store.branchSealProblem(b.id);
    if (sealProblem !== null) {
      // A cut tail with a rewritten head, or a deleted snapshot: the head's tag no longer holds.
      add({ kind: 'event', branch: b.id, seq: expectSeq, message: sealProblem });
    } else if (stored.size > 0) {
      const extra = Math.min(...stored.keys());
      add({ kind: 'branch', branch: b.id, message: `stores a hash for block ${extra}, past its last event ${expectSeq - 1}` });
    }
  }
  return events;
}

function verifySnapshots({ store, options, add, branches }: Ctx): number {
  const snapshots = store.allSnapshots();
  let done = 0;
  for (const s of snapshots) {
    try {
      const problem = store.snapshotProblem(s.id);
      if (problem !== null) add({ kind: 'snapshot', snapshot: s.id, message: problem });
      else {
        const state = store.loadSnapshotState(s.id);
        if (state.length !== s.stateBytes) add({ kind: 'snapshot', snapshot: s.id, message: `state decompresses to ${state.length} bytes, ${s.stateBytes} recorded` });
      }
    } catch (e) {
      if (!(e instanceof JournalError)) throw e;
      add({ kind: 'snapshot', snapshot: s.id, message: `state does not load: ${e.message}` });
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
        add({ kind: 'page', hash: h, message: `does not load: ${e.message}` });
      }
    }
    if (hashes.length < PAGE) return pages;
    after = hashes[hashes.length - 1]!;
    options.progress?.('pages', pages);
  }
}

function verifyDebugFiles({ store, add }: Ctx): number {
  const keys = store.debugFileKeys();
  for (const k of keys) {
    try {
      // Loading checks all a debug file promises (size, sha256, tag) and throws CORRUPT otherwise.
      if (store.debugFile(k) === null) add({ kind: 'debug-file', guestSha256: k, message: 'listed but not readable (its key is not 32 bytes)' });
    } catch (e) {
      if (!(e instanceof JournalError)) throw e;
      add({ kind: 'debug-file', guestSha256: k, message: e.message });
    }
  }
  return keys.length;
}
