/**
 * Commands that read never write: verify, info, events, state, replay and ls leave a recording
 * whose WAL has a flipped byte exactly as it was (its database and its WAL, byte for byte), where
 * an older build "migrated" the schema it recovered and cut the WAL. fork and record refuse
 * another application's file and an empty file without changing them, and a fork whose --input
 * is missing leaves no branch behind.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { xrr } from './support/xrr-cli.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/schema3-recording.db', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'xrr-readonly-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function digest(file: string): string {
  return existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : 'absent';
}

describe('read-only commands on a damaged recording', () => {
  it('leave a file with a flipped byte in its WAL as it was', async () => {
    const file = join(dir, 'wal.db');
    const child = spawn(process.execPath, ['bin/xrr.mjs', 'record', '--seed', '4', '--out', file, '/bin/vfsstress', '8', '4000'], { stdio: 'ignore' });
    // Killed once its WAL holds a MiB of commits (bounded polling, no fixed sleep); the writer copies
    // the log into the file whenever it is idle (writer-worker.ts), so the log stays a few MiB at most.
    for (let i = 0; i < 2400 && !(existsSync(`${file}-wal`) && statSync(`${file}-wal`).size > 1 << 20); i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const wal = `${file}-wal`;
    expect(statSync(wal).size).toBeGreaterThan(1 << 20);
    const bytes = readFileSync(wal);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = bytes[at]! ^ 0x40;
    writeFileSync(wal, bytes);
    const before = [digest(file), digest(wal)];
    for (const args of [['verify', file], ['info', file], ['events', file, '--limit', '5'], ['state', file, '--at', '0'], ['replay', file], ['ls', dir]]) {
      xrr(...args);
      expect([digest(file), digest(wal)], `xrr ${args[0]} changed the file`).toEqual(before);
    }
  }, 300_000);
});

describe('read-only commands on an older recording', () => {
  it('leave a schema-3 file whose WAL has a flipped byte as it was (no upgrade in place)', () => {
    const live = join(dir, 'old-live.db');
    copyFileSync(FIXTURE, live);
    // A WAL with commits in it: copied while the connection that wrote them is still open.
    const db = new Database(live);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    const mark = db.prepare('INSERT INTO bookmark (branch, name, icount, note) VALUES (1, ?, ?, ?)');
    for (let i = 0; i < 200; i++) mark.run(`m${i}`, i, 'x'.repeat(500));
    const file = join(dir, 'old.db');
    copyFileSync(live, file);
    copyFileSync(`${live}-wal`, `${file}-wal`);
    db.close();
    const wal = `${file}-wal`;
    const bytes = readFileSync(wal);
    const at = bytes.length - 2000;
    bytes[at] = bytes[at]! ^ 0x40;
    writeFileSync(wal, bytes);
    const before = [digest(file), digest(wal)];
    for (const args of [['verify', file], ['info', file], ['events', file, '--limit', '5']]) {
      const r = xrr(...args);
      expect(r.stderr).toContain('upgraded in memory');
      expect([digest(file), digest(wal)], `xrr ${args[0]} changed the file`).toEqual(before);
    }
  }, 300_000);
});

describe('fork and record on files that are not recordings', () => {
  it('refuse another application\'s database and an empty file, changing nothing', () => {
    const foreign = join(dir, 'foreign.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES (\'mine\')');
    db.close();
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    for (const file of [foreign, empty]) {
      const before = digest(file);
      const fork = xrr('fork', file, '--at', '0');
      expect(fork.status, fork.stderr).toBe(1);
      expect(fork.stderr).toMatch(/not an xrr journal|is empty/);
      expect(digest(file), `fork changed ${file}`).toBe(before);
      expect(existsSync(`${file}-wal`)).toBe(false);
    }
    const rec = xrr('record', '--out', foreign, '/bin/true');
    expect(rec.status).toBe(2);
    expect(rec.stderr).toContain('exists');
    const check = new Database(foreign, { readonly: true });
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete');
    check.close();
  });

  it('a fork whose --input is missing leaves no branch behind', () => {
    const file = join(dir, 'forkme.db');
    expect(xrr('record', '--seed', '2', '--out', file, '/bin/true').status).toBe(0);
    const r = xrr('fork', file, '--at', '1000', '--input', join(dir, 'missing.txt'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no such file');
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM branch').get()).toEqual({ n: 1 });
    db.close();
  });
});
