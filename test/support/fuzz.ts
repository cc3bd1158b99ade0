/**
 * Seeds and counts for the property-based fuzz tests (test/fuzz-*.test.ts), on fast-check.
 *
 * - The seed is FUZZ_SEED when set, otherwise drawn at random; either way it is printed when a
 *   fuzz file loads and is written into every failure message, so any failure can be repeated with
 *   `FUZZ_SEED=<seed> npx vitest run test/fuzz-<target>.test.ts`. fast-check's own replay path
 *   (printed by fast-check in the message) can be given as FUZZ_PATH to run the failing case first.
 * - Every property runs a fixed count of cases (small enough for CI), multiplied by FUZZ_RUNS
 *   (default 1) for longer runs on a developer's machine: `FUZZ_RUNS=20`.
 */
import fc from 'fast-check';

function envInt(name: string, fallback: () => number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback();
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got '${raw}'`);
  return n;
}

/** The seed of this test process: FUZZ_SEED, or a fresh one (printed). */
export const FUZZ_SEED = envInt('FUZZ_SEED', () => Math.floor(Math.random() * 0x7fff_ffff), 0) | 0;
/** How many times the base counts are run: FUZZ_RUNS (default 1). */
export const FUZZ_RUNS = envInt('FUZZ_RUNS', () => 1, 1);
const FUZZ_PATH = process.env['FUZZ_PATH'];

/** How to repeat this process's cases. */
export const repeatHint = (): string => `repeat with FUZZ_SEED=${FUZZ_SEED}` + (FUZZ_RUNS === 1 ? '' : ` FUZZ_RUNS=${FUZZ_RUNS}`);

/** Print the seed once, so that a run that passes can be repeated too (`file`: the test's name). */
export function announceSeed(file: string): void {
  console.log(`[fuzz] ${file}: FUZZ_SEED=${FUZZ_SEED} FUZZ_RUNS=${FUZZ_RUNS}`);
}

/** The count of cases for a property whose CI count is `base`. */
export function runs(base: number): number {
  return base * FUZZ_RUNS;
}

/** fast-check parameters: this process's seed, `base` cases scaled by FUZZ_RUNS, FUZZ_PATH if given. */
export function params<T>(base: number): fc.Parameters<T> {
  return { seed: FUZZ_SEED, numRuns: runs(base), ...(FUZZ_PATH ? { path: FUZZ_PATH } : {}) };
}

/** Rethrows `e` with the seed and how to repeat it at the front of its message. */
export function withSeed(what: string, e: unknown): Error {
  // fast-check puts the property's own error in `cause`: its message says what failed.
  const cause = e instanceof Error && e.cause instanceof Error ? `\nGot error: ${e.cause.message}` : '';
  const message = (e instanceof Error ? e.message : String(e)) + cause;
  const err = new Error(`${what} failed (${repeatHint()}):\n${message}`);
  if (e instanceof Error && e.stack) err.stack = `${err.message}\n${e.stack.split('\n').slice(1).join('\n')}`;
  return err;
}

/** Checks a synchronous property with this process's seed; a failure names the seed. */
export function check<Ts extends [unknown, ...unknown[]]>(what: string, base: number, arbs: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  predicate: (...args: Ts) => boolean | void): void {
  try {
    fc.assert(fc.property(...arbs, predicate), params<Ts>(base));
  } catch (e) {
    throw withSeed(what, e);
  }
}

/** Samples `count` values of `arb` from this process's seed (for loops that are not properties). */
export function sample<T>(arb: fc.Arbitrary<T>, count: number): T[] {
  return fc.sample(arb, { seed: FUZZ_SEED, numRuns: count });
}

/** Checks an asynchronous property with this process's seed; a failure names the seed. */
export async function checkAsync<Ts extends [unknown, ...unknown[]]>(what: string, base: number, arbs: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  predicate: (...args: Ts) => Promise<boolean | void>, more: fc.Parameters<Ts> = {}): Promise<void> {
  try {
    await fc.assert(fc.asyncProperty(...arbs, predicate), { ...params<Ts>(base), ...more });
  } catch (e) {
    throw withSeed(what, e);
  }
}
