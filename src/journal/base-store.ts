/**
 * What both adapters share: buffering and hash-chaining appends, checking fork points and event
 * order, and composing a branch's timeline out of its ancestors' rows. The adapters only supply
 * storage primitives over one branch's own rows, so the contract suite exercises the same
 * timeline logic through both.
 */
import { createHash } from 'node:crypto';
import type { MachineEvent } from '../core/events.js';
import { ancestry } from './ancestry.js';
import { JournalError } from './errors.js';
import { BLOCK_EVENTS, blockOf, ChainCursor, ZERO_HASH } from './block-chain.js';
import { kindOfCode, rowOf, sameBytes, storedOfRow } from './event-row.js';
import { invalidPosition } from './row-batch.js';
import { hexOf } from '../protocol/hex.js';
import { newSealKey, nextSnapshotHash, recordingDigest, Seal, snapshotDigest, type SealStatus } from './seal.js';
import { journalSeq, MAX_BRANCHES, ROOT_BRANCH, type BranchId, type Icount, type JournalSeq, type PageHash, type SnapshotId } from './ids.js';
import {
  DEFAULT_FLUSH_EVERY,
  type Bookmark,
  type BranchInfo,
  type ChannelKey,
  type EventBlock,
  type EventFilter,
  type EventQuery,
  type JournalStore,
  type NewBranch,
  type NewRecording,
  type NewSnapshot,
  type RawEventRow,
  type RecordedHead,
  type RecordingMeta,
  type SnapshotRecord,
  type StoreOptions,
  type StoreStats,
  type StoredEvent,
} from './store.js';
import type { Zstd, ZstdDictionary } from './zstd.js';

const MAX = Number.MAX_SAFE_INTEGER;

/** Where a branch's timeline stands after its last appended event. */
interface Head {
  nextSeq: number;
  chain: ChainCursor;
  /** (icount, seq) of the last event of the timeline, or null before the first. */
  last: { readonly icount: number; readonly seqInIcount: number } | null;
  /** A branch's events cannot precede its fork icount. */
  readonly minIcount: number;
  /** The branch's own snapshots so far, and the chain of their digests. */
  snapshots: number;
  snapshotHash: Uint8Array | null;
}

/** What the seal adds to a branch's row: its snapshot chain and the head's tag. */
export interface SealedHead {
  readonly snapshots: number;
  readonly snapshotHash: Uint8Array | null;
  readonly mac: Uint8Array | null;
}

/** A chain block as committed, with its tag (null without a seal key). */
export interface SealedBlock extends EventBlock {
  readonly mac: Uint8Array | null;
}

/** What a snapshot row adds for the seal. */
export interface SnapshotSeal {
  readonly digest: Uint8Array | null;
  readonly mac: Uint8Array | null;
}

/**
 * One ancestor's share of a timeline: its own rows with lo <= seq < hi; its snapshots with
 * seq <= hi and icount <= maxIcount (the state at the fork point is still the parent's).
 */
export interface Segment {
  readonly branch: BranchId;
  readonly lo: number;
  readonly hi: number;
  readonly maxIcount: number;
}

/** A filter with its defaults filled in and one segment's seq bounds applied (inclusive). */
export interface SegmentFilter {
  readonly pid: number | null;
  readonly kinds: readonly string[] | null;
  readonly loIcount: number;
  readonly hiIcount: number;
  readonly loSeq: number;
  readonly hiSeq: number;
}

export type PendingRow = RawEventRow;

/** What one flush commits besides the rows: the chain blocks they filled or extended, and the heads. */
export interface PendingChain {
  readonly blocks: readonly SealedBlock[];
  readonly heads: ReadonlyMap<BranchId, RecordedHead>;
  readonly headMacs: ReadonlyMap<BranchId, Uint8Array | null>;
}

/**
 * A debug file as stored (migration 0011): `guestSha256` is the sha256 (hex) of the program as the
 * guest's file system held it, `sha256` (hex) that of the full ELF, `data` the ELF compressed.
 */
export interface DebugFileRow {
  readonly guestSha256: string;
  readonly size: number;
  readonly sha256: string;
  /** The seal's tag (null when the recording has no seal key). */
  readonly mac: Uint8Array | null;
  readonly data: Uint8Array;
  /** null, or the key of the debug file whose ELF `data` was compressed against (a raw-content dictionary). */
  readonly base: string | null;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A row's kind for a message. */
function kindText(code: number): string {
  return kindOfCode(code) ?? `kind ${code}`;
}

export function sha256Hex(bytes: Uint8Array): PageHash {
  return createHash('sha256').update(bytes).digest('hex') as PageHash;
}

/** Decompressed pages kept (32 MiB of 4 KiB pages). */
const PAGE_CACHE = 8192;

export abstract class BaseJournalStore implements JournalStore {
  abstract readonly schemaVersion: number;
  protected readonly flushEvery: number;
  private pending: PendingRow[] = [];
  /** Blocks completed by the pending rows (a block still being filled is added at flush). */
  private completedBlocks: EventBlock[] = [];
  private readonly heads = new Map<BranchId, Head>();
  private readonly segmentCache = new Map<BranchId, readonly Segment[]>();
  private closed = false;

  protected constructor(
    protected readonly zstd: Zstd,
    options: StoreOptions,
    protected readonly readonly: boolean,
  ) {
    const every = options.flushEvery ?? DEFAULT_FLUSH_EVERY;
    if (!Number.isSafeInteger(every) || every < 1) throw new JournalError('BAD_ARGUMENT', `flushEvery must be a positive integer, got ${String(every)}`);
    this.flushEvery = every;
  }

  // ---- primitives the adapters supply -------------------------------------------------------

