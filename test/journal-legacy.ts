/**
 * Journals as an older xrr wrote them (schema 1 to 3: canonical JSON payloads and a sha256 per
 * event), for the migration tests. Built with the shipped migrations up to that version and the
 * schema-3 row format, independently of today's store.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import type { MachineEvent } from '../src/core/events.js';
import { payloadOf, pidOf, type NewRecording } from '../src/journal/index.js';
import { loadMigrations, migrate } from '../src/journal/migrations.js';

export interface LegacyBranch {
  readonly parent: number;
  readonly forkIcount: number;
  readonly forkSeq: number;
  readonly events: readonly MachineEvent[];
}

/** schema 3's chain link: sha256(prev || seq TAB icount TAB seq_in_icount TAB kind TAB pid TAB payload). */
export function legacyRowHash(prev: Uint8Array, seq: number, e: MachineEvent, payload = payloadOf(e)): Buffer {
  return createHash('sha256').update(prev).update(`${seq}\t${e.icount}\t${e.seq}\t${e.kind}\t${pidOf(e) ?? ''}\t${payload}`).digest();
}

/**
 * Creates `path` at schema `version` (1..3) holding the recording, branch 1 with `events`, and
 * the given forks (branch 2, 3, ...). Returns the open database for the caller to add to or close.
 */
export function writeLegacyJournal(path: string, version: number, meta: NewRecording, events: readonly MachineEvent[], forks: readonly LegacyBranch[] = []): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  migrate(db, { migrations: loadMigrations().slice(0, version) });
  db.prepare('INSERT INTO recording (id, machine_version, image_hash, seed_hex, boot_epoch_ns, command_line, created_at, xrr_version) VALUES (1, ?, ?, ?, ?, ?, ?, ?)').run(
    meta.machineVersion,
    meta.imageHash,
    meta.seedHex,
    meta.bootEpochNs,
    JSON.stringify(meta.commandLine),
    meta.createdAt ?? '2026-01-01T00:00:00.000Z',
    meta.xrrVersion,
  );
  const insert = db.prepare('INSERT INTO event (branch, seq, icount, seq_in_icount, kind, pid, payload, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  /** Per branch: the hash of each of its timeline's events, by seq. */
  const chains = new Map<number, Buffer[]>();
  const write = (branch: number, firstSeq: number, prevChain: readonly Buffer[], evs: readonly MachineEvent[]): void => {
    const chain = prevChain.slice(0, firstSeq);
    let prev: Uint8Array = chain[firstSeq - 1] ?? new Uint8Array(32);
    evs.forEach((e, i) => {
      const seq = firstSeq + i;
      const payload = payloadOf(e);
      const h = legacyRowHash(prev, seq, e, payload);
      insert.run(branch, seq, e.icount, e.seq, e.kind, pidOf(e), payload, h);
      chain.push(h);
      prev = h;
    });
    chains.set(branch, chain);
    const last = chain[chain.length - 1] ?? null;
    db.prepare('UPDATE branch SET head_seq = ?, head_hash = ? WHERE id = ?').run(chain.length, last, branch);
  };
  db.prepare("INSERT INTO branch (id, parent, fork_icount, fork_seq, created_at, label, head_seq, head_hash) VALUES (1, NULL, 0, 0, '2026-01-01T00:00:00.000Z', 'main', 0, NULL)").run();
  write(1, 0, [], events);
  forks.forEach((f, i) => {
    const id = i + 2;
    db.prepare("INSERT INTO branch (id, parent, fork_icount, fork_seq, created_at, label, head_seq, head_hash) VALUES (?, ?, ?, ?, '2026-01-01T00:00:00.000Z', '', 0, NULL)").run(id, f.parent, f.forkIcount, f.forkSeq);
    write(id, f.forkSeq, chains.get(f.parent) ?? [], f.events);
  });
  return db;
}
