/**
 * Edit campaign: one SQL edit, as anyone with the file and sqlite3 can make, of a random row and
 * column of the events (and the names they refer to), snapshots, pages, an index, the chain
 * blocks, a branch head or the recording row; some with the SHA-256 chain recomputed after it,
 * as an editor without the key would. `xrr verify`, on the file with its keys, must catch every
 * one (exit non-zero, cleanly). Not edited: what the seal does not cover by design
 * (docs/reliability.md): creation times, branch labels, bookmarks and the keys themselves.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadZstd } from '../src/journal/zstd.js';
import { recomputeChain } from '../test/support/forge.js';
import { between, pick, type Campaign, type CampaignContext } from './campaign.js';
import { positions } from './recording-content.js';
import { run, tail, unclean } from './verdicts.js';

type Cell = number | bigint | string | Buffer | null;

/** A value other than `v` of the same sort: a number moved, a byte of a blob flipped, text changed. */
function changed(random: () => number, v: Cell): Cell {
  if (v === null) return 1;
  if (typeof v === 'number') return v + (random() < 0.5 ? -1 : 1) * between(random, 1, 1000);
  if (typeof v === 'bigint') return v + BigInt(between(random, 1, 1000));
  if (typeof v === 'string') return v.length > 0 && random() < 0.5 ? v.slice(0, -1) + String.fromCharCode((v.charCodeAt(v.length - 1) % 94) + 33) : `${v}x`;
  const b = Buffer.from(v);
  if (b.length === 0) return Buffer.from([0]);
  const at = between(random, 0, b.length - 1);
  b[at] = b[at]! ^ (1 << between(random, 0, 7));
  return b;
}

/** A value as SQL text, for the report. */
function literal(v: Cell): string {
  if (v === null) return 'NULL';
  if (Buffer.isBuffer(v)) return `x'${v.toString('hex')}'`;
  return typeof v === 'string' ? `'${v.replaceAll("'", "''")}'` : String(v);
}

/** Sets one column of one row (chosen at random by `where`) to a changed value; returns what it did. */
function editCell(db: Database.Database, random: () => number, table: string, columns: readonly string[], key: string, where = '1'): string {
  const keys = (db.prepare(`SELECT ${key} AS k FROM ${table} WHERE ${where}`).raw(true).all() as [Cell][]).map((r) => r[0]);
  const k = pick(random, keys);
  const column = pick(random, columns);
  const row = db.prepare(`SELECT ${column} AS v FROM ${table} WHERE ${key} = ?`).safeIntegers(true).get(k) as { v: Cell };
  const to = changed(random, typeof row.v === 'bigint' && row.v >= BigInt(Number.MIN_SAFE_INTEGER) && row.v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(row.v) : row.v);
  db.prepare(`UPDATE ${table} SET ${column} = ? WHERE ${key} = ?`).run(to, k);
  return `UPDATE ${table} SET ${column} = ${literal(to)} WHERE ${key} = ${literal(k)}`;
}

function deleteRow(db: Database.Database, random: () => number, table: string, key: string, where = '1'): string {
  const keys = (db.prepare(`SELECT ${key} AS k FROM ${table} WHERE ${where}`).raw(true).all() as [Cell][]).map((r) => r[0]);
  const k = pick(random, keys);
  db.prepare(`DELETE FROM ${table} WHERE ${key} = ?`).run(k);
  return `DELETE FROM ${table} WHERE ${key} = ${literal(k)}`;
}

/**
 * An index that no longer matches its table: rebuilt under a narrower or broader condition than
 * its definition, which is then put back (the trick of test/journal-tamper.test.ts, made general).
 */
