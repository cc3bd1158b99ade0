/**
 * A trial: the recorded run up to an icount, then on live with another scheduling input (chaos
 * off, or another chaos seed), judged like an explore run. Explain bisects over trials with chaos
 * turned off at later and later points; the causality analysis runs many seeds from each point.
 */
import { ArrayEventSink, type MachineEvent } from '../core/events.js';
import { EventTee } from './event-tee.js';
import type { Machine } from '../core/machine.js';
import type { RecordingHandle } from './engine.js';
import { classOf, judge, RunObserver, type JudgeRules, type Outcome } from './outcome.js';
import { endOf } from './run-plan.js';

export interface TrialResult {
  readonly at: number;
  readonly chaos: number;
  readonly outcome: Outcome;
  readonly cls: string;
  /** Every event of the trial's timeline (the recorded prefix too), when asked for. */
  readonly events?: readonly MachineEvent[];
  /** The trial's machine at its end (its channel keys open the trial's messages). */
  readonly machine: Machine;
}

export interface TrialLimits {
  readonly rules: JudgeRules;
  /** The icount at which a trial is stopped and judged a timeout. */
  readonly timeout: number;
}

function finish(machine: Machine, observer: RunObserver, at: number, chaos: number, limits: TrialLimits, events?: ArrayEventSink, inputs: readonly MachineEvent[] = []): TrialResult {
  for (const e of inputs) machine.applyInput(e);
  machine.chaos(chaos);
  const stop = machine.run(Math.max(limits.timeout, machine.icount));
  const outcome = judge(observer, endOf(machine, stop), limits.rules);
  return { at, chaos, outcome, cls: classOf(outcome), machine, ...(events ? { events: events.events } : {}) };
}

/**
 * The recording up to `at`, then chaos scheduling from `chaos` (0: round robin) to the end.
 * A machine at `at` has not yet taken the inputs recorded at `at` itself (faults armed at boot):
 * `inputs` are given to it first (the caller leaves out the chaos input it replaces).
 */
export function forkTrial(handle: RecordingHandle, at: number, chaos: number, limits: TrialLimits, opts: { keepEvents?: boolean; inputs?: readonly MachineEvent[] } = {}): TrialResult {
  const observer = new RunObserver();
  const events = opts.keepEvents ? new ArrayEventSink() : undefined;
  const machine = handle.machineAt(at, events ? new EventTee([observer, events]) : observer);
  return finish(machine, observer, at, chaos, limits, events, opts.inputs);
}

/**
 * Where the recorded run's own schedule starts: its first chaos input (seed not 0) or scheduling
 * policy other than round robin (PCT). Trials replace the schedule from there on.
 */
export function scheduleStart(events: readonly MachineEvent[]): MachineEvent | undefined {
  return events.find((e) => (e.kind === 'chaos' && e.seed !== 0) || (e.kind === 'schedule' && e.policy.kind !== 'round-robin'));
}

/** Recorded inputs at icount `at` other than chaos (faults armed with it), for a trial from there. */
export function inputsAt(events: readonly MachineEvent[], at: number): MachineEvent[] {
  return events.filter((e) => e.icount === at && (e.kind === 'inject' || e.kind === 'console-input' || e.kind === 'idle'));
}

/** Many trials from one point: one seek, then a copy of the machine per seed. */
export function forkTrials(handle: RecordingHandle, at: number, seeds: readonly number[], limits: TrialLimits, inputs: readonly MachineEvent[] = []): TrialResult[] {
  const base = new RunObserver();
  const origin = handle.machineAt(at, base);
  return seeds.map((seed) => {
    const observer = base.clone();
    return finish(handle.copyOf(origin, observer), observer, at, seed, limits, undefined, inputs);
  });
}
