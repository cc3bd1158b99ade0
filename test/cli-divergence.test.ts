/**
 * One divergence answer from the command line and from the TUI: a recording made by `xrr record`
 * whose file is then changed (one derived row, or one input) is reported by `xrr replay` (exit 3)
 * at the event, and the TUI session's seek over the same file throws the same Divergence.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';
import { DivergenceError, type Divergence } from '../src/timeline/divergence.js';
import { TuiSession } from '../src/tui/session.js';

const dir = mkdtempSync(join(tmpdir(), 'xrr-diverge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'rec.db');

function xrr(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/xrr.mjs', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  const input = join(dir, 'input.txt');
  writeFileSync(input, 'ls /bin\necho second-line\n');
  const r = xrr('record', '--seed', '9', '--epoch', '1767225600', '--input', input, '--out', file);
  expect(r.status, r.stderr).toBe(0);
});

/**
 * A copy of the recording with the first row of `kind` (schema 4's typed columns; on the root
 * branch a row's id is its seq) where `where` holds changed by `set` (an SQL assignment).
 */
function tampered(name: string, kind: number, where: string, set: string, ...values: unknown[]): { copy: string; seq: number } {
  const copy = join(dir, name);
  copyFileSync(file, copy);
  const db = new Database(copy);
  const row = db.prepare(`SELECT id FROM event WHERE id < 1099511627776 AND kind = ? AND ${where} ORDER BY id LIMIT 1`).get(kind) as { id: number };
  db.prepare(`UPDATE event SET ${set} WHERE id = ?`).run(...values, row.id);
  db.close();
  return { copy, seq: row.id };
}

async function tuiDivergence(copy: string): Promise<Divergence> {
  const store = await SqliteJournalStore.open(copy, { readonly: true, create: false });
  try {
    const end = store.events(ROOT_BRANCH, { order: 'desc', limit: 1 })[0]!.icount;
    await new TuiSession(store, copy, 0).machineAtAsync(ROOT_BRANCH, end);
  } catch (e) {
    if (e instanceof DivergenceError) return e.divergence;
    throw e;
  } finally {
    store.close();
  }
  throw new Error('the TUI found no divergence');
}

describe('a divergence, from xrr replay and from the TUI', () => {
  it('a changed derived row', async () => {
    const { copy, seq } = tampered('row.db', 2 /* syscall-return */, 'icount > 30000', 'a0 = 777');
    const cli = xrr('replay', copy);
    expect(cli.status).toBe(3);
    expect(cli.stdout).toContain(`DIVERGENCE at event ${seq}`);
    expect(cli.stdout).toContain('"result":777');
    const d = await tuiDivergence(copy);
    expect(d.seq).toBe(seq);
    expect(d.expected).toMatchObject({ kind: 'syscall-return', result: 777 });
  });

  it('a different input', async () => {
    // "ls /bin\n" becomes "ls /sbin": the machine reads another command and goes another way.
    const { copy, seq } = tampered('input.db', 8 /* console-input */, '1', 'data = ?', Buffer.from('ls /sbin\n'));
    const cli = xrr('replay', copy);
    expect(cli.status).toBe(3);
    const at = Number(/DIVERGENCE at event (\d+)/.exec(cli.stdout)?.[1]);
    expect(at).toBeGreaterThan(seq);
    const d = await tuiDivergence(copy);
    expect(d.seq).toBe(at);
  });
});
