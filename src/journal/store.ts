/**
 * The journal's storage port (STYLE.md 6): what record, replay, seek and the TUI need from a
 * recording, with an in-memory and an SQLite adapter and one contract suite over both
 * (test/journal-store-contract.test.ts).
 *
 * Timelines. Every branch but the root is forked from a parent at (forkIcount, forkSeq): it sees
 * the parent's events with seq < forkSeq (recursively, the parent's own view), then its own
 * events, numbered from forkSeq. Every query below is per branch in that sense.
 *
 * Writes. append() buffers; flush() commits everything buffered in one transaction; append()
 * flushes by itself when flushEvery events are buffered. Nothing runs on a timer. Reads flush
 * first, so a store always reads its own writes; a killed process keeps its last committed batch.
 */
import type { MachineEvent, MachineEventKind } from '../core/events.js';
import type { BranchId, Icount, JournalSeq, PageHash, SnapshotId } from './ids.js';
import type { SealStatus } from './seal.js';

export interface NewRecording {
  readonly machineVersion: string;
  /** Hex digest of the guest image(s) booted. */
  readonly imageHash: string;
  readonly seedHex: string;
  /** Virtual boot epoch in ns since 1970; text because it exceeds 2^53. */
  readonly bootEpochNs: string;
  readonly commandLine: readonly string[];
  readonly xrrVersion: string;
  /** Host wall time, ISO 8601; defaults to now (the journal is outside the machine). */
  readonly createdAt?: string;
}

export interface RecordingMeta extends NewRecording {
  readonly createdAt: string;
}

export interface BranchInfo {
  readonly id: BranchId;
  readonly parent: BranchId | null;
  /** The machine state the branch starts from is the parent's at this icount ... */
  readonly forkIcount: Icount;
  /** ... after the parent's events with seq < forkSeq; the branch's own events start at forkSeq. */
  readonly forkSeq: JournalSeq;
  readonly createdAt: string;
  readonly label: string;
}

export interface NewBranch {
  readonly parent: BranchId;
  readonly forkIcount: Icount;
  readonly forkSeq: JournalSeq;
  readonly label?: string;
  readonly createdAt?: string;
}

export interface StoredEvent {
  /** The branch whose row this is (an ancestor when the event precedes the fork point). */
  readonly branch: BranchId;
  readonly seq: JournalSeq;
  readonly icount: Icount;
  readonly kind: MachineEventKind;
  readonly pid: number | null;
  readonly event: MachineEvent;
}

/**
 * A row as stored, unparsed (schema 4 columns, event-row.ts says which field goes where): what
 * replay compares emitted events with and verify() recomputes the chain from.
 */
export interface RawEventRow {
  readonly branch: BranchId;
  readonly seq: number;
  readonly icount: number;
  readonly seqInIcount: number;
  /** Kind code (event-row.ts KIND_CODES), negated for an event kept whole in body. */
  readonly kind: number;
  readonly pid: number | null;
  readonly nr: number | null;
  readonly a0: number | null;
  readonly a1: number | null;
  readonly a2: number | null;
  readonly a3: number | null;
  readonly a4: number | null;
  readonly a5: number | null;
  /** The text of the row's name (stored as an id into the name table). */
  readonly name: string | null;
  readonly data: Uint8Array | null;
  readonly body: string | null;
}

/**
 * A link of the hash chain (block-chain.ts): the events of a timeline with seq in
 * [index * BLOCK_EVENTS, index * BLOCK_EVENTS + count), hashed after the previous block's hash.
 * Stored by the branch that owns the block's last event.
 */
export interface EventBlock {
  readonly branch: BranchId;
  readonly index: number;
  readonly count: number;
  readonly hash: Uint8Array;
}

/** Every field narrows; ranges are inclusive at both ends. */
export interface EventFilter {
  readonly pid?: number;
  readonly kinds?: readonly MachineEventKind[];
  readonly fromIcount?: Icount;
  readonly toIcount?: Icount;
  readonly fromSeq?: JournalSeq;
  readonly toSeq?: JournalSeq;
}

export interface EventQuery extends EventFilter {
  /** 'asc' (default) from the earliest match, 'desc' from the latest. */
  readonly order?: 'asc' | 'desc';
  readonly limit?: number;
}

export interface NewSnapshot {
  readonly branch: BranchId;
  readonly icount: Icount;
  /** Events applied to reach this state: the seq of the next event of the branch. */
  readonly seq: JournalSeq;
  /** The machine's serialised state (without page contents); stored zstd-compressed. */
  readonly state: Uint8Array;
  /** The memory pages the state refers to, already stored with putPage(s). */
  readonly pages: readonly PageHash[];
}

