/**
 * Snapshots and pages since migration page_index_and_packs (src/journal/README.md "Snapshots and pages"): a state names its
 * pages by reference into its own page list (snapshot codec 2), exactly reversibly and refusing a
 * damaged reference; pages are stored in packs that share one zstd frame, each page read back
 * exactly and a damaged pack refused for every member, by `verify` too; pages are found through an
 * 8-byte hash-prefix index that still tells apart two hashes sharing the prefix.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { icount, isJournalError, journalSeq, ROOT_BRANCH, SqliteJournalStore, verify, type PageHash } from '../src/journal/index.js';
import { APPLICATION_ID } from '../src/journal/migrations.js';
import { referPages, resolvePages, SNAPSHOT_CODEC } from '../src/journal/snapshot-codec.js';
import { loadZstd } from '../src/journal/zstd.js';
import { eventStream, META, rng } from './journal-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'xrr-pages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (): string => join(dir, `p${n++}.db`);

/**
 * A new journal file with SQLite pages of `pageSize` bytes (packs are made at 4 KiB,
 * PACKED_PAGE_SIZE_MAX): the page size is fixed by the first write, here the application id (the
 * store then creates its tables), whatever size the store gives new files.
 */
function fileOfPages(pageSize: number): string {
  const path = file();
  const db = new Database(path);
  db.pragma(`page_size = ${pageSize}`);
  db.pragma(`application_id = ${APPLICATION_ID}`);
  db.close();
  return path;
}

const sha = (b: Uint8Array): PageHash => createHash('sha256').update(b).digest('hex') as PageHash;

/** A page of program-like bytes: a pseudo-random text shared by all, a number of its own. */
function page(i: number): Uint8Array {
  const r = rng(i % 5);
  const p = new Uint8Array(4096);
  for (let k = 0; k < p.length; k++) p[k] = 0x41 + Math.floor(r() * 16);
  new DataView(p.buffer).setUint32(64, i);
  return p;
}

/** A machine-like state naming its pages the way Machine.getState does (quoted hex hashes). */
function stateNaming(pages: readonly PageHash[]): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({ version: 1, machineVersion: 'test', mem: pages.map((hash, vpn) => ({ vpn, perm: 5, hash })), note: `not a page: "${'ab'.repeat(32)}"` }),
  );
}

const hashesOf = (count: number): PageHash[] => Array.from({ length: count }, (_, i) => sha(page(i)));

