/**
 * Schema 4 (typed columns, blobs, a hash chain per block) from older recordings: a schema-3 file
 * recorded by xrr before the change (test/fixtures/schema3-recording.db, machine 3) and files
 * written in the schema 1-3 format here migrate, verify, and list the same events; their old hash
 * chain is checked first, so an altered old file is refused rather than laundered; forks keep a
 * chain equal to a fresh recording of the same events; and a migrated recording of the current
 * machine replays without divergence.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonOfEvent } from '../src/core/event-json.js';
import type { MachineEvent, MachineEventKind } from '../src/core/events.js';
import {
  icount,
  isJournalError,
  journalSeq,
  MemoryJournalStore,
  ROOT_BRANCH,
  SqliteJournalStore,
  verify,
  type BranchId,
  type JournalStore,
} from '../src/journal/index.js';
import { StoreTarget } from '../src/timeline/record-target.js';
import { Recorder } from '../src/timeline/recorder.js';
import { replay } from '../src/timeline/replay.js';
import { latestSchemaVersion, loadMigrations } from '../src/journal/migrations.js';
import { loadZstd } from '../src/journal/zstd.js';
import { writeLegacyJournal } from './journal-legacy.js';
import { xrr } from './support/xrr-cli.js';
import { eventStream, META } from './journal-fixtures.js';
import { newMachine } from './support/boot.js';
import { MACHINE_VERSION } from '../src/core/machine.js';

const FIXTURE = new URL('./fixtures/schema3-recording.db', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'xrr-migration-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (): string => join(dir, `m${n++}.db`);

/** The events of a schema-1..3 file, read with plain SQL from its rows (kind, icount, seq_in_icount, JSON payload). */
function eventsAsStoredInSchema3(path: string, branch = 1): { seq: number; event: MachineEvent }[] {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare('SELECT seq, icount, seq_in_icount, kind, payload FROM event WHERE branch = ? ORDER BY seq').all(branch) as {
      seq: number;
      icount: number;
      seq_in_icount: number;
      kind: string;
      payload: string;
    }[];
    return rows.map((r) => ({ seq: r.seq, event: { ...(JSON.parse(r.payload) as object), kind: r.kind as MachineEventKind, icount: r.icount, seq: r.seq_in_icount } as MachineEvent }));
  } finally {
    db.close();
  }
}

function schemaOf(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number }).v;
  } finally {
    db.close();
  }
}