export interface SnapshotRecord {
  readonly id: SnapshotId;
  readonly branch: BranchId;
  readonly icount: Icount;
  readonly seq: JournalSeq;
  /** How many pages the snapshot refers to; snapshotPages(id) lists them. */
  readonly pageCount: number;
  readonly stateBytes: number;
  readonly compressedBytes: number;
  readonly createdAt: string;
}

export type KeyDirection = 'forward' | 'reverse';

/** A Lattice IPC channel key, kept in its own table so a recording can be shared without them. */
export interface ChannelKey {
  readonly branch: BranchId;
  /** The channel's initiator and responder pids. */
  readonly src: number;
  readonly dst: number;
  /** 'forward' seals src -> dst, 'reverse' dst -> src. */
  readonly direction: KeyDirection;
  /** Icount at which the channel was (re)established: a restarted server gets new keys. */
  readonly icount: Icount;
  readonly key: Uint8Array;
}

export interface Bookmark {
  readonly branch: BranchId;
  readonly icount: Icount;
  readonly name: string;
  readonly note: string;
}

/** The committed end of a branch's timeline as the store recorded it (verify checks the rows against it). */
export interface RecordedHead {
  /** Events in the timeline, including the inherited ones. */
  readonly length: number;
  /** The chain's hash after the last of them (block-chain.ts); null when there are none. */
  readonly hash: Uint8Array | null;
}

export interface StoreStats {
  readonly branches: number;
  readonly events: number;
  readonly snapshots: number;
  readonly pages: number;
  /** Sum of compressed page bytes. */
  readonly pageBytes: number;
}

export interface JournalStore {
  /** Schema version of the backing file (the highest migration applied). */
  readonly schemaVersion: number;

  // Recording
  /** Writes the recording row and the root branch (ROOT_BRANCH, label 'main'). */
  createRecording(meta: NewRecording): RecordingMeta;
  getRecording(): RecordingMeta | null;

  // Branches
  createBranch(b: NewBranch): BranchInfo;
  getBranch(id: BranchId): BranchInfo | null;
  /** All branches, by id (parents before children); buildBranchTree() nests them. */
  listBranches(): readonly BranchInfo[];
  /** Number of events in the branch's timeline: the seq its next event gets. */
  branchLength(branch: BranchId): JournalSeq;

  // Events
  append(branch: BranchId, events: readonly MachineEvent[]): void;
  flush(): void;
  /** Events appended and not yet committed. */
  readonly pendingCount: number;
  events(branch: BranchId, query?: EventQuery): StoredEvent[];
  /** All matches in pages, safe to interleave with writes. */
  iterateEvents(branch: BranchId, query?: EventQuery): IterableIterator<StoredEvent>;
  countEvents(branch: BranchId, filter?: EventFilter): number;
  eventAt(branch: BranchId, seq: JournalSeq): StoredEvent | null;
  /** Latest event matching the filter with seq < beforeSeq (reverse-continue). */
  previousEvent(branch: BranchId, beforeSeq: JournalSeq, filter?: EventFilter): StoredEvent | null;
  /** Earliest event matching the filter with seq > afterSeq (continue). */
  nextEvent(branch: BranchId, afterSeq: JournalSeq, filter?: EventFilter): StoredEvent | null;
  recordedHead(branch: BranchId): RecordedHead;
  /** The branch's own rows with seq >= fromSeq, unparsed, at most limit of them (for verify). */
  rawEvents(branch: BranchId, fromSeq: number, limit: number): RawEventRow[];
  /** The branch's own chain blocks with index >= fromIndex, at most limit of them, by index. */
  eventBlocks(branch: BranchId, fromIndex: number, limit: number): EventBlock[];
  /** The hash chain's block `index` of the branch's timeline (from whichever ancestor stores it), or null. */
  timelineBlock(branch: BranchId, index: number): EventBlock | null;
  /** Up to `limit` rows of the branch's timeline (its ancestors' rows before the fork point too) from `fromSeq`, unparsed. */
  timelineRows(branch: BranchId, fromSeq: number, limit: number): RawEventRow[];

