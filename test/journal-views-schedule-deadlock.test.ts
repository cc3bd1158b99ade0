/**
 * Schema 6: the kinds machine 5 added show in the views: a `deadlock` in v_crashes (who waits for
 * what) and in v_event, and a `schedule` input (PCT) in v_event, read with SQL alone.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'xrr-views6-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('schema 6 views', () => {
  it('list a deadlock in v_crashes and v_event', { timeout: 120_000 }, () => {
    const file = join(dir, 'deadlock.db');
    // lockorder's timer preemption lands in its lock window with these arguments: both take one lock and wait for the other.
    const r = spawnSync(process.execPath, ['bin/xrr.mjs', 'record', '--out', file, '/bin/lockorder', '2', '300000'], { encoding: 'utf8', timeout: 110_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('deadlock: every process waits');
    const db = new Database(file, { readonly: true });
    const crashes = db.prepare("SELECT kind, what FROM v_crashes WHERE kind = 'deadlock'").all() as { kind: string; what: string }[];
    expect(crashes).toHaveLength(1);
    expect(crashes[0]!.what).toMatch(/^deadlock: 1 init: wait4: reply from pm; 8 lockorder: read: reply from vfs; 9 lockorder: read/);
    const payload = (db.prepare("SELECT payload FROM v_event WHERE kind = 'deadlock'").get() as { payload: string }).payload;
    expect(JSON.parse(payload)).toMatchObject({ waiting: [{ pid: 1, name: 'init' }, { pid: 8, name: 'lockorder' }, { pid: 9, name: 'lockorder' }] });
    db.close();
  });
});