describe('the committed schema-3 recording', () => {
  it('migrates to schema 4, verifies, and lists every event as schema 3 held it', async () => {
    const path = file();
    copyFileSync(FIXTURE, path);
    expect(schemaOf(path)).toBe(3);
    const before = eventsAsStoredInSchema3(path);
    expect(before.length).toBeGreaterThan(1000);
    const s = await SqliteJournalStore.open(path);
    expect(s.schemaVersion).toBe(latestSchemaVersion());
    const report = verify(s);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, events: before.length, snapshots: 1 });
    const after = s.events(ROOT_BRANCH);
    expect(after.map((e) => e.seq)).toEqual(before.map((e) => e.seq));
    // Schema 3 held a message's bytes as hex text (wireHex): the events now hold bytes, and their
    // JSON form (what xrr events --json prints) is the schema-3 payload, text for text.
    expect(after.map((e) => jsonOfEvent(e.event))).toEqual(before.map((e) => e.event));
    const wires = after.flatMap((e) => (e.event.kind === 'ipc' || e.event.kind === 'ipc-reject' ? [e.event.wire] : []));
    expect(wires.length).toBeGreaterThan(100);
    expect(wires.every((w) => w instanceof Uint8Array)).toBe(true);
    // Every event of a real recording fits the typed columns (none kept whole in body).
    expect(s.database.prepare('SELECT count(*) AS n FROM event WHERE kind < 0').get()).toEqual({ n: 0 });
    // v_event rebuilds, with SQL alone, every event as schema 3 held it (sealed wires byte for byte).
    const viaSql = s.database.prepare('SELECT kind, icount, seq_in_icount, payload FROM v_event WHERE branch = 1 ORDER BY seq').all() as { kind: string; icount: number; seq_in_icount: number; payload: string }[];
    expect(viaSql.map((r) => ({ ...(JSON.parse(r.payload) as object), kind: r.kind, icount: r.icount, seq: r.seq_in_icount }))).toEqual(before.map((e) => e.event));
    // The views answer from the new columns what they answered from JSON.
    expect((s.database.prepare("SELECT count(*) AS n FROM v_syscalls WHERE name = 'execve'").get() as { n: number }).n).toBeGreaterThan(0);
    expect(s.database.prepare('SELECT kind, what FROM v_crashes').all()).toEqual([{ kind: 'server-crash', what: expect.stringMatching(/^server vfs crashed \(threw\): injected crash/) as string }]);
    const sealed = s.database.prepare('SELECT sealed, bytes, wire_hex FROM v_ipc LIMIT 1').get() as { sealed: number; bytes: number; wire_hex: string };
    expect(sealed.sealed).toBe(1);
    expect(sealed.wire_hex.length / 2).toBe(sealed.bytes + 68);
    s.close();
    // Reopened, it is schema 4 already and still verifies.
    const again = await SqliteJournalStore.open(path, { readonly: true });
    expect(verify(again).ok).toBe(true);
    again.close();
  });

  it('is read by a read-only open through a copy upgraded in memory, the file unchanged', async () => {
    const path = file();
    copyFileSync(FIXTURE, path);
    // Read through a copy upgraded in memory: the file itself is not written.
    const before = readFileSync(path);
    const s = await SqliteJournalStore.open(path, { readonly: true });
    expect(s.upgradedFrom).toBe(3);
    expect(s.schemaVersion).toBe(latestSchemaVersion());
    expect(s.countEvents(ROOT_BRANCH)).toBeGreaterThan(1000);
    s.close();
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});

