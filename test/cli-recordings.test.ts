/**
 * Recordings pile up: `xrr ls` shows their sizes and ages, `xrr rm` removes the ones named (only
 * recordings), `xrr prune --older-than` the old ones (never a shipped sample), and `--dry-run`
 * removes nothing.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { recordedNote } from '../src/cli/recorded-note.js';
import { humanAge, humanSize, parseDuration, sizeOnDisk } from '../src/cli/recording-files.js';

const SAMPLE = 'recordings/sample-diff-ls.db';
const root = mkdtempSync(join(tmpdir(), 'xrr-recordings-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function xrr(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/xrr.mjs', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const DAY = 86_400;
let dir = '';
let n = 0;
/** A directory with: an old recording (10 days), a new one, an old shipped sample, an old *.db that is no recording. */
beforeEach(() => {
  dir = join(root, `d${n++}`);
  spawnSync('mkdir', ['-p', dir]);
  const old = Date.now() / 1000 - 10 * DAY;
  for (const [name, age] of [['old.db', old], ['new.db', Date.now() / 1000], ['sample-kept.db', old]] as const) {
    copyFileSync(SAMPLE, join(dir, name));
    utimesSync(join(dir, name), age, age);
  }
  writeFileSync(join(dir, 'notes.db'), 'not a database at all, just text\n');
  utimesSync(join(dir, 'notes.db'), old, old);
});

describe('xrr ls', () => {
  it('lists each file with its size, age, events and branches, and the total', () => {
    const r = xrr(['ls', dir]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^FILE +SIZE +AGE +EVENTS +BRANCHES +COMMAND/m);
    expect(r.stdout).toMatch(/^old\.db +\d+\.\d [KM]iB +10d +\d+ +1 +record/m);
    expect(r.stdout).toMatch(/^new\.db +\d+\.\d [KM]iB +\d+s /m);
    expect(r.stdout).toMatch(/^notes\.db .*not a recording xrr can open/m);
    expect(r.stdout).toMatch(/4 files, \d+\.\d [KM]iB/);
  });
});

describe('xrr rm', () => {
  it('removes the recordings named, a sample too when named, and refuses what is not a recording', () => {
    const r = xrr(['rm', join(dir, 'old.db'), join(dir, 'sample-kept.db'), join(dir, 'notes.db')]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`removed ${join(dir, 'old.db')}`);
    expect(r.stderr).toContain('notes.db: not a recording xrr can open, left alone');
    expect(existsSync(join(dir, 'old.db'))).toBe(false);
    expect(existsSync(join(dir, 'sample-kept.db'))).toBe(false);
    expect(existsSync(join(dir, 'notes.db'))).toBe(true);
    expect(existsSync(join(dir, 'new.db'))).toBe(true);
  });

  it('--dry-run removes nothing', () => {
    const r = xrr(['rm', '--dry-run', join(dir, 'old.db')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('would remove');
    expect(existsSync(join(dir, 'old.db'))).toBe(true);
  });
});

describe('xrr prune', () => {
  it('removes the recordings older than the duration, never a sample nor a file that is no recording', () => {
    const dry = xrr(['prune', '--older-than', '7d', '--dry-run', dir]);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain('would remove 1 recording');
    expect(existsSync(join(dir, 'old.db'))).toBe(true);
    const r = xrr(['prune', '--older-than', '7d', dir]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/removed .*old\.db \(\d+\.\d [KM]iB, 10d old\)/);
    expect(existsSync(join(dir, 'old.db'))).toBe(false);
    for (const kept of ['new.db', 'sample-kept.db', 'notes.db']) expect(existsSync(join(dir, kept)), kept).toBe(true);
    expect(xrr(['prune', '--older-than', '11d', dir]).stdout).toContain('removed 0 recordings');
  });

  it('needs a duration it can read', () => {
    expect(xrr(['prune', dir]).status).toBe(2);
    const bad = xrr(['prune', '--older-than', 'a week', dir]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('a duration like 30s, 15m, 12h, 7d or 2w');
  });
});

describe('sizes, ages and durations for people', () => {
  it('reads and writes them', () => {
    expect(parseDuration('1d12h', '--x')).toBe(36 * 3_600_000);
    expect(parseDuration('2w', '--x')).toBe(14 * 86_400_000);
    expect(() => parseDuration('7', '--x')).toThrow(/duration/);
    expect(() => parseDuration('7dd', '--x')).toThrow(/duration/);
    expect(humanSize(1536)).toBe('1.5 KiB');
    expect(humanSize(50 * 1024 * 1024)).toBe('50.0 MiB');
    expect(humanAge(90_000)).toBe('1m');
    expect(humanAge(3 * 86_400_000)).toBe('3d');
  });
});

describe('what a live session says when it quits (npm start)', () => {
  it('names the file, its size on disk with its WAL, and how to remove recordings', () => {
    const file = join(dir, 'new.db');
    writeFileSync(`${file}-wal`, new Uint8Array(2048));
    const note = recordedNote(file, 1, 12345);
    expect(sizeOnDisk(file)).toBeGreaterThan(2048);
    expect(note).toContain(`recorded 1 event, 12345 instructions into ${file} (${humanSize(sizeOnDisk(file))})`);
    expect(note).toContain(`xrr tui ${file}`);
    expect(note).toMatch(/xrr rm FILE and xrr prune --older-than 7d/);
  });
});
