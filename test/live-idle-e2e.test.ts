/**
 * End to end in a real terminal (tmux): in a live run, `sleep` takes its time on the host clock,
 * and the recording replays it at once. `xrr tui --new` (npm start): paused at the prompt (which
 * leaves a snapshot there) and resumed, `sleep 5` takes at least 5 s, and the stretch from that
 * snapshot to the end replays in a fraction of that; `xrr record` at a terminal waits too, and its
 * recording replays without divergence. Skipped when tmux is not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';
import type { Icount } from '../src/journal/ids.js';
import { replay } from '../src/timeline/replay.js';
import { Replayer } from '../src/timeline/replayer.js';

const ROOT = resolve(import.meta.dirname, '..');
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'xrr-live-idle-e2e-'));
const sessions: string[] = [];

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const xrr = (...args: string[]) => `node ${q(join(ROOT, 'bin/xrr.mjs'))} ${args.map(q).join(' ')}`;
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = (name: string) => tmux('capture-pane', '-p', '-t', name);
const keys = (name: string, ...k: string[]) => tmux('send-keys', '-t', name, ...k);

function start(name: string, cmd: string): void {
  sessions.push(name);
  tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '40', `cd '${ROOT}' && ${cmd}; echo "EXITED $?"; sleep 60`);
}

/** Polls the screen until `pred` holds; returns it and when it was seen (performance.now()). */
async function waitScreen(name: string, pred: (s: string) => boolean, what: string, ms = 60_000): Promise<{ s: string; at: number }> {
  const t0 = Date.now();
  let s = '';
  while (Date.now() - t0 < ms) {
    s = screen(name);
    if (pred(s)) return { s, at: performance.now() };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
}

// The real CLI in tmux: 18 s for the slowest beside the suite under load, against the 60 s default.
describe.skipIf(!hasTmux)('live idle time in a terminal', { timeout: 180_000 }, () => {
  afterAll(() => {
    for (const s of sessions) spawnSync('tmux', ['kill-session', '-t', s]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('npm start: `sleep 5` takes 5 s of host time, and the recording replays it at once', async () => {
    const t = `xrr-live-idle-${process.pid}-a`;
    const out = join(dir, 'live-sleep.db');
    start(t, xrr('tui', '--new', '--seed', '7', '--out', out));
    await waitScreen(t, (x) => x.includes('LIVE (waiting-input)') && x.includes('/ # '), 'the shell prompt, live');
    keys(t, 'C-]'); // a pause leaves a snapshot here, at the prompt
    await waitScreen(t, (x) => x.includes('[PAUSED]') && x.includes('l resumes'), 'paused');
    keys(t, 'l');
    await waitScreen(t, (x) => x.includes('LIVE (waiting-input)'), 'live again');
    keys(t, 'sleep 5; echo slept-', '5');
    const sent = performance.now();
    keys(t, 'Enter');
    const sleeping = await waitScreen(t, (x) => x.includes('LIVE (sleeping)'), 'the header while the guest sleeps');
    expect(sleeping.s).not.toMatch(/^slept-5\s*$/m);
    const done = await waitScreen(t, (x) => /^slept-5\s*$/m.test(x), 'the sleep to end');
    const liveMs = done.at - sent;
    expect(liveMs).toBeGreaterThanOrEqual(5000);
    keys(t, 'C-]');
    await waitScreen(t, (x) => x.includes('[PAUSED]'), 'paused');
    keys(t, 'q');
    await waitScreen(t, (x) => x.includes('EXITED 0'), 'quit with status 0');

    const store = await SqliteJournalStore.open(out, { readonly: true, create: false });
    try {
      const typed = store.events(ROOT_BRANCH, { kinds: ['console-input'] });
      const first = typed.find((e) => e.event.kind === 'console-input' && Buffer.from(e.event.data).toString('latin1').includes('sleep'))!;
      const skips = store.events(ROOT_BRANCH, { kinds: ['timer-skip'], fromSeq: first.seq as never });
      expect(skips.map((e) => e.event)).toContainEqual(expect.objectContaining({ skippedNs: 5_000_000_000 }));
      // From the snapshot at the paused prompt to the end: the sleep and the echo, replayed.
      const snap = store.nearestSnapshot(ROOT_BRANCH, first.icount as Icount)!;
      expect(snap.seq).toBeGreaterThan(0);
      const t0 = performance.now();
      const r = Replayer.atSnapshot(store, ROOT_BRANCH, snap);
      expect(r.runUntil()).toMatchObject({ kind: 'end' });
      const replayMs = performance.now() - t0;
      expect(r.seq).toBe(store.branchLength(ROOT_BRANCH));
      // Well under a second on a quiet machine; under the 5 s the sleep took live even on a busy one.
      expect(replayMs).toBeLessThan(5000);
      // And the whole recording, from the boot.
      expect(replay(store, ROOT_BRANCH).seq).toBe(store.branchLength(ROOT_BRANCH));
    } finally {
      store.close();
    }
  });

  it('xrr record at a terminal: `sleep 2` takes 2 s of host time; the recording replays without divergence', async () => {
    const t = `xrr-live-idle-${process.pid}-b`;
    const out = join(dir, 'record-sleep.db');
    start(t, xrr('record', '--seed', '7', '--out', out));
    await waitScreen(t, (x) => /^\/ #/m.test(x), 'the shell prompt'); // capture-pane drops the space after it
    keys(t, 'sleep 2; echo slept-', '2');
    const sent = performance.now();
    keys(t, 'Enter');
    const done = await waitScreen(t, (x) => /^slept-2\s*$/m.test(x), 'the sleep to end');
    expect(done.at - sent).toBeGreaterThanOrEqual(2000);
    keys(t, 'C-]');
    await waitScreen(t, (x) => x.includes('EXITED 0'), 'Ctrl-] leaves with status 0');
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/xrr.mjs'), 'replay', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('no divergence');
  });
});
