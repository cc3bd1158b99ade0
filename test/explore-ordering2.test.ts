/**
 * guest/src/ordering2.c, the depth-2 bug for comparing strategies: the bug is reachable (forked
 * from round robin just before the parent's commit, some schedules hit it) yet random chaos from
 * boot does not find it in the first 40 seeds, which is the baseline PCT is to beat once the
 * kernel has its scheduling-policy hook.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGuestImage } from '../src/cli/guest-image.js';
import { openRecording } from '../src/explore/engine.js';
import { explore } from '../src/explore/explore.js';
import { forkTrials } from '../src/explore/forked-trial.js';
import { recordPlan } from '../src/explore/run-once.js';

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
});