  /** Writes the recording, the root branch (with its head's tag) and the seal key, atomically. */
  protected abstract insertRecording(meta: RecordingMeta, root: BranchInfo, sealKey: Uint8Array, rootHeadMac: Uint8Array): void;
  /** The seal key: null when there is none (before schema 5), empty when withheld. */
  protected abstract readSealKey(): Uint8Array | null;
  /** The seal's columns of a branch row. */
  protected abstract readSealedHead(branch: BranchId): SealedHead | null;
  /** The tag stored with a chain block, or null (none stored, or no such block). */
  protected abstract readBlockMac(branch: BranchId, index: number): Uint8Array | null;
  protected abstract readSnapshotSeal(id: SnapshotId): SnapshotSeal | null;
  /** A branch's own snapshots' digests, by id. */
  protected abstract ownSnapshotDigests(branch: BranchId): { readonly id: SnapshotId; readonly digest: Uint8Array | null }[];
  protected abstract readRecording(): RecordingMeta | null;
  protected abstract readBranch(id: BranchId): BranchInfo | null;
  protected abstract readBranches(): BranchInfo[];
  /** Inserts a branch with the next free id; head is its timeline's end (the parent's fork point), tagged by headMac(id). */
  protected abstract insertBranch(b: Omit<BranchInfo, 'id'>, head: RecordedHead, headMac: (id: BranchId) => Uint8Array | null): BranchInfo;
  /** Writes the rows, their chain blocks (replacing a stored block of the same index) and the branches' new heads atomically. */
  protected abstract commitRows(rows: readonly PendingRow[], chain: PendingChain): void;
  abstract eventBlocks(branch: BranchId, fromIndex: number, limit: number): EventBlock[];
  abstract recordedHead(branch: BranchId): RecordedHead;
  protected abstract lastOwnRow(branch: BranchId): RawEventRow | null;
  /** One branch's own rows matching f, ordered by seq ('desc' reversed); limit -1 for all. */
  protected abstract selectRows(branch: BranchId, f: SegmentFilter, order: 'asc' | 'desc', limit: number): RawEventRow[];
  protected abstract countRows(branch: BranchId, f: SegmentFilter): number;
  /** icount of the branch's own row at seq, or null if there is none. */
  protected abstract ownIcountAt(branch: BranchId, seq: number): number | null;
  abstract rawEvents(branch: BranchId, fromSeq: number, limit: number): RawEventRow[];
  /** Inserts the snapshot and updates its branch's snapshot chain and head tag, atomically. */
  /** Compresses and inserts the snapshot (the store chooses how: snapshot-codec.ts) and updates its branch's snapshot chain and head tag, atomically. */
  protected abstract insertSnapshot(s: NewSnapshot, createdAt: string, seal: SnapshotSeal & { readonly head: SealedHead }): SnapshotRecord;
  /** Latest own snapshot of branch with icount <= maxIcount and seq <= maxSeq, by (icount, seq). */
  protected abstract latestSnapshot(branch: BranchId, maxIcount: number, maxSeq: number): SnapshotRecord | null;
  protected abstract ownSnapshots(branch: BranchId, maxIcount: number, maxSeq: number): SnapshotRecord[];
  /** A snapshot's state, decompressed; null when there is no such snapshot. */
  protected abstract readSnapshotState(id: SnapshotId): Uint8Array | null;
  protected abstract readSnapshotPages(id: SnapshotId): PageHash[] | null;
  abstract getSnapshot(id: SnapshotId): SnapshotRecord | null;
  abstract allSnapshots(): SnapshotRecord[];
  /** Compresses and inserts pages not stored yet (the store chooses how). */
  protected abstract insertPages(pages: readonly { hash: PageHash; bytes: Uint8Array }[]): void;
  /** A page's bytes, decompressed (not yet checked against its hash), and the size its row records; null when not stored. */
  protected abstract readPage(hash: PageHash): { readonly size: number; readonly bytes: Uint8Array } | null;
  protected abstract pageExists(hash: PageHash): boolean;
  abstract pageHashes(after: PageHash | null, limit: number): PageHash[];
  /** Writes a debug file row unless one with its key exists; false when one did. */
  protected abstract insertDebugFile(row: DebugFileRow): boolean;
  protected abstract readDebugFile(guestSha256: string): DebugFileRow | null;
  protected abstract readDebugFileKeys(): string[];
  /** The key of the first debug file stored without a base (the dictionary of the later ones), or null. */
  protected abstract firstDebugFileKey(): string | null;
  protected abstract writeChannelKey(k: ChannelKey): void;
  protected abstract readChannelKeys(filter: { readonly src?: number; readonly dst?: number; readonly branch?: BranchId }): ChannelKey[];
  protected abstract removeChannelKeys(): number;
  protected abstract writeKeySeed(seed: Uint8Array): void;
  /** The stored key seed, empty when withheld, null when there is none. */
  protected abstract readKeySeed(): Uint8Array | null;
  protected abstract writeBookmark(b: Bookmark): void;
  protected abstract readBookmarks(branch: BranchId | undefined): Bookmark[];
  protected abstract removeBookmark(branch: BranchId, name: string): boolean;
  protected abstract readStats(): StoreStats;
  protected abstract containerProblems(): string[];
  protected abstract release(): void;

  // ---- guards -------------------------------------------------------------------------------

  protected live(): void {
    if (this.closed) throw new JournalError('CLOSED', 'the journal is closed');
  }

  protected writable(): void {
    this.live();
    if (this.readonly) throw new JournalError('READONLY', 'the journal was opened read-only');
  }

  /** Reads see every append: commit what is buffered first. */
  protected settled(): void {
    this.live();
    if (this.pending.length > 0) this.flush();
  }

  // ---- the seal -----------------------------------------------------------------------------

  private sealState: { readonly status: SealStatus; readonly seal: Seal | null } | undefined;
  private recordingHash: Uint8Array | undefined;
  /** Per branch, the snapshot chain and head last found sound (so a reader checks each state once). */
  private readonly soundSnapshotSets = new Map<BranchId, string>();

  private sealed(): { readonly status: SealStatus; readonly seal: Seal | null } {
    if (this.sealState) return this.sealState;
    const key = this.readSealKey();
    const state = key === null ? { status: 'none' as const, seal: null } : key.length === 0 ? { status: 'withheld' as const, seal: null } : { status: 'keyed' as const, seal: new Seal(key) };
    // 'none' may still change: createRecording writes the key of a new file.
    if (state.status !== 'none') this.sealState = state;
    return state;
  }

