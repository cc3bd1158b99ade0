/**
 * `xrr diff` on a real terminal (tmux): the sides in color, a report taller than the terminal
 * through $PAGER, a short one printed as it is. Skipped when tmux is not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'xrr-diff-tty-'));
const sessions: string[] = [];
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const sample = (name: string) => join(ROOT, 'recordings', name);

function run(name: string, cmd: string): void {
  sessions.push(name);
  execFileSync('tmux', ['new-session', '-d', '-s', name, '-x', '100', '-y', '24', `cd ${q(ROOT)} && ${cmd}; echo "EXITED $?"; sleep 60`]);
}

const screen = (name: string) => execFileSync('tmux', ['capture-pane', '-p', '-t', name], { encoding: 'utf8' });

/** Polls the screen until `pred` holds: at most `tries` times, 100 ms apart. */
async function waitFor(name: string, pred: (s: string) => boolean, tries = 600): Promise<string> {
  let s = '';
  for (let i = 0; i < tries; i++) {
    s = screen(name);
    if (pred(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the terminal never showed what was expected:\n${s}`);
}

afterAll(() => {
  for (const s of sessions) spawnSync('tmux', ['kill-session', '-t', s]);
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasTmux)('xrr diff on a terminal', () => {
  it('pages a long report through $PAGER, in color', async () => {
    const paged = join(dir, 'paged.txt');
    run(`xrr-diff-page-${process.pid}`, `PAGER=${q(`cat > ${paged}`)} node bin/xrr.mjs diff ${q(sample('sample-diff-ls.db'))} ${q(sample('sample-diff-ls-vfs-crash.db'))}`);
    await waitFor(`xrr-diff-page-${process.pid}`, (s) => s.includes('EXITED'));
    expect(screen(`xrr-diff-page-${process.pid}`)).toContain('EXITED 1');
    expect(existsSync(paged)).toBe(true);
    const text = readFileSync(paged, 'utf8');
    expect(text).toContain('first divergence');
    expect(text).toContain('state just after the divergence');
    expect(text).toContain('\u001b[31m-bootcheck\u001b[0m');
  }, 90_000);

  it('prints a report that fits as it is', async () => {
    const paged = join(dir, 'not-paged.txt');
    const name = `xrr-diff-short-${process.pid}`;
    run(name, `PAGER=${q(`cat > ${paged}`)} node bin/xrr.mjs diff ${q(sample('sample-diff-ls.db'))} ${q(sample('sample-diff-ls.db'))}`);
    const s = await waitFor(name, (x) => x.includes('EXITED'));
    expect(s).toContain('identical');
    expect(s).toContain('EXITED 0');
    expect(existsSync(paged)).toBe(false);
  }, 90_000);
});
