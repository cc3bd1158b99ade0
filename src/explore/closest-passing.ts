/**
 * A passing run as close as possible to a failing chaos-scheduled one: the failing run to icount
 * T, then round robin (or another chaos seed) from T, with T bisected to the latest point that
 * still passes. The two then differ from one scheduling decision on.
 */
import type { MachineEvent } from '../core/events.js';
import type { RecordingHandle } from './engine.js';
import { forkTrial, inputsAt, scheduleStart, type TrialLimits, type TrialResult } from './forked-trial.js';
import { eventKey } from './timeline-compare.js';

/**
 * The chaos seed of `passing` when it is the same run as `failing` up to their chaos inputs
 * (same machine, program and faults: only the schedule differs); undefined otherwise.
 */
export function sameRunBeforeChaos(failing: readonly MachineEvent[], passing: readonly MachineEvent[]): number | undefined {
  const f = failing.findIndex((e) => e.kind === 'chaos');
  const p = passing.findIndex((e) => e.kind === 'chaos');
  const chaos = passing[p];
  if (f < 0 || p !== f || chaos?.kind !== 'chaos') return undefined;
  for (let i = 0; i < f; i++) if (eventKey(failing[i]!) !== eventKey(passing[i]!)) return undefined;
  return chaos.seed;
}

/**
 * Bisect the icount at which chaos is turned off (or switched to the passing run's seed): the
 * latest that passes, the earliest that fails. Chaos can only have changed the schedule where the failing run has a scheduling event
 * (a chaos preemption, or a pick other than the queue's head, is one), so the outcome of "off at
 * T" changes only at those icounts: the bisection runs over them, then checks its answer with
 * the trial one instruction before (and, should that not pass, bisects every icount between).
 */
export type ClosestPassing =
  | { readonly ok: true; readonly trial: TrialResult; readonly passesUntil: number; readonly failsFrom: number; readonly trials: number }
  /** The run fails (in any way) from the start of chaos with the other schedule too: the schedule does not decide it. */
  | { readonly ok: false; readonly reason: 'schedule-independent' };

export function closestPassing(handle: RecordingHandle, F: readonly MachineEvent[], limits: TrialLimits, say: (line: string) => void, towards: number): ClosestPassing {
  const chaosOn = scheduleStart(F);
  if (!chaosOn) throw new Error('the failing run has no chaos or PCT scheduling to turn off: give a passing recording to compare it with (xrr explain FAILING PASSING)');
  let trials = 0;
  const trial = (t: number, keepEvents = false) => {
    trials++;
    return forkTrial(handle, t, towards, limits, { keepEvents, inputs: inputsAt(F, t) });
  };
  // Any failure counts: the passing side must pass, so that the two runs differ in the outcome and
  // not only in how they fail (an injected fault fires on another message under another schedule).
  const fails = (t: number): boolean => trial(t).outcome.kind !== 'pass';
  const start = chaosOn.icount;
  const end = F[F.length - 1]!.icount;
  if (fails(start)) return { ok: false, reason: 'schedule-independent' };
  const points = [...new Set(F.filter((e) => e.kind === 'sched' && e.icount > start).map((e) => e.icount)), end];
  let lo = -1;
  let hi = points.length - 1;
  if (!fails(points[hi]!)) throw new Error('the failing run does not fail again when re-run from its end: the recording is incomplete');
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (fails(points[mid]!)) hi = mid;
    else lo = mid;
    say(`bisecting the scheduling points: ${hi - lo} left (${trials} trials)`);
  }
  let failsFrom = points[hi]!;
  let passesUntil = failsFrom - 1;
  let passing = trial(passesUntil, true);
  if (passing.outcome.kind !== 'pass') {
    // A decision away from the scheduling events: bisect every icount in between.
    let a = lo < 0 ? start : points[lo]!;
    let b = failsFrom;
    while (b - a > 1) {
      const mid = Math.floor((a + b) / 2);
      if (fails(mid)) b = mid;
      else a = mid;
    }
    failsFrom = b;
    passesUntil = a;
    passing = trial(a, true);
  }
  return { ok: true, trial: passing, passesUntil, failsFrom, trials };
}