function skewIndex(db: Database.Database, random: () => number): string {
  const index = pick(random, ['event_kind_at', 'snapshot_at']);
  const { sql } = db.prepare("SELECT sql FROM sqlite_schema WHERE name = ?").get(index) as { sql: string };
  const k = between(random, 0, 2);
  const byRows = sql.includes(' WHERE ') ? `${sql} AND id % 3 <> ${k}` : `${sql} WHERE id % 3 <> ${k}`;
  // The kind index's range moved up by one (schemas differ: 'BETWEEN 1 AND 3' before schema 9,
  // 'NOT BETWEEN 0 AND 3' since), when rows of the kind that moves in or out exist: otherwise the
  // rebuilt index would be the same index, and the case no edit at all.
  const range = /BETWEEN (\d+) AND (\d+)/.exec(sql);
  const moved = range ? Number(range[2]) + 1 : undefined;
  const kindSkew = index === 'event_kind_at' && moved !== undefined && db.prepare('SELECT 1 FROM event WHERE kind = ? LIMIT 1').get(moved) !== undefined;
  const skewed = kindSkew && random() < 0.5 ? sql.replace(range![0], `BETWEEN ${range![1]} AND ${moved}`) : byRows;
  if (skewed === sql) throw new Error(`the skew of index ${index} left its definition as it was`);
  const file = db.name;
  db.unsafeMode(true);
  db.pragma('writable_schema = ON');
  db.prepare('UPDATE sqlite_schema SET sql = ? WHERE name = ?').run(skewed, index);
  db.close();
  const again = new Database(file);
  again.exec(`REINDEX ${index}`);
  again.unsafeMode(true);
  again.pragma('writable_schema = ON');
  again.prepare('UPDATE sqlite_schema SET sql = ? WHERE name = ?').run(sql, index);
  again.close();
  return `index ${index} rebuilt as "${skewed}", then its definition put back`;
}

/** The event table's columns since schema 9 (which merged body into data). */
const EVENT_COLUMNS = ['icount', 'seq_in_icount', 'kind', 'pid', 'nr', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'name', 'data'];

/** The kinds of edit; each returns what it did (SQL, for the report). */
const EDITS: { readonly kind: string; readonly apply: (db: Database.Database, random: () => number) => Promise<string> | string }[] = [
  { kind: 'event', apply: (db, r) => editCell(db, r, 'event', EVENT_COLUMNS, 'id') },
  { kind: 'event', apply: (db, r) => deleteRow(db, r, 'event', 'id') },
  {
    kind: 'event, chain recomputed',
    apply: async (db, r) => {
      const did = editCell(db, r, 'event', EVENT_COLUMNS, 'id', 'id < 1099511627776');
      await recomputeChain(db);
      return `${did}; the SHA-256 chain and head of branch 1 recomputed`;
    },
  },
  {
    kind: 'event, chain recomputed',
    apply: async (db, r) => {
      const did = deleteRow(db, r, 'event', 'id', 'id < 1099511627776');
      await recomputeChain(db);
      return `${did}; the SHA-256 chain and head of branch 1 recomputed`;
    },
  },
  { kind: 'event name', apply: (db, r) => editCell(db, r, 'name', ['text'], 'id', 'id IN (SELECT name FROM event)') },
  { kind: 'snapshot', apply: (db, r) => editCell(db, r, 'snapshot', ['branch', 'icount', 'seq', 'state', 'state_size', 'page_count', 'page_hashes', 'digest', 'mac'], 'id') },
  { kind: 'snapshot', apply: (db, r) => deleteRow(db, r, 'snapshot', 'id') },
  { kind: 'event data', apply: (db, r) => editCell(db, r, 'event_data', ['id', 'bytes'], 'id') },
  { kind: 'event data', apply: (db, r) => deleteRow(db, r, 'event_data', 'id') },
  { kind: 'syscall name', apply: (db, r) => editCell(db, r, 'syscall_name', ['nr', 'name'], 'nr', 'nr IN (SELECT nr FROM event WHERE kind IN (0, 1))') },
  { kind: 'page', apply: (db, r) => editCell(db, r, 'page', ['hash', 'size', 'data', 'dictionary', 'pack'], 'hash') },
  { kind: 'page dictionary', apply: (db, r) => editCell(db, r, 'page_dictionary', ['data'], 'id', 'id IN (SELECT dictionary FROM page)') },
  { kind: 'page', apply: (db, r) => deleteRow(db, r, 'page', 'hash') },
  {
    kind: 'page',
    apply: async (db, r) => {
      const zstd = await loadZstd();
      const hashes = (db.prepare('SELECT hash FROM page').raw(true).all() as [Buffer][]).map((x) => x[0]);
      const h = pick(r, hashes);
      db.prepare('UPDATE page SET data = ? WHERE hash = ?').run(zstd.compress(new Uint8Array(4096).fill(between(r, 0, 255))), h);
      return `page ${h.toString('hex')} replaced by a valid zstd frame of other bytes`;
    },
  },
  { kind: 'debug file', apply: (db, r) => editCell(db, r, 'debug_file', ['guest_sha256', 'size', 'sha256', 'data', 'base', 'mac'], 'guest_sha256') },
  { kind: 'debug file', apply: (db, r) => deleteRow(db, r, 'debug_file', 'guest_sha256', 'guest_sha256 IN (SELECT base FROM debug_file)') },
  { kind: 'index', apply: (db, r) => skewIndex(db, r) },
  { kind: 'block', apply: (db, r) => editCell(db, r, 'event_block', ['block', 'count', 'hash', 'mac'], 'branch * 1000000000 + block') },
  { kind: 'block', apply: (db, r) => deleteRow(db, r, 'event_block', 'branch * 1000000000 + block') },
  { kind: 'branch head', apply: (db, r) => editCell(db, r, 'branch', ['parent', 'fork_icount', 'fork_seq', 'head_seq', 'head_hash', 'snap_count', 'snap_hash', 'head_mac'], 'id') },
  { kind: 'recording', apply: (db, r) => editCell(db, r, 'recording', ['machine_version', 'image_hash', 'seed_hex', 'boot_epoch_ns', 'command_line', 'xrr_version'], 'id') },
];