  sealStatus(): SealStatus {
    this.live();
    return this.sealed().status;
  }

  private recordingTag(): Uint8Array {
    if (this.recordingHash) return this.recordingHash;
    const meta = this.readRecording();
    if (meta === null) throw new JournalError('NO_RECORDING', 'the journal has no recording row');
    return (this.recordingHash = recordingDigest(meta));
  }

  /** The head's tag for a branch at (length, hash) with its snapshot chain, or null without a key. */
  private headTag(info: BranchInfo, length: number, hash: Uint8Array | null, snapshots: number, snapshotHash: Uint8Array | null): Uint8Array | null {
    const seal = this.sealed().seal;
    if (seal === null) return null;
    return seal.head({ branch: info.id, parent: info.parent, forkIcount: info.forkIcount, forkSeq: info.forkSeq, length, hash, snapshots, snapshotHash }, this.recordingTag());
  }

  /** Runs `fn` over one consistent view of the store (the SQLite store: one read transaction). */
  readConsistently<T>(fn: () => T): T {
    return fn();
  }

  /** Whether block `index` of the branch carries a sound tag: 'unchecked' without a key. */
  checkBlockSeal(branch: BranchId, index: number, count: number, hash: Uint8Array): 'ok' | 'bad' | 'unchecked' {
    this.live();
    const seal = this.sealed().seal;
    if (seal === null) return 'unchecked';
    const mac = this.readBlockMac(branch, index);
    return mac !== null && sameBytes(mac, seal.block(branch, index, count, hash)) ? 'ok' : 'bad';
  }

  /**
   * What is wrong with a branch's snapshot list and head (null when sound): its snapshots must
   * chain to what its row records (none deleted, added or replaced) and, with the key, the
   * row's tag must hold (its head, fork point and snapshot chain, and the recording row).
   */
  branchSealProblem(branch: BranchId): string | null {
    this.live();
    return this.readConsistently(() => {
      const info = this.branchOrThrow(branch);
      const sealed = this.readSealedHead(branch);
      const head = this.recordedHead(branch);
      if (sealed === null) return `branch ${branch} has no row`;
      const state = `${head.length}:${head.hash === null ? '' : hexOf(head.hash)}:${sealed.snapshots}:${sealed.snapshotHash === null ? '' : hexOf(sealed.snapshotHash)}:${sealed.mac === null ? '' : hexOf(sealed.mac)}`;
      if (this.soundSnapshotSets.get(branch) === state) return null;
      const status = this.sealed().status;
      let chain: Uint8Array | null = null;
      let count = 0;
      let undigested = 0;
      for (const d of this.ownSnapshotDigests(branch)) {
        if (d.digest === null) undigested++;
        else {
          chain = nextSnapshotHash(chain, d.digest);
          count++;
        }
      }
      if (undigested > 0 && status !== 'none') return `branch ${branch} has ${undigested} snapshot(s) without a digest in a sealed recording (added by hand)`;
      if (count !== sealed.snapshots) return `branch ${branch} holds ${count} snapshots, its row records ${sealed.snapshots} (a snapshot was deleted or added)`;
      if (count > 0 && (sealed.snapshotHash === null || chain === null || !sameBytes(chain, sealed.snapshotHash))) {
        return `branch ${branch}'s snapshots do not chain to what its row records (a snapshot was replaced or reordered)`;
      }
      if (status === 'keyed') {
        const want = this.headTag(info, head.length, head.hash, sealed.snapshots, sealed.snapshotHash);
        if (sealed.mac === null || want === null || !sameBytes(sealed.mac, want)) {
          return `branch ${branch}'s head fails its seal: its length, last hash, fork point or snapshots, or the recording row, were altered`;
        }
      }
      this.soundSnapshotSets.set(branch, state);
      return null;
    });
  }

  /** What is wrong with a snapshot's row against its digest and tag (null when sound; legacy snapshots of an unsealed file pass). */
  snapshotProblem(id: SnapshotId, state?: Uint8Array): string | null {
    this.live();
    const record = this.getSnapshot(id);
    const seal = this.readSnapshotSeal(id);
    if (record === null || seal === null) return `no snapshot ${id}`;
    const where = `snapshot ${id} (branch ${record.branch}, icount ${record.icount})`;
    const status = this.sealed().status;
    if (seal.digest === null) return status === 'none' ? null : `${where} has no digest, in a sealed recording (added by hand)`;
    const bytes = state ?? this.decompressSnapshot(id);
    const pages = this.readSnapshotPages(id) ?? [];
    const chainAt = record.seq === 0 ? null : this.chainValueAt(record.branch, record.seq);
    const digest = snapshotDigest({ branch: record.branch, icount: record.icount, seq: record.seq, state: bytes, pages, chainAt });
    if (!sameBytes(digest, seal.digest)) return `${where} does not match its digest: its state, page list or position, or the events before it, were altered`;
    const s = this.sealed().seal;
    if (s !== null && (seal.mac === null || !sameBytes(seal.mac, s.snapshot(digest)))) return `${where} fails its seal: it was altered and its digest recomputed`;
    return null;
  }

  private decompressSnapshot(id: SnapshotId): Uint8Array {
    const state = this.readSnapshotState(id);
    if (state === null) throw new JournalError('UNKNOWN_SNAPSHOT', `no snapshot ${id} in the journal`);
    return state;
  }

  /** Throws CORRUPT unless the snapshot lists of the branch's timeline are sound. */
  private checkSnapshotSets(branch: BranchId): void {
    for (const seg of this.segments(branch)) {
      const problem = this.branchSealProblem(seg.branch);
      if (problem !== null) throw new JournalError('CORRUPT', `${problem} (run xrr verify)`);
    }
  }

  // ---- recording and branches ---------------------------------------------------------------

