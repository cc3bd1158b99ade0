/**
 * The SQLite JournalStore: one file per recording (or ':memory:'), WAL mode, schema from
 * migrations/. better-sqlite3 is synchronous (STYLE.md 7): statements are prepared once, a flush
 * is one transaction, and the only await is loading zstd in open().
 *
 * Durability: WAL with synchronous=NORMAL. A process killed at any moment (SIGKILL included)
 * keeps every committed transaction and the file opens cleanly; only an OS crash or power loss
 * can lose the last commits, never consistency. That is the guarantee DESIGN.md section 7 asks.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { BaseJournalStore, type DebugFileRow, type PendingChain, type PendingRow, type SealedHead, type SegmentFilter, type SnapshotSeal } from './base-store.js';
import { KIND_CODES, RARE_KIND_MIN } from './event-row.js';
import { JournalError } from './errors.js';
import { decodePageIds, encodePageIds, keepsDelta, referPages, resolvePages, SNAPSHOT_CODEC } from './snapshot-codec.js';
import { branchId, eventRowId, SEQS_PER_BRANCH, snapshotId, type BranchId, type Icount, type JournalSeq, type PageHash, type SnapshotId } from './ids.js';
import { currentSchemaVersion, latestSchemaVersion, loadMigrations, migrate, type Migration } from './migrations.js';
import type { Bookmark, BranchInfo, ChannelKey, EventBlock, KeyDirection, NewSnapshot, RawEventRow, RecordedHead, RecordingMeta, SnapshotRecord, StoreOptions, StoreStats } from './store.js';
import { DICTIONARY_MAX, loadZstd, type Zstd, type ZstdDictionary } from './zstd.js';

export interface SqliteOpenOptions extends StoreOptions {
  /** Open without writing (no migration, no WAL switch); writes throw READONLY. */
  readonly readonly?: boolean;
  /** Create the file if it does not exist (default true unless readonly). */
  readonly create?: boolean;
  /** Migrations to apply instead of migrations/ (tests of the migration logic). */
  readonly migrations?: readonly Migration[];
  /** Set by open(): the database is an in-memory copy of a file at this older schema, to upgrade and read. */
  readonly upgradedFrom?: number;
}

const SQLITE_MAGIC = 'SQLite format 3\0';
/**
 * Pages that make a journal's page dictionary (256 KiB): measured on posixtest's 1119 pages, the
 * first 64 as a dictionary take the pages from 1.66 MB to 0.85 MB (plus 70 KB for the dictionary);
 * a larger or evenly spread sample did no better.
 */
const PAGE_DICTIONARY_PAGES = 64;

/**
 * How a page row is found by its hash: through the index of the hash's first 8 bytes (migration page_index_and_packs,
 * page_hash_prefix; the expression must be written exactly so for SQLite to use the index), then
 * the whole hash. Bound by hashKey().
 */
const PAGE_BY_HASH = 'substr(hash, 1, 8) = ? AND hash = ?';

/** The parameters of PAGE_BY_HASH for a page hash. */
function hashKey(hash: PageHash): [Buffer, Buffer] {
  const bytes = Buffer.from(hash, 'hex');
  return [bytes.subarray(0, 8), bytes];
}

/**
 * Pages compressed together as one pack (migration page_index_and_packs): consecutive pages of a batch, at most this many
 * and PACK_BYTES, in one zstd frame (with the page dictionary). Measured on the image's 1,159 pages
 * (README "Snapshots and pages"): 958 KB one by one, 886 KB in packs of 64; a pack decompresses in
 * one call, so a restore, which reads every page of a snapshot, decompresses a third as long.
 */
const PACK_PAGES = 64;
const PACK_BYTES = PACK_PAGES * 4096;
/**
 * The largest SQLite page size of a file whose pages are packed. A pack's frame (20-64 KB) spills
 * into overflow pages of a 4 KiB-page file with little waste, but is kept whole in a 64 KiB page,
 * which then holds few: measured on vfsstress, the page table took 1,126,400 bytes one by one and
 * 901,120 in packs at 4 KiB pages, but 1,245,184 and 1,310,720 at 64 KiB pages.
 */
const PACKED_PAGE_SIZE_MAX = 4096;
/** Packs kept decompressed (4 MiB): a restore reads pages in about the order they were stored. */
const PACKS_KEPT = 16;

/** Page ids whose hashes a store keeps (about 10 MB at most). */
const PAGE_HASHES_KEPT = 1 << 17;

/** Page size of a new journal file (bytes). */
const PAGE_SIZE = 4096;

/** Turns SQLite's failures over a bad file into JournalErrors; anything else is a bug and passes through. */
export function translateSqliteError(e: unknown, where = 'the journal'): unknown {
  if (e instanceof JournalError || !(e instanceof Database.SqliteError)) return e;
  const code = e.code;
  if (code === 'SQLITE_NOTADB') return new JournalError('NOT_A_DATABASE', `${where} is not an SQLite database (${e.message})`, { cause: e });
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_FORMAT') {
    return new JournalError('CORRUPT', `${where} is damaged: ${e.message} (run xrr verify)`, { cause: e });
  }
  if (code.startsWith('SQLITE_READONLY')) return new JournalError('READONLY', `${where} cannot be written: ${e.message}`, { cause: e });
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE') {
    return new JournalError('IO', `${where} cannot be written: the disk is full or a file size limit was reached (${code})`, { cause: e });
  }
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_BUSY') || code === 'SQLITE_PERM') {
    return new JournalError('IO', `${where}: ${e.message} (${code})`, { cause: e });
  }
  return e;
}

/**
 * Cheap checks on a file before SQLite sees it, so the common bad cases get a precise error:
 * not SQLite at all, or shorter than its header says (a cut-off copy).
 */
