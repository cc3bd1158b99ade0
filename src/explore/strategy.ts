/**
 * Scheduling strategies of `xrr explore`. `random` is the machine's chaos scheduling with the
 * run's seed (so explore seed N is `xrr run --chaos N`); `pct:DEPTH` is PCT (Burckhardt et al.,
 * ASPLOS 2010), which needs a scheduling-policy hook in the kernel that does not exist yet: it is
 * parsed, and refused with a clear error until the kernel has it.
 */
export type Strategy = { readonly kind: 'random' } | { readonly kind: 'pct'; readonly depth: number };

/** A strategy the parser understood but this build cannot run. */
export class StrategyUnavailable extends Error {}

export const DEFAULT_PCT_DEPTH = 3;

/** `random`, `pct` or `pct:DEPTH`; undefined when the text is none of them. */
export function parseStrategy(text: string): Strategy | undefined {
  if (text === 'random') return { kind: 'random' };
  const m = /^pct(?::(\d+))?$/.exec(text);
  if (!m) return undefined;
  const depth = m[1] === undefined ? DEFAULT_PCT_DEPTH : Number(m[1]);
  return depth >= 1 && depth <= 64 ? { kind: 'pct', depth } : undefined;
}

export function strategyName(s: Strategy): string {
  return s.kind === 'random' ? 'random' : `pct:${s.depth}`;
}

/** Throws StrategyUnavailable for a strategy this machine cannot run. */
export function checkAvailable(s: Strategy): void {
  if (s.kind === 'pct') {
    throw new StrategyUnavailable(
      'the pct strategy needs the kernel\'s scheduling-policy hook (priorities and change points as a recorded input), which this build does not have yet; use --strategy random',
    );
  }
}

/** The chaos seed of run `seed` under the random strategy: the seed itself (0 would be round robin). */
export function chaosSeedOf(seed: number): number {
  if (!Number.isSafeInteger(seed) || seed < 1 || seed > 0xffff_ffff) throw new RangeError(`an explore seed is from 1 to 4294967295, got ${seed}`);
  return seed;
}