/** A recording with two branches (a session, and a fork of it fed other commands). */
function makeBase(ctx: CampaignContext): string {
  const dir = join(ctx.dir, 'base');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'base.db');
  const input = join(dir, 'input.txt');
  writeFileSync(input, 'ls /bin\necho one > /tmp/a\ncat /tmp/a\nforkrace\nps\n');
  const r = run('record', '--seed', 'soak-edit', '--input', input, '--out', file);
  if (r.status !== 0) throw new Error(`cannot record the edit base: ${tail(r.stderr)}`);
  const p = positions(file);
  const forkInput = join(dir, 'fork-input.txt');
  writeFileSync(forkInput, 'echo forked > /tmp/b\ncat /tmp/b\nuname -a\n');
  const f = run('fork', file, '--at', String(p.inputs[2] ?? p.end), '--input', forkInput, '--label', 'soak');
  if (f.status !== 0) throw new Error(`cannot fork the edit base: ${tail(f.stderr)}`);
  const v = run('verify', file);
  if (v.status !== 0) throw new Error(`the edit base does not verify: ${tail(v.stdout + v.stderr)}`);
  return file;
}

async function editCase(ctx: CampaignContext, base: string, n: number): Promise<void> {
  const name = `edit-${n}`;
  const caseDir = join(ctx.dir, name);
  mkdirSync(caseDir, { recursive: true });
  const file = join(caseDir, 'rec.db');
  const edit = pick(ctx.random, EDITS);
  let did = '';
  // An edit SQLite refuses (a key already taken) is drawn again; bounded, then it is the case's loss.
  for (let attempt = 0; ; attempt++) {
    copyFileSync(base, file);
    const db = new Database(file);
    try {
      did = await edit.apply(db, ctx.random);
      break;
    } catch (e) {
      if (attempt >= 20) return ctx.tally.lose(name, caseDir, `no ${edit.kind} edit could be made: ${(e as Error).message}`, edit.kind);
    } finally {
      if (db.open) db.close();
    }
  }
  const repro = `${edit.kind}: ${did} (on a copy of the base, kept as rec.db after the edit)`;
  const r = run('verify', file);
  const bad = unclean('verify', r);
  if (bad !== undefined) return ctx.tally.lose(name, caseDir, bad, repro);
  if (r.status === 0) return ctx.tally.lose(name, caseDir, `verify passed an edit of ${edit.kind}: ${tail(r.stdout)}`, repro);
  ctx.tally.survive(caseDir);
}

export const editCampaign: Campaign = {
  name: 'edit',
  what: 'SQL edits of events, their data segments and names, snapshots, pages and their dictionary, debug files, indexes, blocks, branch heads, the recording row: verify with keys catches every one',
  async run(ctx) {
    const base = makeBase(ctx);
    for (let n = 1; n <= ctx.scale.edits; n++) {
      await editCase(ctx, base, n);
      ctx.log(`edit ${n}/${ctx.scale.edits}: ${ctx.tally.lost.length} lost`);
    }
  },
};
