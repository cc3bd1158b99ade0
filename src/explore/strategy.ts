/**
 * Scheduling strategies of `xrr explore`. `random` is the machine's chaos scheduling with the
 * run's seed (so explore seed N is `xrr run --chaos N`); `pct:DEPTH` is PCT (Burckhardt et al.,
 * ASPLOS 2010) with the run's seed: random process priorities and DEPTH-1 change points drawn
 * among the first STEPS system calls. STEPS is a run's length in system calls: given as
 * `pct:DEPTH:STEPS`, or measured once from a round-robin run of the program (calibrateSteps).
 * Both are the machine's recorded scheduling inputs, so every run replays exactly.
 */
import { PCT_MAX_DEPTH, PCT_MAX_STEPS, type SchedulePolicySpec } from '../core/events.js';

export type Strategy =
  | { readonly kind: 'random' }
  /** `steps` undefined: not measured yet (explore measures it before the first run). */
  | { readonly kind: 'pct'; readonly depth: number; readonly steps?: number };

export const DEFAULT_PCT_DEPTH = 3;

/** `random`, `pct`, `pct:DEPTH` or `pct:DEPTH:STEPS`; undefined when the text is none of them. */
export function parseStrategy(text: string): Strategy | undefined {
  if (text === 'random') return { kind: 'random' };
  const m = /^pct(?::(\d+)(?::(\d+))?)?$/.exec(text);
  if (!m) return undefined;
  const depth = m[1] === undefined ? DEFAULT_PCT_DEPTH : Number(m[1]);
  if (!(depth >= 1 && depth <= PCT_MAX_DEPTH)) return undefined;
  if (m[2] === undefined) return { kind: 'pct', depth };
  const steps = Number(m[2]);
  return steps >= 1 && steps <= PCT_MAX_STEPS ? { kind: 'pct', depth, steps } : undefined;
}

/** The strategy as parseStrategy reads it (with the measured steps, so a command line reproduces a run). */
export function strategyName(s: Strategy): string {
  if (s.kind === 'random') return 'random';
  return s.steps === undefined ? `pct:${s.depth}` : `pct:${s.depth}:${s.steps}`;
}

/** The chaos seed of run `seed` under the random strategy: the seed itself (0 would be round robin). */
export function chaosSeedOf(seed: number): number {
  if (!Number.isSafeInteger(seed) || seed < 1 || seed > 0xffff_ffff) throw new RangeError(`an explore seed is from 1 to 4294967295, got ${seed}`);
  return seed;
}

/** The scheduling policy run `seed` is given: chaos with the seed, or PCT with the seed. */
export function policyOf(s: Strategy, seed: number): SchedulePolicySpec {
  const at = chaosSeedOf(seed);
  if (s.kind === 'random') return { kind: 'chaos', seed: at };
  if (s.steps === undefined) throw new Error('the pct strategy has no step horizon yet: calibrate it first (calibrateSteps)');
  return { kind: 'pct', seed: at, depth: s.depth, steps: s.steps };
}
