/**
 * Compact snapshots (schema 8, snapshot-codec.ts): a state is stored against its branch's
 * keyframe as a zstd dictionary while that keeps it under half the keyframe's size, a page list
 * as page ids; every state and list reads back exactly, a delta never refers to another delta,
 * a store reopened later goes on against the last keyframe, and a page list's encoding refuses
 * damage rather than misreading it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { icount, journalSeq, ROOT_BRANCH, SqliteJournalStore, verify, type PageHash } from '../src/journal/index.js';
import { decodePageIds, encodePageIds, keepsDelta, referPages, resolvePages, SNAPSHOT_CODEC } from '../src/journal/snapshot-codec.js';
import { eventStream, META, rng } from './journal-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'xrr-snapcodec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const randomHex = (seed: number, n: number): string => {
  const r = rng(seed);
  return Array.from({ length: n }, () => Math.floor(r() * 2 ** 32).toString(16)).join(',');
};

/** A machine-like state: key material that stays, counters that move, and (after `era` 1) much that is new. */
function stateAt(step: number, era = 0): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ version: 1, machineVersion: 'test', step, keys: randomHex(1, 4000), moving: randomHex(1000 + step, 50), era: randomHex(77, era * 20000) }));
}

function page(n: number): Uint8Array {
  const p = new Uint8Array(4096);
  new DataView(p.buffer).setUint32(0, n);
  return p;
}

describe('page id lists', () => {
  it('round-trip ids in any order, and refuse a list cut short, run long or out of range', () => {
    const ids = [1, 2, 3, 4, 100, 99, 2 ** 40, 5, 5, 2 ** 31 + 7];
    const bytes = encodePageIds(ids);
    expect(decodePageIds(bytes, ids.length, 'x')).toEqual(ids);
    expect(encodePageIds([1, 2, 3, 4]).length).toBe(4); // runs cost a byte an id before zstd
    expect(() => decodePageIds(bytes.subarray(0, bytes.length - 1), ids.length, 'x')).toThrow(expect.objectContaining({ code: 'CORRUPT' }) as Error);
    expect(() => decodePageIds(bytes, ids.length - 1, 'x')).toThrow(/bytes past/);
    expect(() => decodePageIds(Uint8Array.from([1]), 1, "x")).toThrow(/page id -1/);
    expect(() => encodePageIds([0])).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }) as Error);
    expect(decodePageIds(encodePageIds([]), 0, 'x')).toEqual([]);
  });

  it('keep a delta while it is under half its keyframe', () => {
    expect(keepsDelta(49, 100)).toBe(true);
    expect(keepsDelta(50, 100)).toBe(false);
  });
});

