/**
 * Causality analysis (after Antithesis): rewind to K points before a failure, run M other
 * schedules forward from each, and see how likely the failure is from each point. Early on the
 * failure is as likely as for any run; from some point on every schedule fails: there the bug
 * became inevitable. The points are spread over the run up to the failure, and each point's
 * trials run on the explore worker threads.
 */
import type { MachineEvent } from '../core/events.js';
import { openRecording } from './engine.js';
import { forkTrials, type TrialLimits } from './forked-trial.js';

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