describe('page references in a snapshot state', () => {
  it('replace the hashes of the page list, read back byte for byte, and shrink the state', () => {
    const pages = hashesOf(200);
    const state = stateNaming(pages);
    const stored = referPages(state, pages)!;
    // Each 66-byte quoted hash became 2 bytes: PAGE_REF and a zero distance (the next page in the list).
    expect(stored.length).toBe(state.length - 200 * 64);
    expect(Buffer.from(stored).toString('latin1')).toContain('"hash":\x01\x00}');
    // A 64-digit hex string that is not in the list stays as it is.
    expect(Buffer.from(stored).toString('latin1')).toContain('ab'.repeat(32));
    expect(Buffer.from(resolvePages(stored, pages, state.length, 'here')).equals(Buffer.from(state))).toBe(true);
  });

  it('round trip pages named out of order, twice, and a list with repeats', () => {
    const pages = hashesOf(50);
    const named = [...pages].reverse().concat(pages.slice(10, 20), pages.slice(3, 4));
    const list = [...pages, pages[7]!];
    const state = stateNaming(named);
    const stored = referPages(state, list)!;
    // Every named hash (66 bytes) became at most 3 bytes: the reference and a distance of under 2^14.
    expect(stored.length).toBeLessThanOrEqual(state.length - named.length * 63);
    expect(Buffer.from(resolvePages(stored, list, state.length, 'here')).equals(Buffer.from(state))).toBe(true);
  });

  it('leave a state holding the reference byte itself to be stored as it is', () => {
    const pages = hashesOf(3);
    expect(referPages(Buffer.concat([stateNaming(pages), Buffer.from([0x01])]), pages)).toBeNull();
    // JSON.stringify escapes control characters: a state encodeState makes never holds the raw byte.
    expect(referPages(new TextEncoder().encode(JSON.stringify({ s: '\u0001' })), pages)).not.toBeNull();
  });

  it('refuse a reference past the list, one cut short, and a wrong recorded size, naming the snapshot', () => {
    const pages = hashesOf(10);
    const state = stateNaming(pages);
    const stored = referPages(state, pages)!;
    const corrupt = (f: () => unknown, re: RegExp): void => {
      try {
        f();
        throw new Error('not refused');
      } catch (e) {
        expect(isJournalError(e, 'CORRUPT'), String(e)).toBe(true);
        expect((e as Error).message).toMatch(re);
      }
    };
    corrupt(() => resolvePages(stored, pages.slice(0, 9), state.length, 'snapshot 7'), /snapshot 7: its state refers to page 9 of a list of 9/);
    const cut = Buffer.from([...Buffer.from('{"a":'), 0x01, 0x80]);
    corrupt(() => resolvePages(cut, pages, 100, 'snapshot 7'), /snapshot 7: its state ends inside a page reference/);
    corrupt(() => resolvePages(stored, pages, state.length - 1, 'snapshot 7'), /snapshot 7: its state holds more than its recorded/);
    corrupt(() => resolvePages(stored, pages, state.length + 1, 'snapshot 7'), /snapshot 7: its state decodes to/);
  });

  it('are how a journal stores a snapshot naming its pages, and an edited page list fails the digest', async () => {
    const path = file();
    const s = await SqliteJournalStore.open(path);
    s.createRecording(META);
    const evs = eventStream(3).next(300);
    s.append(ROOT_BRANCH, evs);
    const pages = s.putPages(Array.from({ length: 300 }, (_, i) => page(i)));
    const state = stateNaming(pages);
    const first = s.putSnapshot({ branch: ROOT_BRANCH, icount: icount(evs[0]!.icount), seq: journalSeq(0), state, pages });
    const moved = stateNaming([...pages.slice(1), pages[0]!]);
    const second = s.putSnapshot({ branch: ROOT_BRANCH, icount: icount(evs[200]!.icount), seq: journalSeq(200), state: moved, pages });
    // 300 hashes of 32 random bytes alone would take about 10 KB compressed.
    expect(first.compressedBytes).toBeLessThan(2000);
    expect(second.compressedBytes).toBeLessThan(first.compressedBytes / 2);
    expect(Buffer.from(s.loadSnapshotState(first.id)).equals(Buffer.from(state))).toBe(true);
    expect(Buffer.from(s.loadSnapshotState(second.id)).equals(Buffer.from(moved))).toBe(true);
    expect(s.database.prepare('SELECT codec FROM snapshot ORDER BY id').all()).toEqual([{ codec: SNAPSHOT_CODEC.PAGE_REFS }, { codec: SNAPSHOT_CODEC.PAGE_REFS }]);
    expect(verify(s).ok).toBe(true);
    // Two pages swapped in the stored list: the state resolves to other hashes, and its digest says so.
    const zstd = await loadZstd();
    const { encodePageIds } = await import('../src/journal/snapshot-codec.js');
    const ids = Array.from({ length: 300 }, (_, i) => i + 1);
    [ids[0], ids[1]] = [ids[1]!, ids[0]!];
    s.database.prepare('UPDATE snapshot SET page_hashes = ? WHERE id = ?').run(zstd.compress(encodePageIds(ids)), first.id);
    expect(() => s.loadSnapshotState(first.id)).toThrow(/snapshot 1 .*does not match its digest/);
    const report = verify(s);
    expect(report.ok).toBe(false);
    expect(report.problems.some((p) => p.kind === 'snapshot' && p.snapshot === first.id)).toBe(true);
    s.close();
  });
});

