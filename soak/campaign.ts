/**
 * What a soak campaign is: a named family of fault-injection cases, each tried once and counted
 * survived or lost. A campaign gets its own random generator (drawn from the run's seed and its
 * name, so `--only NAME --seed S` repeats its cases), its scale, and a Tally to report cases to.
 */
import type { Scale } from './options.js';
import type { Tally } from './tally.js';

export interface CampaignContext {
  /** Uniform in [0, 1), seeded by the run's seed and the campaign's name. */
  readonly random: () => number;
  readonly scale: Scale;
  /** A scratch directory of the campaign's own (removed at the end unless a case was lost). */
  readonly dir: string;
  readonly tally: Tally;
  /** A progress line on stderr. */
  readonly log: (line: string) => void;
}

export interface Campaign {
  readonly name: string;
  /** One line: what is tried and what survival means. */
  readonly what: string;
  run(ctx: CampaignContext): Promise<void>;
}

/** A random integer in [lo, hi]. */
export function between(random: () => number, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

export function pick<T>(random: () => number, from: readonly T[]): T {
  const item = from[Math.floor(random() * from.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}
