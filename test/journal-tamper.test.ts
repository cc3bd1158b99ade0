/**
 * Every kind of single edit to a recording is caught by verify on the file with its keys: event
 * rows (plain, and with the hash chain recomputed as anyone can), the tail cut with the branch
 * head rewritten to match, snapshots (an edited VFS tree, with and without its digest
 * recomputed; the boot snapshot deleted), pages (a valid zstd frame of other bytes), an index
 * that no longer matches its table, the branch row and the recording row. Replay and seeks
 * refuse the forged snapshots and pages. The debug files of the programs that ran (their bytes,
 * their size, their key) are caught too, and a reader treats a forged one as none. A copy shared
 * without its keys still catches every
 * edit that does not recompute the hashes, and (as the README says) not those that do.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recomputeChain, recomputeSnapshotChain } from './support/forge.js';
import { xrr } from './support/xrr-cli.js';
import { BLOCK_EVENTS, ChainCursor, ZERO_HASH } from '../src/journal/block-chain.js';
import { isJournalError } from '../src/journal/errors.js';
import { ROOT_BRANCH, type PageHash } from '../src/journal/ids.js';
import { nextSnapshotHash, snapshotDigest } from '../src/journal/seal.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';
import { verify, type VerifyReport } from '../src/journal/verify.js';
import { loadZstd } from '../src/journal/zstd.js';
import { recordingDebugFiles } from '../src/timeline/recording-debug-files.js';
import { replay } from '../src/timeline/replay.js';

const dir = mkdtempSync(join(tmpdir(), 'xrr-tamper-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const original = join(dir, 'original.db');
const shared = join(dir, 'shared.db');

beforeAll(() => {
  const input = join(dir, 'input.txt');
  writeFileSync(input, 'ls /bin\necho one > /tmp/a\ncat /tmp/a\nforkrace\n');
  const rec = xrr('record', '--seed', '11', '--input', input, '--out', original);
  expect(rec.status, rec.stderr).toBe(0);
  const share = xrr('share', original, '--out', shared);
  expect(share.status, share.stderr).toBe(0);
}, 300_000);

let n = 0;
/** A copy of `from` with `edit` applied through sqlite3, as anyone with the file can. */
async function edited(from: string, edit: (db: Database.Database) => void | Promise<void>): Promise<string> {
  const path = join(dir, `edit-${n++}.db`);
  copyFileSync(from, path);
  const db = new Database(path);
  try {
    await edit(db);
  } finally {
    db.close();
  }
  return path;
}

async function verified(path: string): Promise<VerifyReport> {
  const s = await SqliteJournalStore.open(path, { readonly: true, create: false });
  try {
    return verify(s);
  } finally {
    s.close();
  }
}

/** Replaces the boot snapshot's state by `change` of its JSON; with `digest`, recomputes its digest and the branch's snapshot chain too. */
async function forgeSnapshot(db: Database.Database, change: (json: string) => string, digest: boolean): Promise<void> {
  const zstd = await loadZstd();
  const s = await SqliteJournalStore.open(original, { readonly: true, create: false });
  const boot = s.listSnapshots(ROOT_BRANCH)[0]!;
  const json = new TextDecoder().decode(s.loadSnapshotState(boot.id));
  const forged = new TextEncoder().encode(change(json));
  expect(forged.length).not.toBe(json.length);
  db.prepare('UPDATE snapshot SET state = ?, state_size = ? WHERE id = ?').run(zstd.compress(forged), forged.length, boot.id);
  if (digest) {
    const chainAt = Buffer.from(s.timelineBlock(ROOT_BRANCH, Math.floor((boot.seq - 1) / BLOCK_EVENTS)) ? chainValue(s, boot.seq) : ZERO_HASH);
    const d = snapshotDigest({ branch: ROOT_BRANCH, icount: boot.icount, seq: boot.seq, state: forged, pages: s.snapshotPages(boot.id), chainAt });
    db.prepare('UPDATE snapshot SET digest = ? WHERE id = ?').run(Buffer.from(d), boot.id);
    let chain: Uint8Array | null = null;
    for (const r of db.prepare('SELECT digest FROM snapshot WHERE branch = 1 ORDER BY id').all() as { digest: Buffer }[]) chain = nextSnapshotHash(chain, r.digest);
    db.prepare('UPDATE branch SET snap_hash = ? WHERE id = 1').run(Buffer.from(chain!));
  }
  s.close();
}

