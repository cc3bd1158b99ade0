/**
 * `xrr gdb`'s reverse execution on a long recording: the latency of reverse-stepi (median and
 * p95, from several cursors, each first step included) and of reverse-continue to a breakpoint
 * 50 million instructions back (a fresh session each time, so no checkpoint of an earlier run
 * helps), on `cpubench` recorded for more than 100 million instructions. The breakpoint is the
 * entry of `bench_sort`, hit once, and the cursor is 50M (and a little more) after that hit.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DebugSession } from '../src/gdb/debug-session.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';
import { median, percentile, type Benchmark, type Figure } from './figure.js';

/** cpubench's scale: 20 records about 110 million instructions. */
const SCALE = Number(process.env.XRR_BENCH_GDB_SCALE ?? 20);
const BACK = 50_000_000;
const CURSORS = Number(process.env.XRR_BENCH_GDB_CURSORS ?? 3);
const STEPS = Number(process.env.XRR_BENCH_GDB_STEPS ?? 10);
const CONTINUES = Number(process.env.XRR_BENCH_GDB_CONTINUES ?? 5);

const gdbBench: Benchmark = {
  name: 'gdb',
  description: `reverse-stepi and reverse-continue (${BACK / 1e6}M instructions back) on cpubench ${SCALE} (${CURSORS}x${STEPS} steps, ${CONTINUES} continues)`,
  async run(log) {
    const dir = mkdtempSync(join(tmpdir(), 'xrr-bench-gdb-'));
    try {
      const file = join(dir, 'cpubench.db');
      const t0 = performance.now();
      const rec = spawnSync(process.execPath, ['bin/xrr.mjs', 'record', '--seed', '7', '--out', file, '/bin/cpubench', String(SCALE)], { encoding: 'utf8' });
      if (rec.status !== 0) throw new Error(`xrr record failed: ${rec.stderr}`);
      log(`recorded in ${(performance.now() - t0).toFixed(0)} ms: ${rec.stdout.trim().split('\n').at(-1) ?? ''}`);
      const store = await SqliteJournalStore.open(file, { readonly: true, create: false });
      try {
        const open = () => new DebugSession(store, { branch: ROOT_BRANCH });
        let session = open();
        const total = session.target.lastIcount;
        const entry = session.symbolsOf(session.pid).lookup('bench_sort');
        if (!entry) throw new Error('cpubench has no bench_sort symbol');
        session.breakpoints.add(entry.address);
        const hit = session.continueForward();
        if (hit.kind !== 'breakpoint') throw new Error(`bench_sort was not reached: ${JSON.stringify(hit)}`);
        const sortAt = session.icount;
        const room = session.endIcount - sortAt;
        if (total < 100_000_000 || room < BACK + CONTINUES * 1_000_000) {
          throw new Error(`the recording is too short (${total} instructions, ${room} after bench_sort): raise XRR_BENCH_GDB_SCALE`);
        }
        log(`recording: ${total} instructions, ${store.listSnapshots(ROOT_BRANCH).length} snapshots; bench_sort hit at ${sortAt}`);

        const steps: number[] = [];
        const firstSteps: number[] = [];
        for (let c = 0; c < CURSORS; c++) {
          session.goto(sortAt + BACK + c * 2_000_000);
          for (let i = 0; i < STEPS; i++) {
            const before = session.icount;
            const t = performance.now();
            const r = session.reverseStepi(session.pid);
            const ms = performance.now() - t;
            if (r.kind !== 'step' || session.icount >= before) throw new Error(`reverse-stepi did not go back: ${JSON.stringify(r)}`);
            steps.push(ms);
            if (i === 0) firstSteps.push(ms);
          }
        }
        log(`reverse-stepi: median ${median(steps).toFixed(1)} ms, p95 ${percentile(steps, 95).toFixed(1)} ms, first step at a cursor ${firstSteps.map((v) => v.toFixed(0)).join(', ')} ms`);

        const continues: number[] = [];
        for (let i = 0; i < CONTINUES; i++) {
          session = open();
          session.breakpoints.add(entry.address);
          session.goto(sortAt + BACK + i * 1_000_000);
          const t = performance.now();
          const r = session.reverseContinue();
          const ms = performance.now() - t;
          if (r.kind !== 'breakpoint' || session.icount !== sortAt) throw new Error(`reverse-continue stopped at ${session.icount} (${r.kind}), not at bench_sort's ${sortAt}`);
          continues.push(ms);
          log(`reverse-continue ${i + 1}: ${ms.toFixed(0)} ms`);
        }
        const f = (metric: string, value: number, unit: string, runs: number): Figure => ({ bench: 'gdb', metric, median: value, unit, runs });
        return [
          f('recording_instructions', total, 'instructions', 1),
          f('reverse_stepi_latency', median(steps), 'ms', steps.length),
          f('reverse_stepi_latency_p95', percentile(steps, 95), 'ms', steps.length),
          f('reverse_stepi_first_at_cursor', median(firstSteps), 'ms', firstSteps.length),
          f('reverse_continue_50M_latency', median(continues), 'ms', continues.length),
          f('reverse_continue_50M_latency_p95', percentile(continues, 95), 'ms', continues.length),
        ];
      } finally {
        store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default gdbBench;
