/**
 * The in-memory JournalStore: for tests and short runs that need no file. Same semantics as the
 * SQLite store (one contract suite runs against both), including zstd-compressed snapshot and
 * page blobs, so sizes and verify() behave alike.
 */
import { JournalError } from './errors.js';
import { kindOfCode } from './event-row.js';
import { branchId, snapshotId, type BranchId, type PageHash, type SnapshotId } from './ids.js';
import { BaseJournalStore, type DebugFileRow, type PendingChain, type PendingRow, type SealedBlock, type SealedHead, type SegmentFilter, type SnapshotSeal } from './base-store.js';
import type { Bookmark, BranchInfo, ChannelKey, EventBlock, NewSnapshot, RawEventRow, RecordedHead, RecordingMeta, SnapshotRecord, StoreOptions, StoreStats } from './store.js';
import { loadZstd, type Zstd } from './zstd.js';

interface StoredSnapshot {
  readonly record: SnapshotRecord;
  readonly blob: Uint8Array;
  readonly pages: readonly PageHash[];
  readonly seal: SnapshotSeal;
}

export class MemoryJournalStore extends BaseJournalStore {
  readonly schemaVersion: number;
  private recording: RecordingMeta | null = null;
  private readonly branches: BranchInfo[] = [];
  /** Each branch's own rows; rows[i].seq === branch.forkSeq + i. */
  private readonly rows = new Map<BranchId, PendingRow[]>();
  private readonly recordedHeads = new Map<BranchId, RecordedHead>();
  /** Each branch's chain blocks by index. */
  private readonly blocks = new Map<BranchId, SealedBlock[]>();
  private readonly sealedHeads = new Map<BranchId, SealedHead>();
  private sealKey: Uint8Array | null = null;
  private readonly snapshots: StoredSnapshot[] = [];
  private readonly pages = new Map<PageHash, { size: number; data: Uint8Array }>();
  private readonly keys = new Map<string, ChannelKey>();
  private readonly debugFiles = new Map<string, DebugFileRow>();
  private readonly marks = new Map<string, Bookmark>();

  constructor(zstd: Zstd, options: StoreOptions = {}, schemaVersion = 0) {
    super(zstd, options, false);
    this.schemaVersion = schemaVersion;
  }

  static async create(options: StoreOptions = {}): Promise<MemoryJournalStore> {
    const { latestSchemaVersion } = await import('./migrations.js');
    return new MemoryJournalStore(await loadZstd(), options, latestSchemaVersion());
  }

  protected insertRecording(meta: RecordingMeta, root: BranchInfo, sealKey: Uint8Array, rootHeadMac: Uint8Array): void {
    this.recording = meta;
    this.branches.push(root);
    this.recordedHeads.set(root.id, { length: 0, hash: null });
    this.sealedHeads.set(root.id, { snapshots: 0, snapshotHash: null, mac: rootHeadMac });
    this.sealKey = Uint8Array.from(sealKey);
  }

  protected readSealKey(): Uint8Array | null {
    return this.sealKey;
  }

  protected readSealedHead(branch: BranchId): SealedHead | null {
    return this.sealedHeads.get(branch) ?? null;
  }

  protected readBlockMac(branch: BranchId, index: number): Uint8Array | null {
    return (this.blocks.get(branch) ?? []).find((b) => b.index === index)?.mac ?? null;
  }

  protected readSnapshotSeal(id: SnapshotId): SnapshotSeal | null {
    return this.snapshots[id - 1]?.seal ?? null;
  }

  protected ownSnapshotDigests(branch: BranchId): { readonly id: SnapshotId; readonly digest: Uint8Array | null }[] {
    return this.snapshots.filter((s) => s.record.branch === branch).map((s) => ({ id: s.record.id, digest: s.seal.digest }));
  }

  protected readRecording(): RecordingMeta | null {
    return this.recording;
  }

  protected readBranch(id: BranchId): BranchInfo | null {
    return this.branches[id - 1] ?? null;
  }

  protected readBranches(): BranchInfo[] {
    return [...this.branches];
  }