describe('migrating schema 1-3 files written here', () => {
  const evs = eventStream(5, { startIcount: 1 }).next(900);

  it('converts every version, keeping events and giving the chain a fresh store gives', async () => {
    const fresh = await MemoryJournalStore.create();
    fresh.createRecording(META);
    fresh.append(ROOT_BRANCH, evs);
    fresh.flush();
    for (const version of [1, 2, 3]) {
      const path = file();
      writeLegacyJournal(path, version, META, evs).close();
      const s = await SqliteJournalStore.open(path);
      expect(s.schemaVersion).toBe(latestSchemaVersion());
      expect(verify(s).ok).toBe(true);
      expect(s.events(ROOT_BRANCH).map((e) => e.event)).toEqual(evs);
      expect(s.recordedHead(ROOT_BRANCH)).toEqual(fresh.recordedHead(ROOT_BRANCH));
      expect(s.eventBlocks(ROOT_BRANCH, 0, 10)).toEqual(fresh.eventBlocks(ROOT_BRANCH, 0, 10));
      s.close();
    }
  });

  it('converts forks, inside a block and of a fork, continuing the parent chain', async () => {
    const path = file();
    const at = (i: number): number => evs[i]!.icount;
    const f1 = eventStream(6, { startIcount: at(299) + 1 }).next(400);
    const f2 = eventStream(7, { startIcount: f1[199]!.icount + 1 }).next(50);
    writeLegacyJournal(path, 3, META, evs, [
      { parent: 1, forkIcount: at(299), forkSeq: 300, events: f1 },
      { parent: 2, forkIcount: f1[199]!.icount, forkSeq: 500, events: f2 },
      { parent: 1, forkIcount: at(511), forkSeq: 512, events: [] },
    ]).close();
    const s = await SqliteJournalStore.open(path);
    expect(verify(s).ok).toBe(true);
    expect(s.events(3 as BranchId).map((e) => e.event)).toEqual([...evs.slice(0, 300), ...f1.slice(0, 200), ...f2]);
    // The same timelines recorded straight into a schema-4 store have the same chain.
    const fresh = await MemoryJournalStore.create();
    fresh.createRecording(META);
    fresh.append(ROOT_BRANCH, evs);
    const b2 = fresh.createBranch({ parent: ROOT_BRANCH, forkIcount: icount(at(299)), forkSeq: journalSeq(300) });
    fresh.append(b2.id, f1);
    const b3 = fresh.createBranch({ parent: b2.id, forkIcount: icount(f1[199]!.icount), forkSeq: journalSeq(500) });
    fresh.append(b3.id, f2);
    const b4 = fresh.createBranch({ parent: ROOT_BRANCH, forkIcount: icount(at(511)), forkSeq: journalSeq(512) });
    for (const b of [ROOT_BRANCH, b2.id, b3.id, b4.id]) {
      expect(s.recordedHead(b), `branch ${b}`).toEqual(fresh.recordedHead(b));
      expect(s.eventBlocks(b, 0, 100), `branch ${b}`).toEqual(fresh.eventBlocks(b, 0, 100));
    }
    // And appending after the migration continues the chain as a fresh store would.
    const more = eventStream(8, { startIcount: f2[49]!.icount + 1 }).next(20);
    s.append(b3.id, more);
    fresh.append(b3.id, more);
    expect(s.recordedHead(b3.id)).toEqual(fresh.recordedHead(b3.id));
    expect(verify(s).ok).toBe(true);
    s.close();
  });

  it('refuses a file whose branches are their own ancestors, naming the loop, and leaves it at schema 3', async () => {
    const path = file();
    const at = (i: number): number => evs[i]!.icount;
    const db = writeLegacyJournal(path, 3, META, evs, [{ parent: 1, forkIcount: at(299), forkSeq: 300, events: eventStream(6, { startIcount: at(299) + 1 }).next(40) }]);
    // The root made a fork of its own fork, both fork points past the seqs looked up: 1 -> 2 -> 1 ...
    db.prepare('UPDATE branch SET parent = 2, fork_seq = 400 WHERE id = 1').run();
    db.prepare('UPDATE branch SET fork_seq = 500 WHERE id = 2').run();
    db.close();
    await expect(SqliteJournalStore.open(path)).rejects.toThrow(/the ancestry of branch \d+ loops: branch \d+ is its own ancestor/);
    expect(schemaOf(path)).toBe(3);
  });

  it('refuses a file whose schema-3 chain is broken, naming the event, and leaves it at schema 3', async () => {
    const path = file();
    const db = writeLegacyJournal(path, 3, META, evs);
    db.prepare("UPDATE event SET icount = icount + 1 WHERE branch = 1 AND seq = 123").run();
    db.close();
    try {
      const s = await SqliteJournalStore.open(path);
      s.close();
      throw new Error('the altered file was migrated');
    } catch (e) {
      expect(isJournalError(e, 'MIGRATION_FAILED')).toBe(true);
      expect((e as Error).message).toMatch(/event 123 of branch 1 does not match its schema-3 hash/);
    }
    expect(schemaOf(path)).toBe(3);
  });
});

/** Boots the current machine with a short script and records it into `store` with snapshots. */
function recordRun(store: JournalStore): void {
  store.createRecording({ machineVersion: 'test', imageHash: 'x', seedHex: '00'.repeat(32), bootEpochNs: '1750000000000000000', commandLine: [], xrrVersion: 'test' });
  const { machine } = newMachine({ seed: 0 });
  const recorder = new Recorder(machine, new StoreTarget(store, ROOT_BRANCH), { interval: 300_000, eventInterval: 500, snapshotNow: false });
  expect(machine.boot()).toBeUndefined();
  recorder.snapshot();
  const input = ['echo hi | cat\n', 'ls /bin\n'];
  for (;;) {
    const stop = recorder.run();
    if (stop.kind === 'idle') {
      const next = input.shift();
      if (next === undefined) break;
      machine.input(new TextEncoder().encode(next));
    }
    if (stop.kind === 'halted') break;
  }
  store.flush();
}

