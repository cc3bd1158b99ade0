/**
 * For the TUI's tests: a real boot recorded by the CLI (`xrr record`, by default the shell
 * running `echo hello` and `forkrace`) into a temporary file, opened writable (the keys bookmark and
 * fork); and waiting for a frame of an App rendered with ink-testing-library.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT_BRANCH } from '../../src/journal/ids.js';
import { SqliteJournalStore } from '../../src/journal/sqlite-store.js';
import type { JournalStore } from '../../src/journal/store.js';

const XRR = resolve(import.meta.dirname, '../../bin/xrr.mjs');

export interface RecordOptions {
  /** Console input (default: `echo hello` and `forkrace` at the shell). */
  readonly input?: string;
  /** More arguments of `xrr record` (options, then a program to boot instead of the shell). */
  readonly args?: readonly string[];
}

export async function recordBoot(options: RecordOptions = {}): Promise<{ store: JournalStore; end: number; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'xrr-tui-test-'));
  const input = join(dir, 'input.txt');
  const file = join(dir, 'boot.db');
  writeFileSync(input, options.input ?? 'echo hello\nforkrace\n');
  const args = ['record', '--seed', '0', '--epoch', '1750000000', '--input', input, '--out', file, ...(options.args ?? [])];
  const r = spawnSync(process.execPath, [XRR, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`xrr record failed (${r.status}): ${r.stderr}`);
  const store = await SqliteJournalStore.open(file, { readonly: false, create: false });
  const end = store.events(ROOT_BRANCH, { order: 'desc', limit: 1 })[0]?.icount ?? 0;
  return { store, end, file };
}

/** The frame once `pred` holds (polled; a generous bound for a busy machine). */
export async function waitFor(frame: () => string | undefined, pred: (f: string) => boolean, what: string, ms = 60_000): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const f = frame() ?? '';
    if (pred(f)) return f;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}; screen:\n${f}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const settled = (f: string) => f.includes('[PAUSED]');
