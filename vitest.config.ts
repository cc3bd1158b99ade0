import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Generous: the suite must pass beside a CPU hog (npm run test:load); every timeout is at
    // least 3x its test's time alone (docs/testing.md has the audit). The setup file refuses a
    // test that lowers its timeout below testTimeout.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    setupFiles: ['test/support/timeout-floor.ts'],
    // The machine is CPU-bound and the CI box has two cores.
    maxWorkers: 2,
  },
});
