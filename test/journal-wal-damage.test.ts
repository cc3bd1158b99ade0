/**
 * A flipped byte in a recording's WAL makes SQLite stop reading the WAL there and silently drop
 * every commit after it: the file then reads as an intact, shorter recording (a soak run found
 * one that verified "ok" with 0 of its events). verify reads the WAL itself and says so; an
 * undamaged WAL, a recording still being written and a torn last write are not called damaged.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walDamage } from '../src/journal/wal-check.js';
import { exited, until, xrr } from './support/xrr-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'xrr-wal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const killed = join(dir, 'killed.db');
/** A WAL frame's size: its 24-byte header and a page, whose size the WAL header holds (new files have 4 KiB pages, older ones 64 KiB). */
const frameOf = (wal: Buffer): number => 24 + wal.readUInt32BE(8);

function snapshots(file: string): number {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM snapshot').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

/** A copy of the killed recording with `edit` applied to its WAL bytes. */
function walEdited(name: string, edit: (wal: Buffer) => Buffer): string {
  const file = join(dir, `${name}.db`);
  copyFileSync(killed, file);
  writeFileSync(`${file}-wal`, edit(readFileSync(`${killed}-wal`)));
  return file;
}

beforeAll(async () => {
  const child = spawn(process.execPath, ['bin/xrr.mjs', 'record', '--seed', '5', '--out', killed, '/bin/vfsstress', '8', '4000'], { stdio: 'ignore' });
  // Killed with its commits still in the WAL (bounded polling, no fixed sleep).
  await until('two snapshots committed', () => snapshots(killed) >= 2, 6000);
  child.kill('SIGKILL');
  await exited(child);
}, 600_000);

describe('a damaged WAL', () => {
  it('the killed recording itself verifies: its WAL is not called damaged', () => {
    expect(walDamage(killed)).toBeUndefined();
    const r = xrr('verify', killed);
    expect(r.status, r.stdout).toBe(0);
  }, 300_000);

  it('a flipped byte in an early frame: verify fails, naming the frame, and changes nothing', () => {
    const file = walEdited('flipped', (wal) => {
      const FRAME = frameOf(wal);
      expect(wal.length).toBeGreaterThan(32 + 6 * FRAME);
      const at = 32 + 2 * FRAME + 24 + 100;
      wal[at] = wal[at]! ^ 0x04;
      return wal;
    });
    const before = readFileSync(`${file}-wal`);
    const r = xrr('verify', file);
    expect(r.status, r.stdout).toBe(3);
    expect(r.stdout).toMatch(/frame 2 of \d+ .* is damaged/);
    expect(r.stdout).toContain('FAILED');
    expect(readFileSync(`${file}-wal`).equals(before)).toBe(true);
  }, 300_000);

  it('a flipped byte in the WAL header or in the last frame: verify fails', () => {
    const header = walEdited('header', (wal) => ((wal[17] = wal[17]! ^ 0x01), wal));
    expect(xrr('verify', header).stdout).toMatch(/header is damaged/);
    const last = walEdited('last', (wal) => {
      const FRAME = frameOf(wal);
      const frames = Math.floor((wal.length - 32) / FRAME);
      const at = 32 + (frames - 1) * FRAME + 24 + 7;
      wal[at] = wal[at]! ^ 0x80;
      return wal.subarray(0, 32 + frames * FRAME);
    });
    expect(xrr('verify', last).status).toBe(3);
  }, 300_000);

  it('a torn last write (a partial frame, or a frame header without its data) is not damage', () => {
    const partial = walEdited('partial', (wal) => Buffer.concat([wal, Buffer.alloc(frameOf(wal) / 2, 1)]));
    expect(walDamage(partial)).toBeUndefined();
    const torn = walEdited('torn', (wal) => {
      const FRAME = frameOf(wal);
      const frames = Math.floor((wal.length - 32) / FRAME);
      return wal.subarray(0, 32 + (frames - 1) * FRAME + 24 + (FRAME - 24) / 2);
    });
    expect(walDamage(torn)).toBeUndefined();
    expect(xrr('verify', torn).status).toBe(0);
  }, 300_000);
});
