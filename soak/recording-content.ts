/**
 * Facts about a recording read from outside with SQLite (never through xrr, whose own reading is
 * what the soak tests): its branches, snapshot and input positions, and a digest of everything
 * it holds, to tell whether a damaged copy still holds what the original did.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

function readOnly<T>(file: string, read: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** The icounts of the snapshots of branch 1 and of its console inputs, and its end. */
export function positions(file: string): { snapshots: number[]; inputs: number[]; end: number } {
  return readOnly(file, (db) => ({
    snapshots: (db.prepare('SELECT icount FROM snapshot WHERE branch = 1 ORDER BY id').all() as { icount: number }[]).map((r) => r.icount),
    inputs: (
      db.prepare("SELECT icount FROM event WHERE kind = (SELECT code FROM event_kind WHERE name = 'console-input') AND id < 1099511627776 ORDER BY id").all() as { icount: number }[]
    ).map((r) => r.icount),
    end: (db.prepare('SELECT max(icount) AS m FROM event WHERE id < 1099511627776').get() as { m: number }).m,
  }));
}

/** How many rows of `table` ('event', 'snapshot') the file has committed so far (0 before it has a schema). */
export function committedRows(file: string, table: 'event' | 'snapshot'): number {
  try {
    return readOnly(file, (db) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n);
  } catch {
    return 0;
  }
}

/** The highest branch id of a recording, or 0 when it has none (or cannot be read). */
export function lastBranch(file: string): number {
  try {
    return readOnly(file, (db) => (db.prepare('SELECT max(id) AS m FROM branch').get() as { m: number | null }).m ?? 0);
  } catch {
    return 0;
  }
}

function cell(v: unknown): string {
  if (v === null) return 'N';
  if (Buffer.isBuffer(v)) return `x${v.toString('hex')}`;
  return `${typeof v}:${String(v)}`;
}

/**
 * A SHA-256 of every row of every table as SQLite reads the database (with its WAL, if given),
 * read from a copy so that opening it cannot change the files; or the error that reading gave.
 */
export function contentDigest(db: string, wal: string | undefined, scratch: string): string {
  const dir = mkdtempSync(join(scratch, 'digest-'));
  try {
    const copy = join(dir, 'copy.db');
    copyFileSync(db, copy);
    if (wal !== undefined && existsSync(wal)) copyFileSync(wal, `${copy}-wal`);
    return readOnly(copy, (d) => {
      const h = createHash('sha256');
      const tables = (d.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
      for (const t of tables) {
        h.update(`table ${t}\n`);
        const rows = (d.prepare(`SELECT * FROM "${t.replaceAll('"', '""')}"`).raw(true).all() as unknown[][]).map((r) => r.map(cell).join('|'));
        rows.sort();
        for (const r of rows) h.update(`${r}\n`);
      }
      return h.digest('hex');
    });
  } catch (e) {
    return `unreadable: ${(e as Error).message}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
