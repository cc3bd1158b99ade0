/**
 * The time-travel UI on a large recording: a real machine recorded (a guest that makes
 * delegated getpid calls, four events each, until the journal holds XRR_BENCH_TUI_EVENTS
 * events, default 10 million) and opened with the App the CLI renders (through
 * ink-testing-library, so frames are strings). Keys are typed one at a time from the middle of
 * the recording; for each we time the key to the first frame that shows it was taken (input
 * latency: what a person feels) and to the frame where its work is done (for a seek, after the
 * replay up to the target). The event loop's longest stall while a key is handled bounds the
 * latency of another key pressed meanwhile (also in the middle of a seek); the first frame's is
 * counted as the key `open`.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createElement } from 'react';
import { render } from 'ink-testing-library';
import { recordGetpidLoop } from './getpid-recording.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';
import { App } from '../src/tui/app.js';
import { TuiSession } from '../src/tui/session.js';
import { median, percentile, type Benchmark, type Figure } from './figure.js';

const EVENTS = Number(process.env.XRR_BENCH_TUI_EVENTS ?? 10_000_000);

interface Sample {
  readonly key: string;
  /** Key to the first frame that answers it. */
  readonly answerMs: number;
  /** Key to the frame where its work is done. */
  readonly doneMs: number;
}

const settled = (f: string) => f.includes('[PAUSED]') && !f.includes('searching') && !f.includes('seeking');

const bench: Benchmark = {
  name: 'tui',
  description: `the time-travel UI on a recording of ${EVENTS.toLocaleString('en-US')} events: key to frame, event-loop stalls`,
  async run(log) {
    const dir = mkdtempSync(join(tmpdir(), 'xrr-bench-tui-'));
    try {
      const file = join(dir, 'large.db');
      const rec = await recordGetpidLoop(file, EVENTS, log);
      log(`recorded ${rec.events.toLocaleString('en-US')} events, ${rec.icount.toLocaleString('en-US')} instructions in ${(rec.ms / 1000).toFixed(1)} s (${(statSync(file).size / 2 ** 20).toFixed(0)} MiB)`);
      const store = await SqliteJournalStore.open(file, { readonly: false, create: false });
      const session = new TuiSession(store, file);
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();

      const tOpen = performance.now();
      const mid = Math.floor(rec.icount / 2);
      const ui = render(createElement(App, { session, branch: ROOT_BRANCH, width: 120, height: 40, noColor: true, startIcount: mid }));
      const frame = () => ui.lastFrame() ?? '';
      const until = async (pred: () => boolean, what: string, ms = 120_000) => {
        const t0 = performance.now();
        while (!pred()) {
          if (performance.now() - t0 > ms) throw new Error(`timed out waiting for ${what}; screen:\n${frame()}`);
          await new Promise((r) => setTimeout(r, 1));
        }
        return performance.now();
      };
      await until(() => settled(frame()), 'the first frame at the middle');
      const openMs = performance.now() - tOpen;

      const samples: Sample[] = [];
      // The longest stretch the event loop was busy while each key was handled.
      const stalls: number[] = [loop.max / 1e6];
      const worst = new Map<string, number>([['open', loop.max / 1e6]]);
      const press = async (key: string, name = key) => {
        const before = ui.frames.length;
        loop.reset();
        const t0 = performance.now();
        ui.stdin.write(key);
        const answered = await until(() => ui.frames.length > before, `an answer to ${name}`);
        const done = await until(() => settled(frame()), `${name} to finish`);
        samples.push({ key: name, answerMs: answered - t0, doneMs: done - t0 });
        const stall = loop.max / 1e6;
        stalls.push(stall);
        worst.set(name, Math.max(worst.get(name) ?? 0, stall));
      };
      const typeLine = async (text: string) => {
        for (const ch of text) ui.stdin.write(ch);
        await new Promise((r) => setTimeout(r, 20));
      };

      for (let i = 0; i < 20; i++) await press('n');
      for (let i = 0; i < 20; i++) await press('N');
      for (let i = 0; i < 20; i++) await press('\x1b[B', 'Down');
      for (let i = 0; i < 10; i++) await press('y');
      for (let i = 0; i < 10; i++) await press('Y');
      for (let i = 0; i < 10; i++) await press('s');
      for (let i = 0; i < 10; i++) await press('>');
      for (let i = 0; i < 10; i++) await press('<');
      for (let i = 0; i < 6; i++) await press('\t', 'Tab');
      await typeLine('/kind:sched');
      await press('\r', 'filter');
      for (let i = 0; i < 5; i++) await press('c');
      for (let i = 0; i < 5; i++) await press('C');
      // Seeks to random places: a restore of the nearest snapshot and a replay up to there.
      let x = 12345;
      const seeks: Sample[] = [];
      for (let i = 0; i < 8; i++) {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        await typeLine(`g${Math.floor((x / 2 ** 31) * rec.icount)}`);
        await press('\r', 'seek');
        seeks.push(samples.pop()!);
      }
      ui.unmount();
      loop.disable();
      store.close();

      const answer = samples.map((s) => s.answerMs);
      const done = samples.map((s) => s.doneMs);
      const stallMax = Math.max(...stalls);
      const stallMedian = median(stalls);
      const byKey = new Map<string, number[]>();
      for (const s of samples) byKey.set(s.key, [...(byKey.get(s.key) ?? []), s.doneMs]);
      log(`opened at the middle in ${openMs.toFixed(0)} ms; per key (median ms to done): ${[...byKey].map(([k, v]) => `${k} ${median(v).toFixed(1)}`).join(', ')}`);
      log(`seeks: answered in ${median(seeks.map((s) => s.answerMs)).toFixed(1)} ms, done in ${median(seeks.map((s) => s.doneMs)).toFixed(0)} ms (median); longest event-loop stall per key: median ${stallMedian.toFixed(1)} ms, max ${stallMax.toFixed(1)} ms`);
      log(`worst stall by key (ms): ${[...worst].map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
      const f = (metric: string, value: number, unit: string, runs: number): Figure => ({ bench: 'tui', metric, median: value, unit, runs });
      return [
        f('recording_events', rec.events, 'events', 1),
        f('open_ms', openMs, 'ms', 1),
        f('key_answer_median', median(answer), 'ms', answer.length),
        f('key_answer_p95', percentile(answer, 95), 'ms', answer.length),
        f('key_answer_max', Math.max(...answer), 'ms', answer.length),
        f('key_done_median', median(done), 'ms', done.length),
        f('key_done_p95', percentile(done, 95), 'ms', done.length),
        f('seek_answer_median', median(seeks.map((s) => s.answerMs)), 'ms', seeks.length),
        f('seek_done_median', median(seeks.map((s) => s.doneMs)), 'ms', seeks.length),
        f('event_loop_stall_median', stallMedian, 'ms', stalls.length),
        f('event_loop_stall_max', stallMax, 'ms', stalls.length),
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
