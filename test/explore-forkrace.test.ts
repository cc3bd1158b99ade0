/**
 * Explore and explain on the race of `forkrace file` (the parent takes "the file exists" for
 * "the child has written it"): exploration finds failing seeds within a bounded number of runs
 * and keeps confirmed recordings of them; every kept recording replays, event for event, to the
 * same failure (20 of 20); and explain names the racing pair: the parent's read of the file
 * ran before the child's write into it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGuestImage } from '../src/cli/guest-image.js';
import { explain } from '../src/explore/explain.js';
import { explore, recordingPathOf, type ExploreReport } from '../src/explore/explore.js';
import { replayJudged } from '../src/explore/run-once.js';
import { classOf } from '../src/explore/outcome.js';

const image = loadGuestImage();
const SEEDS = 20;
let dir: string;
let report: ExploreReport;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xrr-explore-'));
  report = await explore({
    settings: { argv: ['/bin/forkrace', 'file'], strategy: { kind: 'random' }, faults: { kind: 'none' }, timeout: 50_000_000 },
    from: 1,
    to: SEEDS,
    jobs: 2,
    root: image.entries,
    imageHash: image.hash,
    outDir: dir,
    keepPerClass: SEEDS,
  });
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('xrr explore on forkrace file', () => {
  it('runs every seed once and finds the race within the first seeds', () => {
    expect(report.runs.map((r) => r.seed)).toEqual(Array.from({ length: SEEDS }, (_, i) => i + 1));
    const failing = report.runs.filter((r) => r.outcome.kind !== 'pass');
    expect(failing.length).toBeGreaterThan(0);
    expect(failing[0]!.seed).toBeLessThanOrEqual(10);
    const race = report.rows.find((r) => r.failing && r.cls.includes('RACE: read # of # lines'));
    expect(race).toBeDefined();
    expect(race!.cls).toMatch(/^exit 1: /);
    // The table accounts for every run, one seed named per class.
    expect(report.rows.reduce((n, r) => n + r.count, 0)).toBe(SEEDS);
    for (const row of report.rows) expect(row.seeds).toContain(row.seed);
  });

  it('re-runs every failing seed under the recorder, and each fails again the same way', () => {
    const failing = report.runs.filter((r) => r.outcome.kind !== 'pass');
    expect(report.confirmations.map((c) => c.seed)).toEqual(failing.map((r) => r.seed));
    for (const c of report.confirmations) {
      expect(c.reproduced).toBe(true);
      expect(c.file).toBe(recordingPathOf(dir, '/bin/forkrace', c.seed));
    }
  });

  it('every failing recording replays, every event compared, to the same failure (20 of 20)', async () => {
    const kept = report.confirmations.slice(0, 20);
    expect(kept.length).toBe(20);
    let same = 0;
    for (const c of kept) {
      const first = report.runs.find((r) => r.seed === c.seed)!;
      const replayed = await replayJudged(c.file!, {});
      expect(replayed.ok).toBe(true);
      if (replayed.ok && classOf(replayed.outcome) === first.cls && replayed.icount === first.icount) same++;
    }
    expect(same).toBe(20);
  }, 300_000);
});

describe('xrr explain on a forkrace file failure', () => {
  it('names the racing pair: the parent read the file before the child wrote the rest of it', async () => {
    const seed = report.confirmations[0]!.seed;
    const x = await explain({ failing: recordingPathOf(dir, '/bin/forkrace', seed), limits: { rules: {}, timeout: 50_000_000 } });
    if (x.kind !== 'schedule') throw new Error(`not explained by the schedule: ${x.kind}`);
    expect(x.failing.cls).toContain('RACE');
    expect(x.passing.cls).toBe('pass');
    expect(x.bisection).toBeDefined();
    expect(x.bisection!.failsFrom).toBe(x.bisection!.passesUntil + 1);
    const pair = x.pair!;
    expect(pair).toBeDefined();
    // The two operations: the parent's read of the output file, the child's write into it.
    expect(pair.first.op).toMatchObject({ name: 'read', process: 'forkrace', file: '/tmp/forkrace.out' });
    expect(pair.second.op).toMatchObject({ name: 'write', process: 'forkrace', file: '/tmp/forkrace.out' });
    expect(pair.first.op.pid).not.toBe(pair.second.op.pid);
    expect(pair.first.op.message).toMatch(/^VFS_READ: fd=\d+ count=256$/);
    expect(pair.second.op.message).toMatch(/^VFS_WRITE: fd=\d+ data="line \d+\\n"/);
    // The read came up short in the failing run; in the passing run it came after the write and got a full buffer.
    expect(pair.first.op.result).toBeLessThan(256);
    expect(pair.passing.first.result).toBe(256);
    expect(pair.first.op.icount).toBeLessThan(pair.second.op.icount);
    expect(pair.passing.second.index).toBeLessThan(pair.passing.first.index);
    // Located in the program: the libc wrappers, called from race_file.
    expect(pair.first.func).toMatch(/^read\b/);
    expect(pair.second.func).toMatch(/^write\b/);
    expect(pair.first.caller).toMatch(/^race_file\+/);
    expect(pair.second.caller).toMatch(/^race_file\+/);
  }, 300_000);
});
