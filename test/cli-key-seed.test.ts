/**
 * `--key-seed` through the real command: two recordings of the same program with the same inputs,
 * seed, epoch and key seed are the same event stream byte for byte and the same hash chain; another
 * key seed changes the sealed IPC and nothing else; a fork takes the recording's key seed (or, for
 * a copy shared without it, the one given) and refuses another.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'xrr-keyseed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function xrr(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/xrr.mjs', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const KEY = '5a'.repeat(32);
const OTHER = 'c3'.repeat(32);
const PROGRAM = ['/bin/sh', '-c', 'echo reproducible; ls /bin | cat'];

function record(out: string, keySeed: string): void {
  const r = xrr('record', '--seed', '42', '--epoch', '1767225600', '--key-seed', keySeed, '--out', out, ...PROGRAM);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toContain('reproducible');
}

interface Row {
  seq: number;
  icount: number;
  kind: string;
  payload: string;
}

/** The events as the v_event view spells them, the hash chain's blocks and the branch head. */
function rows(file: string): { events: Row[]; blocks: string[]; head: string } {
  const db = new Database(file, { readonly: true });
  const events = db.prepare('SELECT seq, icount, kind, payload FROM v_event WHERE branch = 1 ORDER BY seq').all() as Row[];
  const blocks = (db.prepare('SELECT block, count, hex(hash) AS h FROM event_block WHERE branch = 1 ORDER BY block').all() as { block: number; count: number; h: string }[]).map((b) => `${b.block} ${b.count} ${b.h}`);
  const head = (db.prepare('SELECT hex(head_hash) AS h FROM branch WHERE id = 1').get() as { h: string }).h;
  db.close();
  return { events, blocks, head };
}

// Each test records and forks through the CLI: up to 15 s beside the suite under load.
describe('--key-seed', { timeout: 120_000 }, () => {
  const a = join(dir, 'a.db');
  const b = join(dir, 'b.db');
  const c = join(dir, 'c.db');

  it('makes two recordings of the same run byte-identical event streams with equal hash chains', () => {
    record(a, KEY);
    record(b, KEY);
    const ra = rows(a);
    const rb = rows(b);
    expect(ra.events.length).toBeGreaterThan(500);
    expect(ra.events.some((e) => e.kind === 'ipc' && e.payload.includes('wireHex'))).toBe(true);
    expect(rb.events).toEqual(ra.events);
    expect(ra.blocks.length).toBeGreaterThan(1);
    expect(rb.blocks).toEqual(ra.blocks);
    expect(rb.head).toBe(ra.head);
  });

  it('another key seed changes the sealed messages, and only them', () => {
    record(c, OTHER);
    const ra = rows(a).events;
    const rc = rows(c).events;
    expect(rc.map((e) => `${e.seq} ${e.icount} ${e.kind}`)).toEqual(ra.map((e) => `${e.seq} ${e.icount} ${e.kind}`));
    const differ = rc.filter((e, i) => e.payload !== ra[i]!.payload);
    expect(differ.length).toBeGreaterThan(0);
    expect(new Set(differ.map((e) => e.kind))).toEqual(new Set(['ipc']));
  });

  it('is 64 hex digits', () => {
    const r = xrr('record', '--key-seed', 'not-hex', '--out', join(dir, 'x.db'), '/bin/true');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--key-seed: expected 64 hex digits');
  });

  it('a fork takes the recording key seed; a copy shared without it forks with the one given', () => {
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '');
    const at = String(Math.floor(rows(a).events.at(-1)!.icount / 2));
    expect(xrr('fork', a, '--at', at, '--key-seed', OTHER, '--input', empty).stderr).toContain('not the one this recording holds');
    const shared = join(dir, 'shared.db');
    expect(xrr('share', a, '--out', shared).status).toBe(0);
    expect(xrr('fork', shared, '--at', at, '--input', empty).stderr).toContain('shared without its channel keys');
    const fork = xrr('fork', shared, '--at', at, '--key-seed', KEY, '--input', empty, '--label', 'from the copy');
    expect(fork.status, fork.stderr).toBe(0);
    expect(fork.stderr).toMatch(/branch 2 forked at icount \d+/);
  });
});