  createRecording(meta: NewRecording): RecordingMeta {
    this.writable();
    if (this.readRecording() !== null) throw new JournalError('RECORDING_EXISTS', 'the journal already holds a recording');
    const createdAt = meta.createdAt ?? new Date().toISOString();
    const full: RecordingMeta = { ...meta, commandLine: [...meta.commandLine], createdAt };
    const root: BranchInfo = { id: ROOT_BRANCH, parent: null, forkIcount: 0 as Icount, forkSeq: 0 as JournalSeq, createdAt, label: 'main' };
    const key = newSealKey();
    const mac = new Seal(key).head({ branch: root.id, parent: null, forkIcount: 0, forkSeq: 0, length: 0, hash: null, snapshots: 0, snapshotHash: null }, recordingDigest(full));
    this.insertRecording(full, root, key, mac);
    this.sealState = undefined;
    this.recordingHash = undefined;
    return full;
  }

  getRecording(): RecordingMeta | null {
    this.live();
    return this.readRecording();
  }

  getBranch(id: BranchId): BranchInfo | null {
    this.live();
    return this.readBranch(id);
  }

  listBranches(): readonly BranchInfo[] {
    this.live();
    return this.readBranches();
  }

  protected branchOrThrow(id: BranchId): BranchInfo {
    const b = this.readBranch(id);
    if (b === null) throw new JournalError('UNKNOWN_BRANCH', `no branch ${id} in the journal`);
    return b;
  }

  createBranch(nb: NewBranch): BranchInfo {
    this.writable();
    if (this.readRecording() === null) throw new JournalError('NO_RECORDING', 'create the recording before forking it');
    this.settled();
    const parent = this.branchOrThrow(nb.parent);
    const length = this.head(parent.id).nextSeq;
    const where = `fork of branch ${parent.id} at (icount ${nb.forkIcount}, seq ${nb.forkSeq})`;
    if (!Number.isSafeInteger(nb.forkSeq) || nb.forkSeq < 0 || !Number.isSafeInteger(nb.forkIcount) || nb.forkIcount < 0) {
      throw new JournalError('BAD_FORK_POINT', `${where}: icount and seq are non-negative integers`);
    }
    if (nb.forkSeq > length) throw new JournalError('BAD_FORK_POINT', `${where}: the parent's timeline has only ${length} events`);
    if (this.readBranches().length >= MAX_BRANCHES) throw new JournalError('BAD_ARGUMENT', `a journal holds at most ${MAX_BRANCHES} branches`);
    const before = nb.forkSeq > 0 ? this.rawAt(parent.id, nb.forkSeq - 1) : null;
    if (before) {
      if (before.icount > nb.forkIcount) {
        throw new JournalError('BAD_FORK_POINT', `${where}: event ${nb.forkSeq - 1}, before the fork, happens later, at icount ${before.icount}`);
      }
    }
    if (nb.forkSeq < length) {
      const after = this.rawAt(parent.id, nb.forkSeq);
      if (after && after.icount < nb.forkIcount) {
        throw new JournalError('BAD_FORK_POINT', `${where}: event ${nb.forkSeq}, after the fork, happens earlier, at icount ${after.icount}`);
      }
    }
    const info = { parent: parent.id, forkIcount: nb.forkIcount, forkSeq: nb.forkSeq, createdAt: nb.createdAt ?? new Date().toISOString(), label: nb.label ?? '' };
    const head = { length: nb.forkSeq, hash: nb.forkSeq === 0 ? null : this.chainValueAt(parent.id, nb.forkSeq) };
    return this.insertBranch(info, head, (id) => this.headTag({ ...info, id }, head.length, head.hash, 0, null));
  }

  /** The chain's value after the first `length` events of the branch's timeline (length > 0). */
  private chainValueAt(branch: BranchId, length: number): Uint8Array {
    const block = blockOf(length - 1);
    const prev = block === 0 ? ZERO_HASH : this.blockOfTimeline(branch, block - 1, length)?.hash;
    if (prev === undefined) throw new JournalError('CORRUPT', `branch ${branch}: the hash chain has no block ${block - 1} (run xrr verify)`);
    return ChainCursor.at(length, prev, this.timelineRange(branch, block * BLOCK_EVENTS, length)).current();
  }

  /** The timeline of a branch as segments of its ancestors' rows, root first. */
  protected segments(branch: BranchId): readonly Segment[] {
    const hit = this.segmentCache.get(branch);
    if (hit) return hit;
    const out: Segment[] = [];
    let hi = MAX;
    let maxIcount = MAX;
    for (const b of ancestry(this.branchOrThrow(branch), (id) => this.branchOrThrow(id as BranchId))) {
      out.push({ branch: b.id, lo: b.forkSeq, hi, maxIcount });
      hi = Math.min(hi, b.forkSeq);
      maxIcount = Math.min(maxIcount, b.forkIcount);
    }
    out.reverse();
    // Branches never change once created, so neither does their timeline's shape.
    this.segmentCache.set(branch, out);
    return out;
  }

  /** The row at seq in the branch's timeline (committed rows only). */
  private rawAt(branch: BranchId, seq: number): RawEventRow | null {
    for (const s of this.segments(branch)) {
      if (seq >= s.lo && seq < s.hi) {
        const r = this.rawEvents(s.branch, seq, 1)[0];
        return r !== undefined && r.seq === seq ? r : null;
      }
    }
    return null;
  }

  /** The committed rows of the branch's timeline with lo <= seq < hi, read segment by segment (no query planning). */
  private timelineRange(branch: BranchId, lo: number, hi: number): RawEventRow[] {
    const out: RawEventRow[] = [];
    for (const s of this.segments(branch)) {
      const from = Math.max(lo, s.lo);
      const to = Math.min(hi, s.hi);
      if (from < to) for (const r of this.rawEvents(s.branch, from, to - from)) if (r.seq < to) out.push(r);
    }
    return out;
  }

  timelineBlock(branch: BranchId, index: number): EventBlock | null {
    this.settled();
    return this.blockOfTimeline(branch, index, this.head(branch).nextSeq);
  }

  /** Block `index` of the first `length` events of the branch's timeline, as stored. */
  private blockOfTimeline(branch: BranchId, index: number, length: number): EventBlock | null {
    const first = index * BLOCK_EVENTS;
    if (!Number.isSafeInteger(index) || index < 0 || first >= length) return null;
    const last = Math.min(first + BLOCK_EVENTS, length) - 1;
    // The block's hash is kept by the branch that owns its last event; an ancestor's copy of a
    // block the fork cut short covers more events than this timeline and is not this one's.
    for (const s of this.segments(branch)) {
      if (last >= s.lo && last < s.hi) {
        const b = this.eventBlocks(s.branch, index, 1)[0];
        return b !== undefined && b.index === index && b.count === last - first + 1 ? b : null;
      }
    }
    return null;
  }