function checkFileHeader(path: string): void {
  const size = statSync(path).size;
  if (size === 0) return; // SQLite treats an empty file as a new database
  const header = Buffer.alloc(100);
  const fd = openSync(path, 'r');
  let got: number;
  try {
    got = readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  const magicLength = Math.min(got, SQLITE_MAGIC.length);
  if (header.toString('latin1', 0, magicLength) !== SQLITE_MAGIC.slice(0, magicLength)) {
    throw new JournalError('NOT_A_DATABASE', `${path} is not an xrr journal (not an SQLite database)`);
  }
  if (got < 100) throw new JournalError('TRUNCATED', `${path} is truncated: ${size} bytes, not even an SQLite header`);
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pages = header.readUInt32BE(28);
  const changeCounter = header.readUInt32BE(24);
  const validFor = header.readUInt32BE(92);
  // The in-header page count is only authoritative when its version-valid-for matches. With a
  // non-empty -wal beside it, a checkpoint may have been cut short after writing page 1 but
  // before the pages past the old end: SQLite recovers that from the WAL, so leave it to SQLite.
  const walSize = existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0;
  if (walSize === 0 && validFor === changeCounter && pageSize >= 512 && pages * pageSize > size) {
    throw new JournalError('TRUNCATED', `${path} is truncated: its header says ${pages * pageSize} bytes, the file has ${size}`);
  }
}

/** A prepared statement whose failures over a bad file become JournalErrors. */
class Stmt<Row> {
  constructor(private readonly s: Database.Statement<unknown[], Row>) {}
  run(...params: unknown[]): Database.RunResult {
    try {
      return this.s.run(...params);
    } catch (e) {
      throw translateSqliteError(e);
    }
  }
  get(...params: unknown[]): Row | undefined {
    try {
      return this.s.get(...params);
    } catch (e) {
      throw translateSqliteError(e);
    }
  }
  all(...params: unknown[]): Row[] {
    try {
      return this.s.all(...params);
    } catch (e) {
      throw translateSqliteError(e);
    }
  }
}


interface BranchRowDb {
  id: number;
  parent: number | null;
  fork_icount: number;
  fork_seq: number;
  created_at: string;
  label: string;
}

interface SnapshotRowDb {
  id: number;
  branch: number;
  icount: number;
  seq: number;
  state_size: number;
  csize: number;
  page_count: number;
  created_at: string;
}

/** Rows one INSERT statement takes: binding 64 rows in one call costs about a quarter less than 64 calls. */
const ROWS_PER_INSERT = 64;
const EVENT_INSERT = 'INSERT INTO event (id, icount, seq_in_icount, kind, pid, nr, a0, a1, a2, a3, a4, a5, name, data) VALUES ';
const EVENT_VALUES = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
const EVENT_PARAMS = 14;

/**
 * Byte data longer than this goes to an event_data segment (schema 9); up to it, it stays in its
 * row, where it costs less than the reference (measured: README "Event encoding").
 */
const INLINE_DATA_MAX = 128;
/** A segment is closed before it would pass this many bytes (one item larger than it has one of its own). */
const SEGMENT_BYTES = 256 * 1024;
/** event.data of segmented bytes is offset * 2^24 + length. */
const DATA_LENGTH_BITS = 24;
const DATA_LENGTH_LIMIT = 2 ** DATA_LENGTH_BITS;
/** The logical kind code of a syscall, whose name may be left to syscall_name. */
const SYSCALL_KIND = KIND_CODES.syscall;
const RETURN_KIND = KIND_CODES['syscall-return'];
/** The stored kind of a syscall and the return right after it, in one row (data: the result). */
const FOLDED_KIND = 0;

/** An event row as SQLite hands it back in EVENT_COLUMNS order (the name as its id; data as stored: bytes, JSON text or a segment reference). */
type EventRowArray = [
  seq: number, icount: number, sii: number, kind: number, pid: number | null, nr: number | null,
  a0: number | null, a1: number | null, a2: number | null, a3: number | null, a4: number | null, a5: number | null,
  name: number | null, data: Buffer | string | number | null,
];

const EVENT_COLUMNS = 'seq, icount, seq_in_icount AS sii, kind, pid, nr, a0, a1, a2, a3, a4, a5, name, data';
const SNAPSHOT_COLUMNS = 'id, branch, icount, seq, state_size, length(state) AS csize, page_count, created_at';
const MAX = Number.MAX_SAFE_INTEGER;

function hashesToBlob(pages: readonly PageHash[]): Buffer {
  const out = Buffer.alloc(pages.length * 32);
  for (let i = 0; i < pages.length; i++) out.write(pages[i]!, i * 32, 32, 'hex');
  return out;
}

function blobToHashes(blob: Buffer): PageHash[] {
  const out: PageHash[] = [];
  for (let i = 0; i + 32 <= blob.length; i += 32) out.push(blob.toString('hex', i, i + 32) as PageHash);
  return out;
}

/**
 * The segments of one commit's byte data: each item longer than INLINE_DATA_MAX is appended to the
 * open segment, which is closed when the next item would take it past SEGMENT_BYTES or belongs to
 * another branch. A segment's id is the event id of its first item's event.
 */
class SegmentWriter {
  private readonly done: { readonly id: number; readonly bytes: Buffer }[] = [];
  private open: { readonly id: number; readonly branchEnd: number; parts: Uint8Array[]; size: number } | null = null;

  /** Appends the bytes of event `id` (of the branch ending below branchEnd); returns their offset. */
  add(id: number, branchEnd: number, bytes: Uint8Array): number {
    let seg = this.open;
    if (seg === null || id >= seg.branchEnd || seg.size + bytes.length > SEGMENT_BYTES) {
      this.close();
      seg = this.open = { id, branchEnd, parts: [], size: 0 };
    }
    const offset = seg.size;
    seg.parts.push(bytes);
    seg.size += bytes.length;
    return offset;
  }

  private close(): void {
    if (this.open === null) return;
    this.done.push({ id: this.open.id, bytes: Buffer.concat(this.open.parts, this.open.size) });
    this.open = null;
  }

  finish(): readonly { readonly id: number; readonly bytes: Buffer }[] {
    this.close();
    return this.done;
  }
}

/**
 * Whether `ret` is the return of syscall `call` right after it (the next seq, at the same icount
 * and the next seq in icount; same process and number), with nothing a row of kind 0 cannot hold:
 * then both are stored as one row, the return's result in data.
 */
function foldsInto(call: PendingRow, ret: PendingRow): boolean {
  return (
    call.kind === SYSCALL_KIND && ret.kind === RETURN_KIND && ret.branch === call.branch && ret.seq === call.seq + 1 &&
    ret.icount === call.icount && ret.seqInIcount === call.seqInIcount + 1 && ret.pid === call.pid && ret.nr === call.nr &&
    ret.a0 !== null && Number.isSafeInteger(ret.a0) && ret.a1 === null && ret.a2 === null && ret.a3 === null && ret.a4 === null && ret.a5 === null &&
    ret.name === null && ret.data === null && ret.body === null && call.data === null && call.body === null
  );
}

/** The data column of a row: its body (TEXT), its bytes inline, or where in a segment they are. */
function storedData(r: PendingRow, id: number, segments: SegmentWriter): Uint8Array | string | bigint | null {
  if (r.body !== null) {
    if (r.data !== null) throw new JournalError('INVALID_EVENT', `event ${r.seq} of branch ${r.branch} has both byte data and a body; a row holds one`);
    return r.body;
  }
  const d = r.data;
  if (d === null || d.length <= INLINE_DATA_MAX || d.length >= DATA_LENGTH_LIMIT) return d;
  const offset = segments.add(id, eventRowId(r.branch, SEQS_PER_BRANCH - 1) + 1, d);
  // A BigInt: better-sqlite3 binds a number as a REAL, which a column without affinity keeps (8 bytes, and not an integer to the views).
  return BigInt(offset * DATA_LENGTH_LIMIT + d.length);
}

interface Keyframe {
  readonly id: SnapshotId;
  /** Its state with page references (snapshot-codec.ts referPages): the dictionary PAGE_REFS states are compressed with. */
  readonly state: Uint8Array;
  readonly compressedBytes: number;
}

export class SqliteJournalStore extends BaseJournalStore {
  readonly schemaVersion: number;
  /**
   * The schema version of the file when a read-only open found it older than this build's: the
   * store then reads a copy upgraded in memory and the file is never written. Null otherwise.
   */
  readonly upgradedFrom: number | null;
  private readonly stmts = new Map<string, Stmt<unknown>>();
  private readonly migrations: readonly Migration[];

  private readonly insertEvent: Database.Statement<unknown[], never>;
  private readonly insertEvents: Database.Statement<unknown[], never>;
  /** The parameters of insertEvents, reused. */
  private readonly insertParams: unknown[] = new Array<unknown>(ROWS_PER_INSERT * EVENT_PARAMS);
  private readonly insertName: Database.Statement<unknown[], never>;
  private readonly insertSyscallName: Database.Statement<unknown[], never>;
  private readonly insertSegment: Database.Statement<unknown[], never>;
  /** syscall_name: the name id of each syscall number (a syscall row with that name stores none). */
  private readonly syscallNames = new Map<number, number>();
  private readonly qSegmentOf: Stmt<{ id: number }>;
  private readonly qSegment: Stmt<{ bytes: Buffer }>;
  /** The event_data segment read last: a replay reads its rows one after the other. */
  private segment: { readonly id: number; readonly bytes: Buffer } | null = null;
  private readonly upsertBlock: Database.Statement<unknown[], never>;
  /** The name table both ways (names are few: syscall names, reasons, paths, server names). */
  private readonly nameIds = new Map<string, number>();
  private readonly names = new Map<number, string>();
  private readonly qSetHead: Stmt<never>;
  private readonly qHead: Stmt<{ head_seq: number; head_hash: Buffer | null }>;
  private readonly qLastRow: Stmt<EventRowArray>;
  private readonly qRawFrom: Stmt<EventRowArray>;
  private readonly qBranch: Stmt<BranchRowDb>;
  private readonly qIcountAt: Stmt<{ id: number; kind: number; icount: number }>;
  private readonly qKindAt: Stmt<{ kind: number; pid: number | null }>;
  private readonly qPageExists: Stmt<{ one: number }>;
  private readonly qInsertPage: Stmt<never>;
  private readonly qPage: Stmt<{ id: number; size: number; data: Buffer; dictionary: number | null; pack: number | null }>;
  private readonly qPackMembers: Stmt<{ id: number; size: number; pack: number | null }>;
  /** Packs read lately, by the id of their first page: each member's bytes by page id. */
  private readonly packs = new Map<number, ReadonlyMap<number, Uint8Array>>();
  /** The page dictionary new pages are compressed with (undefined: not looked up yet; null: none yet). */
  private pageDictionary: { readonly id: number; readonly z: ZstdDictionary } | null | undefined = undefined;
  /** Page dictionaries digested so far, by id (freed on close). */
  private readonly pageDictionaries = new Map<number, ZstdDictionary>();
  private readonly qPageId: Stmt<{ id: number }>;
  private readonly qPageHash: Stmt<{ hash: Buffer }>;
  /** Per branch, the keyframe its next snapshot is compressed against (snapshot-codec.ts). */
  private readonly keyframes = new Map<BranchId, Keyframe>();
  /** The keyframe state read last: the snapshots of a seek share one. */
  private lastBase: { readonly id: SnapshotId; readonly referred: boolean; readonly z: ZstdDictionary } | null = null;
  /** Page hashes by page id (a page never changes): restoring a snapshot maps every id of its list. */
  private readonly pageHashById = new Map<number, PageHash>();
  /** page.id of pages found by hash (pageIdOf), as many as PAGE_HASHES_KEPT. */
  private readonly pageIdByHash = new Map<PageHash, number>();
  /** Pages a pack holds in this file: PACK_PAGES with small SQLite pages, 1 (no packs) with large ones. */
  private readonly packPages: number;
  private readonly qLatestSnapshot: Stmt<SnapshotRowDb>;

  /**
   * Wraps an open database (path or ':memory:', injected as STYLE.md 7 asks) and brings its
   * schema up to date. Prefer SqliteJournalStore.open(), which also checks the file first.
   */
  constructor(
    private readonly db: Database.Database,
    zstd: Zstd,
    options: SqliteOpenOptions = {},
    private readonly label = db.name,
  ) {
    super(zstd, options, options.readonly ?? false);
    this.migrations = options.migrations ?? loadMigrations();
    this.upgradedFrom = options.upgradedFrom ?? null;
    const inMemory = this.upgradedFrom !== null;
    try {
      // What the file is, found by reading only: another application's database or an empty file
      // opened without create is refused before anything (a WAL switch, a schema) is written.
      const found = currentSchemaVersion(db);
      if (found === 0 && !this.readonly && !(options.create ?? true)) {
        throw new JournalError('NOT_A_JOURNAL', `${label} is empty: no journal has been written to it yet`);
      }
      if (!this.readonly && !inMemory) {
        // 4 KiB pages for a new file (set before WAL writes its first page): large byte data lives in
        // event_data segments, so small pages waste nothing (README "Schema 9"). An existing file keeps its size.
        if ((db.pragma('page_count', { simple: true }) as number) === 0) db.pragma(`page_size = ${PAGE_SIZE}`);
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        // Checkpoint every 16 MiB of WAL, whatever the file's page size (1000 pages were 64 MiB at 64 KiB).
        db.pragma(`wal_autocheckpoint = ${Math.max(16, Math.floor((16 << 20) / (db.pragma('page_size', { simple: true }) as number)))}`);
      }
      // better-sqlite3 turns foreign keys on by default; the store checks branches itself and
      // verify() runs foreign_key_check, so inserts do not pay for it (about a quarter of their cost).
      db.pragma('foreign_keys = OFF');
      db.pragma('busy_timeout = 5000');
      // Binary searches over icount and replays read scattered pages: keep 16 MiB of them.
      db.pragma('cache_size = -16384');
      this.schemaVersion = migrate(db, { readonly: this.readonly && !inMemory, migrations: this.migrations, label });
    } catch (e) {
      throw translateSqliteError(e, label);
    }
    try {
      this.insertEvent = db.prepare<unknown[], never>(EVENT_INSERT + EVENT_VALUES);
      this.insertEvents = db.prepare<unknown[], never>(EVENT_INSERT + new Array<string>(ROWS_PER_INSERT).fill(EVENT_VALUES).join(', '));
      this.insertName = db.prepare<unknown[], never>('INSERT INTO name (text) VALUES (?)');
      this.insertSyscallName = db.prepare<unknown[], never>('INSERT INTO syscall_name (nr, name) VALUES (?, ?)');
      this.insertSegment = db.prepare<unknown[], never>('INSERT INTO event_data (id, bytes) VALUES (?, ?)');
      this.upsertBlock = db.prepare<unknown[], never>('INSERT OR REPLACE INTO event_block (branch, block, count, hash, mac) VALUES (?, ?, ?, ?, ?)');
    } catch (e) {
      throw translateSqliteError(e, label);
    }
    this.qSetHead = this.prep('UPDATE branch SET head_seq = ?, head_hash = ?, head_mac = ? WHERE id = ?');
    this.qHead = this.prep('SELECT head_seq, head_hash FROM branch WHERE id = ?');
    this.qLastRow = this.prepRows(`SELECT ${EVENT_COLUMNS} FROM event WHERE id BETWEEN ? AND ? ORDER BY id DESC LIMIT 1`);
    this.qRawFrom = this.prepRows(`SELECT ${EVENT_COLUMNS} FROM event WHERE id BETWEEN ? AND ? ORDER BY id LIMIT ?`);
    this.qBranch = this.prep('SELECT id, parent, fork_icount, fork_seq, created_at, label FROM branch WHERE id = ?');
    this.qIcountAt = this.prep('SELECT id, kind, icount FROM event WHERE id BETWEEN ? AND ? ORDER BY id DESC LIMIT 1');
    this.qKindAt = this.prep('SELECT kind, pid FROM event WHERE id = ?');
    this.loadNames();
    this.loadSyscallNames();
    this.qSegmentOf = this.prep('SELECT id FROM event_data WHERE id <= ? AND id >= ? ORDER BY id DESC LIMIT 1');
    this.qSegment = this.prep('SELECT bytes FROM event_data WHERE id = ?');
    // Pages are found through the index of their hash's first bytes (page_hash_prefix), then the whole hash.
    this.qPageExists = this.prep(`SELECT 1 AS one FROM page WHERE ${PAGE_BY_HASH}`);
    this.qInsertPage = this.prep('INSERT INTO page (id, hash, size, data, dictionary, pack) VALUES (?, ?, ?, ?, ?, ?)');
    this.qPage = this.prep(`SELECT id, size, data, dictionary, pack FROM page WHERE ${PAGE_BY_HASH}`);
    this.qPackMembers = this.prep(`SELECT id, size, pack FROM page WHERE id BETWEEN ? AND ? + ${PACK_PAGES - 1} ORDER BY id`);
    this.qPageId = this.prep(`SELECT id FROM page WHERE ${PAGE_BY_HASH}`);
    // The file's page size never changes once it holds a page: whether it packs pages is known now.
    this.packPages = (db.pragma('page_size', { simple: true }) as number) <= PACKED_PAGE_SIZE_MAX ? PACK_PAGES : 1;
    this.qPageHash = this.prep('SELECT hash FROM page WHERE id = ?');
    this.qLatestSnapshot = this.prep(
      `SELECT ${SNAPSHOT_COLUMNS} FROM snapshot WHERE branch = ? AND icount <= ? AND seq <= ? ORDER BY icount DESC, seq DESC LIMIT 1`,
    );
  }

  /** Opens (creating unless told not to) the journal at path, or ':memory:'. */
  static async open(path: string, options: SqliteOpenOptions = {}): Promise<SqliteJournalStore> {
    const zstd = await loadZstd();
    return SqliteJournalStore.openWith(zstd, path, options);
  }

  /** open() with zstd already loaded: synchronous. */
  static openWith(zstd: Zstd, path: string, options: SqliteOpenOptions = {}): SqliteJournalStore {
    const readonly = options.readonly ?? false;
    const create = options.create ?? !readonly;
    if (path !== ':memory:' && path !== '') {
      if (!existsSync(path)) {
        if (!create) throw new JournalError('NOT_FOUND', `no journal at ${path}`);
      } else checkFileHeader(path);
    }
    let db: Database.Database;
    try {
      db = new Database(path, { readonly, fileMustExist: !create });
    } catch (e) {
      throw translateSqliteError(e, path);
    }
    try {
      if (readonly) {
        // A read-only command must never rewrite a file (a damaged WAL would be cut short by the
        // first write): an older schema is upgraded in a copy in memory.
        const found = currentSchemaVersion(db);
        const latest = latestSchemaVersion(options.migrations ?? loadMigrations());
        if (found > 0 && found < latest) {
          const image = db.serialize();
          // An image of a WAL file says so in its header (bytes 18-19); a database in memory has no WAL.
          image[18] = 1;
          image[19] = 1;
          const copy = new Database(image);
          db.close();
          db = copy;
          return new SqliteJournalStore(db, zstd, { ...options, upgradedFrom: found }, path);
        }
      }
      return new SqliteJournalStore(db, zstd, { ...options, create }, path);
    } catch (e) {
      db.close();
      throw translateSqliteError(e, path);
    }
  }

  /**
   * Writes a compacted copy of the journal to dest (which must not exist). withKeys: false leaves
   * out the channel keys, so the copy can be shared: the ciphertext stays inspectable as bytes,
   * not decryptable. secure_delete makes sure no key bytes survive in the copy's free pages.
   */
  exportTo(dest: string, options: { readonly withKeys?: boolean } = {}): void {
    this.settled();
    if (existsSync(dest)) throw new JournalError('BAD_ARGUMENT', `${dest} already exists`);
    try {
      this.db.prepare('VACUUM INTO ?').run(dest);
      if (options.withKeys === false) {
        const copy = new Database(dest);
        try {
          copy.pragma('secure_delete = ON');
          // The key seed is withheld (an empty row says so), not just absent: a reader of the copy
          // must not take its keys to come from the entropy seed.
          copy.exec("DELETE FROM channel_key; UPDATE key_seed SET seed = x''; UPDATE seal_key SET key = x''; VACUUM");
        } finally {
          copy.close();
        }
      }
    } catch (e) {
      throw translateSqliteError(e, dest);
    }
  }

  /** The underlying connection, for read-only SQL the port does not cover (xrr events --sql). */
  get database(): Database.Database {
    return this.db;
  }

  private prep<Row>(sql: string): Stmt<Row> {
    const hit = this.stmts.get(sql);
    if (hit) return hit as Stmt<Row>;
    let s: Database.Statement<unknown[], Row>;
    try {
      s = this.db.prepare<unknown[], Row>(sql);
    } catch (e) {
      throw translateSqliteError(e, this.label);
    }
    const stmt = new Stmt<Row>(s);
    this.stmts.set(sql, stmt as Stmt<unknown>);
    return stmt;
  }

  /**
   * An event query whose rows come back as arrays in EVENT_COLUMNS order: better-sqlite3 builds
   * an object a row by naming each of its 15 values, which cost half of reading the row.
   */
  private prepRows(sql: string): Stmt<EventRowArray> {
    const key = `rows:${sql}`;
    const hit = this.stmts.get(key);
    if (hit) return hit as Stmt<EventRowArray>;
    let s: Database.Statement<unknown[], EventRowArray>;
    try {
      s = this.db.prepare<unknown[], EventRowArray>(sql).raw(true);
    } catch (e) {
      throw translateSqliteError(e, this.label);
    }
    const stmt = new Stmt<EventRowArray>(s);
    this.stmts.set(key, stmt as Stmt<unknown>);
    return stmt;
  }

  private tx<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn)();
    } catch (e) {
      throw translateSqliteError(e, this.label);
    }
  }

  // ---- recording and branches ---------------------------------------------------------------

  protected insertRecording(meta: RecordingMeta, root: BranchInfo, sealKey: Uint8Array, rootHeadMac: Uint8Array): void {
    this.tx(() => {
      this.prep('INSERT OR REPLACE INTO seal_key (id, key) VALUES (1, ?)').run(Buffer.from(sealKey));
      this.prep(
        `INSERT INTO recording (id, machine_version, image_hash, seed_hex, boot_epoch_ns, command_line, created_at, xrr_version)
         VALUES (1, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(meta.machineVersion, meta.imageHash, meta.seedHex, meta.bootEpochNs, JSON.stringify(meta.commandLine), meta.createdAt, meta.xrrVersion);
      this.prep('INSERT INTO branch (id, parent, fork_icount, fork_seq, created_at, label, head_seq, head_hash, head_mac) VALUES (?, NULL, 0, 0, ?, ?, 0, NULL, ?)').run(
        root.id,
        root.createdAt,
        root.label,
        Buffer.from(rootHeadMac),
      );
    });
  }

  protected readRecording(): RecordingMeta | null {
    const r = this.prep<{
      machine_version: string;
      image_hash: string;
      seed_hex: string;
      boot_epoch_ns: string;
      command_line: string;
      created_at: string;
      xrr_version: string;
    }>('SELECT machine_version, image_hash, seed_hex, boot_epoch_ns, command_line, created_at, xrr_version FROM recording WHERE id = 1').get();
    if (!r) return null;
    let commandLine: unknown;
    try {
      commandLine = JSON.parse(r.command_line);
    } catch {
      commandLine = null;
    }
    if (!Array.isArray(commandLine) || !commandLine.every((a) => typeof a === 'string')) {
      throw new JournalError('CORRUPT', `${this.label}: recording.command_line is not a JSON array of strings`);
    }
    return {
      machineVersion: r.machine_version,
      imageHash: r.image_hash,
      seedHex: r.seed_hex,
      bootEpochNs: r.boot_epoch_ns,
      commandLine: commandLine as string[],
      createdAt: r.created_at,
      xrrVersion: r.xrr_version,
    };
  }

  private branchOfRow(r: BranchRowDb): BranchInfo {
    return {
      id: r.id as BranchId,
      parent: r.parent as BranchId | null,
      forkIcount: r.fork_icount as Icount,
      forkSeq: r.fork_seq as JournalSeq,
      createdAt: r.created_at,
      label: r.label,
    };
  }

  protected readBranch(id: BranchId): BranchInfo | null {
    const r = this.qBranch.get(id);
    return r ? this.branchOfRow(r) : null;
  }

  protected readBranches(): BranchInfo[] {
    return this.prep<BranchRowDb>('SELECT id, parent, fork_icount, fork_seq, created_at, label FROM branch ORDER BY id')
      .all()
      .map((r) => this.branchOfRow(r));
  }

  protected insertBranch(b: Omit<BranchInfo, 'id'>, head: RecordedHead, headMac: (id: BranchId) => Uint8Array | null): BranchInfo {
    return this.tx(() => {
      const res = this.prep('INSERT INTO branch (parent, fork_icount, fork_seq, created_at, label, head_seq, head_hash) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        b.parent,
        b.forkIcount,
        b.forkSeq,
        b.createdAt,
        b.label,
        head.length,
        head.hash === null ? null : Buffer.from(head.hash),
      );
      const id = branchId(Number(res.lastInsertRowid));
      const mac = headMac(id);
      this.prep('UPDATE branch SET head_mac = ? WHERE id = ?').run(mac === null ? null : Buffer.from(mac), id);
      return { ...b, id };
    });
  }

  protected readSealKey(): Uint8Array | null {
    const r = this.prep<{ key: Buffer }>('SELECT key FROM seal_key WHERE id = 1').get();
    return r ? Uint8Array.from(r.key) : null;
  }

  protected readSealedHead(branch: BranchId): SealedHead | null {
    const r = this.prep<{ snap_count: number; snap_hash: Buffer | null; head_mac: Buffer | null }>('SELECT snap_count, snap_hash, head_mac FROM branch WHERE id = ?').get(branch);
    return r ? { snapshots: r.snap_count, snapshotHash: r.snap_hash, mac: r.head_mac } : null;
  }

  protected readBlockMac(branch: BranchId, index: number): Uint8Array | null {
    return this.prep<{ mac: Buffer | null }>('SELECT mac FROM event_block WHERE branch = ? AND block = ?').get(branch, index)?.mac ?? null;
  }

  protected readSnapshotSeal(id: SnapshotId): SnapshotSeal | null {
    const r = this.prep<{ digest: Buffer | null; mac: Buffer | null }>('SELECT digest, mac FROM snapshot WHERE id = ?').get(id);
    return r ? { digest: r.digest, mac: r.mac } : null;
  }

  protected ownSnapshotDigests(branch: BranchId): { readonly id: SnapshotId; readonly digest: Uint8Array | null }[] {
    return this.prep<{ id: number; digest: Buffer | null }>('SELECT id, digest FROM snapshot WHERE branch = ? ORDER BY id')
      .all(branch)
      .map((r) => ({ id: r.id as SnapshotId, digest: r.digest }));
  }

  override readConsistently<T>(fn: () => T): T {
    // One read transaction: a recording being written commits between two reads otherwise.
    if (this.db.inTransaction) return fn();
    return this.tx(fn);
  }

  // ---- events -------------------------------------------------------------------------------

  private loadNames(): void {
    this.nameIds.clear();
    this.names.clear();
    for (const r of this.prep<{ id: number; text: string }>('SELECT id, text FROM name').all()) {
      this.nameIds.set(r.text, r.id);
      this.names.set(r.id, r.text);
    }
  }

  private nameId(text: string): number {
    const hit = this.nameIds.get(text);
    if (hit !== undefined) return hit;
    const id = Number(this.insertName.run(text).lastInsertRowid);
    this.nameIds.set(text, id);
    this.names.set(id, text);
    return id;
  }

  private nameText(id: number, where: string): string {
    let t = this.names.get(id);
    if (t === undefined) {
      // Another connection (the recorder) may have added names since this one loaded them.
      this.loadNames();
      t = this.names.get(id);
      if (t === undefined) throw new JournalError('CORRUPT', `event ${where} names text ${id}, which the name table does not hold (run xrr verify)`);
    }
    return t;
  }

  protected commitRows(rows: readonly PendingRow[], chain: PendingChain): void {
    try {
      this.tx(() => {
        // The raw statements on the hot path; tx() translates their errors.
        const segments = new SegmentWriter();
        const params = this.insertParams;
        let k = 0;
        for (let j = 0; j < rows.length; j++) {
          const r = rows[j]!;
          const id = eventRowId(r.branch, r.seq);
          const next = rows[j + 1];
          const folded = next !== undefined && foldsInto(r, next);
          params[k++] = id;
          params[k++] = r.icount;
          params[k++] = r.seqInIcount;
          params[k++] = folded ? FOLDED_KIND : r.kind;
          params[k++] = r.pid;
          params[k++] = r.nr;
          params[k++] = r.a0;
          params[k++] = r.a1;
          params[k++] = r.a2;
          params[k++] = r.a3;
          params[k++] = r.a4;
          params[k++] = r.a5;
          params[k++] = this.storedName(r);
          // A BigInt: a column without affinity keeps a bound number as a REAL.
          params[k++] = folded ? BigInt(next.a0!) : storedData(r, id, segments);
          if (folded) j++;
          if (k === params.length) {
            this.insertEvents.run(params);
            k = 0;
          }
        }
        for (let o = 0; o < k; o += EVENT_PARAMS) this.insertEvent.run(params.slice(o, o + EVENT_PARAMS));
        // Blobs stay referenced by the reused parameters otherwise.
        params.fill(null);
        for (const seg of segments.finish()) this.insertSegment.run(seg.id, seg.bytes);
        for (const b of chain.blocks) this.upsertBlock.run(b.branch, b.index, b.count, b.hash, b.mac);
        for (const [b, h] of chain.heads) this.qSetHead.run(h.length, h.hash, chain.headMacs.get(b) ?? null, b);
      });
    } catch (e) {
      // Names, syscall numbers and segments added inside the rolled-back transaction are gone from the file.
      this.loadNames();
      this.loadSyscallNames();
      this.segment = null;
      throw e;
    }
  }

  /**
   * The name column of a row: the name's id, or NULL for a syscall whose name is the one
   * syscall_name holds for its number (recorded here when its number is new).
   */
  private storedName(r: PendingRow): number | null {
    if (r.name === null) return null;
    const id = this.nameId(r.name);
    if (r.kind !== SYSCALL_KIND || r.nr === null) return id;
    const known = this.syscallNames.get(r.nr);
    if (known === id) return null;
    if (known !== undefined) return id;
    this.insertSyscallName.run(r.nr, id);
    this.syscallNames.set(r.nr, id);
    return null;
  }

  private loadSyscallNames(): void {
    this.syscallNames.clear();
    for (const r of this.prep<{ nr: number; name: number }>('SELECT nr, name FROM syscall_name').all()) this.syscallNames.set(r.nr, r.name);
  }

  /** The name id a syscall row without one has: its number's in syscall_name. */
  private syscallNameId(nr: number | null, where: string): number {
    let id = nr === null ? undefined : this.syscallNames.get(nr);
    if (id === undefined && nr !== null) {
      // Another connection (the recorder) may have added numbers since this one loaded them.
      this.loadSyscallNames();
      id = this.syscallNames.get(nr);
    }
    if (id === undefined) throw new JournalError('CORRUPT', `event ${where} is a syscall without a name, and syscall_name has none for number ${String(nr)} (run xrr verify)`);
    return id;
  }

  /** The bytes of a segmented item: `ref` is offset * 2^24 + length in the segment holding event `id`. */
  private segmentedBytes(branch: BranchId, id: number, ref: number, where: string): Buffer {
    const segId = this.qSegmentOf.get(id, eventRowId(branch, 0))?.id;
    if (segId === undefined) throw new JournalError('CORRUPT', `event ${where} refers to event_data, which holds no segment for it (run xrr verify)`);
    let seg = this.segment;
    if (seg === null || seg.id !== segId) {
      const row = this.qSegment.get(segId);
      if (!row) throw new JournalError('CORRUPT', `event ${where}: segment ${segId} vanished while read`);
      if (!Buffer.isBuffer(row.bytes)) throw new JournalError('CORRUPT', `event_data segment ${segId} is not a blob (run xrr verify)`);
      seg = this.segment = { id: segId, bytes: row.bytes };
    }
    const length = ref % DATA_LENGTH_LIMIT;
    const offset = (ref - length) / DATA_LENGTH_LIMIT;
    if (!Number.isSafeInteger(ref) || ref < 0 || offset + length > seg.bytes.length) {
      throw new JournalError('CORRUPT', `event ${where} refers to bytes ${offset}..${offset + length} of segment ${segId}, which has ${seg.bytes.length} (run xrr verify)`);
    }
    return seg.bytes.subarray(offset, offset + length);
  }

  eventBlocks(branch: BranchId, fromIndex: number, limit: number): EventBlock[] {
    this.settled();
    return this.prep<{ block: number; count: number; hash: Buffer }>('SELECT block, count, hash FROM event_block WHERE branch = ? AND block >= ? ORDER BY block LIMIT ?')
      .all(branch, fromIndex, limit)
      .map((r) => ({ branch, index: r.block, count: r.count, hash: r.hash }));
  }

  recordedHead(branch: BranchId): RecordedHead {
    this.live();
    const r = this.qHead.get(branch);
    if (!r) throw new JournalError('UNKNOWN_BRANCH', `no branch ${branch} in the journal`);
    return { length: r.head_seq, hash: r.head_hash };
  }

  /**
   * The logical rows of a stored row with lo <= seq <= hi, in seq order: one, or two for a row
   * of kind 0 (a syscall, then its return at the next seq, in icount and seq in icount).
   */
  private expand(branch: BranchId, r: EventRowArray, lo: number, hi: number, out: RawEventRow[]): void {
    const seq = r[0];
    const kind = r[3];
    const nr = r[5];
    let name: number | null = r[12];
    const stored = r[13];
    let data: Buffer | null = null;
    let body: string | null = null;
    if (kind === FOLDED_KIND) {
      if (typeof stored !== 'number' || !Number.isSafeInteger(stored)) throw new JournalError('CORRUPT', `event ${rowPlace(seq, branch)} is a syscall and its return, without an integer result (run xrr verify)`);
    } else if (typeof stored === 'string') body = stored;
    else if (typeof stored === 'number') data = this.segmentedBytes(branch, eventRowId(branch, seq), stored, rowPlace(seq, branch));
    else data = stored;
    if (name === null && (kind === SYSCALL_KIND || kind === FOLDED_KIND)) name = this.syscallNameId(nr, rowPlace(seq, branch));
    if (seq >= lo && seq <= hi) {
      out.push({
        branch,
        seq,
        icount: r[1],
        seqInIcount: r[2],
        kind: kind === FOLDED_KIND ? SYSCALL_KIND : kind,
        pid: r[4],
        nr,
        a0: r[6],
        a1: r[7],
        a2: r[8],
        a3: r[9],
        a4: r[10],
        a5: r[11],
        name: name === null ? null : this.nameText(name, rowPlace(seq, branch)),
        data,
        body,
      });
    }
    if (kind === FOLDED_KIND && seq + 1 >= lo && seq + 1 <= hi) {
      const n = null;
      out.push({ branch, seq: seq + 1, icount: r[1], seqInIcount: r[2] + 1, kind: RETURN_KIND, pid: r[4], nr, a0: stored as number, a1: n, a2: n, a3: n, a4: n, a5: n, name: n, data: n, body: n });
    }
  }

  /** The logical rows of stored rows (from a query that began one seq early, for a return folded there), limited. */
  private expandAll(branch: BranchId, rows: readonly EventRowArray[], lo: number, hi: number, order: 'asc' | 'desc', limit: number, kinds: ReadonlySet<number> | null): RawEventRow[] {
    const out: RawEventRow[] = [];
    const one: RawEventRow[] = [];
    for (const r of rows) {
      one.length = 0;
      this.expand(branch, r, lo, hi, one);
      if (order === 'desc') one.reverse();
      for (const x of one) if (kinds === null || kinds.has(x.kind)) out.push(x);
      if (limit >= 0 && out.length >= limit) break;
    }
    if (limit >= 0 && out.length > limit) out.length = limit;
    return out;
  }

  protected lastOwnRow(branch: BranchId): RawEventRow | null {
    const r = this.qLastRow.get(eventRowId(branch, 0), eventRowId(branch, SEQS_PER_BRANCH - 1));
    if (!r) return null;
    const out: RawEventRow[] = [];
    this.expand(branch, r, 0, MAX, out);
    return out[out.length - 1] ?? null;
  }

  rawEvents(branch: BranchId, fromSeq: number, limit: number): RawEventRow[] {
    this.settled();
    // From one seq early: a return at fromSeq may be folded into the row before it.
    const first = Math.max(0, fromSeq - 1);
    const rows = this.qRawFrom.all(eventRowId(branch, first), eventRowId(branch, SEQS_PER_BRANCH - 1), limit + 1);
    return this.expandAll(branch, rows, fromSeq, MAX, 'asc', limit, null);
  }

  /**
   * WHERE clause and parameters for one branch's stored rows under a filter, from `first` (the
   * filter's loSeq, or one before it to take a return folded there); `kinds`: the logical codes
   * the rows it gives must still be filtered to (a row of kind 0 is a syscall and a return).
   */
  private where(branch: BranchId, f: SegmentFilter, first = f.loSeq): { sql: string; params: unknown[]; key: string; index?: string; kinds: ReadonlySet<number> | null } {
    let sql = 'id BETWEEN ? AND ?';
    const params: unknown[] = [eventRowId(branch, first), eventRowId(branch, Math.min(f.hiSeq, SEQS_PER_BRANCH - 1))];
    let key = '';
    if (f.loIcount > 0 || f.hiIcount < MAX) {
      sql += ' AND icount BETWEEN ? AND ?';
      params.push(f.loIcount, f.hiIcount);
      key += 'i';
    }
    if (f.pid !== null) {
      sql += ' AND pid = ?';
      params.push(f.pid);
      key += 'p';
    }
    if (f.kinds !== null) {
      // Kind codes are literals (from a fixed table, never user text), so the planner can see
      // when a query asks only for kinds the partial index event_kind_at holds. A row kept whole
      // in body has its code negated.
      const codes: number[] = [];
      for (const k of f.kinds) {
        const c = KIND_CODES[k as keyof typeof KIND_CODES];
        if (c === undefined) throw new JournalError('BAD_ARGUMENT', `unknown event kind ${JSON.stringify(k)}`);
        codes.push(c, -c);
      }
      const kinds = new Set(codes);
      if (kinds.has(SYSCALL_KIND) || kinds.has(RETURN_KIND)) codes.push(FOLDED_KIND);
      const rare = codes.every((c) => Math.abs(c) >= RARE_KIND_MIN);
      sql += `${rare ? ' AND kind NOT BETWEEN 0 AND 3' : ''} AND kind IN (${codes.join(', ')})`;
      key += `k${codes.join(',')}`;
      // Without statistics the planner may prefer a long seq range on the primary key: a rare
      // kind is a few rows in the index, so name it.
      if (rare) return { sql, params, key, index: 'event_kind_at', kinds };
      return { sql, params, key, kinds };
    }
    return { sql, params, key, kinds: null };
  }

  protected selectRows(branch: BranchId, f: SegmentFilter, order: 'asc' | 'desc', limit: number): RawEventRow[] {
    const w = this.where(branch, f, Math.max(0, f.loSeq - 1));
    const dir = order === 'asc' ? 'ASC' : 'DESC';
    // Within a branch (icount, seq) order is seq order, which the primary key and event_kind_at deliver.
    const from = w.index === undefined ? 'event' : `event INDEXED BY ${w.index}`;
    // Every stored row gives at least one matching event, but for the one before loSeq: one more row is enough.
    const rows = this.prepRows(`SELECT ${EVENT_COLUMNS} FROM ${from} WHERE ${w.sql} ORDER BY id ${dir} LIMIT ?`).all(...w.params, limit < 0 ? -1 : limit + 1);
    return this.expandAll(branch, rows, f.loSeq, f.hiSeq, order, limit, w.kinds);
  }

  protected ownIcountAt(branch: BranchId, seq: number): number | null {
    const r = this.qIcountAt.get(eventRowId(branch, Math.max(0, seq - 1)), eventRowId(branch, seq));
    if (!r) return null;
    // The row itself, or the syscall its return is folded into.
    return r.id === eventRowId(branch, seq) || r.kind === FOLDED_KIND ? r.icount : null;
  }

  protected countRows(branch: BranchId, f: SegmentFilter): number {
    const w = this.where(branch, f);
    const from = w.index === undefined ? 'event' : `event INDEXED BY ${w.index}`;
    const c = this.prep<{ n: number; folded: number | null }>(`SELECT count(*) AS n, sum(kind = ${FOLDED_KIND}) AS folded FROM ${from} WHERE ${w.sql}`).get(...w.params)!;
    const callCounts = w.kinds === null || w.kinds.has(SYSCALL_KIND);
    const returnCounts = w.kinds === null || w.kinds.has(RETURN_KIND);
    // A row of kind 0 is counted once; it holds two events, one or both of which the filter asks for.
    let n = c.n + (c.folded ?? 0) * ((callCounts ? 1 : 0) + (returnCounts ? 1 : 0) - 1);
    if (returnCounts) {
      const at = (seq: number): { kind: number; pid: number | null } | undefined => this.qKindAt.get(eventRowId(branch, seq));
      // The return of a row at hiSeq is past the range; one folded into the row before loSeq is in it.
      const last = at(f.hiSeq);
      if (last?.kind === FOLDED_KIND && (f.pid === null || last.pid === f.pid) && c.n > 0) n--;
      const before = f.loSeq > 0 ? at(f.loSeq - 1) : undefined;
      if (before?.kind === FOLDED_KIND && (f.pid === null || before.pid === f.pid)) n++;
    }
    return n;
  }

  // ---- snapshots and pages ------------------------------------------------------------------

  private snapshotOfRow(r: SnapshotRowDb): SnapshotRecord {
    return {
      id: r.id as SnapshotId,
      branch: r.branch as BranchId,
      icount: r.icount as Icount,
      seq: r.seq as JournalSeq,
      pageCount: r.page_count,
      stateBytes: r.state_size,
      compressedBytes: r.csize,
      createdAt: r.created_at,
    };
  }

  protected insertSnapshot(s: NewSnapshot, createdAt: string, seal: SnapshotSeal & { readonly head: SealedHead }): SnapshotRecord {
    const pageList = this.zstd.compress(encodePageIds(s.pages.map((h) => this.pageIdOf(h))));
    // The page hashes the state names become references into the page list (snapshot-codec.ts).
    const referred = referPages(s.state, s.pages);
    const stored = referred ?? s.state;
    const codec = referred === null ? SNAPSHOT_CODEC.COMPACT : SNAPSHOT_CODEC.PAGE_REFS;
    // A state that cannot take references (never one encodeState made) is stored on its own.
    const keyframe = referred === null ? null : this.keyframeOf(s.branch);
    let compressed: Uint8Array | null = null;
    let alone: Uint8Array | null = null;
    if (keyframe !== null) {
      const delta = this.zstd.compressWithDictionary(stored, keyframe.state);
      // Small against the keyframe: kept. Otherwise against the state compressed on its own (a
      // machine whose file system grows adds bytes no keyframe has, and keeps the rest).
      if (keepsDelta(delta.length, keyframe.compressedBytes) || keepsDelta(delta.length, (alone = this.zstd.compress(stored)).length)) compressed = delta;
    }
    const base = compressed === null ? null : keyframe!.id;
    compressed ??= alone ?? this.zstd.compress(stored);
    const res = this.tx(() => {
      const r = this.prep(
        'INSERT INTO snapshot (branch, icount, seq, state, state_size, page_count, page_hashes, created_at, digest, mac, codec, base) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(s.branch, s.icount, s.seq, compressed, s.state.length, s.pages.length, pageList, createdAt, seal.digest, seal.mac, codec, base);
      this.prep('UPDATE branch SET snap_count = ?, snap_hash = ?, head_mac = ? WHERE id = ?').run(seal.head.snapshots, seal.head.snapshotHash, seal.head.mac, s.branch);
      return r;
    });
    const id = snapshotId(Number(res.lastInsertRowid));
    // Only the dictionary's share of a keyframe is ever used: a large machine's state is not kept whole.
    // The dictionary is the keyframe as stored (its page references, not its hashes): what a reader decompresses it to.
    if (base === null) this.keyframes.set(s.branch, { id, state: Uint8Array.from(stored.subarray(0, DICTIONARY_MAX)), compressedBytes: compressed.length });
    return {
      id,
      branch: s.branch,
      icount: s.icount,
      seq: s.seq,
      pageCount: s.pages.length,
      stateBytes: s.state.length,
      compressedBytes: compressed.length,
      createdAt,
    };
  }

  /** The branch's latest keyframe (its latest snapshot stored without a base, or that one's base). */
  private keyframeOf(branch: BranchId): Keyframe | null {
    const known = this.keyframes.get(branch);
    if (known) return known;
    const last = this.prep<{ id: number; base: number | null }>('SELECT id, base FROM snapshot WHERE branch = ? ORDER BY id DESC LIMIT 1').get(branch);
    if (!last) return null;
    const id = snapshotId(last.base ?? last.id);
    const row = this.prep<{ csize: number; codec: number }>('SELECT length(state) AS csize, codec FROM snapshot WHERE id = ? AND base IS NULL').get(id);
    const stored = row ? this.readStoredState(id) : null;
    if (!row || stored === null) return null; // a damaged file: the next snapshot stands on its own
    const state = this.referredForm(id, row.codec, stored);
    const k = { id, state: state.slice(0, DICTIONARY_MAX), compressedBytes: row.csize };
    this.keyframes.set(branch, k);
    return k;
  }

  private pageIdOf(hash: PageHash): number {
    // Every snapshot lists all its pages, nearly all of them listed by the snapshot before: a
    // query each was half of a recording writer's snapshot time. A page's id never changes
    // (pages are never deleted, and VACUUM keeps page.id), so the ids found are kept.
    const known = this.pageIdByHash.get(hash);
    if (known !== undefined) return known;
    const r = this.qPageId.get(...hashKey(hash));
    if (!r) throw new JournalError('MISSING_PAGE', `page ${hash} is not stored; putPage it first`);
    if (this.pageIdByHash.size >= PAGE_HASHES_KEPT) this.pageIdByHash.clear();
    this.pageIdByHash.set(hash, r.id);
    return r.id;
  }

  protected latestSnapshot(branch: BranchId, maxIcount: number, maxSeq: number): SnapshotRecord | null {
    const r = this.qLatestSnapshot.get(branch, maxIcount, maxSeq);
    return r ? this.snapshotOfRow(r) : null;
  }

  protected ownSnapshots(branch: BranchId, maxIcount: number, maxSeq: number): SnapshotRecord[] {
    return this.prep<SnapshotRowDb>(`SELECT ${SNAPSHOT_COLUMNS} FROM snapshot WHERE branch = ? AND icount <= ? AND seq <= ? ORDER BY icount, seq, id`)
      .all(branch, maxIcount, maxSeq)
      .map((r) => this.snapshotOfRow(r));
  }

  protected readSnapshotState(id: SnapshotId): Uint8Array | null {
    const r = this.prep<{ codec: number; state_size: number }>('SELECT codec, state_size FROM snapshot WHERE id = ?').get(id);
    const stored = this.readStoredState(id);
    if (!r || stored === null) return null;
    if (r.codec !== SNAPSHOT_CODEC.PAGE_REFS) return stored;
    return resolvePages(stored, this.readSnapshotPages(id) ?? [], r.state_size, `snapshot ${id}`);
  }

  /**
   * A keyframe's state in the form PAGE_REFS deltas are compressed against: as stored when it is
   * PAGE_REFS itself, otherwise (a keyframe written before the page_index_and_packs migration) its state with references made
   * now, the same way on both sides. Only the first DICTIONARY_MAX bytes are ever used.
   */
  private referredForm(id: SnapshotId, codec: number, stored: Uint8Array): Uint8Array {
    if (codec === SNAPSHOT_CODEC.PAGE_REFS) return stored;
    return referPages(stored, this.readSnapshotPages(id) ?? []) ?? stored;
  }

  /** A snapshot's state as its row holds it, decompressed: with PAGE_REFS, its page references unresolved. */
  private readStoredState(id: SnapshotId): Uint8Array | null {
    const r = this.prep<{ state: Buffer; base: number | null; codec: number }>('SELECT state, base, codec FROM snapshot WHERE id = ?').get(id);
    if (!r) return null;
    if (r.base === null) return this.zstd.decompress(r.state);
    return this.baseDictionary(snapshotId(r.base), id, r.codec === SNAPSHOT_CODEC.PAGE_REFS).decompress(r.state);
  }

  /**
   * The state of a keyframe other snapshots are stored against, digested: with page references
   * for a PAGE_REFS delta (referredForm), as stored for a COMPACT one (schema 8 wrote those
   * against keyframes stored without). The last one read is kept: the snapshots of a seek share one.
   */
  private baseDictionary(base: SnapshotId, of: SnapshotId, referred: boolean): ZstdDictionary {
    if (this.lastBase?.id === base && this.lastBase.referred === referred) return this.lastBase.z;
    const r = this.prep<{ state: Buffer; base: number | null; codec: number }>('SELECT state, base, codec FROM snapshot WHERE id = ?').get(base);
    // A base is always stored on its own: anything else is an edited file, and no chain is followed.
    if (!r || r.base !== null) throw new JournalError('CORRUPT', `snapshot ${of} is stored against snapshot ${base}, which ${r ? 'is not a keyframe' : 'does not exist'} (run xrr verify)`);
    const stored = this.zstd.decompress(r.state);
    const z = this.zstd.prepareDictionary(referred ? this.referredForm(base, r.codec, stored) : stored);
    this.lastBase?.z.close();
    this.lastBase = { id: base, referred, z };
    return z;
  }

  protected readSnapshotPages(id: SnapshotId): PageHash[] | null {
    const r = this.prep<{ page_hashes: Buffer; codec: number; page_count: number }>('SELECT page_hashes, codec, page_count FROM snapshot WHERE id = ?').get(id);
    if (!r) return null;
    if (r.codec === SNAPSHOT_CODEC.HASH_LIST) return blobToHashes(r.page_hashes);
    if (r.codec !== SNAPSHOT_CODEC.COMPACT && r.codec !== SNAPSHOT_CODEC.PAGE_REFS) throw new JournalError('CORRUPT', `snapshot ${id} has unknown codec ${r.codec} (run xrr verify)`);
    const where = `snapshot ${id}`;
    return decodePageIds(this.zstd.decompress(r.page_hashes), r.page_count, where).map((pid) => {
      const known = this.pageHashById.get(pid);
      if (known !== undefined) return known;
      const p = this.qPageHash.get(pid);
      if (!p) throw new JournalError('CORRUPT', `${where} refers to page id ${pid}, which is not stored (run xrr verify)`);
      const hash = p.hash.toString('hex') as PageHash;
      if (this.pageHashById.size >= PAGE_HASHES_KEPT) this.pageHashById.clear();
      this.pageHashById.set(pid, hash);
      return hash;
    });
  }

  getSnapshot(id: SnapshotId): SnapshotRecord | null {
    this.live();
    const r = this.prep<SnapshotRowDb>(`SELECT ${SNAPSHOT_COLUMNS} FROM snapshot WHERE id = ?`).get(id);
    return r ? this.snapshotOfRow(r) : null;
  }

  allSnapshots(): SnapshotRecord[] {
    this.live();
    return this.prep<SnapshotRowDb>(`SELECT ${SNAPSHOT_COLUMNS} FROM snapshot ORDER BY id`)
      .all()
      .map((r) => this.snapshotOfRow(r));
  }

  protected insertPages(pages: readonly { hash: PageHash; bytes: Uint8Array }[]): void {
    let dict = this.writingDictionary();
    let fresh: { readonly bytes: Uint8Array; readonly z: ZstdDictionary } | null = null;
    if (dict === null && pages.length >= PAGE_DICTIONARY_PAGES) {
      // The journal's first large batch (the boot snapshot's pages): its first pages become the dictionary.
      const bytes = Buffer.concat(pages.slice(0, PAGE_DICTIONARY_PAGES).map((p) => p.bytes));
      fresh = { bytes, z: this.zstd.prepareDictionary(bytes) };
    }
    const z = fresh?.z ?? dict?.z ?? null;
    const compress = (bytes: Uint8Array): Uint8Array => (z === null ? this.zstd.compress(bytes) : z.compress(bytes));
    // Consecutive pages go together into packs; a pack of one is a page stored on its own.
    const groups: { readonly hash: PageHash; readonly bytes: Uint8Array }[][] = [];
    let bytes = 0;
    for (const p of pages) {
      const last = groups[groups.length - 1];
      if (last === undefined || last.length >= this.packPages || bytes + p.bytes.length > PACK_BYTES) {
        groups.push([p]);
        bytes = p.bytes.length;
      } else {
        last.push(p);
        bytes += p.bytes.length;
      }
    }
    const blobs = groups.map((g) => compress(g.length === 1 ? g[0]!.bytes : Buffer.concat(g.map((p) => p.bytes))));
    const none = new Uint8Array(0);
    try {
      this.tx(() => {
        let dictId = dict?.id ?? null;
        if (fresh !== null) dictId = Number(this.prep('INSERT INTO page_dictionary (data) VALUES (?)').run(this.zstd.compress(fresh.bytes)).lastInsertRowid);
        // Ids given here: a pack's members name its first page before it is inserted.
        let id = (this.prep<{ id: number | null }>('SELECT max(id) AS id FROM page').get()?.id ?? 0) + 1;
        groups.forEach((g, k) => {
          const first = id;
          g.forEach((p, i) => this.qInsertPage.run(id++, Buffer.from(p.hash, 'hex'), p.bytes.length, i === 0 ? blobs[k]! : none, i === 0 ? dictId : null, g.length === 1 ? null : first));
        });
        if (fresh !== null) dict = { id: dictId!, z: fresh.z };
      });
    } catch (e) {
      fresh?.z.close();
      throw e;
    }
    if (fresh !== null && dict !== null) {
      this.pageDictionary = dict;
      this.pageDictionaries.set(dict.id, dict.z);
    }
  }

  /** The dictionary new pages are compressed with: the journal's newest, once it has one. */
  private writingDictionary(): { readonly id: number; readonly z: ZstdDictionary } | null {
    if (this.pageDictionary === undefined) {
      const r = this.prep<{ id: number }>('SELECT max(id) AS id FROM page_dictionary').get();
      this.pageDictionary = r?.id == null ? null : { id: r.id, z: this.readingDictionary(r.id, 'the newest page dictionary') };
    }
    return this.pageDictionary;
  }

  private readingDictionary(id: number, of: string): ZstdDictionary {
    const known = this.pageDictionaries.get(id);
    if (known) return known;
    const r = this.prep<{ data: Buffer }>('SELECT data FROM page_dictionary WHERE id = ?').get(id);
    if (!r) throw new JournalError('CORRUPT', `${of} was compressed with page dictionary ${id}, which is not stored (run xrr verify)`);
    const z = this.zstd.prepareDictionary(this.zstd.decompress(r.data));
    this.pageDictionaries.set(id, z);
    return z;
  }

  protected readPage(hash: PageHash): { readonly size: number; readonly bytes: Uint8Array } | null {
    const r = this.qPage.get(...hashKey(hash));
    if (!r) return null;
    if (r.pack === null) return { size: r.size, bytes: this.decompressPage(r.data, r.dictionary, `page ${hash}`) };
    const bytes = this.packOf(r.pack, `page ${hash}`).get(r.id);
    // Only the pack's first page holds bytes and names a dictionary: either on another member is an edit, not data to ignore.
    if (bytes === undefined || (r.id !== r.pack && (r.data.length > 0 || r.dictionary !== null))) throw new JournalError('CORRUPT', `page ${hash} is not a sound member of the pack of page id ${r.pack} (run xrr verify)`);
    // A copy: the caller may write to it, and the pack stays cached.
    return { size: r.size, bytes: bytes.slice() };
  }

  private decompressPage(data: Uint8Array, dictionary: number | null, of: string): Uint8Array {
    return dictionary === null ? this.zstd.decompress(data) : this.readingDictionary(dictionary, of).decompress(data);
  }

  /**
   * The pages of the pack starting at page id `first`, decompressed once and cut by its members'
   * sizes (they are consecutive ids). CORRUPT, naming `of`, when the pack's bytes are not exactly
   * its members'.
   */
  private packOf(first: number, of: string): ReadonlyMap<number, Uint8Array> {
    const known = this.packs.get(first);
    if (known) return known;
    const members = this.qPackMembers.all(first, first).filter((m) => m.pack === first);
    const lead = this.prep<{ data: Buffer; dictionary: number | null }>('SELECT data, dictionary FROM page WHERE id = ? AND pack = id').get(first);
    if (!lead || members.some((m, i) => m.id !== first + i)) throw new JournalError('CORRUPT', `${of} is in a pack of page id ${first}, which is not a whole pack (run xrr verify)`);
    const bytes = this.decompressPage(lead.data, lead.dictionary, of);
    const total = members.reduce((n, m) => n + m.size, 0);
    if (bytes.length !== total) throw new JournalError('CORRUPT', `${of}: its pack (page ids ${first}..${first + members.length - 1}) holds ${bytes.length} bytes, its pages record ${total} (run xrr verify)`);
    const pack = new Map<number, Uint8Array>();
    let at = 0;
    for (const m of members) {
      pack.set(m.id, bytes.subarray(at, at + m.size));
      at += m.size;
    }
    if (this.packs.size >= PACKS_KEPT) this.packs.delete(this.packs.keys().next().value!);
    this.packs.set(first, pack);
    return pack;
  }

  protected pageExists(hash: PageHash): boolean {
    return this.qPageExists.get(...hashKey(hash)) !== undefined;
  }

  pageHashes(after: PageHash | null, limit: number): PageHash[] {
    this.live();
    // In id order (the order they were stored): no index orders the whole hashes any more.
    let afterId = 0;
    if (after !== null) {
      const r = this.qPageId.get(...hashKey(after));
      if (!r) throw new JournalError('BAD_ARGUMENT', `page ${after} is not stored: it cannot be where a listing of pages resumes`);
      afterId = r.id;
    }
    return this.prep<{ hash: Buffer }>('SELECT hash FROM page WHERE id > ? ORDER BY id LIMIT ?')
      .all(afterId, limit)
      .map((r) => r.hash.toString('hex') as PageHash);
  }

  // ---- keys, bookmarks, misc ----------------------------------------------------------------

  protected insertDebugFile(row: DebugFileRow): boolean {
    return (
      this.prep('INSERT OR IGNORE INTO debug_file (guest_sha256, size, sha256, data, base, mac) VALUES (?, ?, ?, ?, ?, ?)').run(
        Buffer.from(row.guestSha256, 'hex'),
        row.size,
        Buffer.from(row.sha256, 'hex'),
        Buffer.from(row.data),
        row.base === null ? null : Buffer.from(row.base, 'hex'),
        row.mac === null ? null : Buffer.from(row.mac),
      ).changes > 0
    );
  }

  protected readDebugFile(guestSha256: string): DebugFileRow | null {
    const r = this.prep<{ size: number; sha256: Buffer; data: Buffer; base: Buffer | null; mac: Buffer | null }>('SELECT size, sha256, data, base, mac FROM debug_file WHERE guest_sha256 = ?').get(Buffer.from(guestSha256, 'hex'));
    if (!r) return null;
    // A value of another type than the schema says (an edit) reads as bytes that match nothing.
    const bytes = (v: unknown): Uint8Array => (v instanceof Uint8Array ? v : new Uint8Array(0));
    return {
      guestSha256,
      size: Number(r.size),
      sha256: Buffer.from(bytes(r.sha256)).toString('hex'),
      data: bytes(r.data),
      base: r.base === null ? null : Buffer.from(bytes(r.base)).toString('hex'),
      mac: r.mac === null ? null : bytes(r.mac),
    };
  }

  /** By rowid, which a VACUUM may renumber: a later file then has another base, named in its row as every one is. */
  protected firstDebugFileKey(): string | null {
    const r = this.prep<{ k: Buffer }>('SELECT guest_sha256 AS k FROM debug_file WHERE base IS NULL ORDER BY rowid LIMIT 1').get();
    return r && r.k instanceof Uint8Array ? Buffer.from(r.k).toString('hex') : null;
  }

  protected readDebugFileKeys(): string[] {
    return this.prep<{ k: Buffer | string }>('SELECT guest_sha256 AS k FROM debug_file ORDER BY guest_sha256')
      .all()
      .map((r) => (r.k instanceof Uint8Array ? Buffer.from(r.k).toString('hex') : String(r.k)));
  }

  protected writeChannelKey(k: ChannelKey): void {
    this.prep('INSERT OR REPLACE INTO channel_key (branch, src, dst, direction, icount, key) VALUES (?, ?, ?, ?, ?, ?)').run(
      k.branch,
      k.src,
      k.dst,
      k.direction,
      k.icount,
      Buffer.from(k.key),
    );
  }

  protected writeKeySeed(seed: Uint8Array): void {
    this.prep('INSERT OR REPLACE INTO key_seed (id, seed) VALUES (1, ?)').run(Buffer.from(seed));
  }

  protected readKeySeed(): Uint8Array | null {
    const r = this.prep<{ seed: Buffer }>('SELECT seed FROM key_seed WHERE id = 1').get();
    return r ? Uint8Array.from(r.seed) : null;
  }

  protected readChannelKeys(filter: { readonly src?: number; readonly dst?: number; readonly branch?: BranchId }): ChannelKey[] {
    return this.prep<{ branch: number; src: number; dst: number; direction: KeyDirection; icount: number; key: Buffer }>(
      `SELECT branch, src, dst, direction, icount, key FROM channel_key
        WHERE (? IS NULL OR src = ?) AND (? IS NULL OR dst = ?) AND (? IS NULL OR branch = ?)
        ORDER BY branch, src, dst, direction, icount`,
    )
      .all(filter.src ?? null, filter.src ?? null, filter.dst ?? null, filter.dst ?? null, filter.branch ?? null, filter.branch ?? null)
      .map((r) => ({ branch: r.branch as BranchId, src: r.src, dst: r.dst, direction: r.direction, icount: r.icount as Icount, key: new Uint8Array(r.key) }));
  }

  protected removeChannelKeys(): number {
    return this.prep('DELETE FROM channel_key').run().changes;
  }

  protected writeBookmark(b: Bookmark): void {
    this.prep('INSERT OR REPLACE INTO bookmark (branch, name, icount, note) VALUES (?, ?, ?, ?)').run(b.branch, b.name, b.icount, b.note);
  }

  protected readBookmarks(branch: BranchId | undefined): Bookmark[] {
    return this.prep<{ branch: number; name: string; icount: number; note: string }>(
      'SELECT branch, name, icount, note FROM bookmark WHERE (? IS NULL OR branch = ?) ORDER BY branch, icount, name',
    )
      .all(branch ?? null, branch ?? null)
      .map((r) => ({ branch: r.branch as BranchId, name: r.name, icount: r.icount as Icount, note: r.note }));
  }

  protected removeBookmark(branch: BranchId, name: string): boolean {
    return this.prep('DELETE FROM bookmark WHERE branch = ? AND name = ?').run(branch, name).changes > 0;
  }

  protected readStats(): StoreStats {
    const one = (sql: string): number => this.prep<{ n: number | null }>(sql).get()!.n ?? 0;
    return {
      branches: one('SELECT count(*) AS n FROM branch'),
      // A row of kind 0 is two events.
      events: one(`SELECT count(*) + coalesce(sum(kind = ${FOLDED_KIND}), 0) AS n FROM event`),
      snapshots: one('SELECT count(*) AS n FROM snapshot'),
      pages: one('SELECT count(*) AS n FROM page'),
      pageBytes: one('SELECT (SELECT coalesce(sum(length(data)), 0) FROM page) + (SELECT coalesce(sum(length(data)), 0) FROM page_dictionary) AS n'),
    };
  }

  /** SQLite's own check of the file, and the schema objects compared with what the migrations build. */
  protected containerProblems(): string[] {
    const problems: string[] = [];
    const attempt = (what: string, fn: () => void): boolean => {
      try {
        fn();
        return true;
      } catch (e) {
        const t = translateSqliteError(e, this.label);
        if (!(t instanceof JournalError)) throw t;
        problems.push(`${what} failed: ${t.message}`);
        return false;
      }
    };
    // The full check: quick_check does not compare indexes with their tables, and a damaged
    // index makes sqlite3's queries give wrong answers.
    const sound = attempt('sqlite integrity_check', () => {
      const rows = this.db.pragma('integrity_check') as { integrity_check: string }[];
      for (const r of rows) if (r.integrity_check !== 'ok') problems.push(`sqlite integrity_check: ${r.integrity_check}`);
    });
    if (!sound) return problems;
    attempt('foreign key check', () => {
      const orphans = this.db.pragma('foreign_key_check') as { table: string; rowid: number | null; parent: string }[];
      for (const o of orphans.slice(0, 10)) problems.push(`${o.table} row ${o.rowid ?? '?'} refers to a missing ${o.parent}`);
      if (orphans.length > 10) problems.push(`... and ${orphans.length - 10} more rows referring to missing rows`);
    });
    attempt('event branch check', () => {
      // Events are keyed by (branch, seq) packed into id, not a foreign key: find each branch that
      // has rows, one index probe per branch.
      const known = new Set(this.readBranches().map((b) => b.id as number));
      const next = this.db.prepare<[number], { id: number | null }>('SELECT min(id) AS id FROM event WHERE id >= ?');
      for (let from = 0; ; ) {
        const id = next.get(from)?.id ?? null;
        if (id === null) break;
        const branch = Math.floor(id / SEQS_PER_BRANCH) + 1;
        if (!known.has(branch)) problems.push(`event rows of branch ${branch} refer to a missing branch`);
        from = branch * SEQS_PER_BRANCH;
      }
    });
    attempt('event data check', () => {
      for (const p of this.segmentProblems()) problems.push(p);
    });
    attempt('schema check', () => {
      const expected = expectedSchema(this.migrations);
      const actual = schemaObjects(this.db);
      for (const [name, sql] of expected) {
        const got = actual.get(name);
        if (got === undefined) problems.push(`schema: ${name} is missing`);
        else if (got !== sql) problems.push(`schema: ${name} differs from migration ${this.schemaVersion}'s definition`);
      }
      for (const name of actual.keys()) if (!expected.has(name)) problems.push(`schema: unexpected object ${name}`);
    });
    return problems;
  }

  /**
   * What is wrong with event_data: every segment must be exactly the items of the rows that refer
   * to it, one after the other from its first byte to its last. The hash chain covers the items;
   * this catches bytes no row reads (added, or left by a deleted row) and segments no row uses.
   */
  private segmentProblems(): string[] {
    const out: string[] = [];
    const segments = this.db.prepare<[], { id: number; n: number; type: string }>('SELECT id, length(CAST(bytes AS BLOB)) AS n, typeof(bytes) AS type FROM event_data ORDER BY id').all();
    for (const seg of segments) if (seg.type !== 'blob') out.push(`event_data segment ${seg.id} is not a blob but ${seg.type}`);
    const refs = this.db.prepare<[], { id: number; data: number }>(`SELECT id, data FROM event WHERE typeof(data) = 'integer' AND kind <> ${FOLDED_KIND} ORDER BY id`).iterate();
    let at = 0; // the segment the rows are in
    let covered = 0;
    const closeSegment = (): void => {
      const seg = segments[at];
      if (seg !== undefined && covered !== seg.n) out.push(`event_data segment ${seg.id}: its rows read ${covered} of its ${seg.n} bytes`);
    };
    for (const r of refs) {
      // Rows past the segment's end (the next segment, or its branch's end) belong to a later one.
      while (at + 1 < segments.length && segments[at + 1]!.id <= r.id) {
        closeSegment();
        at++;
        covered = 0;
      }
      const seg = segments[at];
      const length = r.data % DATA_LENGTH_LIMIT;
      const offset = (r.data - length) / DATA_LENGTH_LIMIT;
      if (seg === undefined || seg.id > r.id || Math.floor(seg.id / SEQS_PER_BRANCH) !== Math.floor(r.id / SEQS_PER_BRANCH)) {
        out.push(`event ${r.id % SEQS_PER_BRANCH} of branch ${Math.floor(r.id / SEQS_PER_BRANCH) + 1} refers to event_data, which holds no segment for it`);
      } else if (offset !== covered) {
        out.push(`event_data segment ${seg.id}: event ${r.id % SEQS_PER_BRANCH} reads from byte ${offset}, the items before it end at ${covered}`);
        covered = offset + length;
      } else if (covered === 0 && r.id !== seg.id) {
        // A segment is keyed by the event of its first item (SegmentWriter): a moved key reads the same bytes, but is an edit.
        out.push(`event_data segment ${seg.id} begins with the data of event ${r.id % SEQS_PER_BRANCH}, whose id is ${r.id}`);
        covered += length;
      } else covered += length;
      if (out.length >= 10) return out;
    }
    closeSegment();
    for (let i = at + 1; i < segments.length; i++) out.push(`event_data segment ${segments[i]!.id} is read by no event`);
    return out.slice(0, 10);
  }

  /**
   * Copies the write-ahead log into the file now, as far as no reader holds it back (SQLite's
   * PASSIVE checkpoint): the recorder's writer calls it when it has nothing else to do, so that
   * closing the file, which checkpoints what is left, has little left to copy.
   */
  checkpoint(): void {
    this.live();
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  protected release(): void {
    this.lastBase?.z.close();
    this.lastBase = null;
    for (const z of this.pageDictionaries.values()) z.close();
    this.pageDictionaries.clear();
    this.db.close();
  }
}

type SchemaMap = Map<string, string>;

function schemaObjects(db: Database.Database): SchemaMap {
  const rows = db
    .prepare<[], { type: string; name: string; sql: string | null }>("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
    .all();
  return new Map(rows.map((r) => [`${r.type} ${r.name}`, (r.sql ?? '').replace(/\s+/g, ' ').trim()]));
}

const expectedCache = new WeakMap<readonly Migration[], SchemaMap>();

function expectedSchema(migrations: readonly Migration[]): SchemaMap {
  const hit = expectedCache.get(migrations);
  if (hit) return hit;
  const db = new Database(':memory:');
  try {
    migrate(db, { migrations });
    const map = schemaObjects(db);
    expectedCache.set(migrations, map);
    return map;
  } finally {
    db.close();
  }
}

/** How an error names a row: a function, not a closure per row (tsx's keepNames makes each closure a defineProperty). */
function rowPlace(seq: number, branch: BranchId): string {
  return `${seq} of branch ${branch}`;
}
