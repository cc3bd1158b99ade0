/**
 * The real `xrr` command as the fault-injection tests and `npm run soak` drive it: run to its end
 * (bin/xrr.mjs in a child Node), wait for a condition by bounded polling, wait for a child's
 * exit, and read what a recording has committed so far from outside, read-only.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

export interface XrrResult {
  readonly status: number;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The command did not end within its time limit (it was killed). */
  readonly hung: boolean;
}

/** `xrr ARGS...` run to its end; a command still running after `timeoutMs` counts as hung. */
export function xrr(...args: string[]): XrrResult {
  return xrrWithin(180_000, args);
}

export function xrrWithin(timeoutMs: number, args: readonly string[]): XrrResult {
  const r = spawnSync(process.execPath, ['bin/xrr.mjs', ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 << 20 });
  return { status: r.status ?? -1, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', hung: r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' };
}

/** Waits (polling every `everyMs`, at most `tries` times) until `test` holds. */
export async function until(what: string, test: () => boolean, tries = 2400, everyMs = 50): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (test()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** Row ids of branch `branch` (id = (branch - 1) * 2^40 + seq). */
function branchIds(branch: number): [number, number] {
  return [(branch - 1) * 2 ** 40, branch * 2 ** 40 - 1];
}

/**
 * The bytes of every committed event of `kind` ('console-input', 'console-output') on `branch`,
 * in order, read-only from outside; null when the file has no such table yet (or is unreadable).
 */
export function committedBytes(file: string, kind: string, branch = 1): Buffer | null {
  if (!existsSync(file)) return null;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const [lo, hi] = branchIds(branch);
      const rows = db
        .prepare('SELECT data FROM v_event_fields WHERE kind = (SELECT code FROM event_kind WHERE name = ?) AND id BETWEEN ? AND ? ORDER BY id')
        .all(kind, lo, hi) as { data: Buffer | null }[];
      return Buffer.concat(rows.map((r) => r.data ?? Buffer.alloc(0)));
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}

/** The console input committed to the file so far, or null before it has a schema. */
export function committedInput(file: string, branch = 1): string | null {
  return committedBytes(file, 'console-input', branch)?.toString('latin1') ?? null;
}
