/**
 * How the journal writer keeps pace with the machine (background-journal.ts, writer-priority.mjs):
 * its thread runs at a lower priority than the machine's (XRR_WRITER_NICE steps of nice; by default
 * 10 when the rest of the host leaves a core idle, writer-priority.mjs lookAtHost), and a writer that falls behind holds the machine's thread back once MAX_IN_FLIGHT messages
 * wait for it, so its backlog is bounded; nothing is lost either way. The writer is slowed for
 * real: another process holds the file's write lock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, getPriority, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { MACHINE_VERSION } from '../src/core/machine.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';
import { verify } from '../src/journal/verify.js';
import { BackgroundJournal, MAX_IN_FLIGHT, writerNice } from '../src/timeline/background-journal.js';
import { lookAtHost, othersBusyCores, spareCore } from '../src/journal/writer-priority.mjs';

const META = { machineVersion: MACHINE_VERSION, imageHash: 'x', seedHex: '00', bootEpochNs: '1', commandLine: ['t'], xrrVersion: 't' };
const ROOT = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'xrr-pace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The nice value of each thread of this process, by thread id (proc(5): stat field 19). */
function threadNices(): Map<number, number> {
  const out = new Map<number, number>();
  for (const t of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
      out.set(Number(t), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** Threads of this process at `nice`, polled until there are `count` (or a minute passes). */
async function threadsAt(nice: number, count: number): Promise<number> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const n = [...threadNices().values()].filter((v) => v === nice).length;
    if (n >= count || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const syscall = (i: number) => ({ kind: 'syscall' as const, pid: 7, nr: 29, name: 'getpid', args: [i, 0, 0, 0, 0, 0], icount: i, seq: 0 });

describe("the writer thread's priority", () => {
  it('is XRR_WRITER_NICE steps of nice below the process; by default 10 when the host left a core idle, 0 when not, decided by the writer while it loads when the host cannot tell yet; a bad value is refused by name', () => {
    const idle = () => true;
    const busy = () => false;
    const unknown = () => null;
    expect(writerNice({}, idle)).toEqual({ by: 10 });
    expect(writerNice({ XRR_WRITER_NICE: 'auto' }, idle)).toEqual({ by: 10 });
    expect(writerNice({}, busy)).toEqual({ by: 0 });
    expect(writerNice({}, unknown)).toEqual({ by: 10, whenSpare: true });
    expect(writerNice({ XRR_WRITER_NICE: '0' }, idle)).toEqual({ by: 0 });
    expect(writerNice({ XRR_WRITER_NICE: '19' }, busy)).toEqual({ by: 19 });
    for (const bad of ['-1', '20', '2.5', 'low']) expect(() => writerNice({ XRR_WRITER_NICE: bad }, idle)).toThrow(/XRR_WRITER_NICE must be auto or an integer from 0 to 19/);
  });

  it('counts the cores the rest of the host kept busy, its own threads left out', () => {
    // 100 ticks a second: 30 host ticks in 100 ms, 10 of them this process's: two cores' worth.
    expect(othersBusyCores({ busy: 1000, own: 50 }, { busy: 1030, own: 60 }, 100)).toBeCloseTo(2);
    expect(othersBusyCores({ busy: 1000, own: 50 }, { busy: 1010, own: 60 }, 100)).toBe(0);
    // Two cores: the rest of the host may keep half a core busy; a look shorter than 30 ms, or without /proc, tells nothing.
    if (availableParallelism() === 2) {
      expect(spareCore({ busy: 1000, own: 50 }, { busy: 1014, own: 60 }, 100)).toBe(true);
      expect(spareCore({ busy: 1000, own: 50 }, { busy: 1030, own: 60 }, 100)).toBe(false);
    }
    expect(spareCore({ busy: 1000, own: 50 }, { busy: 1000, own: 50 }, 20)).toBe(null);
    expect(spareCore(null, { busy: 1000, own: 50 }, 100)).toBe(null);
  });

  it.runIf(process.platform === 'linux' && availableParallelism() >= 2)('sees other processes keeping the cores busy', { timeout: 60_000 }, async () => {
    const spareSinceLast = lookAtHost();
    const spinners = Array.from({ length: availableParallelism() }, () =>
      spawn(process.execPath, ['-e', 'const t = Date.now(); while (Date.now() - t < 400) {}'], { stdio: 'ignore' }),
    );
    await Promise.all(spinners.map((c) => new Promise((r) => c.once('exit', r))));
    expect(spareSinceLast()).toBe(false);
    // A look shorter than the clock's ticks tells nothing.
    expect(spareSinceLast()).toBe(null);
  });

  it.runIf(process.platform === 'linux')('is lowered for the writer thread alone, and not at all with XRR_WRITER_NICE=0', { timeout: 120_000 }, async () => {
    const own = getPriority();
    const lowered = Math.min(19, own + 10);
    const before = await threadsAt(lowered, 0);
    const saved = process.env.XRR_WRITER_NICE;
    try {
      process.env.XRR_WRITER_NICE = '10';
      const journal = await BackgroundJournal.start(join(dir, 'nice.db'), META);
      journal.emit(syscall(0));
      await journal.synced();
      expect(await threadsAt(lowered, before + 1)).toBe(before + 1);
      // The machine's thread keeps its priority.
      expect(threadNices().get(process.pid)).toBe(own);
      expect(await journal.close()).toBe(1);

      process.env.XRR_WRITER_NICE = '0';
      const plain = await BackgroundJournal.start(join(dir, 'plain.db'), META);
      plain.emit(syscall(0));
      await plain.synced();
      expect([...threadNices().values()].filter((v) => v === lowered).length).toBe(before);
      expect(await plain.close()).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.XRR_WRITER_NICE;
      else process.env.XRR_WRITER_NICE = saved;
    }
  });
});

describe('a writer that falls behind', () => {
  it('holds the machine back at MAX_IN_FLIGHT messages, and still commits every event', { timeout: 180_000 }, async () => {
    const path = join(dir, 'slow.db');
    const journal = await BackgroundJournal.start(path, META);
    journal.emit(syscall(0));
    await journal.synced();
    // Another process takes the write lock for two seconds: the writer's next commit waits for it.
    const holder: ChildProcess = spawn(
      process.execPath,
      ['-e', `const db = new (require('better-sqlite3'))(${JSON.stringify(path)}); db.exec('BEGIN IMMEDIATE'); console.log('locked'); setTimeout(() => { db.exec('COMMIT'); db.close(); }, 2000);`],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((ok, fail) => {
      holder.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && ok());
      holder.once('exit', (code) => fail(new Error(`the lock holder exited (${String(code)}) before it locked`)));
    });
    const EVENTS = (MAX_IN_FLIGHT + 16) * 4096;
    for (let i = 1; i <= EVENTS; i++) journal.emit(syscall(i));
    // The machine's thread waited for the writer, and never had more than the limit outstanding.
    expect(journal.waitedMs).toBeGreaterThan(0);
    expect(journal.maxBacklog).toBeLessThanOrEqual(MAX_IN_FLIGHT + 1);
    expect(journal.maxBacklog).toBeGreaterThan(MAX_IN_FLIGHT / 2);
    await new Promise((r) => (holder.exitCode === null ? holder.once('exit', r) : r(null)));
    expect(journal.failure).toBeUndefined();
    expect(await journal.close()).toBe(EVENTS + 1);
    const store = await SqliteJournalStore.open(path, { readonly: true, create: false });
    expect(verify(store).ok).toBe(true);
    expect(store.eventAt(ROOT_BRANCH, EVENTS as never)?.event).toMatchObject({ args: [EVENTS, 0, 0, 0, 0, 0], icount: EVENTS });
    store.close();
  });
});

describe('a writer with nothing to do', () => {
  it('copies the write-ahead log into the file meanwhile, so that closing has little left to copy', { timeout: 120_000 }, async () => {
    const path = join(dir, 'idle.db');
    const journal = await BackgroundJournal.start(path, META);
    const fileBytes = (): number => statSync(path).size;
    const empty = fileBytes();
    for (let i = 0; i < 100_000; i++) journal.emit(syscall(i));
    await journal.synced();
    // Everything is committed to the log; the idle writer checkpoints it into the file before any close.
    const deadline = Date.now() + 60_000;
    while (fileBytes() < empty + (1 << 20) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(fileBytes()).toBeGreaterThan(empty + (1 << 20));
    expect(await journal.close()).toBe(100_000);
  });
});

describe("the machine's thread", () => {
  it('never transfers a buffer to the writer: a detached ArrayBuffer would slow every typed array of the machine for good (row-batch.ts)', { timeout: 120_000 }, async () => {
    const post = vi.spyOn(Worker.prototype, 'postMessage');
    try {
      const journal = await BackgroundJournal.start(join(dir, 'copied.db'), META);
      for (let i = 0; i < 20_000; i++) journal.emit({ kind: 'console-output', data: new Uint8Array([i & 255, 10]), icount: i, seq: 0 });
      await journal.synced();
      expect(await journal.close()).toBe(20_000);
      const rows = post.mock.calls.filter(([m]) => (m as { type?: string }).type === 'rows');
      expect(rows.length).toBeGreaterThanOrEqual(4);
      for (const call of post.mock.calls) expect(call[1]).toBeUndefined();
    } finally {
      post.mockRestore();
    }
  });
});
