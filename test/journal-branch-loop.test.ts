/**
 * A branch row edited to be its own ancestor (its parent column set to itself, or to its own
 * child) made every reader of the timeline walk the ancestry forever: `xrr verify` hung (found by
 * the soak's edit campaign). Now verify reports it and the other readers stop with a clear error.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xrr, xrrWithin } from './support/xrr-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'xrr-loop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const original = join(dir, 'original.db');

beforeAll(() => {
  expect(xrr('record', '--seed', '6', '--out', original, '/bin/hello').status).toBe(0);
  const fork = xrr('fork', original, '--at', '10000', '--input', '/dev/null');
  expect(fork.status, fork.stderr).toBe(0);
}, 300_000);

describe('a branch that is its own ancestor', () => {
  for (const [what, sql] of [
    ['its own parent', 'UPDATE branch SET parent = 1 WHERE id = 1'],
    ['the child of its child', 'UPDATE branch SET parent = 2 WHERE id = 1'],
  ] as const) {
    it(`${what}: verify fails (and ends), replay and events refuse it`, () => {
      const file = join(dir, `${what.replaceAll(' ', '-')}.db`);
      copyFileSync(original, file);
      const db = new Database(file);
      db.prepare(sql).run();
      db.close();
      const ver = xrrWithin(60_000, ['verify', file]);
      expect(ver.hung, 'verify hung').toBe(false);
      expect(ver.status, ver.stdout + ver.stderr).toBe(3);
      expect(ver.stdout).toMatch(/ancestry of branch \d loops/);
      for (const args of [['replay', file], ['events', file, '--limit', '3'], ['replay', file, '--branch', '2']]) {
        const r = xrrWithin(60_000, args);
        expect(r.hung, `${args[0]} hung`).toBe(false);
        expect(r.status, r.stderr).toBe(1);
        expect(r.stderr).toMatch(/ancestry of branch \d loops/);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
    }, 300_000);
  }
});
