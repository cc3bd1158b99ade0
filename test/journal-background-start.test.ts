/**
 * How a recording's writer thread starts (background-journal.ts start): a new file is created by
 * the recorder, which goes on at once while the thread loads, and everything emitted meanwhile is
 * committed in order; a file that holds something is checked by the writer before the machine
 * runs (not a journal, or a recording already: refused); a path that cannot be created is refused
 * with its cause. The thread does not inherit a tsx loader from the command line.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MACHINE_VERSION } from '../src/core/machine.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';
import { verify } from '../src/journal/verify.js';
import { BackgroundJournal, writerExecArgv } from '../src/timeline/background-journal.js';

const META = { machineVersion: MACHINE_VERSION, imageHash: 'x', seedHex: '00', bootEpochNs: '1', commandLine: ['t'], xrrVersion: 't' };
const dir = mkdtempSync(join(tmpdir(), 'xrr-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('starting a recording', () => {
  it('creates a new file itself and takes events at once; the writer commits them all, in order', { timeout: 60_000 }, async () => {
    const path = join(dir, 'new.db');
    const journal = await BackgroundJournal.start(path, META);
    // Created by the recorder, not by the writer thread, which may still be loading.
    expect(existsSync(path)).toBe(true);
    for (let i = 0; i < 10_000; i++) journal.emit({ kind: 'syscall', pid: 7, nr: 29, name: 'getpid', args: [i, 0, 0, 0, 0, 0], icount: i, seq: 0 });
    journal.commit();
    await journal.synced();
    expect(journal.failure).toBeUndefined();
    expect(await journal.close()).toBe(10_000);
    const store = await SqliteJournalStore.open(path, { readonly: true, create: false });
    expect(verify(store).ok).toBe(true);
    const last = store.eventAt(ROOT_BRANCH, 9999 as never)?.event;
    expect(last).toMatchObject({ kind: 'syscall', args: [9999, 0, 0, 0, 0, 0], icount: 9999 });
    store.close();
  });

  it('refuses a file that is not a journal before anything runs, and leaves it alone', { timeout: 60_000 }, async () => {
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'not a journal\n'.repeat(100));
    await expect(BackgroundJournal.start(path, META)).rejects.toThrow(/NOT_A_DATABASE|NOT_A_JOURNAL|not an xrr journal|not a database/i);
    expect(statSync(path).size).toBe('not a journal\n'.length * 100);
  });

  it('refuses a journal that holds a recording already', { timeout: 60_000 }, async () => {
    const path = join(dir, 'twice.db');
    const first = await BackgroundJournal.start(path, META);
    first.emit({ kind: 'irq', line: 1, icount: 1, seq: 0 });
    expect(await first.close()).toBe(1);
    await expect(BackgroundJournal.start(path, META)).rejects.toThrow(/recording/i);
  });

  it('refuses a path that cannot be created, naming it', async () => {
    const path = join(dir, 'no-such-directory', 'r.db');
    await expect(BackgroundJournal.start(path, META)).rejects.toThrow(`cannot create the journal ${path}`);
  });
});

describe("the writer thread's node options", () => {
  it('drop the tsx loader a command line registered (npx tsx, --import tsx) and keep every other option', () => {
    const npxTsx = ['--require', '/w/node_modules/tsx/dist/preflight.cjs', '--import', 'file:///w/node_modules/tsx/dist/loader.mjs'];
    expect(writerExecArgv(npxTsx)).toEqual([]);
    expect(writerExecArgv(['--import', 'tsx', '--cpu-prof', '--cpu-prof-dir=/tmp/p'])).toEqual(['--cpu-prof', '--cpu-prof-dir=/tmp/p']);
    expect(writerExecArgv(['--import=tsx', '--require=./x.cjs', '--loader', './tsxlike.mjs', '--enable-source-maps'])).toEqual(['--require=./x.cjs', '--loader', './tsxlike.mjs', '--enable-source-maps']);
    expect(writerExecArgv(['--import', './tools/tsx/hooks.mjs'])).toEqual([]);
  });

  it('leave out what Node refuses a thread: xrr record under node --max-semi-space-size records (V8 options are the process\'s)', { timeout: 120_000 }, async () => {
    const path = join(dir, 'v8-option.db');
    const xrr = join(import.meta.dirname, '..', 'bin', 'xrr.mjs');
    const out = execFileSync(process.execPath, ['--max-semi-space-size=32', '--stack-size=2000', xrr, 'record', '--out', path, '/bin/true'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out + '').not.toMatch(/execArgv/);
    const store = await SqliteJournalStore.open(path, { readonly: true, create: false });
    expect(verify(store).ok).toBe(true);
    expect(store.countEvents(ROOT_BRANCH)).toBeGreaterThan(100);
    store.close();
  });
});