  protected insertBranch(b: Omit<BranchInfo, 'id'>, head: RecordedHead, headMac: (id: BranchId) => Uint8Array | null): BranchInfo {
    const info: BranchInfo = { ...b, id: branchId(this.branches.length + 1) };
    this.branches.push(info);
    this.recordedHeads.set(info.id, head);
    this.sealedHeads.set(info.id, { snapshots: 0, snapshotHash: null, mac: headMac(info.id) });
    return info;
  }

  protected commitRows(rows: readonly PendingRow[], chain: PendingChain): void {
    for (const r of rows) {
      let list = this.rows.get(r.branch);
      if (!list) this.rows.set(r.branch, (list = []));
      list.push(r);
    }
    for (const b of chain.blocks) {
      let list = this.blocks.get(b.branch);
      if (!list) this.blocks.set(b.branch, (list = []));
      const lastIndex = list[list.length - 1]?.index ?? -1;
      const at = lastIndex < b.index ? -1 : list.findIndex((x) => x.index >= b.index);
      if (at < 0) list.push(b);
      else if (list[at]!.index === b.index) list[at] = b;
      else list.splice(at, 0, b);
    }
    for (const [b, h] of chain.heads) {
      this.recordedHeads.set(b, h);
      const sealed = this.sealedHeads.get(b);
      if (sealed) this.sealedHeads.set(b, { ...sealed, mac: chain.headMacs.get(b) ?? null });
    }
  }

  eventBlocks(branch: BranchId, fromIndex: number, limit: number): EventBlock[] {
    this.settled();
    return (this.blocks.get(branch) ?? [])
      .filter((b) => b.index >= fromIndex)
      .slice(0, limit)
      .map((b) => ({ branch: b.branch, index: b.index, count: b.count, hash: b.hash }));
  }

  recordedHead(branch: BranchId): RecordedHead {
    const h = this.recordedHeads.get(branch);
    if (!h) throw new JournalError('UNKNOWN_BRANCH', `no branch ${branch} in the journal`);
    return h;
  }

  protected lastOwnRow(branch: BranchId): RawEventRow | null {
    const list = this.rows.get(branch);
    return list && list.length > 0 ? list[list.length - 1]! : null;
  }

  /** Index range [from, to) of own rows within the filter's seq and icount bounds. */
  private range(branch: BranchId, f: SegmentFilter): [PendingRow[], number, number] {
    const list = this.rows.get(branch) ?? [];
    const base = this.readBranch(branch)?.forkSeq ?? 0;
    let from = Math.max(0, f.loSeq - base);
    let to = Math.min(list.length, f.hiSeq - base + 1);
    // icount never decreases along a timeline, so its bounds are binary searches too.
    from = lowerBound(list, from, to, (r) => r.icount >= f.loIcount);
    to = lowerBound(list, from, to, (r) => r.icount > f.hiIcount);
    return [list, from, to];
  }

  private matches(r: PendingRow, f: SegmentFilter): boolean {
    return (f.pid === null || r.pid === f.pid) && (f.kinds === null || f.kinds.includes(kindOfCode(r.kind) ?? ''));
  }

  protected selectRows(branch: BranchId, f: SegmentFilter, order: 'asc' | 'desc', limit: number): RawEventRow[] {
    const [list, from, to] = this.range(branch, f);
    const out: RawEventRow[] = [];
    const max = limit < 0 ? Infinity : limit;
    if (order === 'asc') {
      for (let i = from; i < to && out.length < max; i++) if (this.matches(list[i]!, f)) out.push(list[i]!);
    } else {
      for (let i = to - 1; i >= from && out.length < max; i--) if (this.matches(list[i]!, f)) out.push(list[i]!);
    }
    return out;
  }

  protected ownIcountAt(branch: BranchId, seq: number): number | null {
    const base = this.readBranch(branch)?.forkSeq ?? 0;
    return this.rows.get(branch)?.[seq - base]?.icount ?? null;
  }

