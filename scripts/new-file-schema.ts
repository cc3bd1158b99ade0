/**
 * Writes migrations/new-file/schema.sql: what the migrations build on an empty file (every
 * table, index, view and trigger, in the order SQLite keeps them, and the rows the migrations
 * insert), as one script that a new journal file is created from (src/journal/migrations.ts).
 * Run it after adding a migration: `npm run schema`. test/journal-new-file-schema.test.ts fails
 * until the script is rewritten, and until then new files are migrated step by step.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { loadMigrations, migrate, stampLine } from '../src/journal/migrations.js';

/** Tables migrate() makes itself, and SQLite's own. */
const LEFT_OUT = (name: string): boolean => name === 'schema_version' || name.startsWith('sqlite_');

export function newFileSchemaText(): string {
  const migrations = loadMigrations();
  const db = new Database(':memory:');
  try {
    migrate(db, { steps: true });
    const objects = db.prepare('SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY rowid').all() as { type: string; name: string; sql: string }[];
    const lines = [
      '-- The schema of a new xrr journal file: what the migrations in migrations/ build on an empty file,',
      '-- as one script. Written by `npm run schema` (scripts/new-file-schema.ts); do not edit by hand.',
      '-- A new file is created from it only when the line below names the migrations of the xrr that opens it.',
      stampLine(migrations),
      '',
    ];
    for (const o of objects) if (!LEFT_OUT(o.name) && !(o.type !== 'table' && LEFT_OUT(tableOf(db, o.name)))) lines.push(`${o.sql};`, '');
    for (const o of objects) {
      if (o.type !== 'table' || LEFT_OUT(o.name)) continue;
      const columns = (db.prepare(`SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid`).all(o.name) as { name: string }[]).map((c) => c.name);
      const quoted = columns.map((c) => `quote("${c}")`).join(` || ',' || `);
      const rows = db.prepare(`SELECT ${quoted} AS v FROM "${o.name}"`).all() as { v: string }[];
      for (const r of rows) lines.push(`INSERT INTO "${o.name}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${r.v});`);
    }
    return lines.join('\n').trimEnd() + '\n';
  } finally {
    db.close();
  }
}

function tableOf(db: Database.Database, name: string): string {
  return (db.prepare('SELECT tbl_name FROM sqlite_schema WHERE name = ?').get(name) as { tbl_name: string }).tbl_name;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = fileURLToPath(new URL('../migrations/new-file/schema.sql', import.meta.url));
  writeFileSync(out, newFileSchemaText());
  console.log(`wrote ${out}`);
}
