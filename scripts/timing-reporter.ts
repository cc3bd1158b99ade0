/**
 * A vitest reporter that writes, for every test, how long it took and the timeout it ran under
 * (its own or the config's testTimeout), and for every file its duration and the time outside its
 * tests (hooks: beforeAll building images, recording, ...). Used beside the default reporter:
 *
 *   XRR_TIMING_OUT=timing.json npx vitest run --reporter=default --reporter=./scripts/timing-reporter.ts
 *
 * scripts/test-durations.ts reads what it writes.
 */
import { writeFileSync } from 'node:fs';
import type { Reporter, TestCase, TestModule } from 'vitest/node';

export interface TimedTest {
  readonly file: string;
  readonly name: string;
  readonly state: string;
  readonly durationMs: number;
  readonly timeoutMs: number;
}

export interface TimedFile {
  readonly file: string;
  readonly state: string;
  readonly durationMs: number;
  /** The file's duration less its tests': setup, hooks and collection (an upper bound of the hooks). */
  readonly outsideTestsMs: number;
}

export interface TimingReport {
  readonly format: 'xrr-test-timing-1';
  readonly testTimeoutMs: number;
  readonly hookTimeoutMs: number;
  readonly files: readonly TimedFile[];
  readonly tests: readonly TimedTest[];
}

export default class TimingReporter implements Reporter {
  private testTimeoutMs = 0;
  private hookTimeoutMs = 0;

  onInit(ctx: { readonly config: { readonly testTimeout: number; readonly hookTimeout: number } }): void {
    this.testTimeoutMs = ctx.config.testTimeout;
    this.hookTimeoutMs = ctx.config.hookTimeout;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const files: TimedFile[] = [];
    const tests: TimedTest[] = [];
    for (const m of modules) {
      let inTests = 0;
      for (const t of m.children.allTests()) {
        const row = timed(m, t, this.testTimeoutMs);
        inTests += row.durationMs;
        tests.push(row);
      }
      const d = m.diagnostic().duration;
      files.push({ file: m.relativeModuleId, state: m.state(), durationMs: d, outsideTestsMs: Math.max(0, d - inTests) });
    }
    const out = process.env['XRR_TIMING_OUT'] ?? 'test-timing.json';
    const report: TimingReport = { format: 'xrr-test-timing-1', testTimeoutMs: this.testTimeoutMs, hookTimeoutMs: this.hookTimeoutMs, files, tests };
    writeFileSync(out, `${JSON.stringify(report, null, 1)}\n`);
  }
}

function timed(m: TestModule, t: TestCase, defaultTimeout: number): TimedTest {
  return {
    file: m.relativeModuleId,
    name: t.fullName,
    state: t.result().state,
    durationMs: t.diagnostic()?.duration ?? 0,
    timeoutMs: t.options.timeout ?? defaultTimeout,
  };
}
