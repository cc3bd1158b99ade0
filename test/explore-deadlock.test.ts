/**
 * A schedule-dependent deadlock (guest/src/lockorder.c: two processes take two pipe locks in
 * opposite orders). Explore calls a run whose processes all wait for ever a deadlock and names
 * each wait; its recording replays to the same deadlock; explain names the two lock operations
 * whose order decides it; and the causality analysis shows the deadlock growing certain along
 * the run: from the start most schedules pass, from the end every one deadlocks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGuestImage } from '../src/cli/guest-image.js';
import { causality, plotCausality } from '../src/explore/causality.js';
import { openRecording } from '../src/explore/engine.js';
import { explain } from '../src/explore/explain.js';
import { explore, type ExploreReport } from '../src/explore/explore.js';
import { replayJudged } from '../src/explore/run-once.js';

const image = loadGuestImage();
const limits = { rules: {}, timeout: 50_000_000 };
let dir: string;
let report: ExploreReport;
let deadlocked: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xrr-explore-deadlock-'));
  report = await explore({
    settings: { argv: ['/bin/lockorder'], strategy: { kind: 'random' }, faults: { kind: 'none' }, timeout: limits.timeout },
    from: 1,
    to: 12,
    jobs: 2,
    root: image.entries,
    imageHash: image.hash,
    outDir: dir,
    keepPerClass: 1,
  });
  deadlocked = report.confirmations.find((c) => c.file !== undefined)!.file!;
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a schedule-dependent deadlock', () => {
  it('is judged a deadlock in some schedules and passes in others', () => {
    const dead = report.rows.find((r) => r.failing)!;
    expect(dead.cls).toBe('deadlock: init: wait4: reply from pm, lockorder: read: reply from vfs, lockorder: read: reply from vfs');
    expect(report.rows.find((r) => r.cls === 'pass')?.count).toBeGreaterThan(0);
    const first = report.runs.find((r) => r.seed === dead.seed)!;
    expect(first.outcome.kind === 'deadlock' && first.outcome.waiting).toEqual([
      '1 init: wait4: reply from pm',
      expect.stringMatching(/^\d+ lockorder: read: reply from vfs$/),
      expect.stringMatching(/^\d+ lockorder: read: reply from vfs$/),
    ]);
    // Every failing seed was run again and failed alike; the first of them was recorded.
    expect(report.confirmations.map((c) => c.seed)).toEqual(dead.seeds);
    expect(report.confirmations.every((c) => c.reproduced)).toBe(true);
    expect(report.confirmations.filter((c) => c.file !== undefined).map((c) => c.seed)).toEqual([dead.seed]);
  });

  it('replays from its recording to the same deadlock', async () => {
    const replayed = await replayJudged(deadlocked, {});
    // The machine itself called it: the recording ends with the deadlock event and the halt.
    const handle = await openRecording(deadlocked);
    try {
      expect(handle.events().slice(-2).map((e) => (e.kind === 'halt' ? `halt ${e.reason}` : e.kind))).toEqual(['deadlock', 'halt deadlock']);
    } finally {
      handle.close();
    }
    const first = report.runs.find((r) => r.seed === report.rows.find((row) => row.failing)!.seed)!;
    expect(replayed.ok && replayed.outcome).toEqual(first.outcome);
  });

  it('explain names the two lock operations on the same pipe whose order decides it', async () => {
    const x = await explain({ failing: deadlocked, limits });
    if (x.kind !== 'schedule') throw new Error(`not explained by the schedule: ${x.kind}`);
    expect(x.passing.cls).toBe('pass');
    const { first, second } = x.pair!;
    expect(first.op).toMatchObject({ name: 'read', process: 'lockorder', result: 1 });
    expect(second.op).toMatchObject({ name: 'read', process: 'lockorder', result: undefined });
    expect(first.op.pid).not.toBe(second.op.pid);
    // The same lock (pipe read end), taken first by one process and then asked for by the other.
    expect(first.op.args[0]).toBe(second.op.args[0]);
    expect(x.pair!.passing.second.result).toBe(1);
    expect(first.caller).toMatch(/^rounds_of\+/);
    expect(second.caller).toMatch(/^rounds_of\+/);
  }, 300_000);

  it('causality: the deadlock becomes certain along the run', async () => {
    const r = await causality({ file: deadlocked, points: 4, schedules: 6, jobs: 2, limits });
    expect(r.points.length).toBe(4);
    for (const p of r.points) expect(p.trials).toBe(6);
    expect(r.points[0]!.failed).toBeLessThan(6);
    expect(r.points[3]!.failed).toBe(6);
    expect(r.inevitableAt).toBeDefined();
    expect(r.inevitableAt!).toBeGreaterThan(r.points[0]!.at);
    const plot = plotCausality(r).split('\n');
    expect(plot.filter((l) => /^\s*\d+ \|[#.]{40}\|/.test(l))).toHaveLength(4);
    expect(plot.some((l) => l.endsWith('<- inevitable from here'))).toBe(true);
  }, 300_000);
});