describe('snapshots in a journal file', () => {
  it('are stored against a keyframe, read back exactly, and a reopened store goes on against it', async () => {
    const path = join(dir, 'a.db');
    let s = await SqliteJournalStore.open(path);
    s.createRecording(META);
    const evs = eventStream(5).next(1000);
    s.append(ROOT_BRANCH, evs);
    const hashes: PageHash[] = s.putPages([page(1), page(2), page(3)]);
    const states: Uint8Array[] = [];
    const put = (st: SqliteJournalStore, i: number, state: Uint8Array, pages: readonly PageHash[]) => {
      states.push(state);
      return st.putSnapshot({ branch: ROOT_BRANCH, icount: icount(evs[i * 100]!.icount), seq: journalSeq(i * 100), state, pages });
    };
    const first = put(s, 0, stateAt(0), hashes);
    const second = put(s, 1, stateAt(1), [...hashes, ...s.putPages([page(4)])]);
    expect(second.compressedBytes).toBeLessThan(first.compressedBytes / 2);
    s.close();

    s = await SqliteJournalStore.open(path);
    const third = put(s, 2, stateAt(2), hashes.slice(1));
    // Drifted far from the keyframe: stored on its own, and the next one goes against it.
    const fourth = put(s, 3, stateAt(3, 1), hashes);
    const fifth = put(s, 4, stateAt(4, 1), hashes);
    expect(third.compressedBytes).toBeLessThan(first.compressedBytes / 2);
    expect(fourth.compressedBytes).toBeGreaterThan(first.compressedBytes / 2);
    expect(fifth.compressedBytes).toBeLessThan(fourth.compressedBytes / 2);
    const ids = [first, second, third, fourth, fifth].map((r) => r.id);
    ids.forEach((id, i) => expect(Buffer.from(s.loadSnapshotState(id)).equals(Buffer.from(states[i]!)), `snapshot ${i}`).toBe(true));
    expect(s.snapshotPages(second.id)).toEqual([...hashes, s.snapshotPages(second.id)[3]]);
    expect(s.snapshotPages(third.id)).toEqual(hashes.slice(1));
    expect(verify(s).ok).toBe(true);
    s.close();

    const db = new Database(path, { readonly: true });
    const rows = db.prepare('SELECT id, base, codec FROM snapshot ORDER BY id').all() as { id: number; base: number | null; codec: number }[];
    db.close();
    expect(rows.map((r) => r.base)).toEqual([null, ids[0], ids[0], null, ids[3]]);
    // Stored with page references (the states name their pages' hashes).
    expect(rows.every((r) => r.codec === SNAPSHOT_CODEC.PAGE_REFS)).toBe(true);
  });

  it('refuse a snapshot whose keyframe was replaced by a delta, naming both', async () => {
    const path = join(dir, 'b.db');
    const s = await SqliteJournalStore.open(path);
    s.createRecording(META);
    const a = s.putSnapshot({ branch: ROOT_BRANCH, icount: icount(0), seq: journalSeq(0), state: stateAt(0), pages: [] });
    const b = s.putSnapshot({ branch: ROOT_BRANCH, icount: icount(0), seq: journalSeq(0), state: stateAt(1), pages: [] });
    s.database.prepare('UPDATE snapshot SET base = ? WHERE id = ?').run(b.id, a.id);
    expect(() => s.loadSnapshotState(b.id)).toThrow(new RegExp(`snapshot ${b.id} is stored against snapshot ${a.id}, which is not a keyframe`));
    expect(verify(s).ok).toBe(false);
    s.close();
  });

  it('compress pages with a dictionary of the first large batch, which a reopened store goes on using', async () => {
    const path = join(dir, 'c.db');
    /** Program-like pages: much shared text, a little of their own. */
    const programPage = (n: number): Uint8Array => {
      const p = new TextEncoder().encode(randomHex(5 + (n % 7), 600).slice(0, 4096).padEnd(4096, 'x'));
      new DataView(p.buffer).setUint32(100, n);
      return p;
    };
    let s = await SqliteJournalStore.open(path);
    s.createRecording(META);
    s.putPages([programPage(0)]); // a small batch: no dictionary yet
    const batch = Array.from({ length: 100 }, (_, i) => programPage(i + 1));
    const hashes = s.putPages(batch);
    s.close();
    s = await SqliteJournalStore.open(path);
    const later = s.putPages([programPage(500)]);
    expect(s.getPage(later[0]!)).toEqual(programPage(500));
    hashes.forEach((h, i) => expect(s.getPage(h), `page ${i}`).toEqual(batch[i]));
    const db = s.database;
    expect(db.prepare('SELECT count(*) AS n FROM page_dictionary').get()).toEqual({ n: 1 });
    // Only the small batch's page is compressed without it (a pack's other members hold no bytes of their own).
    expect(db.prepare('SELECT count(*) AS n FROM page WHERE dictionary IS NULL AND length(data) > 0').get()).toEqual({ n: 1 });
    const withDictionary = (db.prepare('SELECT sum(length(data)) AS n FROM page WHERE dictionary IS NOT NULL').get() as { n: number }).n;
    expect(withDictionary).toBeLessThan(101 * 200);
    expect(verify(s).ok).toBe(true);
    s.close();

    // The dictionary lost or altered: every page compressed with it is refused, never misread.
    const broken = await SqliteJournalStore.open(path);
    broken.database.prepare('DELETE FROM page_dictionary').run();
    expect(() => broken.getPage(hashes[3]!)).toThrow(/page dictionary 1, which is not stored/);
    expect(verify(broken).ok).toBe(false);
    broken.close();
  });
});
