/**
 * guest/src/ordering2.c, the depth-2 bug for comparing strategies: the bug is reachable (forked
 * from round robin just before the parent's commit, some schedules hit it), random chaos from
 * boot does not find it, and PCT of depth 2 does, over the same seeds; its failing runs are
 * recorded and replay to the same failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGuestImage } from '../src/cli/guest-image.js';
import { openRecording } from '../src/explore/engine.js';
import { calibrateSteps, explore } from '../src/explore/explore.js';
import { forkTrials } from '../src/explore/forked-trial.js';
import { recordPlan, replayJudged } from '../src/explore/run-once.js';
import { classOf } from '../src/explore/outcome.js';

const image = loadGuestImage();
const dir = mkdtempSync(join(tmpdir(), 'xrr-ordering2-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const BUG = 'exit 1: BUG: the child saw a complete batch of # records before it was committed';

describe('ordering2', () => {
  it('passes under round robin, and fails when the child runs between the last write and the commit', async () => {
    const file = join(dir, 'round-robin.db');
    const rr = await recordPlan({ seed: 1, initArgv: ['/sbin/init', '/bin/ordering2'], chaos: 0, faults: [], timeout: 1e8 }, image.entries, {}, file, { imageHash: image.hash, commandLine: ['test'] });
    expect(rr.cls).toBe('pass');
    const handle = await openRecording(file);
    try {
      const calls = handle.events(['syscall']);
      const rename = calls.find((e) => e.kind === 'syscall' && e.name === 'rename')!;
      const close = [...calls].reverse().find((e) => e.kind === 'syscall' && e.name === 'close' && e.icount < rename.icount)!;
      const trials = forkTrials(handle, close.icount - 1, Array.from({ length: 12 }, (_, i) => i + 1), { rules: {}, timeout: 1e8 });
      expect(trials.map((t) => t.cls)).toContain(BUG);
      expect(trials.map((t) => t.cls)).toContain('pass');
    } finally {
      handle.close();
    }
  });

  it('random chaos from boot does not find it in seeds 1..40 (the baseline for PCT)', async () => {
    const report = await explore({
      settings: { argv: ['/bin/ordering2'], strategy: { kind: 'random' }, faults: { kind: 'none' }, timeout: 1e8 },
      from: 1, to: 40, jobs: 2, root: image.entries, imageHash: image.hash, outDir: dir, keepPerClass: 0,
    });
    expect(report.rows).toEqual([expect.objectContaining({ cls: 'pass', count: 40 })]);
  }, 300_000);

  it('PCT of depth 2 finds it in fewer runs than random chaos over the same seeds, and its failures replay', async () => {
    const seeds = { from: 1, to: 150 };
    const steps = calibrateSteps(['/bin/ordering2'], image.entries, 1e8);
    expect(steps).toBeGreaterThan(30); // at least the parent's 30 writes
    const common = { from: seeds.from, to: seeds.to, jobs: 2, root: image.entries, imageHash: image.hash, outDir: dir };
    const pct = await explore({ ...common, settings: { argv: ['/bin/ordering2'], strategy: { kind: 'pct', depth: 2 }, faults: { kind: 'none' }, timeout: 1e8 }, keepPerClass: 1 });
    const random = await explore({ ...common, settings: { argv: ['/bin/ordering2'], strategy: { kind: 'random' }, faults: { kind: 'none' }, timeout: 1e8 }, keepPerClass: 0 });
    const found = (r: typeof pct) => r.runs.filter((x) => x.cls === BUG).map((x) => x.seed);
    // The counts (README, "Explore"): machine 5 gives PCT seeds 70, 135 and 136 of 1..150, chaos none.
    expect(found(random)).toEqual([]);
    expect(found(pct).length).toBeGreaterThanOrEqual(2);
    expect(pct.runs.filter((x) => x.cls !== BUG && x.cls !== 'pass')).toEqual([]);
    // Every failing seed ran again the same way; the first is recorded and replays to the same failure.
    expect(pct.confirmations.map((c) => c.reproduced)).toEqual(found(pct).map(() => true));
    const kept = pct.confirmations.find((c) => c.file !== undefined)!;
    for (let i = 0; i < 3; i++) {
      const again = await replayJudged(kept.file!, {});
      expect(again.ok && classOf(again.outcome)).toBe(BUG);
    }
  }, 600_000);
});
