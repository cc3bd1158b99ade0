/**
 * How explore judges a run and what its command line accepts: every way a run can end gets its
 * outcome class (exit status, console pattern, deadlock, instruction limit, pass); strategies
 * this build cannot run are refused with exit 2; the rules a recording was explored under are
 * read back from its command line; guest symbols name addresses as nm does.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadGuestImage, REPO_ROOT } from '../src/cli/guest-image.js';
import { main } from '../src/cli/main.js';
import { commandLineOf, explore } from '../src/explore/explore.js';
import type { MachineEvent } from '../src/core/events.js';
import { classOf, RunObserver } from '../src/explore/outcome.js';
import { summarizeRun } from '../src/explore/run-summary.js';
import { recordedLimits } from '../src/explore/recorded-rules.js';
import { runPlain } from '../src/explore/run-once.js';
import { parseStrategy, policyOf, strategyName } from '../src/explore/strategy.js';

const image = loadGuestImage();
const plan = (argv: string[], chaos: number, timeout = 50_000_000) => ({ seed: chaos || 1, initArgv: ['/sbin/init', ...argv], chaos, faults: [], timeout });

describe('judging a run', () => {
  it('passes a run that exits 0, and fails one that exits non-zero, by its last console line', () => {
    const ok = runPlain(plan(['/bin/forkrace', 'file'], 0), image.entries, {});
    expect(ok.outcome).toEqual({ kind: 'pass', line: 'OK: read all 400 lines the child wrote' });
    expect(ok.cls).toBe('pass');
    const bad = runPlain(plan(['/bin/forkrace', 'file'], 3), image.entries, {});
    expect(bad.outcome).toMatchObject({ kind: 'exit', status: 1 });
    // Numbers do not split a class: how many lines were read varies from seed to seed.
    expect(bad.cls).toBe('exit 1: RACE: read # of # lines: the child had not finished writing');
  });

  it('fails a run whose console matches --fail-on, even when it exits 0', () => {
    const r = runPlain(plan(['/bin/forkrace', 'file'], 0), image.entries, { failOn: 'read all \\d+ lines' });
    expect(r.outcome).toEqual({ kind: 'console', pattern: 'read all \\d+ lines', line: 'OK: read all 400 lines the child wrote' });
  });

  it('calls a machine whose processes all wait for what cannot come a deadlock, naming each wait', () => {
    const r = runPlain(plan(['/bin/cat'], 0), image.entries, {});
    expect(r.outcome.kind).toBe('deadlock');
    expect(r.outcome.kind === 'deadlock' && r.outcome.waiting).toEqual(['1 init: wait4: reply from pm', expect.stringMatching(/^\d+ cat: console input$/)]);
    expect(r.cls).toBe('deadlock: init: wait4: reply from pm, cat: console input');
  });

  it('stops a run at the instruction limit and calls it a timeout', () => {
    const r = runPlain(plan(['/bin/forkrace', 'file'], 0, 20_000), image.entries, {});
    expect(r.outcome).toEqual({ kind: 'timeout', icount: 20_000 });
    expect(classOf(r.outcome)).toBe('timeout: instruction limit reached');
  });
});

describe('a run xrr cannot carry out', () => {
  it('is an outcome of its own, not the end of the exploration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xrr-explore-error-'));
    try {
      const report = await explore({
        settings: { argv: ['/bin/true'], strategy: { kind: 'random' }, faults: { kind: 'none' }, timeout: 1_000_000 },
        // A root filesystem without init: the machine cannot boot.
        from: 1, to: 2, jobs: 2, root: image.entries.filter((e) => e.path !== '/sbin/init'), imageHash: image.hash, outDir: dir, keepPerClass: 1,
      });
      expect(report.rows).toEqual([expect.objectContaining({ cls: expect.stringMatching(/^xrr error: cannot start \/sbin\/init/), count: 2, failing: true })]);
      expect(report.confirmations).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('strategies', () => {
  it('parses random and pct[:DEPTH[:STEPS]], and gives each seed its scheduling policy', () => {
    expect(parseStrategy('random')).toEqual({ kind: 'random' });
    expect(parseStrategy('pct')).toEqual({ kind: 'pct', depth: 3 });
    expect(parseStrategy('pct:2')).toEqual({ kind: 'pct', depth: 2 });
    expect(parseStrategy('pct:0')).toBeUndefined();
    expect(parseStrategy('chaos')).toBeUndefined();
    expect(parseStrategy('pct:2:150')).toEqual({ kind: 'pct', depth: 2, steps: 150 });
    expect(parseStrategy('pct:2:0')).toBeUndefined();
    expect(strategyName({ kind: 'pct', depth: 2, steps: 150 })).toBe('pct:2:150');
    expect(policyOf({ kind: 'random' }, 9)).toEqual({ kind: 'chaos', seed: 9 });
    expect(policyOf({ kind: 'pct', depth: 2, steps: 150 }, 9)).toEqual({ kind: 'pct', seed: 9, depth: 2, steps: 150 });
    expect(() => policyOf({ kind: 'pct', depth: 2 }, 9)).toThrow(/calibrate/);
  });
});

describe('xrr explore arguments', () => {
  afterEach(() => vi.restoreAllMocks());

  async function run(argv: string[]): Promise<{ code: number; err: string }> {
    let err = '';
    vi.spyOn(console, 'error').mockImplementation((s: unknown) => void (err += `${String(s)}\n`));
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const code = await main(argv);
    return { code, err };
  }

  it('exits 2 with a clear message for bad options', async () => {
    expect((await run(['explore'])).err).toContain('PROGRAM is required');
    for (const bad of [['--seeds', '5..2'], ['--seeds', '0..3'], ['--faults', 'some'], ['--fail-on', '('], ['--strategy', 'fifo'], ['--jobs', '0']]) {
      const r = await run(['explore', ...bad, '/bin/forkrace', 'file']);
      expect(r.code, bad.join(' ')).toBe(2);
    }
    expect((await run(['explore', '/bin/nonesuch'])).err).toContain('no such program');
  });
});

describe('a recording remembers how it was judged', () => {
  it('reads --fail-on and --timeout back from the explore command line it keeps', () => {
    const cl = commandLineOf({ argv: ['/bin/forkrace', 'file', '--timeout', '5'], strategy: { kind: 'random' }, faults: { kind: 'none' }, failOn: 'RACE', timeout: 1234 }, 17);
    expect(cl.slice(0, 4)).toEqual(['xrr', 'explore', '--seeds', '17..17']);
    // The program's own arguments (even one spelled like an option) are not read as explore's.
    expect(recordedLimits(cl)).toEqual({ rules: { failOn: 'RACE' }, timeout: 1234 });
    expect(recordedLimits(['xrr', 'record', '--timeout', '5'])).toEqual({ rules: {}, timeout: 200_000_000 });
  });
});

describe('the end-of-run summary', () => {
  it('names a server crash with the message by name, a kill by signal, and a deadlock with each wait', () => {
    const seen = new RunObserver();
    const ev = (body: Record<string, unknown>, icount: number) => ({ ...body, icount, seq: 0 }) as unknown as MachineEvent;
    seen.emit(ev({ kind: 'server-crash', server: 2, name: 'vfs', cause: 'threw', mType: 102, source: 9, error: 'injected crash', stack: [] }, 160_591));
    seen.emit(ev({ kind: 'signal', pid: 12, signo: 11, action: 'terminate' }, 170_000));
    seen.emit(ev({ kind: 'signal', pid: 12, signo: 17, action: 'deliver' }, 170_001));
    expect(summarizeRun(seen, { kind: 'deadlock', waiting: ['1 init: wait4, reply from pm', '8 cat: console input'] })).toEqual([
      'server crash: vfs (threw) handling VFS_READ from pid 9 at icount 160591: injected crash',
      'killed: pid 12 by SIGSEGV at icount 170000',
      'deadlock: every process waits and nothing can wake one',
      '  1 init: wait4, reply from pm',
      '  8 cat: console input',
    ]);
    expect(summarizeRun(new RunObserver(), { kind: 'halted', status: 0, reason: 'init exited' })).toEqual([]);
  });
});