/** The chain value after the first `length` events, as the attacker computes it. */
function chainValue(s: SqliteJournalStore, length: number): Uint8Array {
  const c = ChainCursor.at(0, ZERO_HASH, []);
  for (const r of s.rawEvents(ROOT_BRANCH, 0, length)) c.add(r);
  return c.current();
}

const FORGE_VFS = (json: string): string => {
  expect(json).toContain('"forkrace"');
  return json.replace('"forkrace"', '"forged-name"');
};

async function eventEdit(db: Database.Database): Promise<void> {
  const victim = db.prepare('SELECT id, a0 FROM event WHERE a0 IS NOT NULL ORDER BY id LIMIT 1 OFFSET 600').get() as { id: number; a0: number };
  db.prepare('UPDATE event SET a0 = ? WHERE id = ?').run(victim.a0 + 1, victim.id);
}

/**
 * Flips a bit in the middle of the first event_data segment, or appends bytes to it; or moves its
 * key down to the row before, which reads no segment: every row still reads the same bytes (found
 * by the soak, where verify passed it).
 */
async function segmentEdit(db: Database.Database, how: 'flip' | 'append' | 'move'): Promise<void> {
  const seg = db.prepare('SELECT id, bytes FROM event_data ORDER BY id LIMIT 1').get() as { id: number; bytes: Buffer } | undefined;
  expect(seg, 'the recording has byte data in segments').toBeDefined();
  if (how === 'move') {
    const before = db.prepare("SELECT id FROM event WHERE id < ? AND typeof(data) <> 'integer' ORDER BY id DESC LIMIT 1").get(seg!.id) as { id: number };
    db.prepare('UPDATE event_data SET id = ? WHERE id = ?').run(before.id, seg!.id);
    return;
  }
  const bytes = how === 'flip' ? Buffer.from(seg!.bytes) : Buffer.concat([seg!.bytes, Buffer.from('forged')]);
  if (how === 'flip') bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x01;
  db.prepare('UPDATE event_data SET bytes = ? WHERE id = ?').run(bytes, seg!.id);
}

async function cutTail(db: Database.Database): Promise<void> {
  const { n } = db.prepare('SELECT count(*) AS n FROM event').get() as { n: number };
  db.prepare('DELETE FROM event WHERE id >= ?').run(n - 300);
}

/** A debug file's columns changed by `change` (SQL expressions over the row), on the row of the largest one. */
async function debugFileEdit(db: Database.Database, change: string): Promise<void> {
  const r = db.prepare(`UPDATE debug_file SET ${change} WHERE guest_sha256 = (SELECT guest_sha256 FROM debug_file ORDER BY size DESC LIMIT 1)`).run();
  expect(r.changes, 'the recording holds debug files').toBe(1);
}

/** The largest debug file's ELF replaced by other bytes (a valid frame); with `recompute`, its sha256 and size made to match, as anyone can. */
async function forgeDebugFile(db: Database.Database, recompute: boolean): Promise<void> {
  const zstd = await loadZstd();
  const forged = new Uint8Array(100_000).fill(0x7f);
  const sha = createHash('sha256').update(forged).digest();
  const replace = db.prepare('UPDATE debug_file SET data = ? WHERE guest_sha256 = (SELECT guest_sha256 FROM debug_file ORDER BY size DESC LIMIT 1)');
  replace.run(zstd.compress(forged));
  if (recompute) db.prepare('UPDATE debug_file SET sha256 = ?, size = ? WHERE guest_sha256 = (SELECT guest_sha256 FROM debug_file ORDER BY size DESC LIMIT 1)').run(sha, forged.length);
}

