/**
 * A setup file (vitest.config.ts) that holds every test to the suite's timeout floor: a test whose
 * timeout is below TEST_TIMEOUT_FLOOR_MS fails before it runs, naming its timeout. The suite runs
 * on a busy 2-core machine, where a test takes several times as long as it does alone; the config's
 * testTimeout is the floor, and a test may raise its own timeout but never lower it.
 */
import { beforeEach } from 'vitest';

export const TEST_TIMEOUT_FLOOR_MS = 60_000;

beforeEach((ctx) => {
  const t = ctx.task.timeout;
  if (t < TEST_TIMEOUT_FLOOR_MS) {
    throw new Error(`this test's timeout is ${t} ms, below the suite's floor of ${TEST_TIMEOUT_FLOOR_MS} ms (docs/testing.md: timeouts are generous, at least 3x the time alone)`);
  }
});
