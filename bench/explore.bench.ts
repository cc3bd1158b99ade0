/**
 * Schedule exploration: explore runs per minute of `forkrace file` with one worker thread and
 * with two (the speedup), measured from the first finished run to the last so the threads'
 * start-up is left out; and how long explain takes to name forkrace's racing pair (bisection
 * trials, the passing run, the seeks that locate the pair).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadGuestImage } from '../src/cli/guest-image.js';
import { explain } from '../src/explore/explain.js';
import { explore } from '../src/explore/explore.js';
import { recordPlan } from '../src/explore/run-once.js';
import { planOf, type ExploreSettings } from '../src/explore/run-plan.js';
import { median, type Benchmark, type Figure } from './figure.js';

const RUNS = Number(process.env.XRR_BENCH_RUNS ?? 3);
const SEEDS = Number(process.env.XRR_BENCH_EXPLORE_SEEDS ?? 60);
const image = loadGuestImage();
const SETTINGS: ExploreSettings = { argv: ['/bin/forkrace', 'file'], strategy: { kind: 'random' }, faults: { kind: 'none' }, timeout: 50_000_000 };

/** Runs per minute between the first and the last finished run. */
async function runsPerMinute(jobs: number, outDir: string): Promise<number> {
  const done: number[] = [];
  await explore(
    { settings: SETTINGS, from: 1, to: SEEDS, jobs, root: image.entries, imageHash: image.hash, outDir, keepPerClass: 0, confirm: 'kept' },
    (p) => done.push(p.elapsedMs),
  );
  const span = done[done.length - 1]! - done[0]!;
  return ((done.length - 1) / span) * 60_000;
}

const bench: Benchmark = {
  name: 'explore',
  description: `explore forkrace file (${SEEDS} seeds, --jobs 1 and 2), explain on forkrace; ${RUNS} runs each`,
  async run(log) {
    const dir = mkdtempSync(join(tmpdir(), 'xrr-bench-explore-'));
    try {
      const one: number[] = [];
      const two: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        one.push(await runsPerMinute(1, dir));
        two.push(await runsPerMinute(2, dir));
        log(`run ${i + 1}: ${one[i]!.toFixed(0)} runs/min with 1 job, ${two[i]!.toFixed(0)} with 2`);
      }
      const file = join(dir, 'forkrace-1.db');
      await recordPlan(planOf(SETTINGS, 1), image.entries, {}, file, { imageHash: image.hash, commandLine: ['bench'] });
      const explainMs: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const x = await explain({ failing: file, limits: { rules: {}, timeout: SETTINGS.timeout } });
        explainMs.push(performance.now() - t0);
        if (x.kind !== 'schedule' || !x.pair) throw new Error('explain named no pair for forkrace');
        log(`explain: ${explainMs[i]!.toFixed(0)} ms (${x.bisection?.trials ?? 0} trials)`);
      }
      const speedups = one.map((v, i) => two[i]! / v);
      const figures: Figure[] = [
        { bench: 'explore', metric: 'forkrace file runs/min, --jobs 1', median: median(one), unit: 'runs/min', runs: RUNS },
        { bench: 'explore', metric: 'forkrace file runs/min, --jobs 2', median: median(two), unit: 'runs/min', runs: RUNS },
        { bench: 'explore', metric: 'speedup of --jobs 2 over --jobs 1', median: median(speedups), unit: 'x', runs: RUNS },
        { bench: 'explore', metric: 'explain forkrace file (racing pair)', median: median(explainMs), unit: 'ms', runs: RUNS },
      ];
      return figures;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
