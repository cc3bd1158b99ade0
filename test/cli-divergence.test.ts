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
import { KIND_CODES } from '../src/journal/event-row.js';
import { ROOT_BRANCH, type JournalSeq } from '../src/journal/ids.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';
import { isJournalError } from '../src/journal/errors.js';
import { DivergenceError } from '../src/timeline/divergence.js';
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
 * A copy of the recording with the first row of kind `kind` (and `where`) changed by the SQL
 * `set` (schema 4's typed columns: a syscall's result is a0, console bytes are data).
 */
function tampered(name: string, kind: keyof typeof KIND_CODES, where: string, set: string, ...params: unknown[]): { copy: string; seq: number } {
  const copy = join(dir, name);
  copyFileSync(file, copy);
  const db = new Database(copy);
  const row = db.prepare(`SELECT seq FROM event WHERE branch = 1 AND kind = ? AND ${where} ORDER BY seq LIMIT 1`).get(KIND_CODES[kind]) as { seq: number };
  db.prepare(`UPDATE event SET ${set} WHERE branch = 1 AND seq = ?`).run(...params, row.seq);
  db.close();
  return { copy, seq: row.seq };
}

/**
 * What the TUI's session says when it seeks just past the altered row: the error it refuses with.
 * (A seek checks the rows it replays; the end, restored from its own snapshot, replays none.)
 */
async function tuiRefusal(copy: string, seq: number): Promise<Error> {
  const store = await SqliteJournalStore.open(copy, { readonly: true, create: false });
  try {
    const at = store.eventAt(ROOT_BRANCH, seq as JournalSeq)!.icount + 1;
    await new TuiSession(store, copy, 0).machineAtAsync(ROOT_BRANCH, at);
  } catch (e) {
    return e as Error;
  } finally {
    store.close();
  }
  throw new Error('the TUI replayed an altered recording');
}

/**
 * The recording is sealed (a keyed hash chain over blocks of 256 events): an altered row is
 * found by the chain before the machine re-executes it, so `xrr replay` and the TUI both refuse
 * the recording, naming the same block, instead of reporting a divergence the edit made up. (A
 * divergence of the machine itself, the same answer from replay, the Replayer and the TUI, is
 * test/timeline-replayer.test.ts's.)
 */
describe('an altered recording, from xrr replay and from the TUI', () => {
  for (const [name, kind, where, set, params] of [
    ['a changed derived row', 'syscall-return', 'icount > 30000', 'a0 = 777', []],
    ['a different input', 'console-input', '1', 'data = ?', [Buffer.from('ls /sbin\n')]],
  ] as const) {
    it(name, async () => {
      const { copy, seq } = tampered(`${kind}.db`, kind, where, set, ...params);
      const block = Math.floor(seq / 256);
      const cli = xrr('replay', copy);
      expect(cli.status).toBe(3);
      expect(cli.stdout).toContain(`NOT REPLAYED: branch 1: events ${block * 256}..`);
      expect(cli.stdout).toContain(`do not match block ${block} of the hash chain (altered)`);
      const tui = await tuiRefusal(copy, seq);
      expect(isJournalError(tui, 'CORRUPT')).toBe(true);
      expect(tui.message).toContain(`do not match block ${block} of the hash chain (altered)`);
      expect(tui).not.toBeInstanceOf(DivergenceError);
    });
  }
});