  private head(branch: BranchId): Head {
    const hit = this.heads.get(branch);
    if (hit) return hit;
    const info = this.branchOrThrow(branch);
    const lastOwn = this.lastOwnRow(branch);
    const nextSeq = lastOwn ? lastOwn.seq + 1 : info.forkSeq;
    const block = blockOf(nextSeq);
    const blockStart = block * BLOCK_EVENTS;
    let prev = ZERO_HASH;
    if (block > 0) {
      const b = this.blockOfTimeline(branch, block - 1, nextSeq);
      if (b === null) throw new JournalError('CORRUPT', `branch ${branch}: the hash chain has no block ${block - 1} (run xrr verify)`);
      prev = b.hash;
    }
    const earlier = this.timelineRange(branch, blockStart, nextSeq);
    if (earlier.length !== nextSeq - blockStart) throw new JournalError('CORRUPT', `branch ${branch}: events ${blockStart}..${nextSeq - 1} are not all stored (run xrr verify)`);
    const lastRow = nextSeq === 0 ? null : (earlier[earlier.length - 1] ?? this.rawAt(branch, nextSeq - 1));
    if (nextSeq > 0 && lastRow === null) throw new JournalError('CORRUPT', `branch ${branch} forks at seq ${info.forkSeq}, but its parent has no event ${nextSeq - 1}`);
    const sealed = this.readSealedHead(branch);
    const head: Head = {
      nextSeq,
      chain: ChainCursor.at(nextSeq, prev, earlier),
      last: lastRow === null ? null : { icount: lastRow.icount, seqInIcount: lastRow.seqInIcount },
      minIcount: info.forkIcount,
      snapshots: sealed?.snapshots ?? 0,
      snapshotHash: sealed?.snapshotHash ?? null,
    };
    this.heads.set(branch, head);
    return head;
  }

  branchLength(branch: BranchId): JournalSeq {
    this.settled();
    return journalSeq(this.head(branch).nextSeq);
  }

  // ---- appending ----------------------------------------------------------------------------

  get pendingCount(): number {
    return this.pending.length;
  }

  append(branch: BranchId, events: readonly MachineEvent[]): void {
    this.appendRows(branch, events.length, (i, b, seq) => {
      const e = events[i]!;
      if (!Number.isSafeInteger(e.icount) || e.icount < 0 || !Number.isSafeInteger(e.seq) || e.seq < 0) throw invalidPosition(e);
      return rowOf(b, seq, e);
    });
  }

  /**
   * append() for `count` events in any form: `rowAt(i, branch, seq)` gives the i-th as the row it
   * is at that place of the timeline (row-batch.ts: rows encoded on the machine's thread).
   */
  appendRows(branch: BranchId, count: number, rowAt: (i: number, branch: BranchId, seq: number) => PendingRow): void {
    this.writable();
    if (count === 0) return;
    const head = this.head(branch);
    // Checked and encoded into a scratch list first, so a bad event leaves the buffer and the head untouched.
    const rows: PendingRow[] = new Array<PendingRow>(count);
    let { nextSeq, last } = head;
    for (let i = 0; i < count; i++) {
      const r = rowAt(i, branch, nextSeq);
      const { icount, seqInIcount } = r;
      if (!Number.isSafeInteger(icount) || icount < 0 || !Number.isSafeInteger(seqInIcount) || seqInIcount < 0) throw invalidPosition({ kind: kindText(r.kind), icount, seq: seqInIcount });
      if (icount < head.minIcount || (last !== null && (icount < last.icount || (icount === last.icount && seqInIcount <= last.seqInIcount)))) {
        const after = last === null ? `the fork at icount ${head.minIcount}` : `(icount ${last.icount}, seq ${last.seqInIcount})`;
        throw new JournalError('OUT_OF_ORDER', `branch ${branch}: ${kindText(r.kind)} event at (icount ${icount}, seq ${seqInIcount}) does not come after ${after}`);
      }
      rows[i] = r;
      nextSeq++;
      last = { icount, seqInIcount };
    }
    for (const r of rows) {
      if (head.chain.add(r)) {
        this.completedBlocks.push({ branch, index: head.chain.block - 1, count: BLOCK_EVENTS, hash: head.chain.previousBlockHash });
      }
      this.pending.push(r);
    }
    head.nextSeq = nextSeq;
    head.last = last;
    if (this.pending.length >= this.flushEvery) this.flush();
  }

  flush(): void {
    this.live();
    if (this.pending.length === 0) return;
    const rows = this.pending;
    const completed = this.completedBlocks;
    this.pending = [];
    this.completedBlocks = [];
    const seal = this.sealed().seal;
    const tagged = (b: EventBlock): SealedBlock => ({ ...b, mac: seal === null ? null : seal.block(b.branch, b.index, b.count, b.hash) });
    const blocks = completed.map(tagged);
    const heads = new Map<BranchId, RecordedHead>();
    const headMacs = new Map<BranchId, Uint8Array | null>();
    for (const r of rows) heads.set(r.branch, { length: r.seq + 1, hash: null });
    for (const b of heads.keys()) {
      const head = this.head(b);
      const hash = head.chain.current();
      heads.set(b, { length: head.nextSeq, hash });
      headMacs.set(b, this.headTag(this.branchOrThrow(b), head.nextSeq, hash, head.snapshots, head.snapshotHash));
      // The block still being filled is stored as far as it goes; the next flush replaces it.
      if (head.chain.rowsInBlock > 0) blocks.push(tagged({ branch: b, index: head.chain.block, count: head.chain.rowsInBlock, hash }));
    }
    try {
      this.commitRows(rows, { blocks, heads, headMacs });
    } catch (e) {
      // The batch is lost; forget the in-memory heads so the next append starts from what is on disk.
      this.heads.clear();
      throw e;
    }
  }

