/**
 * A new journal file is migrated with legacy ALTER TABLE renames (migrations.ts: the modern ones
 * rewrite every view at each rename, most of a recording's start-up). This holds only while the
 * result is the very schema the modern renames give: every table, index and view, their SQL, and
 * the rows the migrations insert. A migration added later that a legacy rename would leave
 * different (a view naming a renamed table by its old name) fails here.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { latestSchemaVersion, loadMigrations, migrate } from '../src/journal/migrations.js';

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
    const a = contents(fast);
    expect(a).toContain('"v_event"');
    expect(a).toBe(contents(modern));
    fast.close();
    modern.close();
  });
});