/** The keys of two debug files swapped: each ELF now claims the other program. */
async function swapDebugFileKeys(db: Database.Database): Promise<void> {
  const [a, b] = db.prepare('SELECT guest_sha256 AS k FROM debug_file ORDER BY size DESC LIMIT 2').all() as { k: Buffer }[];
  expect(b, 'the recording holds two debug files').toBeDefined();
  const parking = Buffer.alloc(32, 0xee);
  db.prepare('UPDATE debug_file SET guest_sha256 = ? WHERE guest_sha256 = ?').run(parking, a!.k);
  db.prepare('UPDATE debug_file SET guest_sha256 = ? WHERE guest_sha256 = ?').run(a!.k, b!.k);
  db.prepare('UPDATE debug_file SET guest_sha256 = ? WHERE guest_sha256 = ?').run(b!.k, parking);
}

/** The kinds of edit, and whether a copy without keys still catches each. */
const EDITS: { readonly what: string; readonly edit: (db: Database.Database) => Promise<void>; readonly withoutKeys: boolean }[] = [
  { what: 'an event column', edit: eventEdit, withoutKeys: true },
  { what: 'an event column, the chain recomputed', edit: async (db) => (await eventEdit(db), await recomputeChain(db)), withoutKeys: false },
  { what: 'a byte of message data in an event_data segment', edit: (db) => segmentEdit(db, 'flip'), withoutKeys: true },
  { what: 'a byte of message data in an event_data segment, the chain recomputed', edit: async (db) => (await segmentEdit(db, 'flip'), await recomputeChain(db)), withoutKeys: false },
  { what: 'bytes appended to an event_data segment, read by no event', edit: (db) => segmentEdit(db, 'append'), withoutKeys: true },
  { what: 'an event_data segment moved to another key, its bytes read as before', edit: (db) => segmentEdit(db, 'move'), withoutKeys: true },
  { what: 'a deleted event row', edit: async (db) => void db.prepare('DELETE FROM event WHERE id = (SELECT min(id) FROM event WHERE id >= 500)').run(), withoutKeys: true },
  { what: 'the tail cut, the head left', edit: cutTail, withoutKeys: true },
  { what: 'the tail cut, head_seq/head_hash and blocks rewritten', edit: async (db) => (await cutTail(db), await recomputeChain(db)), withoutKeys: false },
  { what: 'a snapshot state (the VFS tree)', edit: (db) => forgeSnapshot(db, FORGE_VFS, false), withoutKeys: true },
  { what: 'a snapshot state, its digest and the snapshot chain recomputed', edit: (db) => forgeSnapshot(db, FORGE_VFS, true), withoutKeys: false },
  { what: 'the boot snapshot deleted', edit: async (db) => void db.prepare('DELETE FROM snapshot WHERE id = (SELECT min(id) FROM snapshot)').run(), withoutKeys: true },
  {
    what: 'the boot snapshot deleted, the snapshot chain recomputed',
    edit: async (db) => {
      db.prepare('DELETE FROM snapshot WHERE id = (SELECT min(id) FROM snapshot)').run();
      recomputeSnapshotChain(db);
    },
    withoutKeys: false,
  },
  {
    what: 'a page replaced by a valid zstd frame of other bytes',
    edit: async (db) => {
      const zstd = await loadZstd();
      db.prepare('UPDATE page SET data = ? WHERE hash = (SELECT hash FROM page ORDER BY hash LIMIT 1)').run(zstd.compress(new Uint8Array(4096).fill(0x5a)));
    },
    withoutKeys: true,
  },
  { what: "a page's recorded size", edit: async (db) => void db.prepare('UPDATE page SET size = size + 1 WHERE hash = (SELECT hash FROM page ORDER BY hash LIMIT 1)').run(), withoutKeys: true },
  {
    what: 'an index that no longer matches its table',
    edit: async (db) => {
      // Rebuild event_kind_at under another condition, then put its definition back: the index
      // now lacks the rows of kind 4 (sched) that its definition says it holds.
      db.unsafeMode(true);
      db.pragma('writable_schema = ON');
      db.prepare("UPDATE sqlite_schema SET sql = replace(sql, 'BETWEEN 0 AND 3', 'BETWEEN 0 AND 4') WHERE name = 'event_kind_at'").run();
      db.close();
      const again = new Database(db.name);
      again.exec('REINDEX event_kind_at');
      again.unsafeMode(true);
      again.pragma('writable_schema = ON');
      again.prepare("UPDATE sqlite_schema SET sql = replace(sql, 'BETWEEN 0 AND 4', 'BETWEEN 0 AND 3') WHERE name = 'event_kind_at'").run();
      again.close();
      Object.assign(db, { close: () => undefined });
    },
    withoutKeys: true,
  },
  { what: "a branch's head_seq", edit: async (db) => void db.prepare('UPDATE branch SET head_seq = head_seq - 1 WHERE id = 1').run(), withoutKeys: true },
  { what: 'the recording seed', edit: async (db) => void db.prepare("UPDATE recording SET seed_hex = '00' || substr(seed_hex, 3)").run(), withoutKeys: false },
  { what: "a debug file's ELF replaced by a valid zstd frame of other bytes", edit: (db) => forgeDebugFile(db, false), withoutKeys: true },
  { what: "a debug file's ELF replaced, its sha256 and size recomputed", edit: (db) => forgeDebugFile(db, true), withoutKeys: false },
  { what: "a debug file's recorded size", edit: (db) => debugFileEdit(db, 'size = size + 1'), withoutKeys: true },
  { what: "a debug file's key (the program it belongs to) changed", edit: (db) => debugFileEdit(db, 'guest_sha256 = zeroblob(32)'), withoutKeys: false },
  { what: 'the keys of two debug files swapped', edit: swapDebugFileKeys, withoutKeys: false },
  { what: "a debug file's dictionary (its base) taken away", edit: (db) => debugFileEdit(db, 'base = NULL'), withoutKeys: true },
];

