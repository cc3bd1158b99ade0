/**
 * What only the SQLite store promises: the file format (WAL, schema_version, migrations, views,
 * indexes that the common questions use), refusing files it cannot read with a JournalError that
 * says why (never a crash), and verify() catching any edit made to the file behind its back.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  icount,
  isJournalError,
  journalSeq,
  latestSchemaVersion,
  loadZstd,
  ROOT_BRANCH,
  SqliteJournalStore,
  verify,
  type BranchId,
  type JournalErrorCode,
} from '../src/journal/index.js';
import { jsonOfEvent } from '../src/core/event-json.js';
import type { MachineEvent } from '../src/core/events.js';
import { derivedNonce } from '../src/core/ipc/wire.js';
import { loadMigrations, migrate } from '../src/journal/migrations.js';
import { eventStream, META, rng } from './journal-fixtures.js';
import { writeLegacyJournal } from './journal-legacy.js';

const dir = mkdtempSync(join(tmpdir(), 'xrr-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (): string => join(dir, `j${n++}.db`);
/** A wire from 2 to 8, seq 3, with the nonce a machine from 6 on seals it with, and 5 bytes of payload. */
const bytes = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
const DERIVED_NONCE_WIRE =
  '01000000' + '02000000' + '08000000' + '96000000' + '03000000' + '00000000' + Buffer.from(derivedNonce(2, 8, 3)).toString('hex') + '15000000' + 'ee'.repeat(21);