  protected countRows(branch: BranchId, f: SegmentFilter): number {
    const [list, from, to] = this.range(branch, f);
    if (f.pid === null && f.kinds === null) return to - from;
    let n = 0;
    for (let i = from; i < to; i++) if (this.matches(list[i]!, f)) n++;
    return n;
  }

  rawEvents(branch: BranchId, fromSeq: number, limit: number): RawEventRow[] {
    this.settled();
    const list = this.rows.get(branch) ?? [];
    const base = this.readBranch(branch)?.forkSeq ?? 0;
    const from = Math.max(0, fromSeq - base);
    return list.slice(from, from + limit);
  }

  protected insertSnapshot(s: NewSnapshot, createdAt: string, seal: SnapshotSeal & { readonly head: SealedHead }): SnapshotRecord {
    const compressed = this.zstd.compress(s.state);
    const record: SnapshotRecord = {
      id: snapshotId(this.snapshots.length + 1),
      branch: s.branch,
      icount: s.icount,
      seq: s.seq,
      pageCount: s.pages.length,
      stateBytes: s.state.length,
      compressedBytes: compressed.length,
      createdAt,
    };
    this.snapshots.push({ record, blob: compressed, pages: [...s.pages], seal: { digest: seal.digest, mac: seal.mac } });
    this.sealedHeads.set(s.branch, seal.head);
    return record;
  }

  private own(branch: BranchId, maxIcount: number, maxSeq: number): SnapshotRecord[] {
    return this.snapshots.map((s) => s.record).filter((r) => r.branch === branch && r.icount <= maxIcount && r.seq <= maxSeq);
  }

  protected latestSnapshot(branch: BranchId, maxIcount: number, maxSeq: number): SnapshotRecord | null {
    let best: SnapshotRecord | null = null;
    for (const r of this.own(branch, maxIcount, maxSeq)) {
      if (best === null || r.icount > best.icount || (r.icount === best.icount && r.seq >= best.seq)) best = r;
    }
    return best;
  }

  protected ownSnapshots(branch: BranchId, maxIcount: number, maxSeq: number): SnapshotRecord[] {
    return this.own(branch, maxIcount, maxSeq);
  }

  protected readSnapshotState(id: SnapshotId): Uint8Array | null {
    const blob = this.snapshots[id - 1]?.blob;
    return blob === undefined ? null : this.zstd.decompress(blob);
  }

  protected readSnapshotPages(id: SnapshotId): PageHash[] | null {
    const s = this.snapshots[id - 1];
    return s ? [...s.pages] : null;
  }

  getSnapshot(id: SnapshotId): SnapshotRecord | null {
    this.live();
    return this.snapshots[id - 1]?.record ?? null;
  }

  allSnapshots(): SnapshotRecord[] {
    this.live();
    return this.snapshots.map((s) => s.record);
  }

  protected insertPages(pages: readonly { hash: PageHash; bytes: Uint8Array }[]): void {
    for (const p of pages) this.pages.set(p.hash, { size: p.bytes.length, data: this.zstd.compress(p.bytes) });
  }

  protected readPage(hash: PageHash): { readonly size: number; readonly bytes: Uint8Array } | null {
    const p = this.pages.get(hash);
    return p === undefined ? null : { size: p.size, bytes: this.zstd.decompress(p.data) };
  }

  protected pageExists(hash: PageHash): boolean {
    return this.pages.has(hash);
  }

  pageHashes(after: PageHash | null, limit: number): PageHash[] {
    this.live();
    return [...this.pages.keys()].filter((h) => after === null || h > after).sort().slice(0, limit);
  }

  protected insertDebugFile(row: DebugFileRow): boolean {
    if (this.debugFiles.has(row.guestSha256)) return false;
    this.debugFiles.set(row.guestSha256, row);
    return true;
  }

  protected readDebugFile(guestSha256: string): DebugFileRow | null {
    return this.debugFiles.get(guestSha256) ?? null;
  }

  protected readDebugFileKeys(): string[] {
    return [...this.debugFiles.keys()].sort();
  }

  protected firstDebugFileKey(): string | null {
    for (const row of this.debugFiles.values()) if (row.base === null) return row.guestSha256;
    return null;
  }

