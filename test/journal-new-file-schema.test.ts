/**
 * A new journal file is created from migrations/new-file/schema.sql, the migrations' result as one
 * script (migrations.ts), and migrated step by step with legacy ALTER TABLE renames when that
 * script is not current (the modern renames rewrite every view at each rename). Both hold only
 * while the result is the very schema the migrations give with modern renames: every table, index
 * and view, their SQL, and the rows the migrations insert. A migration added without rewriting the
 * script (`npm run schema`), or one that a legacy rename would leave different (a view naming a
 * renamed table by its old name), fails here.
 */
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { latestSchemaVersion, loadMigrations, migrate, newFileSchema } from '../src/journal/migrations.js';
import { newFileSchemaText } from '../scripts/new-file-schema.js';

/** Every schema object and every row of every table, as text. */
function contents(db: Database.Database): string {
  const objects = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_stat%' ORDER BY type, name").all();
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
  // applied_at is the host's time of each migration: compare the rest.
  const rows = tables.map(({ name }) => [name, db.prepare(name === 'schema_version' ? 'SELECT version, name FROM schema_version ORDER BY version' : `SELECT * FROM "${name}"`).all()]);
  return JSON.stringify({ objects, rows });
}

describe('a new journal file', () => {
  it('gets the schema that each migration applied with modern renames gives', () => {
    const fast = new Database(':memory:');
    expect(migrate(fast)).toBe(latestSchemaVersion());
    // The renames are legacy only while migrating: the connection is left as it was.
    expect(fast.pragma('legacy_alter_table', { simple: true })).toBe(0);

    const modern = new Database(':memory:');
    expect(modern.pragma('legacy_alter_table', { simple: true })).toBe(0);
    modern.exec('CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const record = modern.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of loadMigrations()) {
      modern.transaction(() => {
        modern.exec(m.sql);
        m.convert?.(modern);
        record.run(m.version, m.name, 'now');
      })();
    }
    const steps = new Database(':memory:');
    expect(migrate(steps, { steps: true })).toBe(latestSchemaVersion());
    const a = contents(fast);
    expect(a).toContain('"v_event"');
    expect(a).toBe(contents(modern));
    expect(contents(steps)).toBe(a);
    fast.close();
    modern.close();
    steps.close();
  });

  it('is made from the committed script, which is what the migrations build (after a new migration: npm run schema)', () => {
    const committed = readFileSync(new URL('../migrations/new-file/schema.sql', import.meta.url), 'utf8');
    expect(committed, 'migrations/new-file/schema.sql is not what the migrations build: run npm run schema').toBe(newFileSchemaText());
    expect(newFileSchema(loadMigrations())).toBe(committed);
  });

  it('is migrated step by step when the script was built from other migrations', () => {
    const fewer = loadMigrations().slice(0, 10);
    expect(newFileSchema(fewer)).toBeNull();
    const db = new Database(':memory:');
    expect(migrate(db, { migrations: fewer })).toBe(10);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'debug_file'").get()).toEqual({ n: 0 });
    expect(migrate(db)).toBe(latestSchemaVersion());
    db.close();
  });
});