describe('tampering with a recording', () => {
  it('the untouched recording and its shared copy verify; the copy says what it cannot check', async () => {
    const own = await verified(original);
    expect(own, JSON.stringify(own.problems)).toMatchObject({ ok: true, seal: 'keyed' });
    const copy = await verified(shared);
    expect(copy, JSON.stringify(copy.problems)).toMatchObject({ ok: true, seal: 'withheld' });
    const out = xrr('verify', shared).stdout;
    expect(out).toMatch(/withheld/);
    // The debug files are no secret: the shared copy keeps every one, and verify counts them.
    expect(own.debugFiles).toBeGreaterThanOrEqual(4); // init, sh, ls, cat, forkrace ran
    expect(copy.debugFiles).toBe(own.debugFiles);
    expect(out).toContain(`${own.debugFiles} debug files`);
    expect(xrr('verify', original).stdout).toMatch(/sealed/);
  });

  for (const { what, edit, withoutKeys } of EDITS) {
    it(`catches ${what} with the keys${withoutKeys ? ', and without them' : ''}`, async () => {
      const path = await edited(original, edit);
      const report = await verified(path);
      expect(report.ok, `${what}: verify passed`).toBe(false);
      // Without the keys only some edits can be proven: those marked. (The others may still be
      // caught there, e.g. by the digest of a snapshot after them, but a copy cannot promise it.)
      if (withoutKeys) {
        const copy = await verified(await edited(shared, edit));
        expect(copy.ok, `${what} on the shared copy: ${JSON.stringify(copy.problems)}`).toBe(false);
      }
    }, 120_000);
  }

  it('replay checks the chain it reads: events before the boot snapshot, a cut tail, a recomputed chain', async () => {
    const clean = await SqliteJournalStore.open(original, { readonly: true, create: false });
    const boot = clean.listSnapshots(ROOT_BRANCH)[0]!;
    expect(boot.seq).toBeGreaterThan(20);
    expect(replay(clean, ROOT_BRANCH).end).toBe(true);
    clean.close();
    const cases: [string, (db: Database.Database) => Promise<void>, RegExp][] = [
      // Never re-executed (the replay starts at the boot snapshot), so only the chain can tell.
      ['an event before the boot snapshot', async (db) => void db.prepare('UPDATE event SET a0 = coalesce(a0, 0) + 1 WHERE id = (SELECT min(id) FROM event WHERE id >= 5)').run(), /do not match block 0|events before it, were altered/],
      ['the tail cut behind the branch row', cutTail, /rows lost at the end/],
      ['the tail cut, the chain and head recomputed', async (db) => (await cutTail(db), await recomputeChain(db)), /fails its seal/],
      ['an event edited, the chain recomputed', async (db) => (await eventEdit(db), await recomputeChain(db)), /fails its seal/],
    ];
    for (const [what, edit, message] of cases) {
      const s = await SqliteJournalStore.open(await edited(original, edit), { readonly: true, create: false });
      expect(() => replay(s, ROOT_BRANCH), what).toThrow(message);
      s.close();
    }
  }, 300_000);

  it('replay and seeks refuse a forged snapshot and a forged page, naming them', async () => {
    for (const recompute of [false, true]) {
      const s = await SqliteJournalStore.open(await edited(original, (db) => forgeSnapshot(db, FORGE_VFS, recompute)), { readonly: true, create: false });
      expect(() => replay(s, ROOT_BRANCH), `digest recomputed: ${recompute}`).toThrow(recompute ? /head fails its seal/ : /snapshot 1 .*digest/);
      s.close();
    }
    const gone = await SqliteJournalStore.open(await edited(original, async (db) => void db.prepare('DELETE FROM snapshot WHERE id = 1').run()), { readonly: true, create: false });
    expect(() => replay(gone, ROOT_BRANCH)).toThrow(/snapshot was deleted/);
    gone.close();
    const zstd = await loadZstd();
    let victim = '' as PageHash;
    const paged = await SqliteJournalStore.open(
      await edited(original, async (db) => {
        const r = db.prepare('SELECT hex(hash) AS h FROM page ORDER BY hash LIMIT 1').get() as { h: string };
        victim = r.h.toLowerCase() as PageHash;
        db.prepare('UPDATE page SET data = ? WHERE hash = ?').run(zstd.compress(new Uint8Array(4096).fill(7)), Buffer.from(victim, 'hex'));
      }),
      { readonly: true, create: false },
    );
    try {
      paged.getPage(victim);
      throw new Error('a forged page was served');
    } catch (e) {
      expect(isJournalError(e, 'CORRUPT')).toBe(true);
      expect((e as Error).message).toContain(`page ${victim}`);
    }
    paged.close();
    // `xrr state` shows nothing of a forged tree.
    const forgedFile = await edited(original, (db) => forgeSnapshot(db, FORGE_VFS, true));
    const state = xrr('state', forgedFile, '--at', '0');
    expect(state.stdout).not.toContain('forged-name');
    expect(state.status).not.toBe(0);
    expect(state.stderr).toMatch(/fails its seal/);
  }, 300_000);

  it('a forged debug file is refused on load, and the readers take it as none (the program symbolizes from its own bytes)', async () => {
    const s = await SqliteJournalStore.open(await edited(original, (db) => forgeDebugFile(db, true)), { readonly: true, create: false });
    try {
      const keys = s.debugFileKeys();
      const forged = keys.find((k) => {
        try {
          s.debugFile(k);
          return false;
        } catch (e) {
          expect(isJournalError(e, 'CORRUPT')).toBe(true);
          expect((e as Error).message).toMatch(/fails its seal/);
          return true;
        }
      });
      expect(forged).toBeDefined();
      expect(recordingDebugFiles(s).debugFile(forged!)).toBeUndefined();
      // The others still read.
      for (const k of keys.filter((k) => k !== forged)) expect(recordingDebugFiles(s).debugFile(k)?.length).toBeGreaterThan(0);
    } finally {
      s.close();
    }
  }, 120_000);
});