  protected writeChannelKey(k: ChannelKey): void {
    this.keys.set(`${k.branch}/${k.src}/${k.dst}/${k.direction}/${k.icount}`, k);
  }

  protected readChannelKeys(filter: { readonly src?: number; readonly dst?: number; readonly branch?: BranchId }): ChannelKey[] {
    return [...this.keys.values()]
      .filter((k) => (filter.src === undefined || k.src === filter.src) && (filter.dst === undefined || k.dst === filter.dst) && (filter.branch === undefined || k.branch === filter.branch))
      .sort((a, b) => a.branch - b.branch || a.src - b.src || a.dst - b.dst || a.direction.localeCompare(b.direction) || a.icount - b.icount)
      .map((k) => ({ ...k, key: Uint8Array.from(k.key) }));
  }

  protected removeChannelKeys(): number {
    const n = this.keys.size;
    this.keys.clear();
    return n;
  }

  private seed: Uint8Array | null = null;

  protected writeKeySeed(seed: Uint8Array): void {
    this.seed = Uint8Array.from(seed);
  }

  protected readKeySeed(): Uint8Array | null {
    return this.seed && Uint8Array.from(this.seed);
  }

  protected writeBookmark(b: Bookmark): void {
    this.marks.set(`${b.branch}\0${b.name}`, b);
  }

  protected readBookmarks(branch: BranchId | undefined): Bookmark[] {
    return [...this.marks.values()]
      .filter((b) => branch === undefined || b.branch === branch)
      .sort((a, b) => a.branch - b.branch || a.icount - b.icount || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  protected removeBookmark(branch: BranchId, name: string): boolean {
    return this.marks.delete(`${branch}\0${name}`);
  }

  protected readStats(): StoreStats {
    let events = 0;
    for (const list of this.rows.values()) events += list.length;
    let pageBytes = 0;
    for (const p of this.pages.values()) pageBytes += p.data.length;
    return { branches: this.branches.length, events, snapshots: this.snapshots.length, pages: this.pages.size, pageBytes };
  }

  protected containerProblems(): string[] {
    return [];
  }

  protected release(): void {}

  /** Test hook: overwrite a stored chain block in place. */
  tamperBlock(branch: BranchId, index: number, change: Partial<Omit<SealedBlock, 'branch' | 'index'>>): void {
    const list = this.blocks.get(branch) ?? [];
    const at = list.findIndex((b) => b.index === index);
    if (at < 0) throw new JournalError('BAD_ARGUMENT', `no block ${index} on branch ${branch}`);
    list[at] = { ...list[at]!, ...change };
  }

  /** Test hook: overwrite a committed row in place, as a corrupted file would hold it. */
  tamperRow(branch: BranchId, seq: number, change: Partial<Omit<RawEventRow, 'branch' | 'seq'>>): void {
    const list = this.rows.get(branch);
    const base = this.readBranch(branch)?.forkSeq ?? 0;
    const row = list?.[seq - base];
    if (!list || !row) throw new JournalError('BAD_ARGUMENT', `no row ${seq} on branch ${branch}`);
    list[seq - base] = { ...row, ...change };
  }

  /** Test hook: change a stored debug file's row in place (its key too), as an edited file would hold it. */
  tamperDebugFile(guestSha256: string, change: Partial<DebugFileRow>): void {
    const row = this.debugFiles.get(guestSha256);
    if (!row) throw new JournalError('BAD_ARGUMENT', `no debug file ${guestSha256}`);
    const next = { ...row, ...change };
    this.debugFiles.delete(guestSha256);
    this.debugFiles.set(next.guestSha256, next);
  }

  /** Test hook: replace a stored page blob. */
  tamperPage(hash: PageHash, data: Uint8Array): void {
    const p = this.pages.get(hash);
    if (p) this.pages.set(hash, { size: p.size, data });
  }
}

/** First index in [from, to) whose row satisfies pred (pred monotone: false...false true...true). */
function lowerBound(list: readonly PendingRow[], from: number, to: number, pred: (r: PendingRow) => boolean): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(list[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
