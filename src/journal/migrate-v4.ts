/**
 * The code half of migration 4 (migrations/0004_typed_event_columns_and_block_chain.sql): turn
 * the schema-3 rows (kept as event_v3 by the SQL half) into schema-4 rows and their block hash
 * chain, then drop event_v3. Runs inside the migration's transaction, so a failure leaves the
 * file at schema 3.
 *
 * Every schema-3 row is first held to its own hash (sha256(prev || seq TAB icount TAB
 * seq_in_icount TAB kind TAB pid TAB payload)): re-encoding an altered row would give it a valid
 * chain of the new kind and hide the damage, so a file that does not verify is refused instead,
 * naming the first bad event.
 */
import { hash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { eventFieldsOfJson } from '../core/event-json.js';
import type { MachineEvent, MachineEventKind } from '../core/events.js';
import { BLOCK_EVENTS, blockOf, ChainCursor, ZERO_HASH } from './block-chain.js';
import { ancestry } from './ancestry.js';
import { JournalError } from './errors.js';
import { kindOfCode, KIND_CODES, rowOf, sameBytes, type EventRowDb } from './event-row.js';
import { eventRowId, type BranchId } from './ids.js';
import type { RawEventRow } from './store.js';

interface V3Row {
  seq: number;
  icount: number;
  sii: number;
  kind: string;
  pid: number | null;
  payload: string;
  hash: Buffer;
}

interface BranchRow {
  id: number;
  parent: number | null;
  fork_seq: number;
}


/** Rows converted at a time (the read statement cannot stay open while inserting). */
const PAGE = 4096;

function v3Hash(prev: Uint8Array, r: V3Row): Uint8Array {
  const text = Buffer.from(`${r.seq}\t${r.icount}\t${r.sii}\t${r.kind}\t${r.pid ?? ''}\t${r.payload}`, 'utf8');
  return hash('sha256', Buffer.concat([prev, text]), 'buffer');
}

function eventOfV3(r: V3Row, branch: number): MachineEvent {
  let body: unknown;
  try {
    body = JSON.parse(r.payload);
  } catch (e) {
    throw new JournalError('CORRUPT', `event ${r.seq} of branch ${branch}: its schema-3 payload is not JSON`, { cause: e });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new JournalError('CORRUPT', `event ${r.seq} of branch ${branch}: its schema-3 payload is not a JSON object`);
  if (!Object.prototype.hasOwnProperty.call(KIND_CODES, r.kind)) throw new JournalError('CORRUPT', `event ${r.seq} of branch ${branch}: unknown kind ${JSON.stringify(r.kind)}`);
  // Byte data was JSON (a message's as hex text, console bytes as numbers): bytes, as events hold it now.
  return { ...eventFieldsOfJson(r.kind, body as Record<string, unknown>), kind: r.kind as MachineEventKind, icount: r.icount, seq: r.sii } as MachineEvent;
}

export function convertEventsToSchema4(db: Database.Database): void {
  const branches = db.prepare<[], BranchRow>('SELECT id, parent, fork_seq FROM branch ORDER BY id').all();
  const byId = new Map(branches.map((b) => [b.id, b]));
  // The walks below (ownerOf) assume no branch is its own ancestor: an edited file is refused first.
  for (const start of branches) for (const _ of ancestry(start, (id) => byId.get(id)));
  const nameIds = new Map<string, number>();
  const names = new Map<number, string>();
  const insertName = db.prepare('INSERT INTO name (text) VALUES (?)');
  const nameId = (text: string): number => {
    let id = nameIds.get(text);
    if (id === undefined) {
      id = Number(insertName.run(text).lastInsertRowid);
      nameIds.set(text, id);
      names.set(id, text);
    }
    return id;
  };
  const insertEvent = db.prepare(
    'INSERT INTO event (id, icount, seq_in_icount, kind, pid, nr, a0, a1, a2, a3, a4, a5, name, data, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const upsertBlock = db.prepare('INSERT OR REPLACE INTO event_block (branch, block, count, hash) VALUES (?, ?, ?, ?)');
  const setHead = db.prepare('UPDATE branch SET head_hash = ? WHERE id = ?');
  const readV3 = db.prepare<[number, number, number], V3Row>(
    'SELECT seq, icount, seq_in_icount AS sii, kind, pid, payload, hash FROM event_v3 WHERE branch = ? AND seq >= ? ORDER BY seq LIMIT ?',
  );
  const v3HashAt = db.prepare<[number, number], { hash: Buffer }>('SELECT hash FROM event_v3 WHERE branch = ? AND seq = ?');
  const readV4 = db.prepare<[number], EventRowDb>('SELECT seq, icount, seq_in_icount AS sii, kind, pid, nr, a0, a1, a2, a3, a4, a5, name, data, body FROM event WHERE id = ?');
  const blockHash = db.prepare<[number, number], { hash: Buffer; count: number }>('SELECT hash, count FROM event_block WHERE branch = ? AND block = ?');

  /** The branch of `timeline` (or an ancestor) that owns seq. */
  const ownerOf = (timeline: number, seq: number): number => {
    let b = byId.get(timeline);
    while (b !== undefined && b.parent !== null && seq < b.fork_seq) b = byId.get(b.parent);
    if (b === undefined) throw new JournalError('CORRUPT', `branch ${timeline} has a missing ancestor`);
    return b.id;
  };
  const v4RowAt = (timeline: number, seq: number): RawEventRow => {
    const owner = ownerOf(timeline, seq);
    const r = readV4.get(eventRowId(owner as BranchId, seq));
    if (!r) throw new JournalError('CORRUPT', `branch ${timeline} forks after event ${seq}, which its ancestors do not hold`);
    const name = r.name === null ? null : (names.get(r.name) ?? null);
    return { branch: owner as BranchId, seq: r.seq, icount: r.icount, seqInIcount: r.sii, kind: r.kind, pid: r.pid, nr: r.nr, a0: r.a0, a1: r.a1, a2: r.a2, a3: r.a3, a4: r.a4, a5: r.a5, name, data: r.data, body: r.body };
  };

  for (const b of branches) {
    // Where both chains stand at the fork point: schema 3's per-event hash, schema 4's block.
    let prev3: Uint8Array = ZERO_HASH;
    let chain = ChainCursor.at(0, ZERO_HASH, []);
    if (b.parent !== null && b.fork_seq > 0) {
      const h3 = v3HashAt.get(ownerOf(b.parent, b.fork_seq - 1), b.fork_seq - 1);
      if (!h3) throw new JournalError('CORRUPT', `branch ${b.id} forks at seq ${b.fork_seq}, but its parent has no event ${b.fork_seq - 1}`);
      prev3 = h3.hash;
      const block = blockOf(b.fork_seq);
      let prevBlock = ZERO_HASH;
      if (block > 0) {
        const h = blockHash.get(ownerOf(b.parent, block * BLOCK_EVENTS - 1), block - 1);
        if (!h) throw new JournalError('CORRUPT', `branch ${b.parent} has no hash for events ${(block - 1) * BLOCK_EVENTS}..`);
        prevBlock = h.hash;
      }
      const earlier: RawEventRow[] = [];
      for (let s = block * BLOCK_EVENTS; s < b.fork_seq; s++) earlier.push(v4RowAt(b.parent, s));
      chain = ChainCursor.at(b.fork_seq, prevBlock, earlier);
    }
    let expect = b.fork_seq;
    for (;;) {
      const page = readV3.all(b.id, expect, PAGE);
      for (const r of page) {
        if (r.seq !== expect) break; // a gap: the rows after it stay out, and verify reports the lost events
        if (!sameBytes(v3Hash(prev3, r), r.hash)) {
          throw new JournalError('CORRUPT', `event ${r.seq} of branch ${b.id} does not match its schema-3 hash: the file was altered, so it is not converted (xrr verify of the xrr that wrote it names the damage)`);
        }
        prev3 = r.hash;
        const row = rowOf(b.id as BranchId, r.seq, eventOfV3(r, b.id));
        insertEvent.run(eventRowId(b.id as BranchId, row.seq), row.icount, row.seqInIcount, row.kind, row.pid, row.nr, row.a0, row.a1, row.a2, row.a3, row.a4, row.a5, row.name === null ? null : nameId(row.name), row.data, row.body);
        if (chain.add(row)) upsertBlock.run(b.id, chain.block - 1, BLOCK_EVENTS, chain.previousBlockHash);
        expect++;
      }
      if (page.length < PAGE || page[page.length - 1]!.seq !== expect - 1) break;
    }
    if (chain.rowsInBlock > 0 && expect > b.fork_seq) upsertBlock.run(b.id, chain.block, chain.rowsInBlock, chain.current());
    setHead.run(expect === 0 ? null : Buffer.from(chain.current()), b.id);
  }
  db.exec('DROP TABLE event_v3');
  // kindOfCode is the inverse of KIND_CODES: the event_kind rows the SQL wrote must agree with it.
  for (const r of db.prepare<[], { code: number; name: string }>('SELECT code, name FROM event_kind').all()) {
    if (kindOfCode(r.code) !== r.name) throw new JournalError('MIGRATION_FAILED', `event_kind ${r.code} is ${r.name} in the migration but ${String(kindOfCode(r.code))} in this build`);
  }
}
