/**
 * Opening a recording at its end, as `xrr tui FILE` does: the CLI's opening checks
 * (openRecording), the session, and the App rendered (through ink-testing-library) until its
 * first settled frame at the end of the recording, for recordings of 10 thousand, 1 million and
 * 10 million events (XRR_BENCH_OPEN_EVENTS scales the largest down for a quick run). Each is
 * opened as the Recorder leaves it (a snapshot where it ends) and as an older recording without
 * that snapshot (a copy with it deleted), which replays from the last spaced snapshot instead.
 * Each recording is LEAD events short of its size, so that it ends about that far short of the next
 * spaced snapshot: the older recording then replays close to the most it ever does.
 */
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createElement } from 'react';
import { render } from 'ink-testing-library';
import { openRecording } from '../src/cli/commands/tui.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { App } from '../src/tui/app.js';
import { TuiSession } from '../src/tui/session.js';
import { recordGetpidLoop } from './getpid-recording.js';
import { median, type Benchmark, type Figure } from './figure.js';

const LARGEST = Number(process.env.XRR_BENCH_OPEN_EVENTS ?? 10_000_000);
const SIZES = [...new Set([10_000, 1_000_000, LARGEST].filter((n) => n <= LARGEST))];
const RUNS = 3;
/** Events a recording falls short of its size: the older copy replays SNAPSHOT_EVENTS - LEAD of them. */
const LEAD = 2_000;

const settled = (f: string) => f.includes('[PAUSED]') && !f.includes('searching') && !f.includes('seeking');

/** Open `file` at its end as `xrr tui` does; ms to the first settled frame there. */
async function openAtEnd(file: string): Promise<number> {
  const t0 = performance.now();
  const opened = await openRecording(file);
  if (!opened.ok) throw new Error(opened.error);
  const session = new TuiSession(opened.store, file);
  const ui = render(createElement(App, { session, branch: ROOT_BRANCH, width: 120, height: 40, noColor: true }));
  try {
    const frame = () => ui.lastFrame() ?? '';
    while (!settled(frame())) {
      if (performance.now() - t0 > 600_000) throw new Error(`timed out opening ${file}; screen:\n${frame()}`);
      await new Promise((r) => setTimeout(r, 1));
    }
    const ms = performance.now() - t0;
    // The frame settled because the cursor reached the end, not because the seek failed.
    const end = { branch: ROOT_BRANCH, icount: session.endIcount(ROOT_BRANCH), seq: session.length(ROOT_BRANCH) };
    if (session.cachedMachine(end) === null) throw new Error(`${file} did not open at its end; screen:\n${frame()}`);
    return ms;
  } finally {
    ui.unmount();
    opened.store.close();
  }
}

/** A copy of `file` as an older recording, without the snapshot the Recorder took where it ends. */
function withoutEndSnapshot(file: string, copy: string): void {
  copyFileSync(file, copy);
  const db = new Database(copy);
  try {
    const end = db.prepare('SELECT max(icount) AS icount, max(seq) AS seq FROM event WHERE branch = 1').get() as { icount: number; seq: number };
    const last = db.prepare('SELECT id, icount, seq FROM snapshot WHERE branch = 1 ORDER BY icount DESC, seq DESC LIMIT 1').get() as { id: number; icount: number; seq: number };
    if (last.icount !== end.icount || last.seq !== end.seq + 1) throw new Error(`${file} has no snapshot at its end (last at ${last.icount}/${last.seq}, end ${end.icount}/${end.seq})`);
    db.prepare('DELETE FROM snapshot WHERE id = ?').run(last.id);
  } finally {
    db.close();
  }
}

const bench: Benchmark = {
  name: 'open',
  description: `xrr tui opening a recording at its end: ${SIZES.map((n) => n.toLocaleString('en-US')).join(', ')} events, with and without the end snapshot`,
  async run(log) {
    const dir = mkdtempSync(join(tmpdir(), 'xrr-bench-open-'));
    const figures: Figure[] = [];
    const f = (metric: string, value: number, unit: string, runs: number) => figures.push({ bench: 'open', metric, median: value, unit, runs });
    try {
      for (const size of SIZES) {
        const file = join(dir, `getpid-${size}.db`);
        const rec = await recordGetpidLoop(file, size - LEAD, log);
        const mib = statSync(file).size / 2 ** 20;
        log(`recorded ${rec.events.toLocaleString('en-US')} events, ${rec.icount.toLocaleString('en-US')} instructions, ${rec.snapshots} snapshots in ${(rec.ms / 1000).toFixed(1)} s (${mib.toFixed(0)} MiB)`);
        // The first open in this process also compiles the code it runs: counted apart.
        if (size === SIZES[0]) f('open_cold_ms', await openAtEnd(file), 'ms', 1);
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) times.push(await openAtEnd(file));
        const legacy = join(dir, `getpid-${size}-legacy.db`);
        withoutEndSnapshot(file, legacy);
        const legacyTimes: number[] = [];
        for (let i = 0; i < RUNS; i++) legacyTimes.push(await openAtEnd(legacy));
        rmSync(legacy, { force: true });
        rmSync(file, { force: true });
        log(`${size.toLocaleString('en-US')} events: opened at the end in ${median(times).toFixed(0)} ms (median of ${RUNS}); without the end snapshot ${median(legacyTimes).toFixed(0)} ms`);
        f(`open_end_ms_${size}`, median(times), 'ms', RUNS);
        f(`open_end_without_end_snapshot_ms_${size}`, median(legacyTimes), 'ms', RUNS);
        f(`recording_mib_${size}`, mib, 'MiB', 1);
      }
      return figures;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
