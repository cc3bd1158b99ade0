/**
 * End to end: the real CLI in a real terminal (tmux). Opens (a copy of) the shipped sample
 * recording, in which a VFS crash was injected, with `xrr tui`: steps, seeks to the crash,
 * forks, types into the live console, pauses and quits, checking the screen (capture-pane)
 * after each step; then the compact 80x24 layout under NO_COLOR, a clear message for a file
 * that is not a recording, and `xrr tui --new` (npm start): a boot recorded live, paused,
 * rewound, resumed, and replayed afterwards without divergence. Skipped when tmux is not
 * installed. Under CI=true too (as CI runs it): Ink must still draw every frame.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'xrr-tui-e2e-'));
const db = join(dir, 'run.db');
const sessions: string[] = [];

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const xrr = (...args: string[]) => `node ${q(join(ROOT, 'bin/xrr.mjs'))} ${args.map(q).join(' ')}`;
const tuiCommandLine = (file: string) => xrr('tui', file);

function tmux(...args: string[]): string {
  return execFileSync('tmux', args, { encoding: 'utf8' });
}

function start(name: string, w: number, h: number, cmd: string, env = ''): void {
  sessions.push(name);
  tmux('new-session', '-d', '-s', name, '-x', String(w), '-y', String(h), `cd '${ROOT}' && ${env} ${cmd}; echo "EXITED $?"; sleep 60`);
}

const screen = (name: string) => tmux('capture-pane', '-p', '-t', name);

async function waitScreen(name: string, pred: (s: string) => boolean, what: string, ms = 60_000): Promise<string> {
  const t0 = Date.now();
  let s = '';
  while (Date.now() - t0 < ms) {
    s = screen(name);
    if (pred(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
}

const keys = (name: string, ...k: string[]) => tmux('send-keys', '-t', name, ...k);
const paused = (s: string) => s.includes('[PAUSED]');

// The real CLI in tmux: the tests without a timeout of their own took up to 17 s beside the suite under load.
describe.skipIf(!hasTmux)('xrr tui in a terminal', { timeout: 180_000 }, () => {
  beforeAll(() => {
    // A copy: forking and bookmarking write to the file, and the shipped one stays as it is.
    copyFileSync(join(ROOT, 'recordings/sample-vfs-crash.db'), db);
  });

  afterAll(() => {
    for (const s of sessions) spawnSync('tmux', ['kill-session', '-t', s]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens a recording, steps, seeks, forks, types into the live console, quits (120x40)', async () => {
    const t = `xrr-tui-${process.pid}-a`;
    start(t, 120, 40, tuiCommandLine(db));
    let s = await waitScreen(t, paused, 'the UI at the end of the recording');
    expect(s).toContain('branch 1 (main)');
    expect(s).toMatch(/-- events [\d,]+/);
    expect(s).toContain('-- detail');
    expect(s).toContain('-- procs');
    expect(s).toMatch(/>\s*\d+ +\d+ ipc \d+->2 VFS_READ/); // the shell waits for input: its read is the last event

    expect(s.split('\n')[3]).toMatch(/X/); // the injected VFS crash on the timeline

    keys(t, 'N');
    s = await waitScreen(t, (x) => paused(x) && x.includes('previous event: event'), 'step back one event');

    // From the start to the crash, and its detail: the server, the message, the stack.
    keys(t, 'g', '0', 'Enter');
    s = await waitScreen(t, (x) => paused(x) && x.includes('icount 0/'), 'go to icount 0');
    keys(t, 'x');
    s = await waitScreen(t, (x) => paused(x) && x.includes('crash/deadlock: event'), 'next crash');
    expect(s).toContain('SERVER CRASH vfs');
    expect(s).toContain('injected crash');

    const end = Number(/icount [\d,]+\/([\d,]+)/.exec(s)![1]!.replace(/,/g, ''));
    const mid = Math.floor(end / 2);
    keys(t, 'g', String(mid), 'Enter');
    s = await waitScreen(t, (x) => paused(x) && x.includes(`icount ${mid.toLocaleString('en-US')}/`), `go to icount ${mid}`);

    keys(t, '[');
    s = await waitScreen(t, (x) => paused(x) && x.includes(`icount ${(mid - 1000).toLocaleString('en-US')}/`), 'jump back 1k');

    keys(t, '?');
    // One page, or the first of several (Space turns it; any other key closes).
    s = await waitScreen(t, (x) => /Keys( \(any key closes this help\)|, page 1\/\d+)/.test(x), 'help');
    expect(s).toContain('fork here');
    keys(t, 'Escape');
    await waitScreen(t, (x) => !/Keys( \(any key|, page)/.test(x), 'help closed');

    // To the end, the console pane, and fork there: the guest's shell prompt takes our typing.
    keys(t, '>', '>');
    keys(t, 'g', '99999999999', 'Enter');
    s = await waitScreen(t, (x) => paused(x) && /icount ([\d,]+)\/\1 /.test(x), 'seek to the end');
    keys(t, 'Tab', 'Tab', 'Tab');
    s = await waitScreen(t, (x) => x.includes('[console]'), 'console pane');
    keys(t, 'f');
    s = await waitScreen(t, (x) => x.includes('LIVE (waiting-input)'), 'live mode');
    expect(s).toContain('branch 2 (tui)');
    keys(t, 'echo tmux-live-', 'Enter');
    s = await waitScreen(t, (x) => /^tmux-live-\s*$/m.test(x), 'the guest echoes in the live console');

    keys(t, 'C-]');
    s = await waitScreen(t, (x) => paused(x) && x.includes('paused branch 2'), 'pause the live branch');
    expect(s).toContain('forked from 1@');

    keys(t, 'b');
    s = await waitScreen(t, (x) => paused(x) && x.includes('branch 1 (main)'), 'switch back to branch 1');

    keys(t, 'q');
    await waitScreen(t, (x) => x.includes('EXITED 0'), 'quit with status 0');
  }, 240_000);

  it('fits 80x24 and draws its markers without color under NO_COLOR', async () => {
    const t = `xrr-tui-${process.pid}-b`;
    start(t, 80, 24, tuiCommandLine(db), 'NO_COLOR=1');
    const s = await waitScreen(t, paused, 'the compact UI');
    const lines = s.split('\n');
    expect(lines[0]).toContain('[PAUSED]');
    expect(lines[3]).toMatch(/X.*\^/); // the crash (over the boot snapshot's S: one column is 75k instructions) and the cursor
    expect(s).toContain('[detail]');
    const raw = tmux('capture-pane', '-p', '-e', '-t', t);
    expect(raw).not.toMatch(/\x1b\[3[0-7]m/); // no foreground colors
    keys(t, 'q');
    await waitScreen(t, (x) => x.includes('EXITED 0'), 'quit');
  });

  it('says what is wrong with a file that is not a recording, and exits 1', async () => {
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'not a database '.repeat(100));
    const t = `xrr-tui-${process.pid}-c`;
    start(t, 100, 20, tuiCommandLine(junk));
    const s = await waitScreen(t, (x) => x.includes('EXITED'), 'exit');
    expect(s).toContain('xrr tui:');
    expect(s).toContain('EXITED 1');
    expect(s).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it('npm start: what one types at the prompt shows its output at once, on a screen that fits 120 columns', async () => {
    const t = `xrr-tui-${process.pid}-e`;
    // A long path, as recordings/<date>.db under a project directory is.
    const deep = join(dir, 'projects', 'xinim-kernel-debugging', 'recordings');
    mkdirSync(deep, { recursive: true });
    start(t, 120, 40, xrr('tui', '--new', '--seed', '7', '--out', join(deep, '2026-12-07T08-05-12.db')));
    let s = await waitScreen(t, (x) => x.includes('LIVE (waiting-input)') && x.includes('/ # '), 'the shell prompt, live');
    // The console is on screen across the full width: the welcome banner is not cut.
    expect(s).toMatch(/^ {2}Try: ls -l \/bin, ps, bootcheck, posixtest, forkrace, vfsstress, cpubench\.\s*$/m);
    keys(t, 'echo hello', 'Enter');
    s = await waitScreen(t, (x) => /^hello\s*$/m.test(x), 'hello, without any other key');
    const lines = s.split('\n');
    expect(lines[0]).toMatch(/^xrr \S*2026-12-07T08-05-12\.db  branch 1 \(main\) +\[LIVE \([^)]*\)\]\s*$/); // the mode, whole, at the end of the header
    expect(lines.find((l) => l.startsWith('LIVE, recording into'))).toMatch(/Ctrl-\] pauses, l resumes\s*$/);
    keys(t, 'C-]');
    await waitScreen(t, paused, 'pause');
    keys(t, 'q');
    await waitScreen(t, (x) => x.includes('EXITED 0'), 'quit with status 0');
  }, 240_000);

  it('a forked branch that halts leaves live mode: the next keys are the UI\'s', async () => {
    const race = join(dir, 'race.db');
    const r = spawnSync('node', [join(ROOT, 'bin/xrr.mjs'), 'record', '--seed', '3', '--max-instructions', '200k', '--out', race, '/bin/forkrace'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const t = `xrr-tui-${process.pid}-f`;
    start(t, 120, 40, tuiCommandLine(race));
    await waitScreen(t, paused, 'the end of the recording');
    keys(t, 'f');
    const s = await waitScreen(t, (x) => paused(x) && x.includes('halted (init exited, status 0)'), 'the fork runs forkrace to its exit and halts');
    expect(s).toContain('branch 2 (tui)');
    keys(t, 'q'); // to the UI, not to a console
    await waitScreen(t, (x) => x.includes('EXITED 0'), 'quit with status 0');
  });

  it('npm start: boots, records live, pauses, rewinds, resumes; the recording replays', async () => {
    const t = `xrr-tui-${process.pid}-d`;
    const out = join(dir, 'live.db');
    start(t, 120, 40, xrr('tui', '--new', '--seed', '7', '--out', out));
    let s = await waitScreen(t, (x) => x.includes('LIVE (waiting-input)') && x.includes('/ # '), 'the shell prompt, live');
    expect(s).toContain('branch 1 (main)');
    keys(t, 'Tab', 'Tab', 'Tab'); // typed while live: it goes to the guest, not the UI
    keys(t, 'C-]');
    await waitScreen(t, paused, 'pause');
    keys(t, 'Tab', 'Tab', 'Tab');
    await waitScreen(t, (x) => x.includes('[console]'), 'console pane');
    keys(t, 'l');
    await waitScreen(t, (x) => x.includes('LIVE (waiting-input)'), 'live again');
    keys(t, 'echo first-', 'Enter');
    await waitScreen(t, (x) => /^first-\s*$/m.test(x), 'the guest echoes');

    keys(t, 'C-]');
    s = await waitScreen(t, (x) => paused(x) && x.includes('l resumes'), 'pause again');
    const end = Number(/icount ([\d,]+)\//.exec(s)![1]!.replace(/,/g, ''));
    keys(t, 'g', '1000', 'Enter');
    s = await waitScreen(t, (x) => paused(x) && x.includes('icount 1,000/'), 'rewind to icount 1000');
    expect(s).not.toContain('first-'); // the console pane shows the output up to the cursor

    keys(t, 'l');
    s = await waitScreen(t, (x) => x.includes('LIVE (waiting-input)') && x.includes(`LIVE again on branch 1 at icount ${end.toLocaleString('en-US')}`), 'resumed where it paused');
    keys(t, 'echo second-', 'Enter');
    await waitScreen(t, (x) => /^second-\s*$/m.test(x), 'the guest echoes again');
    keys(t, 'C-]');
    await waitScreen(t, paused, 'pause');
    keys(t, 'q');
    s = await waitScreen(t, (x) => x.includes('EXITED 0'), 'quit with status 0');
    expect(s).toMatch(/recorded \d+ events/);

    const r = spawnSync('node', [join(ROOT, 'bin/xrr.mjs'), 'replay', out, '--console'], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toContain('no divergence'); // with --console, stdout is the console's alone
    expect(r.stdout).toMatch(/echo first-\s+first-/);
    expect(r.stdout).toMatch(/echo second-\s+second-/);
  });
  it('xrr tui --diff A B: the first divergence of the shipped pair, both machines, n steps, Esc to A, q quits (NO_COLOR)', async () => {
    const a = join(dir, 'diff-ls.db');
    const b = join(dir, 'diff-ls-vfs-crash.db');
    copyFileSync(join(ROOT, 'recordings/sample-diff-ls.db'), a);
    copyFileSync(join(ROOT, 'recordings/sample-diff-ls-vfs-crash.db'), b);
    const t = `xrr-tui-${process.pid}-g`;
    start(t, 120, 40, xrr('tui', '--diff', a, b), 'NO_COLOR=1');
    let s = await waitScreen(t, (x) => x.includes('difference 1/') && x.includes('machine at icount'), 'the diff view at the first divergence', 60_000);
    expect(s).toContain('first divergence');
    expect(s).toMatch(/^A  seq [\d,]+  icount [\d,]+  output "bootcheck\\n"/m);
    expect(s).toMatch(/^B  seq [\d,]+  icount [\d,]+  SERVER CRASH vfs/m);
    expect(s).toContain('a0 0000000a*');
    expect(s).toContain('a0 fffffffb*');
    expect(tmux('capture-pane', '-p', '-e', '-t', t)).not.toMatch(/\x1b\[3[0-7]m/);
    keys(t, 'n');
    s = await waitScreen(t, (x) => x.includes('difference 2/') && x.includes('machine at icount') && !x.includes('restoring'), 'the next difference', 60_000);
    keys(t, 'Escape');
    s = await waitScreen(t, (x) => paused(x) && x.includes('back on the timeline of A'), 'the timeline of A');
    expect(s).toContain('-- events');
    keys(t, 'q');
    await waitScreen(t, (x) => x.includes('EXITED 0'), 'quit with status 0');

    const u = `xrr-tui-${process.pid}-h`;
    start(u, 100, 20, xrr('tui', '--diff', a, join(dir, 'missing.db')));
    s = await waitScreen(u, (x) => x.includes('EXITED'), 'exit');
    expect(s).toContain('xrr tui: no such recording');
    expect(s).toContain('EXITED 1');
  }, 240_000);

  it('xrr explain --open: the UI on the failing run, the cursor on the first of the racing pair, the second bookmarked', async () => {
    const out = join(dir, 'explore');
    const r = spawnSync('node', [join(ROOT, 'bin/xrr.mjs'), 'explore', '--seeds', '1..2', '--jobs', '1', '--out', out, '/bin/forkrace', 'file'], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toContain('explore-forkrace-1.db');
    const failing = join(out, 'explore-forkrace-1.db');
    const t = `xrr-tui-${process.pid}-i`;
    start(t, 120, 40, xrr('explain', '--open', failing));
    let s = await waitScreen(t, (x) => paused(x) && x.includes('is bookmark race-second'), 'the UI on the pair', 120_000);
    const first = /^> *(\d+) +(\d+) syscall (\d+) read\(/m.exec(s); // forkrace's parent reads before the child wrote
    expect(first, s).not.toBeNull();
    const second = /the second, event (\d+) at icount (\d+)/.exec(s)!;
    expect(s).toContain(`icount ${Number(first![2]).toLocaleString('en-US')}/`);
    expect(s).toContain(`event ${first![1]} selected`);
    keys(t, "'");
    s = await waitScreen(t, (x) => paused(x) && x.includes('bookmark race-second at icount'), 'the bookmark');
    expect(s).toContain(`icount ${Number(second[2]).toLocaleString('en-US')}/`);
    expect(s).toMatch(new RegExp(`^[ .>] *${second[1]} +${second[2]} syscall \\d+ write\\(`, 'm'));
    keys(t, 'q');
    await waitScreen(t, (x) => x.includes('EXITED 0'), 'quit with status 0');
  }, 240_000);
});
