/**
 * Schema migrations: the numbered files in migrations/ (NNNN_name.sql), applied in order, each
 * in its own transaction together with its schema_version row. A file whose version is newer
 * than the newest migration this build ships is refused (NEWER_SCHEMA), never guessed at.
 *
 * A new (empty) file is given what the migrations build in one script instead,
 * migrations/new-file/schema.sql, when that script was built from exactly these migrations:
 * applying them one by one re-reads the growing schema at every statement (20-40 ms of each
 * recording's start, on the writer thread beside the machine) where the script takes 3 ms.
 * `npm run schema` writes it; test/journal-new-file-schema.test.ts holds it to the migrations.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { JournalError } from './errors.js';
import { convertEventsToSchema4 } from './migrate-v4.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /**
   * Work SQL cannot do, run after `sql` in the same transaction (schema 4 re-encodes every event
   * and recomputes the hash chain, which needs sha256 and the event encoding).
   */
  readonly convert?: (db: Database.Database) => void;
}

/** The code steps of the shipped migrations, by version. */
const CONVERSIONS: Readonly<Record<number, (db: Database.Database) => void>> = { 4: convertEventsToSchema4 };

/** 'xrr1' as a big-endian u32: SQLite's application_id, so `file` and we can tell a journal. */
export const APPLICATION_ID = 0x78727231;

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
const NEW_FILE_SCHEMA = fileURLToPath(new URL('../../migrations/new-file/schema.sql', import.meta.url));
const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

let cached: readonly Migration[] | undefined;

export function loadMigrations(dir: string = MIGRATIONS_DIR): readonly Migration[] {
  if (dir === MIGRATIONS_DIR && cached) return cached;
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  } catch (e) {
    throw new JournalError('MIGRATION_FAILED', `cannot read the migrations directory ${dir}`, { cause: e });
  }
  const out: Migration[] = [];
  for (const f of files) {
    const m = FILE.exec(f);
    if (!m) throw new JournalError('MIGRATION_FAILED', `migration file ${f} is not named NNNN_name.sql`);
    const version = Number(m[1]);
    if (version !== out.length + 1) throw new JournalError('MIGRATION_FAILED', `migration ${f} should be number ${out.length + 1}: versions are consecutive from 1`);
    const convert = dir === MIGRATIONS_DIR ? CONVERSIONS[version] : undefined;
    out.push({ version, name: m[2]!, sql: readFileSync(`${dir}/${f}`, 'utf8'), ...(convert ? { convert } : {}) });
  }
  if (out.length === 0) throw new JournalError('MIGRATION_FAILED', `no migrations in ${dir}`);
  if (dir === MIGRATIONS_DIR) cached = out;
  return out;
}

/** What a new-file schema is built from: sha256 of every migration's version, name and SQL. */
export function migrationsStamp(migrations: readonly Migration[]): string {
  const h = createHash('sha256');
  for (const m of migrations) h.update(`${m.version}\0${m.name}\0${m.sql}\0`);
  return h.digest('hex');
}

/** The line of a new-file schema that names the migrations it was built from. */
export function stampLine(migrations: readonly Migration[]): string {
  return `-- built from ${migrations.length} migrations, sha256 ${migrationsStamp(migrations)}`;
}

/** newFileSchema's answers for the shipped script, by list of migrations (a process creates many new files). */
const newFileSchemas = new WeakMap<readonly Migration[], string | null>();

/** migrations/new-file/schema.sql when it was built from `migrations`, else null (then they are applied one by one). */
export function newFileSchema(migrations: readonly Migration[], path: string = NEW_FILE_SCHEMA): string | null {
  const known = path === NEW_FILE_SCHEMA ? newFileSchemas.get(migrations) : undefined;
  if (known !== undefined) return known;
  let text: string | null;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    text = null;
  }
  const script = text !== null && text.split('\n').includes(stampLine(migrations)) ? text : null;
  if (path === NEW_FILE_SCHEMA) newFileSchemas.set(migrations, script);
  return script;
}

export function latestSchemaVersion(migrations: readonly Migration[] = loadMigrations()): number {
  return migrations[migrations.length - 1]!.version;
}

function tableNames(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((r) => r.name);
}

/** The schema version of an opened database: 0 for an empty one; throws NOT_A_JOURNAL for others. */
export function currentSchemaVersion(db: Database.Database): number {
  const tables = tableNames(db);
  const appId = db.pragma('application_id', { simple: true }) as number;
  if (tables.length === 0 && (appId === 0 || appId === APPLICATION_ID)) return 0;
  if (!tables.includes('schema_version') || (appId !== APPLICATION_ID && appId !== 0)) {
    throw new JournalError('NOT_A_JOURNAL', `not an xrr journal (tables: ${tables.slice(0, 8).join(', ') || 'none'}; application id 0x${appId.toString(16)})`);
  }
  const row = db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Brings the database to the latest schema. Returns the version it is at afterwards.
 * readonly: only checks (an older schema is an error, since it cannot be migrated in place).
 */
export function migrate(
  db: Database.Database,
  /** steps: apply the migrations one by one even to a new file (what the new-file schema is built from). */
  opts: { readonly readonly?: boolean; readonly migrations?: readonly Migration[]; readonly label?: string; readonly steps?: boolean } = {},
): number {
  const migrations = opts.migrations ?? loadMigrations();
  const latest = latestSchemaVersion(migrations);
  const label = opts.label ?? 'the journal';
  const current = currentSchemaVersion(db);
  if (current > latest) {
    throw new JournalError(
      'NEWER_SCHEMA',
      `${label} has schema version ${current}, but this xrr knows versions up to ${latest}: it was written by a newer xrr; upgrade xrr to open it`,
    );
  }
  if (current === latest) return current;
  if (opts.readonly && current === 0) throw new JournalError('NOT_A_JOURNAL', `${label} is empty: no journal has been written to it yet`);
  if (opts.readonly) {
    throw new JournalError('OLD_SCHEMA_READONLY', `${label} has schema version ${current} and needs migrating to ${latest}, which a read-only open cannot do; open it writable once`);
  }
  if (current === 0) {
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  }
  const record = db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)');
  const script = current === 0 && opts.steps !== true ? newFileSchema(migrations) : null;
  if (script !== null) {
    try {
      db.transaction(() => {
        db.exec(script);
        const now = new Date().toISOString();
        for (const m of migrations) record.run(m.version, m.name, now);
      })();
    } catch (e) {
      throw new JournalError('MIGRATION_FAILED', `the new-file schema (migrations/new-file/schema.sql) failed on ${label}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    return latest;
  }
  // A new file: ALTER TABLE ... RENAME otherwise re-parses and rewrites every view at each rename
  // (migration 8 renames three tables back to their old names over a schema of views), 60-300 ms
  // of every recording's start. Legacy renames leave views alone, which gives the same schema
  // here (test/journal-migration.test.ts compares the two); a file with rows migrates as before.
  const fresh = current === 0;
  if (fresh) db.pragma('legacy_alter_table = ON');
  try {
    applyMigrations(db, migrations, current, record, label);
  } finally {
    if (fresh) db.pragma('legacy_alter_table = OFF');
  }
  return latest;
}

function applyMigrations(db: Database.Database, migrations: readonly Migration[], current: number, record: Database.Statement, label: string): void {
  for (const m of migrations) {
    if (m.version <= current) continue;
    try {
      db.transaction(() => {
        db.exec(m.sql);
        m.convert?.(db);
        record.run(m.version, m.name, new Date().toISOString());
      })();
    } catch (e) {
      throw new JournalError('MIGRATION_FAILED', `migration ${m.version} (${m.name}) failed on ${label}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
}