describe('pages in packs', () => {
  it('share one frame per 64 pages, each read back exactly, after a reopen too', async () => {
    const path = fileOfPages(4096);
    let s = await SqliteJournalStore.open(path);
    expect(s.database.pragma('page_size', { simple: true })).toBe(4096);
    s.createRecording(META);
    const batch = Array.from({ length: 150 }, (_, i) => page(i));
    const hashes = s.putPages(batch);
    const rows = s.database.prepare('SELECT id, pack, length(data) AS n FROM page ORDER BY id').all() as { id: number; pack: number | null; n: number }[];
    expect(rows.map((r) => r.pack)).toEqual(rows.map((r) => (r.id <= 64 ? 1 : r.id <= 128 ? 65 : 129)));
    // Only a pack's first page holds bytes.
    expect(rows.filter((r) => r.n > 0).map((r) => r.id)).toEqual([1, 65, 129]);
    // A page on its own (a batch of one) is stored as before.
    const alone = s.putPages([page(1000)])[0]!;
    expect(s.database.prepare('SELECT pack FROM page WHERE id = 151').get()).toEqual({ pack: null });
    s.close();
    s = await SqliteJournalStore.open(path, { readonly: true, create: false });
    // Read in another order than stored: each pack is cut by its members' sizes.
    [...hashes.keys()].reverse().forEach((i) => expect(Buffer.from(s.getPage(hashes[i]!)!).equals(Buffer.from(batch[i]!)), `page ${i}`).toBe(true));
    expect(s.getPage(alone)).toEqual(page(1000));
    expect(verify(s)).toMatchObject({ ok: true, pages: 151 });
    s.close();
  });

  it('refuse an edited pack for every member, a member holding bytes, and a member moved out, and verify names them', async () => {
    const make = async (edit: (s: SqliteJournalStore) => void): Promise<{ s: SqliteJournalStore; hashes: PageHash[] }> => {
      const path = fileOfPages(4096);
      const s = await SqliteJournalStore.open(path);
      s.createRecording(META);
      const hashes = s.putPages(Array.from({ length: 10 }, (_, i) => page(i)));
      edit(s);
      s.close();
      return { s: await SqliteJournalStore.open(path, { readonly: true, create: false }), hashes };
    };
    const zstd = await loadZstd();
    const refused = (s: SqliteJournalStore, h: PageHash): void => {
      try {
        s.getPage(h);
        throw new Error(`page ${h} was served`);
      } catch (e) {
        expect(isJournalError(e, 'CORRUPT'), String(e)).toBe(true);
        expect((e as Error).message).toContain(`page ${h}`);
      }
    };
    // The pack replaced by a valid frame of other bytes (one page's worth): no member is served.
    let t = await make((s) => void s.database.prepare('UPDATE page SET data = ?, dictionary = NULL WHERE id = 1').run(zstd.compress(new Uint8Array(4096).fill(9))));
    for (const h of t.hashes) refused(t.s, h);
    expect(verify(t.s).problems.filter((p) => p.kind === 'page')).toHaveLength(10);
    t.s.close();
    // Bytes put on a member are an edit, not data to ignore.
    t = await make((s) => void s.database.prepare('UPDATE page SET data = ? WHERE id = 4').run(zstd.compress(page(3))));
    refused(t.s, t.hashes[3]!);
    expect(t.s.getPage(t.hashes[2]!)).toEqual(page(2));
    expect(verify(t.s).problems.map((p) => (p.kind === 'page' ? p.hash : p.kind))).toEqual([t.hashes[3]]);
    t.s.close();
    // A dictionary named on a member is an edit too (found by the soak: nothing read it).
    t = await make((s) => void s.database.prepare('UPDATE page SET dictionary = 1 WHERE id = 4').run());
    refused(t.s, t.hashes[3]!);
    expect(verify(t.s).problems.map((p) => (p.kind === 'page' ? p.hash : p.kind))).toEqual([t.hashes[3]]);
    t.s.close();
    // A member moved out of the middle of its pack: the pack is no longer whole.
    t = await make((s) => void s.database.prepare('UPDATE page SET pack = NULL WHERE id = 5').run());
    refused(t.s, t.hashes[0]!);
    expect(verify(t.s).ok).toBe(false);
    t.s.close();
  });

  it('are not made in a file of 64 KiB SQLite pages, where their frames would waste room', async () => {
    const s = await SqliteJournalStore.open(fileOfPages(65536));
    s.createRecording(META);
    const hashes = s.putPages(Array.from({ length: 100 }, (_, i) => page(i)));
    expect(s.database.pragma('page_size', { simple: true })).toBe(65536);
    expect(s.database.prepare('SELECT count(pack) AS n FROM page').get()).toEqual({ n: 0 });
    hashes.forEach((h, i) => expect(s.getPage(h)).toEqual(page(i)));
    s.close();
  });
});

describe('the hash-prefix page index', () => {
  it('is what finds pages, and tells apart a hash sharing the first 8 bytes', async () => {
    const s = await SqliteJournalStore.open(file());
    s.createRecording(META);
    const [h] = s.putPages([page(1)]);
    const plan = s.database.prepare("EXPLAIN QUERY PLAN SELECT id FROM page WHERE substr(hash, 1, 8) = ? AND hash = ?").all(Buffer.alloc(8), Buffer.alloc(32)) as { detail: string }[];
    expect(plan.map((p) => p.detail).join()).toMatch(/USING INDEX page_hash_prefix/);
    // A row whose hash shares the prefix (as an attacker or a 2^-64 chance would make it), stored before the real one is asked for.
    const twin = (h!.slice(0, 16) + 'f'.repeat(48)) as PageHash;
    s.database.prepare('INSERT INTO page (id, hash, size, data) VALUES (99, ?, 4096, ?)').run(Buffer.from(twin, 'hex'), (await loadZstd()).compress(page(2)));
    expect(s.getPage(h!)).toEqual(page(1));
    expect(s.hasPage(h!)).toBe(true);
    expect(s.hasPage((h!.slice(0, 16) + '0'.repeat(48)) as PageHash)).toBe(false);
    expect(() => s.getPage(twin)).toThrow(/holds other bytes/);
    // Pages are listed in the order stored, resumable after any of them.
    expect(s.pageHashes(null, 10)).toEqual([h, twin]);
    expect(s.pageHashes(h!, 10)).toEqual([twin]);
    s.close();
  });
});