  // ---- reading events -----------------------------------------------------------------------

  private filterFor(seg: Segment, f: EventFilter): SegmentFilter | null {
    const loSeq = Math.max(seg.lo, f.fromSeq ?? 0);
    const hiSeq = Math.min(seg.hi - 1, f.toSeq ?? MAX);
    if (loSeq > hiSeq) return null;
    const loIcount = f.fromIcount ?? 0;
    const hiIcount = f.toIcount ?? MAX;
    if (loIcount > hiIcount) return null;
    if (f.kinds !== undefined && f.kinds.length === 0) return null;
    return this.refine(seg, { pid: f.pid ?? null, kinds: f.kinds ?? null, loIcount, hiIcount, loSeq, hiSeq });
  }

  /**
   * Lets each query walk only the rows it needs, using that icount never decreases along a
   * timeline: an icount range becomes a seq range (binary search on the key), with or without a
   * pid or kinds. A pid is then a filter over that range (there is no pid index: it cost more
   * bytes than the rows); rare kinds use their index within it.
   */
  private refine(seg: Segment, f: SegmentFilter): SegmentFilter | null {
    const end = this.head(seg.branch).nextSeq - 1; // the segment branch's last own row
    let loSeq = f.loSeq;
    let hiSeq = Math.min(f.hiSeq, end);
    if (loSeq > hiSeq) return null;
    if (f.loIcount > 0 || f.hiIcount < MAX) {
      loSeq = this.firstSeqWhere(seg.branch, loSeq, hiSeq + 1, (ic) => ic >= f.loIcount);
      hiSeq = this.firstSeqWhere(seg.branch, loSeq, hiSeq + 1, (ic) => ic > f.hiIcount) - 1;
      if (loSeq > hiSeq) return null;
    }
    return { ...f, loSeq, hiSeq, loIcount: 0, hiIcount: MAX };
  }

