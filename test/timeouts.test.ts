/**
 * The suite's timeouts (docs/testing.md, "Timeouts and load"): the config keeps its generous
 * defaults, and the setup file test/support/timeout-floor.ts refuses any test that lowers its own
 * timeout below the floor (the last test here does, and must fail).
 */
import { describe, expect, it } from 'vitest';
import config from '../vitest.config.js';
import { TEST_TIMEOUT_FLOOR_MS } from './support/timeout-floor.js';

describe('timeouts', () => {
  it('vitest.config.ts: testTimeout is the floor, hookTimeout at least twice it, and the floor is enforced for every file', () => {
    const t = config.test;
    expect(t?.testTimeout).toBe(TEST_TIMEOUT_FLOOR_MS);
    expect(t?.hookTimeout ?? 0).toBeGreaterThanOrEqual(2 * TEST_TIMEOUT_FLOOR_MS);
    expect(t?.setupFiles).toContain('test/support/timeout-floor.ts');
  });

  it('a test that raises its timeout runs under it', ({ task }) => {
    expect(task.timeout).toBe(300_000);
  }, 300_000);

  // The body passes; only the floor's beforeEach (registered by the import above, as by the setup
  // file in every other file) can make this test fail, as it.fails expects.
  it.fails('a test that lowers its timeout below the floor fails before it runs', ({ task }) => {
    expect(task.timeout).toBe(5_000);
  }, 5_000);
});