describe('a migrated recording of the current machine', () => {
  it('replays with every event equal', async () => {
    // Record at schema 4, then write the same recording as schema 3 stored it.
    const v4 = file();
    const s4 = await SqliteJournalStore.open(v4);
    recordRun(s4);
    const events = s4.events(ROOT_BRANCH).map((e) => e.event);
    const snapshots = s4.listSnapshots(ROOT_BRANCH);
    expect(snapshots.length).toBeGreaterThan(1);
    // The snapshots as schema 3 stored them: each state compressed on its own, pages by hash.
    const zstd = await loadZstd();
    const legacySnapshots = snapshots.map((r) => ({ r, state: zstd.compress(s4.loadSnapshotState(r.id)), pages: Buffer.from(s4.snapshotPages(r.id).join(''), 'hex') }));
    // And the pages each compressed on its own, in another order than the store's ids.
    const legacyPages = s4.pageHashes(null, 1 << 20).map((h) => ({ hash: Buffer.from(h, 'hex'), bytes: s4.getPage(h)! }));
    s4.close();
    const v3 = file();
    const db = writeLegacyJournal(v3, 3, { machineVersion: 'test', imageHash: 'x', seedHex: '00'.repeat(32), bootEpochNs: '1750000000000000000', commandLine: [], xrrVersion: 'test' }, events);
    const insertSnapshot = db.prepare('INSERT INTO snapshot (id, branch, icount, seq, state, state_size, page_count, page_hashes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    for (const { r, state, pages } of legacySnapshots) insertSnapshot.run(r.id, r.branch, r.icount, r.seq, state, r.stateBytes, r.pageCount, pages, r.createdAt);
    db.prepare('ATTACH DATABASE ? AS v4').run(v4);
    const insertPage = db.prepare('INSERT INTO page (hash, size, data) VALUES (?, ?, ?)');
    for (const p of legacyPages) insertPage.run(p.hash, p.bytes.length, zstd.compress(p.bytes));
    db.exec('INSERT INTO channel_key SELECT * FROM v4.channel_key; INSERT INTO key_seed SELECT * FROM v4.key_seed');
    db.exec('DETACH DATABASE v4');
    db.close();

    const s = await SqliteJournalStore.open(v3);
    expect(s.schemaVersion).toBe(latestSchemaVersion());
    expect(verify(s).ok).toBe(true);
    const r = replay(s, ROOT_BRANCH, { from: 0 });
    expect(r.snapshot.seq + r.matched).toBe(events.length);
    // Every old snapshot reads as it was written, and a new one (compact, against the newest) joins them.
    for (const { r: old } of legacySnapshots) expect(s.snapshotPages(old.id).length).toBe(old.pageCount);
    const last = legacySnapshots[legacySnapshots.length - 1]!.r;
    const added = s.putSnapshot({ branch: ROOT_BRANCH, icount: last.icount, seq: last.seq, state: s.loadSnapshotState(last.id), pages: s.snapshotPages(last.id) });
    expect(s.snapshotPages(added.id)).toEqual(s.snapshotPages(last.id));
    expect(added.compressedBytes).toBeLessThan(last.compressedBytes / 4);
    expect(verify(s).ok).toBe(true);
    s.close();
  });
});

/**
 * Schema 9 (byte data in event_data segments, body merged into data, syscall names from
 * syscall_name): test/fixtures/schema8-recording.db was written by the tree before it (`xrr
 * record --seed 8 --input ...`, then `xrr fork --at 60000 ...`; VACUUMed to 4 KiB pages to keep
 * it small). Its rows are read here with plain SQL in the schema-8 columns, so the check does not
 * rest on the new reading code.
 */
describe('the committed schema-8 recording', () => {
  const FIXTURE8 = new URL('./fixtures/schema8-recording.db', import.meta.url).pathname;

  /** Every row of the schema-8 file as a logical row (name as text), by plain SQL. */
  function rowsAsStoredInSchema8(path: string): Record<string, unknown>[] {
    const db = new Database(path, { readonly: true });
    try {
      return db
        .prepare(
          `SELECT e.branch, e.seq, e.icount, e.seq_in_icount AS seqInIcount, e.kind, e.pid, e.nr, e.a0, e.a1, e.a2, e.a3, e.a4, e.a5, n.text AS name, e.data, e.body
             FROM event e LEFT JOIN name n ON n.id = e.name ORDER BY e.id`,
        )
        .all() as Record<string, unknown>[];
    } finally {
      db.close();
    }
  }

  it('migrates to schema 9 keeping every row, its chain and its seal, and the views answer as before', async () => {
    const path = file();
    copyFileSync(FIXTURE8, path);
    expect(schemaOf(path)).toBe(8);
    const before = rowsAsStoredInSchema8(path);
    expect(before.length).toBeGreaterThan(2000);
    const viewsBefore = new Database(path, { readonly: true });
    const ask = (db: Database.Database): unknown[] => [
      db.prepare('SELECT branch, seq, kind, payload FROM v_event ORDER BY branch, seq').all(),
      db.prepare('SELECT branch, seq, pid, name, args, result FROM v_syscalls ORDER BY branch, seq').all(),
      db.prepare('SELECT branch, seq, channel, m_type, sealed, bytes, payload_hex, wire_hex FROM v_ipc ORDER BY branch, seq').all(),
      db.prepare('SELECT branch, seq, kind, bytes, text FROM v_console ORDER BY branch, seq').all(),
      db.prepare('SELECT branch, seq, kind, what, payload FROM v_crashes ORDER BY branch, seq').all(),
    ];
    const answersBefore = ask(viewsBefore);
    viewsBefore.close();
    const s = await SqliteJournalStore.open(path);
    expect(s.schemaVersion).toBe(latestSchemaVersion());
    const report = verify(s);
    expect(report.problems).toEqual([]);
    // The chain is over the rows' logical columns, which did not change: the seal still holds.
    expect(report).toMatchObject({ ok: true, events: 1906 + 1452 - 1161, seal: 'keyed' });
    const after = [...s.rawEvents(ROOT_BRANCH, 0, 1e6), ...s.rawEvents(2 as BranchId, 0, 1e6)].map((r) => ({ ...r, data: r.data === null ? null : Buffer.from(r.data) }));
    expect(after).toEqual(before);
    // Syscall names now come from syscall_name, and the body of rare kinds is in data.
    expect((s.database.prepare('SELECT count(*) AS n FROM event WHERE kind = 1 AND name IS NULL').get() as { n: number }).n).toBeGreaterThan(100);
    expect((s.database.prepare("SELECT count(*) AS n FROM event WHERE typeof(data) = 'text'").get() as { n: number }).n).toBeGreaterThan(0);
    expect(ask(s.database)).toEqual(answersBefore);
    s.close();
  });

  it('xrr verify --upgrade: an intact file of another machine version verifies (its snapshots not run) and upgrades, still sealed', () => {
    const path = file();
    copyFileSync(FIXTURE8, path);
    const db = new Database(path, { readonly: true });
    const made = db.prepare('SELECT machine_version AS v FROM recording').get() as { v: string };
    db.close();
    const r = xrr('verify', '--upgrade', path);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    if (made.v !== MACHINE_VERSION) expect(r.stdout).toContain(`note: made by machine ${made.v}; this xrr runs ${MACHINE_VERSION}`);
    expect(r.stdout).toContain('seal: sealed');
    expect(r.stdout).toContain(`upgraded ${path} from schema version 8 to schema version ${latestSchemaVersion()}\n`);
    expect(r.stdout).not.toContain('unsealed');
    expect(schemaOf(path)).toBe(latestSchemaVersion());
  });

  it('replays after the migration (or, built for another machine, is refused naming both)', async () => {
    const path = file();
    copyFileSync(FIXTURE8, path);
    const s = await SqliteJournalStore.open(path);
    const made = s.getRecording()!.machineVersion;
    if (made === MACHINE_VERSION) {
      const r = replay(s, ROOT_BRANCH, { from: 0 });
      expect(r.snapshot.seq + r.matched).toBe(s.branchLength(ROOT_BRANCH));
    } else {
      expect(() => replay(s, ROOT_BRANCH, { from: 0 })).toThrow(new RegExp(`made by machine ${made}; this xrr runs ${MACHINE_VERSION}`));
    }
    s.close();
  });
});

/** The schema that brought page references, the hash-prefix index and packs. */
const PAGE_PACKS_SCHEMA = loadMigrations().find((m) => m.name === 'page_index_and_packs')!.version;

describe('a recording from before page_index_and_packs (compact snapshots, pages by a unique hash index)', () => {
  it('migrates: every page and snapshot reads back, it verifies and replays, and a new snapshot goes against its old keyframe', async () => {
    // Record now, then put the file in the form the schema before page_index_and_packs wrote: states with their hashes inline
    // (codec 1, the later ones against the first), pages each compressed alone under a UNIQUE hash.
    const path = file();
    const s9 = await SqliteJournalStore.open(path);
    recordRun(s9);
    const events = s9.events(ROOT_BRANCH).map((e) => e.event);
    const snapshots = s9.listSnapshots(ROOT_BRANCH);
    expect(snapshots.length).toBeGreaterThan(1);
    const states = snapshots.map((r) => s9.loadSnapshotState(r.id));
    const pages = s9.pageHashes(null, 1 << 20).map((h) => ({ h, bytes: s9.getPage(h)! }));
    const ids = new Map((s9.database.prepare('SELECT id, hex(hash) AS h FROM page').all() as { id: number; h: string }[]).map((r) => [r.h.toLowerCase(), r.id]));
    s9.close();
    const zstd = await loadZstd();
    const db = new Database(path);
    db.transaction(() => {
      const keyframe = states[0]!;
      snapshots.forEach((r, i) => {
        const state = i === 0 ? zstd.compress(keyframe) : zstd.compressWithDictionary(states[i]!, keyframe);
        db.prepare('UPDATE snapshot SET state = ?, codec = 1, base = ? WHERE id = ?').run(state, i === 0 ? null : snapshots[0]!.id, r.id);
      });
      db.exec('DROP TABLE page; DELETE FROM page_dictionary');
      db.exec('CREATE TABLE page (id INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE, size INTEGER NOT NULL, data BLOB NOT NULL, dictionary INTEGER)');
      const insert = db.prepare('INSERT INTO page (id, hash, size, data) VALUES (?, ?, ?, ?)');
      for (const p of pages) insert.run(ids.get(p.h)!, Buffer.from(p.h, 'hex'), p.bytes.length, zstd.compress(p.bytes));
      // What the migrations after it made is gone too: they run again.
      db.exec('DROP VIEW v_debug_file; DROP TABLE debug_file');
      db.prepare('DELETE FROM schema_version WHERE version >= ?').run(PAGE_PACKS_SCHEMA);
    })();
    db.close();
    expect(schemaOf(path)).toBe(PAGE_PACKS_SCHEMA - 1);

    // Read-only: through a copy upgraded in memory.
    const ro = await SqliteJournalStore.open(path, { readonly: true, create: false });
    expect(ro.upgradedFrom).toBe(PAGE_PACKS_SCHEMA - 1);
    expect(verify(ro).ok).toBe(true);
    ro.close();

    const s = await SqliteJournalStore.open(path);
    expect(s.schemaVersion).toBe(latestSchemaVersion());
    const report = verify(s);
    expect(report.problems).toEqual([]);
    expect(report.pages).toBe(pages.length);
    snapshots.forEach((r, i) => expect(Buffer.from(s.loadSnapshotState(r.id)).equals(Buffer.from(states[i]!)), `snapshot ${r.id}`).toBe(true));
    for (const p of pages) expect(Buffer.from(s.getPage(p.h)!).equals(Buffer.from(p.bytes))).toBe(true);
    const r = replay(s, ROOT_BRANCH, { from: 0 });
    expect(r.snapshot.seq + r.matched).toBe(events.length);
    // A new snapshot names its pages by reference, against the old keyframe seen the same way.
    const last = snapshots[snapshots.length - 1]!;
    const state = states[states.length - 1]!;
    const added = s.putSnapshot({ branch: ROOT_BRANCH, icount: last.icount, seq: last.seq, state, pages: s.snapshotPages(last.id) });
    expect((s.database.prepare('SELECT codec, base FROM snapshot WHERE id = ?').get(added.id) as { codec: number; base: number | null })).toEqual({ codec: 2, base: snapshots[0]!.id });
    expect(added.compressedBytes).toBeLessThan(zstd.compress(state).length / 4);
    s.close();
    const again = await SqliteJournalStore.open(path, { readonly: true, create: false });
    expect(Buffer.from(again.loadSnapshotState(added.id)).equals(Buffer.from(state))).toBe(true);
    expect(verify(again).ok).toBe(true);
    again.close();
  });
});

/** The schema that brought the debug_file table. */
const DEBUG_FILES_SCHEMA = loadMigrations().find((m) => m.name === 'debug_files')!.version;

describe('a recording from before debug_files (its programs whole in its file system)', () => {
  it('migrates: an empty debug_file table, it verifies (sealed) and replays, and a debug file stored after is sealed and read back', async () => {
    const path = file();
    const s10 = await SqliteJournalStore.open(path);
    recordRun(s10);
    const events = s10.branchLength(ROOT_BRANCH);
    s10.close();
    const db = new Database(path);
    db.exec('DROP VIEW v_debug_file; DROP TABLE debug_file');
    db.prepare('DELETE FROM schema_version WHERE version >= ?').run(DEBUG_FILES_SCHEMA);
    db.close();
    expect(schemaOf(path)).toBe(DEBUG_FILES_SCHEMA - 1);

    const ro = await SqliteJournalStore.open(path, { readonly: true, create: false });
    expect(ro.upgradedFrom).toBe(DEBUG_FILES_SCHEMA - 1);
    expect(ro.debugFileKeys()).toEqual([]);
    expect(verify(ro)).toMatchObject({ ok: true, debugFiles: 0 });
    ro.close();

    const s = await SqliteJournalStore.open(path);
    expect(s.schemaVersion).toBe(latestSchemaVersion());
    expect(verify(s)).toMatchObject({ ok: true, debugFiles: 0, seal: 'keyed' });
    const r = replay(s, ROOT_BRANCH, { from: 0 });
    expect(r.snapshot.seq + r.matched).toBe(events);
    const elf = new Uint8Array(50_000).map((_, i) => (i * 7) & 0xff);
    const key = 'ab'.repeat(32);
    expect(s.putDebugFile(key, elf)).toBe(true);
    expect(s.putDebugFile(key, elf)).toBe(false);
    expect(Buffer.from(s.debugFile(key)!).equals(Buffer.from(elf))).toBe(true);
    expect(s.database.prepare('SELECT guest_sha256, size, stored_bytes FROM v_debug_file').all()).toEqual([{ guest_sha256: key, size: elf.length, stored_bytes: expect.any(Number) }]);
    expect(s.database.prepare('SELECT mac IS NOT NULL AS sealed FROM debug_file').get()).toEqual({ sealed: 1 });
    expect(verify(s)).toMatchObject({ ok: true, debugFiles: 1 });
    s.close();
  });
});
