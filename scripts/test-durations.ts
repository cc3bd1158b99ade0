/**
 * Reads what scripts/timing-reporter.ts wrote and prints the slowest test files and tests, the
 * failed ones, and the tests closest to their timeouts (timeout / duration, smallest first: the
 * suite's rule is at least 3 for a test alone, docs/testing.md).
 *
 *   npx tsx scripts/test-durations.ts TIMING.json [--top N] [--markdown] [--timeouts-from NOW.json]
 *
 * `--markdown` prints instead the audit table of docs/testing.md: per file, its time, the test
 * nearest its timeout with that timeout and the ratio, and the time outside its tests.
 * `--timeouts-from` takes each test's timeout from another report, e.g. of a run that only
 * collects (`vitest run -t NO_SUCH_TEST` with the reporter: every test skipped, its timeout
 * known), so durations measured once can be set against timeouts changed since.
 */
import { readFileSync } from 'node:fs';
import type { TimedFile, TimedTest, TimingReport } from './timing-reporter.js';

/** Reads a timing report, checking the fields used: anything else is a clear error, not a crash. */
export function readTiming(path: string): TimingReport {
  const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof raw !== 'object' || raw === null) throw new Error(`${path}: not a timing report`);
  const r = raw as Partial<TimingReport>;
  if (r.format !== 'xrr-test-timing-1' || !Array.isArray(r.files) || !Array.isArray(r.tests)) {
    throw new Error(`${path}: not a timing report of scripts/timing-reporter.ts (format xrr-test-timing-1)`);
  }
  if (typeof r.testTimeoutMs !== 'number' || typeof r.hookTimeoutMs !== 'number') throw new Error(`${path}: no testTimeoutMs/hookTimeoutMs`);
  for (const t of r.tests) {
    if (typeof t.file !== 'string' || typeof t.name !== 'string' || typeof t.durationMs !== 'number' || typeof t.timeoutMs !== 'number') {
      throw new Error(`${path}: a test row without file, name, durationMs or timeoutMs`);
    }
  }
  for (const f of r.files) {
    if (typeof f.file !== 'string' || typeof f.durationMs !== 'number' || typeof f.outsideTestsMs !== 'number') {
      throw new Error(`${path}: a file row without file, durationMs or outsideTestsMs`);
    }
  }
  return r as TimingReport;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const ratioOf = (t: TimedTest) => t.timeoutMs / Math.max(t.durationMs, 1);

function summary(r: TimingReport, top: number): void {
  const files = [...r.files].sort((a, b) => b.durationMs - a.durationMs);
  const ran = r.tests.filter((t) => t.state === 'passed' || t.state === 'failed');
  const tests = [...ran].sort((a, b) => b.durationMs - a.durationMs);
  console.log(`slowest files (of ${files.length}):`);
  for (const f of files.slice(0, top)) console.log(`  ${seconds(f.durationMs).padStart(9)}  ${f.file}${f.state === 'passed' ? '' : `  (${f.state})`}`);
  console.log(`slowest tests (of ${tests.length} run):`);
  for (const t of tests.slice(0, top)) console.log(`  ${seconds(t.durationMs).padStart(9)}  ${t.file} > ${t.name}${t.state === 'passed' ? '' : '  (failed)'}`);
  const close = [...ran].sort((a, b) => ratioOf(a) - ratioOf(b));
  console.log('closest to their timeouts (timeout / duration):');
  for (const t of close.slice(0, top)) console.log(`  ${ratioOf(t).toFixed(1).padStart(7)}x  ${seconds(t.durationMs).padStart(9)} of ${seconds(t.timeoutMs).padStart(8)}  ${t.file} > ${t.name}`);
  const hooks = [...files].sort((a, b) => b.outsideTestsMs - a.outsideTestsMs)[0];
  if (hooks) console.log(`most time outside tests (setup, hooks): ${seconds(hooks.outsideTestsMs)} in ${hooks.file} (hookTimeout ${seconds(r.hookTimeoutMs)})`);
  const failed = tests.filter((t) => t.state === 'failed');
  if (failed.length > 0) {
    console.log(`failed (${failed.length}):`);
    for (const t of failed) console.log(`  ${seconds(t.durationMs).padStart(9)} of ${seconds(t.timeoutMs).padStart(8)}  ${t.file} > ${t.name}`);
  }
}

function markdown(r: TimingReport): void {
  console.log('| test file | tests | file time | test nearest its timeout (its time) | its timeout | ratio | outside tests (hooks) |');
  console.log('|---|---:|---:|---|---:|---:|---:|');
  const byFile = new Map<string, TimedTest[]>();
  for (const t of r.tests) byFile.set(t.file, [...(byFile.get(t.file) ?? []), t]);
  const files: TimedFile[] = [...r.files].sort((a, b) => a.file.localeCompare(b.file));
  for (const f of files) {
    const tests = (byFile.get(f.file) ?? []).filter((t) => t.state === 'passed' || t.state === 'failed');
    // The test nearest its timeout stands for the file (usually the slowest).
    const worst = [...tests].sort((a, b) => ratioOf(a) - ratioOf(b))[0];
    const name = worst ? (worst.name.length > 60 ? `${worst.name.slice(0, 57)}...` : worst.name).replaceAll('|', '\\|') : '(none run)';
    console.log(
      `| ${f.file.replace(/^test\//, '')} | ${tests.length} | ${seconds(f.durationMs)} | ${name} (${worst ? seconds(worst.durationMs) : '-'}) | ` +
        `${worst ? seconds(worst.timeoutMs) : '-'} | ${worst ? `${ratioOf(worst).toFixed(0)}x` : '-'} | ${seconds(f.outsideTestsMs)} |`,
    );
  }
}

/** A test's name without hex numbers (the differential test names its run's random seed). */
const stableName = (t: TimedTest) => `${t.file}\u0000${t.name.replace(/0x[0-9a-f]+/g, '0x')}`;

/** `r` with each test's timeout as `now` has it (tests `now` does not know keep theirs). */
function withTimeoutsOf(r: TimingReport, now: TimingReport): TimingReport {
  const limits = new Map(now.tests.map((t) => [stableName(t), t.timeoutMs]));
  return { ...r, tests: r.tests.map((t) => ({ ...t, timeoutMs: limits.get(stableName(t)) ?? t.timeoutMs })) };
}

function main(argv: readonly string[]): number {
  const optionValues = new Set(['--top', '--timeouts-from']);
  const file = argv.find((a, i) => !a.startsWith('--') && !optionValues.has(argv[i - 1] ?? ''));
  if (!file) {
    console.error('usage: tsx scripts/test-durations.ts TIMING.json [--top N] [--markdown] [--timeouts-from NOW.json]');
    return 2;
  }
  const topAt = argv.indexOf('--top');
  const top = topAt >= 0 ? Number(argv[topAt + 1]) : 12;
  if (!Number.isInteger(top) || top < 1) {
    console.error('--top wants a positive whole number');
    return 2;
  }
  const nowAt = argv.indexOf('--timeouts-from');
  let report: TimingReport;
  try {
    report = readTiming(file);
    if (nowAt >= 0) {
      const now = argv[nowAt + 1];
      if (!now) throw new Error('--timeouts-from wants a timing report');
      report = withTimeoutsOf(report, readTiming(now));
    }
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    return 1;
  }
  if (argv.includes('--markdown')) markdown(report);
  else summary(report, top);
  return 0;
}

process.exit(main(process.argv.slice(2)));
