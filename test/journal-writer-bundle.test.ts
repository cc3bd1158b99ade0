/**
 * The journal writer thread loads as one JavaScript bundle (writer-worker-bundle.mjs) instead of
 * through tsx: built once into a private cache directory, found again without a rebuild, naming
 * its packages by file so it loads from anywhere, and a real recording made through it.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MACHINE_VERSION } from '../src/core/machine.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';
import { writerBundle } from '../src/journal/writer-worker-bundle.mjs';
import { BackgroundJournal } from '../src/timeline/background-journal.js';

describe('the writer bundle', () => {
  it('is built once into a private directory and found again, its packages named by file', () => {
    const first = writerBundle();
    expect(first).not.toBeNull();
    const file = fileURLToPath(first!);
    expect(statSync(join(file, '..')).mode & 0o077).toBe(0);
    const built = statSync(file).mtimeMs;
    expect(writerBundle()).toBe(first);
    expect(statSync(file).mtimeMs).toBe(built);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/from "better-sqlite3"/);
    expect(text).toMatch(/from "file:\/\/[^"]*better-sqlite3[^"]*"/);
    expect(text).toMatch(/var SqliteJournalStore = class/);
  });

  it('writes a recording the store then reads', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xrr-bundle-'));
    try {
      const path = join(dir, 'r.db');
      const journal = await BackgroundJournal.start(path, { machineVersion: MACHINE_VERSION, imageHash: 'x', seedHex: '00', bootEpochNs: '1', commandLine: ['t'], xrrVersion: 't' });
      for (let i = 0; i < 5000; i++) journal.emit({ kind: 'syscall', pid: 7, nr: 29, name: i % 2 ? 'getpid' : 'write', args: [i, 0, 0, 0, 0, 0], icount: i, seq: 0 });
      expect(await journal.close()).toBe(5000);
      const store = await SqliteJournalStore.open(path, { readonly: true, create: false });
      expect(store.eventAt(ROOT_BRANCH, 4999 as never)?.event).toEqual({ kind: 'syscall', pid: 7, nr: 29, name: 'getpid', args: [4999, 0, 0, 0, 0, 0], icount: 4999, seq: 0 });
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
