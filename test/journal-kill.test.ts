/**
 * Nothing typed is lost when a recording is killed: `xrr record` fed commands through a pipe is
 * killed (SIGKILL, SIGTERM, SIGHUP) at a bounded set of moments, each once every command typed so
 * far has been committed while the machine waited for the next (polled read-only from outside,
 * no sleeps). Every file then opens, verifies, replays with no divergence, and holds every typed
 * command; the signals that can be caught close the journal cleanly (exit 128 + signal). A
 * recording killed before any output replays or leaves nothing that blocks `--out`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { committedInput, exited, until, xrr } from './support/xrr-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'xrr-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SIGNALS: readonly NodeJS.Signals[] = ['SIGKILL', 'SIGTERM', 'SIGHUP'];
const CODES: Record<string, number> = { SIGTERM: 143, SIGHUP: 129, SIGINT: 130 };

describe('a recording killed at any moment', () => {
  it('keeps every command typed before the kill, and opens, verifies and replays', async () => {
    // Moments by count: after the first output, then after 1..6 commands, each with one of the signals.
    const moments = [0, 1, 2, 3, 4, 5, 6, 2];
    for (let m = 0; m < moments.length; m++) {
      const typed = moments[m]!;
      const signal = m === moments.length - 1 ? 'SIGINT' : SIGNALS[m % SIGNALS.length]!;
      const file = join(dir, `kill-${m}.db`);
      const child = spawn(process.execPath, ['bin/xrr.mjs', 'record', '--seed', String(m + 1), '--input', '-', '--out', file], { stdio: 'pipe' });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
      await until(`the first prompt of recording ${m}`, () => out.includes('/ # '));
      let sent = '';
      for (let k = 1; k <= typed; k++) {
        const line = `echo mark-${m}-${k}\n`;
        child.stdin.write(line);
        sent += line;
        // Committed while the shell waits for the next command, not when 4096 events have piled up.
        await until(`command ${k} of recording ${m} committed`, () => committedInput(file) === sent);
      }
      if (typed === 3) {
        // Read while it is being written: rows and head in one transaction, so no false "rows lost".
        const live = xrr('verify', file);
        expect(live.status, live.stdout + live.stderr).toBe(0);
      }
      child.kill(signal);
      const end = await exited(child);
      if (signal === 'SIGKILL') expect(end.signal).toBe('SIGKILL');
      else {
        expect(end.code, `${signal}: ${out}`).toBe(CODES[signal]);
        expect(out).toContain('closed cleanly');
      }
      expect(committedInput(file), `recording ${m} (${signal} after ${typed} commands)`).toBe(sent);
      const ver = xrr('verify', file);
      expect(ver.status, ver.stdout + ver.stderr).toBe(0);
      const rep = xrr('replay', file);
      expect(rep.stdout + rep.stderr, `recording ${m}`).toContain('no divergence');
      expect(rep.status).toBe(0);
    }
  }, 900_000);

  it('killed before any output: the file replays, or holds nothing and does not block --out', async () => {
    const file = join(dir, 'early.db');
    const child = spawn(process.execPath, ['bin/xrr.mjs', 'record', '--seed', '9', '--input', '-', '--out', file], { stdio: 'pipe' });
    // As soon as the file exists: the writer created it, the boot snapshot is at most on its way.
    await until('the journal file', () => existsSync(file));
    child.kill('SIGKILL');
    await exited(child);
    const ver = xrr('verify', file);
    if (ver.status === 0) expect(xrr('replay', file).stdout).toContain('no divergence');
    else {
      const again = spawnSync(process.execPath, ['bin/xrr.mjs', 'record', '--seed', '9', '--out', file, '/bin/true'], { encoding: 'utf8', timeout: 180_000 });
      expect(again.status, again.stderr).toBe(0);
      expect(again.stderr).toContain('replacing it');
      expect(xrr('replay', file).stdout).toContain('no divergence');
    }
  }, 300_000);
});
