/**
 * A recording killed at any moment keeps everything up to its last committed batch and opens
 * cleanly (DESIGN.md section 7): a child process appends in batches and is SIGKILLed at a random
 * moment; the file then opens, verifies, holds a whole number of batches (at least as many as
 * the child reported committed) and takes new events.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { journalSeq, ROOT_BRANCH, SqliteJournalStore, verify } from '../src/journal/index.js';
import { rng } from './journal-fixtures.js';

const CHILD = fileURLToPath(new URL('./journal-crash-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'xrr-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the child until it has reported `batches` commits, waits `delayMs` more, SIGKILLs it. */
function runAndKill(path: string, batch: number, batches: number, delayMs: number): Promise<{ reported: number; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, path, String(batch)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let reported = 0;
    let seen = 0;
    let out = '';
    let err = '';
    let killing = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const l of lines) {
        reported = Number(l);
        seen++;
      }
      if (seen >= batches && !killing) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code ?? signal}: ${err}`));
      else resolve({ reported, signal });
    });
  });
}

describe('journal crash safety', () => {
  it('a SIGKILLed recording opens cleanly and keeps every committed batch', async () => {
    const r = rng(2026);
    const batch = 1000;
    for (let round = 0; round < 3; round++) {
      const path = join(dir, `crash${round}.db`);
      const { reported } = await runAndKill(path, batch, 3 + ((r() * 8) | 0), (r() * 30) | 0);
      const s = await SqliteJournalStore.open(path);
      const count = s.countEvents(ROOT_BRANCH);
      expect(count % batch, `round ${round}: ${count} events`).toBe(0);
      expect(count).toBeGreaterThanOrEqual(reported);
      const report = verify(s);
      expect(report, JSON.stringify(report.problems)).toMatchObject({ ok: true, events: count });
      // The recording goes on where it stopped.
      const last = s.eventAt(ROOT_BRANCH, journalSeq(count - 1))!;
      s.append(ROOT_BRANCH, [{ kind: 'irq', line: 1, icount: last.icount + 1, seq: 0 }]);
      s.close();
      const again = await SqliteJournalStore.open(path, { readonly: true });
      expect(again.countEvents(ROOT_BRANCH)).toBe(count + 1);
      expect(verify(again).ok).toBe(true);
      again.close();
    }
  }, 120_000);
});