  /** The first seq in [lo, hi) whose icount satisfies pred (monotone), or hi. */
  private firstSeqWhere(branch: BranchId, lo: number, hi: number, pred: (icount: number) => boolean): number {
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const ic = this.ownIcountAt(branch, mid);
      if (ic === null) throw new JournalError('CORRUPT', `branch ${branch} has no event ${mid} (run xrr verify)`);
      if (pred(ic)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  events(branch: BranchId, query: EventQuery = {}): StoredEvent[] {
    this.settled();
    const order = query.order ?? 'asc';
    const limit = query.limit ?? MAX;
    if (!Number.isSafeInteger(limit) || limit < 0) throw new JournalError('BAD_ARGUMENT', `limit must be a non-negative integer, got ${String(limit)}`);
    const segs = order === 'asc' ? this.segments(branch) : [...this.segments(branch)].reverse();
    const out: StoredEvent[] = [];
    for (const seg of segs) {
      if (out.length >= limit) break;
      const f = this.filterFor(seg, query);
      if (f === null) continue;
      const left = limit - out.length;
      for (const r of this.selectRows(seg.branch, f, order, left >= MAX ? -1 : left)) out.push(storedOfRow(r));
    }
    return out;
  }

  timelineRows(branch: BranchId, fromSeq: number, limit: number): RawEventRow[] {
    this.settled();
    const out: RawEventRow[] = [];
    for (const seg of this.segments(branch)) {
      if (out.length >= limit) break;
      const f = this.filterFor(seg, { fromSeq: fromSeq as JournalSeq });
      if (f !== null) out.push(...this.selectRows(seg.branch, f, 'asc', limit - out.length));
    }
    return out;
  }

  *iterateEvents(branch: BranchId, query: EventQuery = {}): IterableIterator<StoredEvent> {
    const PAGE = 1024;
    const desc = query.order === 'desc';
    let left = query.limit ?? MAX;
    let from = query.fromSeq;
    let to = query.toSeq;
    while (left > 0) {
      const page = this.events(branch, { ...query, fromSeq: from, toSeq: to, limit: Math.min(PAGE, left) });
      for (const e of page) yield e;
      left -= page.length;
      if (page.length < PAGE) return;
      const lastSeq = page[page.length - 1]!.seq;
      if (desc) {
        if (lastSeq === 0) return;
        to = journalSeq(lastSeq - 1);
      } else from = journalSeq(lastSeq + 1);
    }
  }

  countEvents(branch: BranchId, filter: EventFilter = {}): number {
    this.settled();
    let n = 0;
    for (const seg of this.segments(branch)) {
      const f = this.filterFor(seg, filter);
      if (f !== null) n += this.countRows(seg.branch, f);
    }
    return n;
  }

  eventAt(branch: BranchId, seq: JournalSeq): StoredEvent | null {
    return this.events(branch, { fromSeq: seq, toSeq: seq, limit: 1 })[0] ?? null;
  }

  previousEvent(branch: BranchId, beforeSeq: JournalSeq, filter: EventFilter = {}): StoredEvent | null {
    if (beforeSeq <= 0) return null;
    const toSeq = Math.min(beforeSeq - 1, filter.toSeq ?? MAX) as JournalSeq;
    return this.events(branch, { ...filter, toSeq, order: 'desc', limit: 1 })[0] ?? null;
  }

  nextEvent(branch: BranchId, afterSeq: JournalSeq, filter: EventFilter = {}): StoredEvent | null {
    const fromSeq = Math.max(afterSeq + 1, filter.fromSeq ?? 0) as JournalSeq;
    return this.events(branch, { ...filter, fromSeq, order: 'asc', limit: 1 })[0] ?? null;
  }

  // ---- snapshots and pages ------------------------------------------------------------------

  putSnapshot(s: NewSnapshot): SnapshotRecord {
    this.writable();
    // A snapshot never outlives the events leading to it, whatever moment the process dies.
    this.settled();
    const info = this.branchOrThrow(s.branch);
    const length = this.head(s.branch).nextSeq;
    if (!Number.isSafeInteger(s.icount) || !Number.isSafeInteger(s.seq) || s.icount < info.forkIcount || s.seq < info.forkSeq || s.seq > length) {
      throw new JournalError(
        'BAD_ARGUMENT',
        `snapshot at (icount ${s.icount}, seq ${s.seq}) is outside branch ${s.branch}, which starts at (icount ${info.forkIcount}, seq ${info.forkSeq}) and has ${length} events`,
      );
    }
    for (const h of s.pages) {
      if (!this.pageStored(h)) throw new JournalError('MISSING_PAGE', `snapshot at icount ${s.icount} refers to page ${h}, which is not stored; putPage it first`);
    }
    const head = this.head(s.branch);
    const chainAt = s.seq === 0 ? null : s.seq === head.nextSeq ? head.chain.current() : this.chainValueAt(s.branch, s.seq);
    const digest = snapshotDigest({ branch: s.branch, icount: s.icount, seq: s.seq, state: s.state, pages: s.pages, chainAt });
    const seal = this.sealed().seal;
    const snapshots = head.snapshots + 1;
    const snapshotHash = nextSnapshotHash(head.snapshotHash, digest);
    const headHash = head.nextSeq === 0 ? null : head.chain.current();
    const sealedHead: SealedHead = { snapshots, snapshotHash, mac: this.headTag(info, head.nextSeq, headHash, snapshots, snapshotHash) };
    const record = this.insertSnapshot(s, new Date().toISOString(), { digest, mac: seal === null ? null : seal.snapshot(digest), head: sealedHead });
    head.snapshots = snapshots;
    head.snapshotHash = snapshotHash;
    return record;
  }

  nearestSnapshot(branch: BranchId, atOrBefore: Icount): SnapshotRecord | null {
    this.settled();
    this.checkSnapshotSets(branch);
    let best: SnapshotRecord | null = null;
    for (const seg of this.segments(branch)) {
      const s = this.latestSnapshot(seg.branch, Math.min(atOrBefore, seg.maxIcount), seg.hi);
      if (s && (best === null || s.icount > best.icount || (s.icount === best.icount && s.seq >= best.seq))) best = s;
    }
    return best;
  }

  listSnapshots(branch: BranchId): SnapshotRecord[] {
    this.settled();
    this.checkSnapshotSets(branch);
    const out: SnapshotRecord[] = [];
    for (const seg of this.segments(branch)) out.push(...this.ownSnapshots(seg.branch, seg.maxIcount, seg.hi));
    return out.sort((a, b) => a.icount - b.icount || a.seq - b.seq || a.id - b.id);
  }

  snapshotPages(id: SnapshotId): PageHash[] {
    this.live();
    const pages = this.readSnapshotPages(id);
    if (pages === null) throw new JournalError('UNKNOWN_SNAPSHOT', `no snapshot ${id} in the journal`);
    return pages;
  }

  loadSnapshotState(id: SnapshotId): Uint8Array {
    this.live();
    const state = this.decompressSnapshot(id);
    const problem = this.snapshotProblem(id, state);
    if (problem !== null) throw new JournalError('CORRUPT', `${problem} (run xrr verify)`);
    return state;
  }

  putPage(bytes: Uint8Array): PageHash {
    return this.putPages([bytes])[0]!;
  }

  putPages(pages: readonly Uint8Array[]): PageHash[] {
    this.writable();
    const hashes: PageHash[] = [];
    const fresh: { hash: PageHash; bytes: Uint8Array }[] = [];
    const seen = new Set<string>();
    for (const p of pages) {
      const hash = sha256Hex(p);
      hashes.push(hash);
      // Hash first, compress only what is new: unchanged pages are the common case.
      if (seen.has(hash) || this.pageStored(hash)) continue;
      seen.add(hash);
      fresh.push({ hash, bytes: p });
    }
    if (fresh.length > 0) {
      this.insertPages(fresh);
      for (const p of fresh) this.storedPages.add(p.hash);
    }
    return hashes;
  }

  /**
   * Pages this store has written or found stored, for its writes: xrr never deletes a page, so a
   * snapshot of a large machine costs no query for each page it shares with the ones before (it
   * lists every page it uses, and most are). Reads (hasPage, getPage) still ask the file.
   */
  private readonly storedPages = new Set<PageHash>();

  private pageStored(hash: PageHash): boolean {
    if (this.storedPages.has(hash)) return true;
    if (!this.pageExists(hash)) return false;
    this.storedPages.add(hash);
    return true;
  }

  hasPage(hash: PageHash): boolean {
    this.live();
    // Asked of the file every time: verify names the pages a snapshot lacks with it.
    return this.pageExists(hash);
  }

  getPage(hash: PageHash): Uint8Array | null {
    this.live();
    const hit = this.pageCache.get(hash);
    if (hit) {
      this.pageCache.delete(hash);
      this.pageCache.set(hash, hit);
      return hit.slice(); // the caller may write to its copy
    }
    const stored = this.readPage(hash);
    if (stored === null) return null;
    const page = stored.bytes;
    // A page is its content's hash: a blob replaced by other bytes (even a valid frame) is refused.
    if (sha256Hex(page) !== hash) throw new JournalError('CORRUPT', `page ${hash} holds other bytes (they hash to ${sha256Hex(page)}; run xrr verify)`);
    // Its recorded size is part of its row too: an edit of it is refused like one of its bytes.
    if (stored.size !== page.length) throw new JournalError('CORRUPT', `page ${hash} records a size of ${stored.size} bytes but holds ${page.length} (run xrr verify)`);
    this.pageCache.set(hash, page.slice());
    if (this.pageCache.size > PAGE_CACHE) this.pageCache.delete(this.pageCache.keys().next().value!);
    return page;
  }

  /**
   * Decompressed pages by hash, least recently used first. A page's bytes never change, and
   * seeking restores the same snapshots again and again: decompressing their pages was most
   * of a restore's cost (which a TUI key that seeks waits for).
   */
  private readonly pageCache = new Map<PageHash, Uint8Array>();

  // ---- debug files ---------------------------------------------------------------------------

  putDebugFile(guestSha256: string, elf: Uint8Array): boolean {
    this.writable();
    if (!SHA256_HEX.test(guestSha256)) throw new JournalError('BAD_ARGUMENT', `a debug file's key is the sha256 of a guest file as 64 lowercase hex digits, got ${JSON.stringify(guestSha256.slice(0, 80))}`);
    if (this.readDebugFile(guestSha256) !== null) return false;
    const sha256 = sha256Hex(elf);
    const seal = this.sealed().seal;
    const mac = seal === null ? null : seal.debugFile(Buffer.from(guestSha256, 'hex'), Buffer.from(sha256, 'hex'), elf.length);
    // Against the recording's first debug file: the programs share the C library's DWARF, which
    // makes the later ones 30-40% smaller (src/journal/README.md, schema 11). A first one that does
    // not read is no dictionary: this one stands alone.
    const baseKey = this.firstDebugFileKey();
    if (baseKey !== null && this.writtenBase?.key === baseKey) {
      const data = this.writtenBase.dictionary.compress(elf);
      return this.insertDebugFile({ guestSha256, size: elf.length, sha256, mac, data, base: baseKey });
    }
    let dictionary: Uint8Array | null = null;
    try {
      dictionary = baseKey === null ? null : this.debugFile(baseKey);
    } catch (e) {
      if (!(e instanceof JournalError && e.code === 'CORRUPT')) throw e;
    }
    const data = dictionary === null ? this.zstd.compress(elf) : this.zstd.compressWithDictionary(elf, dictionary);
    const inserted = this.insertDebugFile({ guestSha256, size: elf.length, sha256, mac, data, base: dictionary === null ? null : baseKey });
    if (inserted && baseKey === null) this.writtenBase = { key: guestSha256, dictionary: this.zstd.prepareDictionary(elf) };
    return inserted;
  }

  /**
   * The first debug file as this store wrote it, digested once as the dictionary of the later
   * ones: reading it back (decompress, hash, seal) and digesting it again for every later file
   * was most of a recording writer's time on debug files. Only bytes this store wrote itself:
   * a file opened with debug files in it reads its first one back, checked, as before.
   */
  private writtenBase: { readonly key: string; readonly dictionary: ZstdDictionary } | null = null;

  debugFile(guestSha256: string): Uint8Array | null {
    this.live();
    if (!SHA256_HEX.test(guestSha256)) return null;
    const row = this.readDebugFile(guestSha256);
    if (row === null) return null;
    const where = `debug file ${guestSha256.slice(0, 16)}`;
    let elf: Uint8Array;
    // A base is a first debug file, which has none itself: anything else is an edit (and no loop).
    const base = row.base === null ? null : this.readDebugFile(row.base);
    if (row.base !== null && (base === null || base.base !== null)) throw new JournalError('CORRUPT', `${where} is stored against debug file ${row.base.slice(0, 16)}, which is not a first debug file of the recording (run xrr verify)`);
    const dictionary = row.base === null ? null : this.debugFile(row.base);
    try {
      elf = dictionary === null ? this.zstd.decompress(row.data) : this.zstd.decompressWithDictionary(row.data, dictionary);
    } catch (e) {
      throw new JournalError('CORRUPT', `${where} does not decompress: ${e instanceof Error ? e.message : String(e)} (run xrr verify)`);
    }
    if (elf.length !== row.size) throw new JournalError('CORRUPT', `${where} records a size of ${row.size} bytes but holds ${elf.length} (run xrr verify)`);
    if (sha256Hex(elf) !== row.sha256) throw new JournalError('CORRUPT', `${where} holds other bytes than it records (they hash to ${sha256Hex(elf).slice(0, 16)}...; run xrr verify)`);
    // Without the key (a shared copy, or a file made before the seal) only the hashes above hold.
    const seal = this.sealed().seal;
    if (seal !== null) {
      const want = seal.debugFile(Buffer.from(guestSha256, 'hex'), Buffer.from(row.sha256, 'hex'), row.size);
      if (row.mac === null || !sameBytes(row.mac, want)) throw new JournalError('CORRUPT', `${where} fails its seal: the ELF or the program it belongs to was changed (run xrr verify)`);
    }
    return elf;
  }

  debugFileKeys(): string[] {
    this.settled();
    return this.readDebugFileKeys();
  }

  // ---- keys, bookmarks, misc ----------------------------------------------------------------

  putChannelKey(k: ChannelKey): void {
    this.writable();
    this.branchOrThrow(k.branch);
    if (k.direction !== 'forward' && k.direction !== 'reverse') throw new JournalError('BAD_ARGUMENT', `key direction is forward or reverse, got ${String(k.direction)}`);
    this.writeChannelKey({ ...k, key: Uint8Array.from(k.key) });
  }

  channelKeys(filter: { readonly src?: number; readonly dst?: number; readonly branch?: BranchId } = {}): ChannelKey[] {
    this.live();
    return this.readChannelKeys(filter);
  }

  deleteChannelKeys(): number {
    this.writable();
    return this.removeChannelKeys();
  }

  putKeySeed(seed: Uint8Array): void {
    this.writable();
    if (seed.length !== 32) throw new JournalError('BAD_ARGUMENT', `a key seed is 32 bytes, got ${seed.length}`);
    this.writeKeySeed(Uint8Array.from(seed));
  }

  keySeed(): Uint8Array | null | 'withheld' {
    this.live();
    const s = this.readKeySeed();
    return s === null ? null : s.length === 0 ? 'withheld' : s;
  }

  putBookmark(b: Bookmark): void {
    this.writable();
    this.branchOrThrow(b.branch);
    this.writeBookmark({ ...b });
  }

  bookmarks(branch?: BranchId): Bookmark[] {
    this.live();
    return this.readBookmarks(branch);
  }

  deleteBookmark(branch: BranchId, name: string): boolean {
    this.writable();
    return this.removeBookmark(branch, name);
  }

  stats(): StoreStats {
    this.settled();
    return this.readStats();
  }

  checkIntegrity(): string[] {
    this.live();
    return this.containerProblems();
  }

  close(): void {
    if (this.closed) return;
    try {
      if (!this.readonly) this.flush();
    } finally {
      this.closed = true;
      this.writtenBase?.dictionary.close();
      this.writtenBase = null;
      this.release();
    }
  }
}