async function expectOpenFails(path: string, code: JournalErrorCode, options = {}): Promise<Error> {
  try {
    const s = await SqliteJournalStore.open(path, options);
    s.close();
  } catch (e) {
    if (isJournalError(e, code)) return e;
    throw new Error(`expected JournalError ${code}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  throw new Error(`expected JournalError ${code}, the open succeeded`);
}

/** A closed journal file with a fork, snapshots and pages. */
async function sample(path: string, events = 600): Promise<void> {
  const s = await SqliteJournalStore.open(path, { flushEvery: 128 });
  s.createRecording(META);
  const evs = eventStream(1, { startIcount: 10 }).next(events);
  s.append(ROOT_BRANCH, evs);
  const pages = s.putPages([new Uint8Array(4096).fill(1), new Uint8Array(4096).fill(2)]);
  s.putSnapshot({ branch: ROOT_BRANCH, icount: icount(evs[99]!.icount), seq: journalSeq(100), state: new TextEncoder().encode('{"regs":[1,2,3]}'), pages });
  const b = s.createBranch({ parent: ROOT_BRANCH, forkIcount: icount(evs[299]!.icount), forkSeq: journalSeq(300), label: 'fork' });
  s.append(b.id, eventStream(2, { startIcount: evs[299]!.icount + 1 }).next(200));
  s.close();
}

/** Puts the recording back as `good` was, WAL and shared memory gone. */
function restoreFile(path: string, good: Buffer): void {
  writeFileSync(path, good);
  rmSync(`${path}-wal`, { force: true });
  rmSync(`${path}-shm`, { force: true });
}

/** The verify report of `good` with `sql` applied to it by plain SQLite. */
async function verifyEdited(path: string, good: Buffer, sql: string): Promise<ReturnType<typeof verify>> {
  restoreFile(path, good);
  const db = new Database(path);
  db.exec(sql);
  db.close();
  const s = await SqliteJournalStore.open(path, { readonly: true });
  try {
    return verify(s);
  } finally {
    s.close();
  }
}

describe('SQLite journal file', () => {
  it('is a WAL database with the schema version recorded, and reopens with everything', async () => {
    const path = file();
    await sample(path);
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT version, name FROM schema_version').all()).toEqual(loadMigrations().map((m) => ({ version: m.version, name: m.name })));
    expect(db.pragma('application_id', { simple: true })).toBe(0x78727231);
    db.close();
    const s = await SqliteJournalStore.open(path);
    expect(s.schemaVersion).toBe(latestSchemaVersion());
    expect(s.getRecording()).toEqual(META);
    expect(s.listBranches().map((b) => b.label)).toEqual(['main', 'fork']);
    expect(s.countEvents(ROOT_BRANCH)).toBe(600);
    expect(s.countEvents(2 as BranchId)).toBe(500);
    // Appending after a reopen continues the timeline and its chain.
    const last = s.eventAt(ROOT_BRANCH, journalSeq(599))!;
    s.append(ROOT_BRANCH, [{ kind: 'irq', line: 3, icount: last.icount + 1, seq: 0 }]);
    expect(s.branchLength(ROOT_BRANCH)).toBe(601);
    expect(verify(s)).toMatchObject({ ok: true, events: 601 + 200, snapshots: 1, pages: 2 });
    s.close();
  });

  it('opens read-only without writing, and refuses writes', async () => {
    const path = file();
    await sample(path);
    const before = readFileSync(path);
    const s = await SqliteJournalStore.open(path, { readonly: true });
    expect(s.countEvents(ROOT_BRANCH)).toBe(600);
    expect(verify(s).ok).toBe(true);
    expect(() => s.append(ROOT_BRANCH, [])).toThrow(/read-only/);
    s.close();
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('answers the common questions with sqlite3 alone, through the views', async () => {
    const s = await SqliteJournalStore.open(':memory:');
    s.createRecording(META);
    s.append(ROOT_BRANCH, [
      { kind: 'syscall', pid: 8, nr: 6, name: 'write', args: [1, 4096, 5, 0, 0, 0], icount: 10, seq: 0 },
      { kind: 'ipc', src: 0, dst: 2, mType: 106, payload: bytes('aabbcc'), icount: 10, seq: 1 },
      { kind: 'ipc', src: 2, dst: 0, mType: 150, payload: bytes('dd'), icount: 10, seq: 2 },
      { kind: 'syscall-return', pid: 8, nr: 6, result: 5, icount: 10, seq: 3 },
      { kind: 'syscall', pid: 9, nr: 28, name: 'wait4', args: [-1, 0, 0, 0, 0, 0], icount: 20, seq: 0 },
      { kind: 'console-output', data: Uint8Array.of(104, 105, 10), icount: 25, seq: 0 },
      { kind: 'trap', pid: 8, cause: 13, pc: 0x10074, tval: 0, icount: 30, seq: 0 },
      { kind: 'signal', pid: 8, signo: 11, action: 'terminate', icount: 30, seq: 1 },
      { kind: 'signal', pid: 9, signo: 17, action: 'deliver', icount: 31, seq: 0 },
      { kind: 'ipc', src: 8, dst: 2, mType: 103, wire: bytes('01'.repeat(52 + 12 + 16)), icount: 32, seq: 0 },
      { kind: 'server-crash', server: 2, name: 'vfs', cause: 'threw', mType: 103, source: 0, error: 'injected crash', icount: 32, seq: 1 },
      { kind: 'ipc', src: 2, dst: 8, mType: 150, wire: bytes(DERIVED_NONCE_WIRE), icount: 32, seq: 2 },
      { kind: 'ipc-reject', src: 0, dst: 3, mType: 205, error: 'auth', wire: bytes('00'), icount: 33, seq: 0 },
      { kind: 'server-down', server: 2, name: 'vfs', crashes: 4, reason: 'restart limit', icount: 34, seq: 0 },
      { kind: 'halt', reason: 'init exited', status: 0, icount: 40, seq: 0 },
    ]);
    s.flush();
    const db = s.database;
    expect(db.prepare('SELECT pid, name, args, result FROM v_syscalls ORDER BY seq').all()).toEqual([
      { pid: 8, name: 'write', args: '[1,4096,5,0,0,0]', result: 5 },
      { pid: 9, name: 'wait4', args: '[-1,0,0,0,0,0]', result: null },
    ]);
    expect(db.prepare('SELECT kind, bytes, text FROM v_console').all()).toEqual([{ kind: 'console-output', bytes: 3, text: 'hi\n' }]);
    // v_event gives every event back as schema 3 stored it: the kind's name and its fields as JSON.
    const asStored = db.prepare('SELECT kind, icount, seq_in_icount, payload FROM v_event WHERE branch = 1 ORDER BY seq').all() as { kind: string; icount: number; seq_in_icount: number; payload: string }[];
    expect(asStored.map((r) => ({ ...(JSON.parse(r.payload) as object), kind: r.kind, icount: r.icount, seq: r.seq_in_icount }))).toEqual(s.events(ROOT_BRANCH).map((e) => jsonOfEvent(e.event)));
    const wire = db.prepare('SELECT wire_hex FROM v_ipc WHERE sealed = 1').get() as { wire_hex: string };
    expect(wire.wire_hex).toBe('01'.repeat(52 + 12 + 16));
    // A wire stored as its ciphertext alone: the view rebuilds its nonce from the header.
    expect(db.prepare('SELECT a1, length(data) AS n FROM event WHERE kind = 3 AND pid = 2 AND a0 = 8').get()).toEqual({ a1: 3, n: 5 + 16 });
    expect((db.prepare("SELECT wire_hex FROM v_ipc WHERE channel = '2->8'").get() as { wire_hex: string }).wire_hex).toBe(DERIVED_NONCE_WIRE);
    expect(db.prepare('SELECT channel, m_type, sealed, bytes FROM v_ipc ORDER BY icount, seq').all()).toEqual([
      { channel: '0->2', m_type: 106, sealed: 0, bytes: 3 },
      { channel: '2->0', m_type: 150, sealed: 0, bytes: 1 },
      { channel: '8->2', m_type: 103, sealed: 1, bytes: 12 },
      { channel: '2->8', m_type: 150, sealed: 1, bytes: 5 },
    ]);
    expect(db.prepare('SELECT kind, pid, what FROM v_crashes ORDER BY icount, seq').all()).toEqual([
      { kind: 'trap', pid: 8, what: 'fault cause 13 at pc 0x00010074' },
      { kind: 'signal', pid: 8, what: 'killed by signal 11' },
      { kind: 'server-crash', pid: 2, what: 'server vfs crashed (threw): injected crash' },
      { kind: 'ipc-reject', pid: 0, what: 'message 0->3 refused: auth' },
      { kind: 'server-down', pid: 2, what: 'server vfs left down: restart limit' },
    ]);
    s.close();
  });

  it('keeps a syscall and the return right after it in one row, and every query still sees two events', async () => {
    const s = await SqliteJournalStore.open(':memory:');
    s.createRecording(META);
    const evs: MachineEvent[] = [
      { kind: 'syscall', pid: 8, nr: 29, name: 'getpid', args: [0, 0, 0, 0, 0, 0], icount: 10, seq: 0 },
      { kind: 'syscall-return', pid: 8, nr: 29, result: 8, icount: 10, seq: 1 },
      { kind: 'sched', from: 8, to: 9, reason: 'timeslice', icount: 12, seq: 0 },
      { kind: 'syscall', pid: 9, nr: 6, name: 'write', args: [1, 4096, 5, 0, 0, 0], icount: 20, seq: 0 },
      // Another process's return, then a return at a later icount: neither folds.
      { kind: 'syscall-return', pid: 8, nr: 6, result: 5, icount: 20, seq: 1 },
      { kind: 'syscall-return', pid: 9, nr: 6, result: -11, icount: 21, seq: 0 },
      { kind: 'syscall', pid: 9, nr: 29, name: 'getpid', args: [0, 0, 0, 0, 0, 0], icount: 30, seq: 2 },
      { kind: 'syscall-return', pid: 9, nr: 29, result: 9, icount: 30, seq: 3 },
    ];
    s.append(ROOT_BRANCH, evs);
    s.flush();
    const db = s.database;
    expect(db.prepare('SELECT seq, kind, data FROM event WHERE kind IN (0, 2) ORDER BY id').all()).toEqual([
      { seq: 0, kind: 0, data: 8 },
      { seq: 4, kind: 2, data: null },
      { seq: 5, kind: 2, data: null },
      { seq: 6, kind: 0, data: 9 },
    ]);
    expect(s.stats().events).toBe(8);
    expect(s.events(ROOT_BRANCH).map((e) => e.event)).toEqual(evs);
    // A range that starts at a folded return, or ends at its syscall; kinds and pids.
    expect(s.events(ROOT_BRANCH, { fromSeq: journalSeq(1), toSeq: journalSeq(6) }).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(s.events(ROOT_BRANCH, { kinds: ['syscall-return'], order: 'desc' }).map((e) => e.seq)).toEqual([7, 5, 4, 1]);
    expect(s.countEvents(ROOT_BRANCH, { kinds: ['syscall-return'], fromSeq: journalSeq(1), toSeq: journalSeq(6) })).toBe(3);
    expect(s.countEvents(ROOT_BRANCH, { pid: 9, fromSeq: journalSeq(1), toSeq: journalSeq(6) })).toBe(4);
    expect(s.countEvents(ROOT_BRANCH, { kinds: ['syscall'], fromIcount: icount(10), toIcount: icount(10) })).toBe(1);
    expect(s.previousEvent(ROOT_BRANCH, journalSeq(2), { kinds: ['syscall-return'] })?.seq).toBe(1);
    expect(s.eventAt(ROOT_BRANCH, journalSeq(7))?.event).toEqual(evs[7]);
    // The views show both events, and a syscall's result.
    expect(db.prepare("SELECT seq, payload FROM v_event WHERE kind = 'syscall-return' ORDER BY seq").all()).toEqual([
      { seq: 1, payload: '{"nr":29,"pid":8,"result":8}' },
      { seq: 4, payload: '{"nr":6,"pid":8,"result":5}' },
      { seq: 5, payload: '{"nr":6,"pid":9,"result":-11}' },
      { seq: 7, payload: '{"nr":29,"pid":9,"result":9}' },
    ]);
    expect(db.prepare('SELECT seq, pid, name, result FROM v_syscalls ORDER BY seq').all()).toEqual([
      { seq: 0, pid: 8, name: 'getpid', result: 8 },
      { seq: 3, pid: 9, name: 'write', result: -11 },
      { seq: 6, pid: 9, name: 'getpid', result: 9 },
    ]);
    // A fork between a syscall and its folded return: the fork has the call, not the return.
    const fork = s.createBranch({ parent: ROOT_BRANCH, forkIcount: icount(30), forkSeq: journalSeq(7), label: 'between' });
    expect(s.events(fork.id).map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    s.append(fork.id, [{ kind: 'syscall-return', pid: 9, nr: 29, result: 99, icount: 30, seq: 3 }]);
    expect(s.eventAt(fork.id, journalSeq(7))?.event).toMatchObject({ result: 99 });
    expect(verify(s).ok).toBe(true);
    s.close();
  });

  it('forgets what a rolled-back commit registered: a new syscall number, a segment', async () => {
    const path = file();
    const s = await SqliteJournalStore.open(path);
    s.createRecording(META);
    const blank = { pid: null, nr: null, a0: null, a1: null, a2: null, a3: null, a4: null, a5: null, name: null, data: null, body: null };
    // A syscall of a number never seen, a message in a segment, then a row no event gives (data and body both): the commit fails.
    const bad = [
      { ...blank, icount: 1, seqInIcount: 0, kind: 1, pid: 8, nr: 77, a0: 0, a1: 0, a2: 0, a3: 0, a4: 0, a5: 0, name: 'newcall' },
      { ...blank, icount: 1, seqInIcount: 1, kind: 5, data: Buffer.alloc(500, 7) },
      { ...blank, icount: 2, seqInIcount: 0, kind: 5, data: Buffer.from('x'), body: '{}' },
    ];
    expect(() => {
      s.appendRows(ROOT_BRANCH, bad.length, (i, branch, seq) => ({ ...bad[i]!, branch, seq }));
      s.flush();
    }).toThrow(/both byte data and a body/);
    expect(s.branchLength(ROOT_BRANCH)).toBe(0);
    const evs: MachineEvent[] = [
      { kind: 'syscall', pid: 8, nr: 77, name: 'newcall', args: [0, 0, 0, 0, 0, 0], icount: 1, seq: 0 },
      { kind: 'console-output', data: Uint8Array.from({ length: 300 }, (_, i) => i % 256), icount: 1, seq: 1 },
    ];
    s.append(ROOT_BRANCH, evs);
    s.close();
    // Read by another connection, which knows only what the file holds.
    const again = await SqliteJournalStore.open(path, { readonly: true });
    expect(again.events(ROOT_BRANCH).map((e) => e.event)).toEqual(evs);
    expect(verify(again).ok).toBe(true);
    again.close();
  });

  it('uses an index for the common questions', async () => {
    const s = await SqliteJournalStore.open(':memory:');
    const plan = (sql: string): string =>
      (s.database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
    expect(plan('SELECT * FROM snapshot WHERE branch = 1 AND icount <= 5 AND seq <= 9 ORDER BY icount DESC, seq DESC LIMIT 1')).toMatch(/USING (COVERING )?INDEX snapshot_at/);
    // Rare kinds (crashes, inputs, forks, ...) are indexed; a query names the index's condition.
    expect(plan('SELECT * FROM event WHERE kind NOT BETWEEN 0 AND 3 AND kind IN (20, -20)')).toMatch(/INDEX event_kind_at/);
    expect(plan('SELECT * FROM v_crashes')).toMatch(/INDEX event_kind_at/);
    // The store's own kind query takes the index too.
    s.createRecording(META);
    s.append(ROOT_BRANCH, [{ kind: 'trap', pid: 8, cause: 13, pc: 0, tval: 0, icount: 1, seq: 0 }]);
    expect(s.events(ROOT_BRANCH, { kinds: ['trap', 'console-input'] })).toHaveLength(1);
    expect(plan('SELECT seq FROM event INDEXED BY event_kind_at WHERE id BETWEEN 0 AND 9 AND kind NOT BETWEEN 0 AND 3 AND kind IN (20, -20, 8, -8) ORDER BY id')).toMatch(/INDEX event_kind_at/);
    expect(plan('SELECT * FROM event WHERE id BETWEEN 10 AND 20 ORDER BY id')).toMatch(/INTEGER PRIMARY KEY/);
    s.close();
  });
});

describe('SQLite journal: debug files', () => {
  it('stores a later debug file the same whether the store wrote the first one itself or reads it back after a reopen', async () => {
    const base = new Uint8Array(90_000).map((_, i) => (i * 7) ^ (i >> 5));
    const later = base.slice(0, 80_000);
    later[500] = later[500]! ^ 0xff;
    const [first, second, third] = ['a'.repeat(64), 'b'.repeat(64), 'd'.repeat(64)];
    const dataOf = (path: string, key: string): Buffer => {
      const db = new Database(path, { readonly: true });
      try {
        return (db.prepare('SELECT data FROM debug_file WHERE guest_sha256 = ?').get(Buffer.from(key, 'hex')) as { data: Buffer }).data;
      } finally {
        db.close();
      }
    };

    // One store writes all three: the later two are compressed against the first as it wrote it.
    const one = file();
    const a = await SqliteJournalStore.open(one);
    a.createRecording(META);
    a.putDebugFile(first, base);
    a.putDebugFile(second, later);
    a.putDebugFile(third, later.subarray(1000));
    a.close();
    // Another writes the first, is closed, and a reopened store writes the others: it reads the first back.
    const two = file();
    const b = await SqliteJournalStore.open(two);
    b.createRecording(META);
    b.putDebugFile(first, base);
    b.close();
    const c = await SqliteJournalStore.open(two);
    c.putDebugFile(second, later);
    c.putDebugFile(third, later.subarray(1000));
    c.close();

    for (const key of [first, second, third]) expect(dataOf(one, key).equals(dataOf(two, key)), key).toBe(true);
    const r = await SqliteJournalStore.open(one, { readonly: true, create: false });
    expect(Buffer.from(r.debugFile(second)!).equals(Buffer.from(later))).toBe(true);
    expect(Buffer.from(r.debugFile(third)!).equals(Buffer.from(later.subarray(1000)))).toBe(true);
    expect(verify(r)).toMatchObject({ ok: true, debugFiles: 3 });
    r.close();
  });
});

describe('SQLite journal: files it cannot read', () => {
  it('refuses a file written by a newer schema, naming both versions', async () => {
    const path = file();
    await sample(path);
    const db = new Database(path);
    db.prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (99, 'future', 'x')").run();
    db.close();
    const e = await expectOpenFails(path, 'NEWER_SCHEMA');
    expect(e.message).toContain('99');
    expect(e.message).toContain(String(latestSchemaVersion()));
    expect(e.message).toMatch(/upgrade xrr/);
  });

  it('refuses files that are not SQLite, or not a journal', async () => {
    const text = file();
    writeFileSync(text, 'hello, I am a text file and not a database at all\n'.repeat(100));
    await expectOpenFails(text, 'NOT_A_DATABASE');
    const random = file();
    const r = rng(5);
    writeFileSync(random, Uint8Array.from({ length: 8192 }, () => (r() * 256) | 0));
    await expectOpenFails(random, 'NOT_A_DATABASE');
    const other = file();
    const db = new Database(other);
    db.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)');
    db.close();
    await expectOpenFails(other, 'NOT_A_JOURNAL');
    await expectOpenFails(join(dir, 'missing.db'), 'NOT_FOUND', { create: false });
    await expectOpenFails(join(dir, 'missing.db'), 'NOT_FOUND', { readonly: true });
  });

  it('treats an empty file as a new journal', async () => {
    const path = file();
    writeFileSync(path, '');
    await expectOpenFails(path, 'NOT_A_JOURNAL', { readonly: true });
    const s = await SqliteJournalStore.open(path);
    expect(s.getRecording()).toBeNull();
    s.close();
  });

  it('refuses a truncated file, and a header cut short', async () => {
    const path = file();
    await sample(path, 3000);
    const size = statSync(path).size;
    truncateSync(path, Math.floor(size / 2));
    await expectOpenFails(path, 'TRUNCATED');
    truncateSync(path, 50);
    await expectOpenFails(path, 'TRUNCATED');
  });

  it('reports damage inside the file as a JournalError or a verify problem, never a crash', async () => {
    const path = file();
    await sample(path, 3000);
    const good = readFileSync(path);
    const r = rng(7);
    for (let round = 0; round < 12; round++) {
      const bad = Buffer.from(good);
      // Overwrite a run of bytes somewhere past the header with garbage.
      const at = 100 + ((r() * (bad.length - 600)) | 0);
      for (let i = 0; i < 400; i++) bad[at + i] = (r() * 256) | 0;
      const path2 = file();
      writeFileSync(path2, bad);
      let s: SqliteJournalStore | undefined;
      try {
        s = await SqliteJournalStore.open(path2, { readonly: true });
        const report = verify(s);
        // Garbage that lands in free space may change nothing; anything else must be reported.
        if (!report.ok) expect(report.problems.length).toBeGreaterThan(0);
        s.events(ROOT_BRANCH, { pid: 9, fromIcount: icount(1000) });
        s.nearestSnapshot(2 as BranchId, icount(1e9));
      } catch (e) {
        if (!isJournalError(e)) throw e;
      } finally {
        s?.close();
      }
    }
  });
});

type VerifyReportLike = ReturnType<typeof verify>;

describe('SQLite journal: verify catches edits behind its back', () => {
  /**
   * Flips one bit of the row's byte data (in its row, or in the event_data segment it refers to),
   * or else of its body text, or else changes one of its numbers by one.
   */
  const flipByte = (db: Database.Database, branch: number, seq: number): void => {
    const r = db.prepare('SELECT id, data FROM event WHERE branch = ? AND seq = ?').get(branch, seq) as { id: number; data: Buffer | string | number | null };
    if (Buffer.isBuffer(r.data) && r.data.length > 0) {
      const i = Math.floor(r.data.length / 2);
      r.data[i] = r.data[i]! ^ 0x01;
      db.prepare('UPDATE event SET data = ? WHERE branch = ? AND seq = ?').run(r.data, branch, seq);
    } else if (typeof r.data === 'number') {
      const seg = db.prepare('SELECT id, bytes FROM event_data WHERE id <= ? ORDER BY id DESC LIMIT 1').get(r.id) as { id: number; bytes: Buffer };
      const length = r.data % 2 ** 24;
      const i = (r.data - length) / 2 ** 24 + Math.floor(length / 2);
      seg.bytes[i] = seg.bytes[i]! ^ 0x01;
      db.prepare('UPDATE event_data SET bytes = ? WHERE id = ?').run(seg.bytes, seg.id);
    } else if (typeof r.data === 'string') {
      db.prepare('UPDATE event SET data = ? WHERE branch = ? AND seq = ?').run(r.data.replace(/\d/, (d) => String((Number(d) + 1) % 10)), branch, seq);
    } else db.prepare('UPDATE event SET nr = coalesce(nr, 0) + 1 WHERE branch = ? AND seq = ?').run(branch, seq);
  };

  it("one flipped byte of any event, on any branch, names the event's block", async () => {
    const path = file();
    await sample(path);
    const good = readFileSync(path);
    // [branch, seq of the altered row, the first event of its block in the branch's own rows]
    for (const [branch, seq, blockStart] of [
      [1, 0, 0],
      [1, 123, 0],
      [1, 599, 512],
      [2, 300, 300],
      [2, 444, 300],
      [2, 499, 300],
    ] as const) {
      restoreFile(path, good);
      const db = new Database(path);
      flipByte(db, branch, seq);
      db.close();
      const s = await SqliteJournalStore.open(path, { readonly: true });
      const report = verify(s);
      s.close();
      expect(report.ok).toBe(false);
      expect(report.firstBrokenEvent).toMatchObject({ branch, seq: blockStart });
    }
  });

  it('byte data in event_data segments: a flipped byte, bytes no row reads, a lost segment', async () => {
    const path = file();
    const s = await SqliteJournalStore.open(path, { flushEvery: 100 });
    s.createRecording(META);
    const evs = eventStream(3, { startIcount: 10, ipcBytes: 700 }).next(600);
    for (let i = 0; i < evs.length; i += 100) s.append(ROOT_BRANCH, evs.slice(i, i + 100));
    s.close();
    const good = readFileSync(path);
    const db0 = new Database(path, { readonly: true });
    const segs = db0.prepare('SELECT id, length(bytes) AS n FROM event_data ORDER BY id').all() as { id: number; n: number }[];
    db0.close();
    // One segment a commit at least (flushEvery 100): several, each read by the events after it.
    expect(segs.length).toBeGreaterThanOrEqual(6);
    const second = segs[1]!;
    for (const [what, sql, check] of [
      ['a flipped byte', `UPDATE event_data SET bytes = CAST(substr(bytes, 1, 40) || x'ff' || substr(bytes, 42) AS BLOB) WHERE id = ${second.id}`, (r: VerifyReportLike) => r.firstBrokenEvent?.seq === Math.floor(second.id / 256) * 256],
      ['bytes appended', `UPDATE event_data SET bytes = bytes || x'00' WHERE id = ${second.id}`, (r: VerifyReportLike) => r.problems.some((p) => /reads? .*of its/.test(p.message))],
      ['a segment turned to text', `UPDATE event_data SET bytes = CAST(bytes AS TEXT) WHERE id = ${second.id}`, (r: VerifyReportLike) => r.problems.some((p) => /not a blob/.test(p.message))],
      ['a deleted segment', `DELETE FROM event_data WHERE id = ${second.id}`, (r: VerifyReportLike) => r.ok === false],
      ['a segment read by no row', `INSERT INTO event_data (id, bytes) VALUES (${second.id + 1}, x'00')`, (r: VerifyReportLike) => r.problems.some((p) => /read by no event|reads from byte/.test(p.message))],
    ] as const) {
      const report = await verifyEdited(path, good, sql);
      expect(report.ok, what).toBe(false);
      expect(check(report), `${what}: ${JSON.stringify(report.problems)}`).toBe(true);
    }
    // Untouched, every item reads back as appended.
    restoreFile(path, good);
    const again = await SqliteJournalStore.open(path, { readonly: true });
    expect(verify(again).ok).toBe(true);
    expect(again.events(ROOT_BRANCH).map((e) => e.event)).toEqual(evs);
    expect(again.eventAt(ROOT_BRANCH, journalSeq(333))?.event).toEqual(evs[333]);
    again.close();
  });

  it('changed columns, deleted rows, a lost tail, damaged snapshots and pages', async () => {
    const path = file();
    await sample(path);
    const good = readFileSync(path);
    const cases: [string, string, (r: ReturnType<typeof verify>) => boolean][] = [
      ['icount', 'UPDATE event SET icount = icount + 1 WHERE branch = 1 AND seq = 10', (r) => r.firstBrokenEvent?.seq === 0],
      ['kind', 'UPDATE event SET kind = 6 WHERE branch = 2 AND seq = 310', (r) => r.firstBrokenEvent?.seq === 300],
      ['a name', "UPDATE name SET text = 'other' WHERE id = 1", (r) => r.ok === false],
      ['a block hash', "UPDATE event_block SET hash = zeroblob(32) WHERE branch = 1 AND block = 1", (r) => r.firstBrokenEvent?.seq === 256],
      ['a lost block hash', 'DELETE FROM event_block WHERE branch = 1 AND block = 1', (r) => r.firstBrokenEvent?.seq === 256],
      ['pid', 'UPDATE event SET pid = 99 WHERE branch = 1 AND seq = 20 AND pid IS NOT NULL', (r) => r.ok === false],
      ['a deleted row', 'DELETE FROM event WHERE branch = 1 AND seq = 50', (r) => r.firstBrokenEvent?.seq === 50],
      ['a lost tail', 'DELETE FROM event WHERE branch = 1 AND seq >= 590', (r) => r.firstBrokenEvent?.seq === 590],
      ['snapshot state', 'UPDATE snapshot SET state = x\'00112233\'', (r) => r.problems.some((p) => p.kind === 'snapshot')],
      ['a missing page', 'DELETE FROM page WHERE rowid = (SELECT min(rowid) FROM page)', (r) => r.problems.some((p) => p.kind === 'snapshot' && /not stored/.test(p.message))],
      ['page content', 'UPDATE page SET data = (SELECT state FROM snapshot LIMIT 1)', (r) => r.problems.some((p) => p.kind === 'page')],
      ['a page blob', "UPDATE page SET data = x'28b52ffd0102'", (r) => r.problems.some((p) => p.kind === 'page' && /does not load/.test(p.message))],
      ['an orphan event', 'INSERT INTO event (id, icount, seq_in_icount, kind, nr) VALUES (8 << 40, 0, 0, 6, 1)', (r) => r.problems.some((p) => p.kind === 'container' && /missing branch/.test(p.message))],
      ['the schema', 'DROP INDEX event_kind_at', (r) => r.problems.some((p) => p.kind === 'container' && /event_kind_at/.test(p.message))],
    ];
    for (const [what, sql, caught] of cases) {
      const report = await verifyEdited(path, good, sql);
      expect(report.ok, what).toBe(false);
      expect(caught(report), `${what}: ${JSON.stringify(report.problems)}`).toBe(true);
    }
  });
});

describe('SQLite journal: export', () => {
  it('copies the journal, with or without channel keys, and the copy verifies', async () => {
    const path = file();
    await sample(path);
    const s = await SqliteJournalStore.open(path);
    const secret = Buffer.from('5ecret-channel-key-bytes-0123456789abcdef', 'latin1');
    s.putChannelKey({ branch: ROOT_BRANCH, src: 8, dst: 2, direction: 'forward', icount: icount(5), key: secret });
    const full = join(dir, 'export-full.db');
    const shared = join(dir, 'export-shared.db');
    s.exportTo(full);
    s.exportTo(shared, { withKeys: false });
    expect(() => s.exportTo(shared)).toThrow(/already exists/);
    s.close();
    expect(readFileSync(full).includes(secret)).toBe(true);
    expect(readFileSync(shared).includes(secret)).toBe(false);
    for (const [copy, keys] of [
      [full, 1],
      [shared, 0],
    ] as const) {
      const c = await SqliteJournalStore.open(copy, { readonly: true });
      expect(c.channelKeys()).toHaveLength(keys);
      expect(c.countEvents(2 as BranchId)).toBe(500);
      expect(verify(c).ok).toBe(true);
      c.close();
    }
  });
});

describe('migrations', () => {
  const zstdP = loadZstd();
  const base = loadMigrations();

  it('apply in order, each in one transaction, and a failing one leaves the previous version', async () => {
    const zstd = await zstdP;
    const path = file();
    SqliteJournalStore.openWith(zstd, path).close();
    const next = [...base, { version: base.length + 1, name: 'add_note', sql: 'ALTER TABLE bookmark ADD COLUMN colour TEXT' }];
    const s = SqliteJournalStore.openWith(zstd, path, { migrations: next });
    expect(s.schemaVersion).toBe(base.length + 1);
    s.close();
    const broken = [
      ...next,
      { version: base.length + 2, name: 'broken', sql: 'CREATE TABLE half_done (x INTEGER); THIS IS NOT SQL;' },
    ];
    expect(() => SqliteJournalStore.openWith(zstd, path, { migrations: broken })).toThrow(/migration .* failed/);
    const db = new Database(path);
    expect(db.prepare('SELECT max(version) AS v FROM schema_version').get()).toEqual({ v: base.length + 1 });
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'half_done'").get()).toEqual({ n: 0 });
    // An older build (knowing only the base migrations) refuses the migrated file.
    expect(() => migrate(db, { migrations: base })).toThrow(/upgrade xrr/);
    db.close();
  });

  it('migrates a recording made at schema 1: its server crashes and sealed messages show in the views', async () => {
    const zstd = await zstdP;
    const path = file();
    writeLegacyJournal(path, 1, META, [
      { kind: 'ipc', src: 8, dst: 2, mType: 103, wire: bytes('01'.repeat(52 + 5 + 16)), icount: 5, seq: 0 },
      { kind: 'server-crash', server: 2, name: 'vfs', cause: 'threw', mType: 103, source: 0, error: 'boom', icount: 5, seq: 1 },
    ]).close();
    const s = SqliteJournalStore.openWith(zstd, path);
    expect(s.schemaVersion).toBe(latestSchemaVersion());
    expect(verify(s).ok).toBe(true); // the rows checked against their old chain, then re-chained
    expect(s.database.prepare('SELECT what FROM v_crashes').all()).toEqual([{ what: 'server vfs crashed (threw): boom' }]);
    expect(s.database.prepare('SELECT sealed, bytes FROM v_ipc').all()).toEqual([{ sealed: 1, bytes: 5 }]);
    s.close();
  });

  it('never migrates a read-only file in place: it reads a copy upgraded in memory', async () => {
    const zstd = await zstdP;
    const path = file();
    SqliteJournalStore.openWith(zstd, path).close();
    const before = readFileSync(path);
    const next = [...base, { version: base.length + 1, name: 'x', sql: 'CREATE TABLE x (y)' }];
    const s = SqliteJournalStore.openWith(zstd, path, { readonly: true, migrations: next });
    expect(s.upgradedFrom).toBe(base.length);
    expect(s.schemaVersion).toBe(base.length + 1);
    expect(() => s.createRecording(META)).toThrow(expect.objectContaining({ code: 'READONLY' }) as Error);
    s.close();
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});
