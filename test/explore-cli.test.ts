/**
 * `xrr explore` and `xrr explain` as a user runs them: explore prints the outcome table and the
 * confirmed recordings and exits 1 when a run failed; explain prints the racing pair from a kept
 * recording, also against a passing recording given beside it (moving the failing run towards
 * that run's schedule), and with --causality a plot along the run.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'xrr-explore-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

async function xrr(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(console, 'log').mockImplementation((s: unknown) => void (out += `${String(s)}\n`));
  vi.spyOn(console, 'error').mockImplementation((s: unknown) => void (err += `${String(s)}\n`));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const code = await main(argv);
  return { code, out, err };
}

describe('xrr explore and xrr explain', () => {
  it('explores lockorder, tables the outcomes, explains a deadlock against a passing run, and plots its causality', async () => {
    const explored = await xrr(['explore', '--seeds', '1..8', '--jobs', '2', '--keep', '1', '--out', dir, '/bin/lockorder']);
    expect(explored.code).toBe(1);
    expect(explored.err).toMatch(/explore: 8\/8 runs, \d+ runs\/min, \d+ failing/);
    expect(explored.out).toMatch(/^8 runs in [\d.]+ s/);
    const deadlockRow = /^\s*(\d+)\s+[\d.]+%\s+(\d+)\s+FAIL deadlock: init: wait4: reply from pm, lockorder: read/m.exec(explored.out);
    expect(deadlockRow).not.toBeNull();
    const passRow = /^\s*(\d+)\s+[\d.]+%\s+(\d+)\s+ok\s+pass$/m.exec(explored.out);
    expect(passRow).not.toBeNull();
    const failingSeed = deadlockRow![2]!;
    expect(explored.out).toMatch(/failing seeds run again: (\d+) of \1 reproduced\n/);
    expect(explored.out).toContain(`seed ${failingSeed.padStart(6)}  reproduced  ${join(dir, `explore-lockorder-${failingSeed}.db`)}`);

    // A passing seed kept too, by marking its "OK" as a failure, to give explain the passing run.
    const passSeed = passRow![2]!;
    const passDir = join(dir, 'pass');
    expect((await xrr(['explore', '--seeds', `${passSeed}..${passSeed}`, '--jobs', '1', '--fail-on', '^OK:', '--out', passDir, '/bin/lockorder'])).code).toBe(1);

    const failing = join(dir, `explore-lockorder-${failingSeed}.db`);
    // The kept recording carries the debug files of the programs that ran, init's and lockorder's.
    const kept = await SqliteJournalStore.open(failing, { readonly: true, create: false });
    const keyOf = (rel: string) => createHash('sha256').update(readFileSync(rel)).digest('hex');
    expect(kept.debugFileKeys()).toEqual([keyOf('guest/image/sbin/init'), keyOf('guest/image/bin/lockorder')].sort());
    expect(Buffer.from(kept.debugFile(keyOf('guest/image/bin/lockorder'))!).equals(readFileSync('guest/bin/lockorder'))).toBe(true);
    kept.close();
    const alone = await xrr(['explain', failing]);
    expect(alone.code).toBe(0);
    expect(alone.out).toContain('passing: pass (the failing run with chaos scheduling turned off at icount');
    const pairOf = (text: string) => text.slice(text.indexOf('racing pair'));
    expect(pairOf(alone.out)).toMatch(/read\(\d+, 0x[0-9a-f]+, 1\) = 1\n[\s\S]*ran before\n[\s\S]*read\(\d+, 0x[0-9a-f]+, 1\) \(did not return\)/);

    const against = await xrr(['explain', failing, join(passDir, `explore-lockorder-${passSeed}.db`)]);
    expect(against.code).toBe(0);
    expect(against.out).toContain(`(the passing run's) taken at icount`);
    expect(pairOf(against.out)).toMatch(/ran before\n[\s\S]*\(did not return\)/);

    const plot = await xrr(['explain', '--causality', '--points', '3', '--schedules', '4', '--jobs', '2', failing]);
    expect(plot.code).toBe(0);
    expect(plot.out.split('\n').filter((l) => /^\s*\d+ \|[#.]{40}\|\s+\d+% \(\d\/4\)/.test(l))).toHaveLength(3);
  }, 600_000);

  it('explain refuses a passing recording and a missing file clearly', async () => {
    const passDir = join(dir, 'pass');
    const files = (await import('node:fs')).readdirSync(passDir).filter((f) => f.endsWith('.db'));
    // Judged by the rule it was explored with (its "OK" line fails), it has a failure, though one no schedule avoids...
    const marked = await xrr(['explain', join(passDir, files[0]!)]);
    expect(marked.code).toBe(1);
    expect(marked.err).toContain('the failure does not depend on the schedule');
    // ... and judged by another rule it simply passes.
    const passing = await xrr(['explain', '--fail-on', 'no such line', join(passDir, files[0]!)]);
    expect(passing.code).toBe(1);
    expect(passing.err).toContain('there is no failure to explain');
    const missing = await xrr(['explain', join(dir, 'nonesuch.db')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no such recording');
  });
});