  // Snapshots and pages
  putSnapshot(s: NewSnapshot): SnapshotRecord;
  getSnapshot(id: SnapshotId): SnapshotRecord | null;
  /** The latest snapshot in the branch's timeline at or before icount (ancestors' up to the fork). */
  nearestSnapshot(branch: BranchId, atOrBefore: Icount): SnapshotRecord | null;
  /** Snapshots in the branch's timeline, by (icount, seq). */
  listSnapshots(branch: BranchId): SnapshotRecord[];
  /** Every snapshot of every branch, by id. */
  allSnapshots(): SnapshotRecord[];
  /** The page hashes of a snapshot, in the order given to putSnapshot. Throws UNKNOWN_SNAPSHOT. */
  snapshotPages(id: SnapshotId): PageHash[];
  /** The decompressed state bytes. Throws UNKNOWN_SNAPSHOT, or CORRUPT if the blob does not decode. */
  loadSnapshotState(id: SnapshotId): Uint8Array;
  /** Stores a page under the sha256 of its bytes; an existing page is not written again. */
  putPage(bytes: Uint8Array): PageHash;
  /** putPage for many, in one transaction. */
  putPages(pages: readonly Uint8Array[]): PageHash[];
  hasPage(hash: PageHash): boolean;
  /** Throws CORRUPT if the stored blob does not decode. */
  getPage(hash: PageHash): Uint8Array | null;
  /** Page hashes in a stable order of the store's choosing (the SQLite store: as stored), from after `after` (exclusive), at most limit (for verify). */
  pageHashes(after: PageHash | null, limit: number): PageHash[];

  // Debug files (migration 0011): the full ELF of each program that ran, by its stripped copy's sha256
  /** Stores `elf` as the debug file of the guest program whose bytes hash to `guestSha256` (hex); false when one is stored already. */
  putDebugFile(guestSha256: string, elf: Uint8Array): boolean;
  /**
   * The debug file of the guest program whose bytes hash to `guestSha256`, or null when the
   * recording holds none. Throws CORRUPT when the stored bytes are not the ones recorded (their
   * sha256, their size, or with the seal key, the row's tag).
   */
  debugFile(guestSha256: string): Uint8Array | null;
  /** The keys of every stored debug file, sorted (for verify). */
  debugFileKeys(): string[];

  // Channel keys
  putChannelKey(k: ChannelKey): void;
  channelKeys(filter?: { readonly src?: number; readonly dst?: number; readonly branch?: BranchId }): ChannelKey[];
  /** Removes every key (before sharing a recording); returns how many. */
  deleteChannelKeys(): number;
  /** Record the seed of the IPC key material (kept apart, with the channel keys). */
  putKeySeed(seed: Uint8Array): void;
  /**
   * The IPC key seed: null when the recording has none of its own (its keys come from the entropy
   * seed), 'withheld' when this copy was shared without it (and so without its keys).
   */
  keySeed(): Uint8Array | null | 'withheld';

  // Bookmarks
  /** Adds or replaces the bookmark named `name` on its branch. */
  putBookmark(b: Bookmark): void;
  bookmarks(branch?: BranchId): Bookmark[];
  deleteBookmark(branch: BranchId, name: string): boolean;

  // The seal (seal.ts): keyed tags over the chain, the heads and the snapshots
  /** 'keyed' (this file holds its seal key), 'withheld' (a copy shared without it), 'none' (made before schema 5). */
  sealStatus(): SealStatus;
  /** Whether block `index` of the branch carries a sound tag for (count, hash); 'unchecked' without the key. */
  checkBlockSeal(branch: BranchId, index: number, count: number, hash: Uint8Array): 'ok' | 'bad' | 'unchecked';
  /** What is wrong with the branch's snapshot list and (with the key) its head's tag; null when sound. */
  branchSealProblem(branch: BranchId): string | null;
  /** What is wrong with a snapshot against its digest and (with the key) its tag; null when sound. */
  snapshotProblem(id: SnapshotId): string | null;
  /** Runs fn over one consistent view of the store (a recording being written commits meanwhile). */
  readConsistently<T>(fn: () => T): T;

  stats(): StoreStats;
  /** Problems with the container itself (schema objects, SQLite integrity); [] when sound. */
  checkIntegrity(): string[];
  /** Flushes and releases the store; any later call throws CLOSED. */
  close(): void;
}

export interface BranchTreeNode {
  readonly branch: BranchInfo;
  readonly children: readonly BranchTreeNode[];
}

export function buildBranchTree(branches: readonly BranchInfo[]): BranchTreeNode[] {
  const children = new Map<number, BranchInfo[]>();
  const roots: BranchInfo[] = [];
  for (const b of branches) {
    if (b.parent === null) roots.push(b);
    else {
      const list = children.get(b.parent) ?? [];
      list.push(b);
      children.set(b.parent, list);
    }
  }
  const node = (b: BranchInfo): BranchTreeNode => ({ branch: b, children: (children.get(b.id) ?? []).map(node) });
  return roots.map(node);
}

export interface StoreOptions {
  /** append() commits by itself once this many events are buffered. Default 4096. */
  readonly flushEvery?: number;
}

export const DEFAULT_FLUSH_EVERY = 4096;
