/**
 * A full disk ends `xrr record` within seconds with a clear message and a non-zero status (no
 * hang, no unhandled rejection), and the file verifies and replays up to its last commit. The
 * disk is a file size limit (`ulimit -f` in a shell), which works unprivileged: SQLite's write
 * fails (SQLITE_IOERR_WRITE, as SQLITE_FULL on a full disk) at whatever commit crosses it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { xrr } from './support/xrr-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'xrr-full-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('record on a full disk', () => {
  // Limits in KiB: one the boot alone exceeds, two that stop the run part way.
  for (const kib of [4000, 9000, 14000]) {
    it(`stops with a message at ${kib} KiB, and the file verifies and replays to its last commit`, () => {
      const file = join(dir, `full-${kib}.db`);
      const r = spawnSync('bash', ['-c', `ulimit -f ${kib}; exec "$0" bin/xrr.mjs record --seed 3 --out "$1" /bin/vfsstress 8 4000`, process.execPath, file], {
        encoding: 'utf8',
        timeout: 240_000,
      });
      expect(r.error, 'record hung').toBeUndefined();
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/disk is full or a file size limit was reached/);
      expect(r.stderr).not.toMatch(/Unhandled|    at /);
      if (!existsSync(file)) {
        // It failed before the boot snapshot was committed: nothing was left behind to block --out.
        expect(r.stderr).not.toContain('holds everything');
        return;
      }
      expect(r.stderr).toContain('holds everything up to its last commit');
      const ver = xrr('verify', file);
      expect(ver.status, ver.stdout + ver.stderr).toBe(0);
      const rep = xrr('replay', file);
      expect(rep.stdout, rep.stderr).toContain('no divergence');
    }, 600_000);
  }
});
