/**
 * Causality analysis (after Antithesis): rewind to K points before a failure, run M other
 * schedules forward from each, and see how likely the failure is from each point. Early on the
 * failure is as likely as for any run; from some point on every schedule fails: there the bug
 * became inevitable. The points are spread over the run up to the failure, and each point's
 * trials run on the explore worker threads.
 */
import type { MachineEvent } from '../core/events.js';
import { openRecording } from './engine.js';
import { EXPLORE_WORKER } from './explore-worker-url.js';
import type { ExploreJob, ExploreJobResult } from './explore-worker.js';
import { forkTrials, inputsAt, scheduleStart, type TrialLimits } from './forked-trial.js';
import { classOf } from './outcome.js';
import { judgeRecording } from './run-once.js';
import { WorkerPool } from './worker-pool.js';

/** Trials from one point of a recording (a worker job). */
export interface TrialsJob {
  readonly kind: 'trials';
  readonly file: string;
  readonly at: number;
  readonly seeds: readonly number[];
  readonly limits: TrialLimits;
  /** Inputs recorded at `at` itself, given before the trial's chaos seed (see forkTrial). */
  readonly inputs: readonly MachineEvent[];
}

/** The outcome class of each trial, in the order of the seeds. */
export async function runTrials(job: TrialsJob): Promise<readonly string[]> {
  const handle = await openRecording(job.file);
  try {
    return forkTrials(handle, job.at, job.seeds, job.limits, job.inputs).map((t) => t.cls);
  } finally {
    handle.close();
  }
}

export interface CausalityPoint {
  readonly at: number;
  readonly trials: number;
  /** Trials that failed in the failing run's class. */
  readonly failed: number;
}

export interface CausalityReport {
  readonly cls: string;
  readonly points: readonly CausalityPoint[];
  /** The first point from which every trial failed (the bug inevitable), if any. */
  readonly inevitableAt: number | undefined;
}

/** K points from `from` to `to` (both included), evenly spaced. */
export function spreadPoints(from: number, to: number, k: number): number[] {
  if (k <= 1 || to <= from) return [to];
  const out = new Set<number>();
  for (let i = 0; i < k; i++) out.add(Math.round(from + ((to - from) * i) / (k - 1)));
  return [...out];
}

/** Seeds for the trials of one point: M of them, away from the failing run's own. */
export function trialSeeds(m: number, avoid: number): number[] {
  const out: number[] = [];
  for (let s = 1; out.length < m; s++) if (s !== avoid) out.push(s);
  return out;
}

export function causalityOf(cls: string, points: readonly CausalityPoint[]): CausalityReport {
  const firstAlways = points.findIndex((p, i) => p.failed === p.trials && points.slice(i).every((q) => q.failed === q.trials));
  return { cls, points, inevitableAt: firstAlways < 0 ? undefined : points[firstAlways]!.at };
}

/** A text plot: one row per point, a bar of the failure probability. */
export function plotCausality(r: CausalityReport, width = 40): string {
  const lines = [`failure probability (${r.cls}) from each point, by icount:`, ''];
  const w = Math.max(...r.points.map((p) => String(p.at).length));
  for (const p of r.points) {
    const share = p.trials === 0 ? 0 : p.failed / p.trials;
    const bar = '#'.repeat(Math.round(share * width)).padEnd(width, '.');
    const mark = p.at === r.inevitableAt ? '  <- inevitable from here' : '';
    lines.push(`${String(p.at).padStart(w)} |${bar}| ${(share * 100).toFixed(0).padStart(3)}% (${p.failed}/${p.trials})${mark}`);
  }
  return lines.join('\n');
}

export interface CausalityRequest {
  readonly file: string;
  /** Points along the run. */
  readonly points: number;
  /** Schedules run from each point. */
  readonly schedules: number;
  readonly jobs: number;
  readonly limits: TrialLimits;
  readonly progress?: (done: number, total: number) => void;
}

/** Fork at `points` icounts from the start of chaos to the end, run `schedules` seeds from each. */
export async function causality(req: CausalityRequest): Promise<CausalityReport> {
  const handle = await openRecording(req.file);
  let events: MachineEvent[];
  let cls: string;
  try {
    const outcome = judgeRecording(handle, req.limits.rules);
    if (outcome.kind === 'pass') throw new Error(`${req.file} passes: there is no failure to trace back`);
    cls = classOf(outcome);
    events = handle.events();
  } finally {
    handle.close();
  }
  const chaosOn = scheduleStart(events);
  const from = chaosOn?.icount ?? 0;
  const to = events[events.length - 1]?.icount ?? 0;
  const seeds = trialSeeds(req.schedules, chaosOn?.kind === 'chaos' ? chaosOn.seed : 0);
  const ats = spreadPoints(from, to, req.points);
  const pool = new WorkerPool<ExploreJob, ExploreJobResult>(EXPLORE_WORKER, Math.max(1, Math.min(req.jobs, ats.length)), {});
  let done = 0;
  try {
    const points = await Promise.all(
      ats.map(async (at): Promise<CausalityPoint> => {
        const inputs = inputsAt(events, at);
        const r = await pool.run({ kind: 'trials', file: req.file, at, seeds, limits: req.limits, inputs });
        if (!Array.isArray(r)) throw new Error('a worker answered trials with something else');
        const classes = r as readonly string[];
        req.progress?.(++done, ats.length);
        return { at, trials: classes.length, failed: classes.filter((c) => c === cls).length };
      }),
    );
    return causalityOf(cls, points);
  } finally {
    await pool.close();
  }
}
