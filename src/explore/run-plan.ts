/**
 * One run of an exploration: the program, the seed, and the inputs the seed gives it (a chaos
 * seed, faults). Every run of an exploration boots the same machine (entropy seed, boot epoch
 * and key seed are fixed), so a run is a function of its seed alone: `--seeds 17..17` gives the
 * same run again, on any day, and its recording replays it.
 */
import { createHash } from 'node:crypto';
import type { EventSink, Fault, SchedulePolicySpec } from '../core/events.js';
import { Machine, type RunStop } from '../core/machine.js';
import { createServers } from '../servers/create-servers.js';
import type { RootFsEntry } from '../servers/vfs/root-fs.js';
import { drawFaults, type TrafficCounts } from './random-faults.js';
import { policyOf, type Strategy } from './strategy.js';
import type { EndOfRun } from './outcome.js';

/** What every run of one exploration shares (plain data: it is posted to the worker threads). */
export interface ExploreSettings {
  /** The program and its arguments, as init runs it (a guest path first). */
  readonly argv: readonly string[];
  readonly strategy: Strategy;
  /** Faults per run: none, or drawn from the seed within the calibration run's traffic. */
  readonly faults: { readonly kind: 'none' } | { readonly kind: 'random'; readonly traffic: TrafficCounts };
  /** A console pattern that marks a run as failing. */
  readonly failOn?: string;
  /** Instructions after which a run is stopped and judged a timeout. */
  readonly timeout: number;
}

/** One run: its seed and the inputs drawn from it. */
export interface RunPlan {
  readonly seed: number;
  readonly initArgv: readonly string[];
  /** Chaos scheduling seed (0: round robin); `schedule`, when given, is applied instead. */
  readonly chaos: number;
  /** The scheduling policy (PCT runs), a recorded input like the chaos seed. */
  readonly schedule?: SchedulePolicySpec;
  readonly faults: readonly Fault[];
  readonly timeout: number;
}

export function planOf(settings: ExploreSettings, seed: number): RunPlan {
  const policy = policyOf(settings.strategy, seed);
  return {
    seed,
    initArgv: ['/sbin/init', ...settings.argv],
    ...(policy.kind === 'chaos' ? { chaos: policy.seed } : { chaos: 0, schedule: policy }),
    faults: settings.faults.kind === 'random' ? drawFaults(seed, settings.faults.traffic) : [],
    timeout: settings.timeout,
  };
}

const fixedBytes = (label: string) => Uint8Array.from(createHash('sha256').update(label).digest());

/** The machine every exploration boots: fixed, so a run depends on its seed alone. */
export const EXPLORE_MACHINE = {
  entropySeed: fixedBytes('xrr explore: entropy'),
  keySeed: fixedBytes('xrr explore: ipc keys'),
  /** 2026-01-01T00:00:00Z. */
  bootEpochNs: 1_767_225_600n * 1_000_000_000n,
} as const;

/** A machine ready to boot `initArgv` over `root` (events to `sink`). */
export function exploreMachine(root: readonly RootFsEntry[], initArgv: readonly string[], sink?: EventSink): Machine {
  return new Machine({
    seed: EXPLORE_MACHINE.entropySeed,
    bootEpochNs: EXPLORE_MACHINE.bootEpochNs,
    keySeed: EXPLORE_MACHINE.keySeed,
    servers: createServers(root, EXPLORE_MACHINE.bootEpochNs),
    sink,
    initArgv,
  });
}

/** The plan's inputs, right after boot: faults armed, then the scheduling policy. */
export function applyPlanInputs(machine: Machine, plan: Pick<RunPlan, 'chaos' | 'schedule' | 'faults'>): void {
  for (const f of plan.faults) machine.inject(f);
  if (plan.schedule) machine.schedule(plan.schedule);
  else if (plan.chaos !== 0) machine.chaos(plan.chaos);
}

/** What each blocked process waits for, one line each ("12 forkrace: read: reply from vfs"). */
export function waitingProcesses(machine: Machine): string[] {
  return machine.waiting().map((w) => `${w.pid} ${w.name}: ${w.wait}`);
}

/**
 * How a run ended. A deadlock halts the machine with a `deadlock` event (the judge reads it);
 * an exploration has no console input either, so a machine that idles with a process waiting
 * for the console can never go on too, and is judged a deadlock the same way.
 */
export function endOf(machine: Machine, stop: RunStop): EndOfRun {
  switch (stop.kind) {
    case 'halted': return { kind: 'halted', status: stop.status, reason: stop.reason };
    case 'idle': return { kind: 'deadlock', waiting: waitingProcesses(machine) };
    case 'limit': return { kind: 'timeout', icount: machine.icount };
    default: {
      const _exhaustive: never = stop;
      return _exhaustive;
    }
  }
}
