/**
 * The random fault mode: each run's fault is drawn from its seed (server, message number, kind)
 * within the traffic a calibration run measured, and enters the machine as an input. Exploring
 * vfsstress this way finds an injected VFS crash, and the crash's recording reproduces it
 * exactly: the same crash, at the same icount, on the same message; explain says the fault, not
 * the schedule, decides it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGuestImage } from '../src/cli/guest-image.js';
import { openRecording } from '../src/explore/engine.js';
import { explain } from '../src/explore/explain.js';
import { calibrateTraffic, explore } from '../src/explore/explore.js';
import { drawFaults, FAULT_KINDS } from '../src/explore/random-faults.js';
import { replayJudged } from '../src/explore/run-once.js';
import { planOf, type ExploreSettings } from '../src/explore/run-plan.js';

const image = loadGuestImage();
const ARGV = ['/bin/vfsstress', '2', '60'];
const dir = mkdtempSync(join(tmpdir(), 'xrr-explore-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('random faults', () => {
  it('are drawn from the seed alone, within the calibrated traffic, of every kind', () => {
    const traffic = { 2: 500, 3: 80, 4: 20 };
    expect(drawFaults(7, traffic)).toEqual(drawFaults(7, traffic));
    const faults = Array.from({ length: 300 }, (_, i) => drawFaults(i + 1, traffic)).flat();
    expect(new Set(faults.map((f) => f.kind))).toEqual(new Set(FAULT_KINDS));
    for (const f of faults) {
      const target = 'server' in f ? f.server : f.src === 0 ? f.dst : f.src;
      expect([2, 3, 4]).toContain(target);
      expect(f.nth).toBeGreaterThanOrEqual(1);
      expect(f.nth).toBeLessThanOrEqual(traffic[target as 2 | 3 | 4]);
    }
    const settings: ExploreSettings = { argv: ARGV, strategy: { kind: 'random' }, faults: { kind: 'random', traffic }, timeout: 1e8 };
    expect(planOf(settings, 9).faults).toEqual(drawFaults(9, traffic));
    expect(planOf(settings, 9).chaos).toBe(9);
  });

  it('explore --faults random finds an injected VFS crash in vfsstress, and its recording reproduces it', async () => {
    const timeout = 100_000_000;
    const traffic = calibrateTraffic(ARGV, image.entries, timeout);
    expect(traffic[2]).toBeGreaterThan(100);
    const report = await explore({
      settings: { argv: ARGV, strategy: { kind: 'random' }, faults: { kind: 'random', traffic }, timeout },
      from: 1,
      to: 24,
      jobs: 2,
      root: image.entries,
      imageHash: image.hash,
      outDir: dir,
      keepPerClass: 1,
    });
    const vfsCrash = report.rows.find((r) => r.failing && r.cls.startsWith('server crash: vfs (threw)'));
    expect(vfsCrash, report.rows.map((r) => r.cls).join('\n')).toBeDefined();
    const first = report.runs.find((r) => r.seed === vfsCrash!.seed)!;
    expect(first.faults).toEqual([expect.stringMatching(/^crash:vfs:any:\d+$/)]);
    const kept = report.confirmations.find((c) => c.seed === vfsCrash!.seed)!;
    expect(kept.reproduced).toBe(true);

    // The fault is an input of the recording; replayed, the same crash happens at the same point.
    expect(kept.file).toBeDefined();
    const handle = await openRecording(kept.file!);
    try {
      const injects = handle.events(['inject']);
      expect(injects).toEqual([expect.objectContaining({ kind: 'inject', fault: expect.objectContaining({ kind: 'crash', server: 2 }) })]);
      const crashes = handle.events(['server-crash']);
      expect(crashes.length).toBeGreaterThan(0);
    } finally {
      handle.close();
    }
    const replayed = await replayJudged(kept.file!, {});
    expect(replayed.ok).toBe(true);
    if (!replayed.ok) return;
    expect(replayed.outcome).toEqual(first.outcome);
    expect(replayed.outcome.kind === 'server-crash' && replayed.outcome.crash.server).toBe('vfs');

    // explain: no schedule decides it; the injected fault does (without it the run passes).
    const x = await explain({ failing: kept.file!, limits: { rules: {}, timeout } });
    expect(x).toMatchObject({ kind: 'fault', faults: first.faults, without: { cls: 'pass' } });
  }, 600_000);
});
