/**
 * A recording written by the journal writer thread (journal/writer-worker.ts): the machine's
 * thread only collects events into batches and snapshots into messages, which keeps recording
 * close to the speed of an unrecorded run. Always the root branch of a new file.
 *
 * Nothing recorded waits long on this thread: a batch goes to the writer (which commits each
 * message as it arrives) when it is full, when COMMIT_MS of host time have passed since the last
 * one, and whenever the driver calls commit() (the machine waits for input). A failure of the
 * writer (disk full) never throws into the machine's run: the journal stops taking events,
 * `failure` says why, and the driver stops the run; close() always ends the thread.
 */
import { closeSync, openSync, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { MachineEvent } from '../core/events.js';
import type { Machine } from '../core/machine.js';
import type { ChannelKeysReport } from '../core/output-bus.js';
import { ROOT_BRANCH } from '../journal/ids.js';
import { encodeState, isJournalError, type NewRecording, type WriterMessage, type WriterReply } from '../journal/index.js';
import { RowBatchWriter } from '../journal/row-batch.js';
import type { DebugFiles } from '../symbols/debug-files.js';
import { DebugFileCollector } from './debug-file-collector.js';
import { lookAtHost, type WriterPrioritySetting } from '../journal/writer-priority.mjs';
import { GONE, HANDLED, newProgress, POSTED } from '../journal/writer-progress.js';
import { channelKeyRows, type RecordTarget } from './record-target.js';

const BATCH = 4096;
/** Host milliseconds a batch may wait before it goes to the writer. */
export const COMMIT_MS = 1000;
/** Messages the writer may have still to handle before the machine's thread waits for it. */
export const MAX_IN_FLIGHT = 64;
/** Host milliseconds without the writer's progress after which waiting for it stops. */
const STALL_MS = 10_000;
/** Events between two looks at the host clock (a look costs about as much as 50 events). */
const CLOCK_EVERY = 256;

/**
 * How far the writer thread runs below the machine's (journal/writer-priority.mjs).
 *
 * Two threads' worth of work share a host core whenever the machine's thread, the writer and V8's
 * compiler and collector threads are runnable at once; at equal priority the machine waited about
 * a tenth of its run for the writer (src/journal/README.md, "Issue 16, sixth pass"). Ten steps of
 * nice below, the writer takes what the machine leaves and catches up at its pauses and at the
 * end, its backlog bounded (MAX_IN_FLIGHT). But a lowered thread yields to every other busy
 * process of its session too: beside a busy loop started from the same shell a recording took
 * longer to commit. So by default (auto) the writer is lowered only when the rest of the host
 * leaves a core idle: as seen since the last recording started (or this module loaded) when that
 * is long enough to tell, else by the writer itself while it loads. XRR_WRITER_NICE=N lowers it N
 * steps whatever the host does (0: never).
 */
export function writerNice(env: NodeJS.ProcessEnv = process.env, spareSinceLast: () => boolean | null = sinceLastRecording): WriterPrioritySetting {
  const text = env.XRR_WRITER_NICE;
  if (text === undefined || text === '' || text === 'auto') {
    const spare = spareSinceLast();
    return spare === null ? { by: AUTO_WRITER_NICE, whenSpare: true } : { by: spare ? AUTO_WRITER_NICE : 0 };
  }
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 19) throw new Error(`XRR_WRITER_NICE must be auto or an integer from 0 to 19, got ${JSON.stringify(text)}`);
  return { by: n };
}
const AUTO_WRITER_NICE = 10;
/** Looks at the host from this module's load to each recording's start. */
const sinceLastRecording = lookAtHost();

/** Creates `file` when it does not exist or is empty (true), false when it holds something (the writer checks what). */
function createIfNew(file: string): boolean {
  let size = -1;
  try {
    size = statSync(file).size;
  } catch {
    // does not exist yet
  }
  if (size > 0) return false;
  try {
    closeSync(openSync(file, 'a'));
  } catch (e) {
    throw new Error(`cannot create the journal ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return true;
}

/** Node options that take the next argument as their value. */
const OPTIONS_WITH_VALUE: ReadonlySet<string> = new Set(['--require', '-r', '--import', '--loader', '--experimental-loader']);

/**
 * The writer thread's node options: this process's, less the tsx loader a command line registered
 * (`npx tsx`, `node --import tsx`). The writer runs as one bundle (writer-worker-entry.mjs), or
 * registers tsx itself when it cannot; an inherited loader made every recording's writer start
 * tsx and resolve each module through its hooks thread (100-190 ms of the writer's CPU in the
 * record benchmark, src/journal/README.md "The writer's start and rows"). Other options (a
 * profiler's --cpu-prof, say) are kept.
 */
export function writerExecArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const name = eq < 0 ? a : a.slice(0, eq);
    if (OPTIONS_WITH_VALUE.has(name)) {
      const value = eq < 0 ? argv[i + 1] : a.slice(eq + 1);
      if (eq < 0) i++;
      if (value !== undefined && !/(^|[\\/])tsx([\\/]|$)/.test(value)) out.push(...(eq < 0 ? [a, value] : [a]));
      continue;
    }
    out.push(a);
  }
  return out;
}

/**
 * The writer thread, with `execArgv` less what Node refuses a thread: V8's options (the heap's
 * sizes, say) are the whole process's, and a Worker given one throws ERR_WORKER_INVALID_EXEC_ARGV
 * naming them; `node --max-old-space-size=8192 bin/xrr.mjs record` failed so. The writer needs
 * none of them (the process already runs with them).
 */
function startWriter(workerData: unknown, execArgv: string[]): Worker {
  const entry = new URL('../journal/writer-worker-entry.mjs', import.meta.url);
  try {
    return new Worker(entry, { workerData, execArgv });
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
    // The message names the refused options after its colon, comma-separated; anything it does not name is kept.
    const refused = new Set(String((e as Error).message).replace(/^[^:]*:\s*/, '').split(/,\s*/));
    const kept = execArgv.filter((a) => !refused.has(a));
    try {
      return new Worker(entry, { workerData, execArgv: kept });
    } catch {
      return new Worker(entry, { workerData, execArgv: [] });
    }
  }
}

export class BackgroundJournal implements RecordTarget {
  /** Events not sent yet, as rows (packing them here spares the writer a structured clone of each). */
  private readonly batch = new RowBatchWriter(BATCH);
  /** Events emitted so far: the timeline position of the next one. */
  events = 0;
  private readonly sentPages = new Set<string>();
  private failed: string | undefined;
  private debugFiles: DebugFileCollector | undefined;
  private lastSent = performance.now();
  private nextSync = 1;
  private readonly syncs = new Map<number, () => void>();
  snapshots = 0;

  /** Host milliseconds the machine's thread has waited for the writer to catch up. */
  waitedMs = 0;
  /** The most messages the writer has had still to handle at once, seen at a post. */
  maxBacklog = 0;
  /** The writer made no progress for STALL_MS: the machine's thread waits for it no more. */
  private stalled = false;

  private constructor(
    private readonly worker: Worker,
    private readonly progress: Int32Array,
  ) {
    worker.on('message', (m: WriterReply) => {
      if (m.type === 'error') this.fail(m.message);
      else if (m.type === 'synced') {
        this.syncs.get(m.id)?.();
        this.syncs.delete(m.id);
      }
    });
    worker.on('error', (e) => this.fail(e.message));
    worker.on('exit', () => this.fail('the journal writer stopped'));
  }

  private fail(message: string): void {
    this.failed ??= message;
    for (const wake of this.syncs.values()) wake();
    this.syncs.clear();
  }

  /** Why the writer failed (nothing is committed after it), or undefined while it works. */
  get failure(): string | undefined {
    return this.failed;
  }

  /**
   * Start the writer thread on `file` (created with `meta`, and `keySeed` kept apart). A new (or
   * empty) file is created here and the journal returned at once: the machine runs while the
   * thread starts (50-200 ms of wall time a recording spent waiting before), and what it emits
   * waits in the thread's port; a failure after that reaches `failure`, as any later one does.
   * An existing file is checked by the writer first (not a journal, or holding a recording
   * already: refused before the machine runs), and this resolves once it is ready.
   */
  static async start(file: string, meta: NewRecording, keySeed?: Uint8Array): Promise<BackgroundJournal> {
    const created = createIfNew(file);
    const progress = newProgress();
    const nice = writerNice();
    const worker = startWriter({ file, meta, keySeed, created, progress, nice }, writerExecArgv(process.execArgv));
    if (created) return new BackgroundJournal(worker, progress);
    const first = await new Promise<WriterReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (first.type === 'error') {
      await worker.terminate();
      throw new Error(first.message);
    }
    return new BackgroundJournal(worker, progress);
  }

  emit(event: MachineEvent): void {
    if (this.failed !== undefined) return; // nothing more can be committed; the driver stops the run
    try {
      this.batch.add(event);
    } catch (e) {
      // An event no row can hold (a value JSON cannot hold): nothing after it may be committed.
      this.fail(`events: ${isJournalError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e)}`);
      return;
    }
    this.events++;
    if (event.kind === 'exec') this.debugFiles?.exec(event.path);
    else if (event.kind === 'boot') this.debugFiles?.boot();
    const n = this.batch.count;
    if (n >= BATCH || (n % CLOCK_EVERY === 0 && performance.now() - this.lastSent >= COMMIT_MS)) this.sendBatch();
  }

  private send(m: WriterMessage): void {
    if (this.failed !== undefined) return;
    // Counted first (progress[POSTED]): the writer takes itself for idle only when it has handled all that is counted.
    const posted = Atomics.add(this.progress, POSTED, 1) + 1;
    this.worker.postMessage(m);
    this.keepWithin(posted, MAX_IN_FLIGHT);
  }

  /**
   * Waits (on this thread, which runs the machine synchronously) until at most `limit` of the
   * `posted` messages are still to be handled by the writer (progress[HANDLED] counts those it
   * has): a writer that falls behind (a busy host, a slow disk) holds a bounded backlog, and the
   * machine's core goes to it meanwhile. Gives up after
   * STALL_MS without progress (a writer that died cannot say so while this thread waits; its
   * 'exit' is seen once the event loop runs).
   */
  private keepWithin(posted: number, limit: number): void {
    let handled = Atomics.load(this.progress, HANDLED);
    if (posted - handled > this.maxBacklog) this.maxBacklog = posted - handled;
    if (posted - handled <= limit || this.stalled || Atomics.load(this.progress, GONE) === 1) return;
    const t0 = performance.now();
    let since = t0;
    while (posted - handled > limit && Atomics.load(this.progress, GONE) === 0) {
      Atomics.wait(this.progress, HANDLED, handled, STALL_MS);
      const now = Atomics.load(this.progress, HANDLED);
      const t = performance.now();
      if (now === handled && t - since >= STALL_MS) {
        this.stalled = true;
        break;
      }
      if (now !== handled) since = t;
      handled = now;
    }
    this.waitedMs += performance.now() - t0;
  }

  private sendBatch(): void {
    this.lastSent = performance.now();
    if (this.batch.count === 0) return;
    // Copied by postMessage before the batch's arrays are reused (row-batch.ts: never transferred).
    this.send({ type: 'rows', batch: this.batch.take() });
  }

  /** Hand everything emitted so far to the writer, which commits it as it arrives. */
  commit(): void {
    this.sendBatch();
  }

  /** Host milliseconds since the last hand-over. */
  get sinceCommit(): number {
    return performance.now() - this.lastSent;
  }

  /** Resolves once everything emitted so far is committed (or the writer has failed: see `failure`). */
  synced(): Promise<void> {
    this.sendBatch();
    if (this.failed !== undefined) return Promise.resolve();
    const id = this.nextSync++;
    const done = new Promise<void>((resolve) => this.syncs.set(id, resolve));
    this.send({ type: 'sync', id });
    return done;
  }

  readonly channelKeys = (k: ChannelKeysReport): void => this.send({ type: 'keys', keys: channelKeyRows(ROOT_BRANCH, k) });

  /** The writer compresses and stores each debug file in its order of messages, as it does a batch. */
  collectDebugFiles(machine: Machine, files: DebugFiles): void {
    this.debugFiles = new DebugFileCollector(machine, files, (guestSha256, elf) => this.send({ type: 'debug-file', guestSha256, elf }));
  }

  snapshot(machine: Machine): void {
    if (this.failed !== undefined) return;
    this.sendBatch();
    const pages = new Map<string, Uint8Array>();
    const state = machine.getState((hash, bytes) => pages.set(hash, bytes));
    const newPages: Uint8Array[] = [];
    for (const [hash, bytes] of pages) {
      if (!this.sentPages.has(hash)) {
        this.sentPages.add(hash);
        newPages.push(bytes.slice());
      }
    }
    // Cloned, not transferred: thousands of 4 KiB ArrayBuffers made to be moved cost the machine's
    // heap more garbage collection (V8 counts them as external memory) than the copy they save.
    this.send({ type: 'snapshot', icount: machine.icount, seq: this.events, state: encodeState(state), newPages, pages: [...pages.keys()] });
    this.snapshots++;
  }

  /**
   * Commit everything and stop the writer; resolves with the number of events stored, rejects
   * when the writer failed (the file then holds everything up to its last commit). The thread
   * is ended either way.
   */
  async close(): Promise<number> {
    try {
      if (this.failed === undefined) {
        this.sendBatch();
        const closed = new Promise<number>((resolve, reject) => {
          this.worker.on('message', (m: WriterReply) => {
            if (m.type === 'closed') (m.failure === undefined ? resolve(m.events) : reject(new Error(m.failure)));
          });
          this.worker.once('exit', () => reject(new Error(this.failed ?? 'the journal writer stopped')));
        });
        this.worker.postMessage({ type: 'close' } satisfies WriterMessage);
        return await closed;
      }
      // The writer failed: let it close the file (no commit is pending), then say why.
      const closed = new Promise<void>((resolve) => {
        this.worker.on('message', (m: WriterReply) => m.type === 'closed' && resolve());
        this.worker.once('exit', () => resolve());
      });
      this.worker.postMessage({ type: 'close' } satisfies WriterMessage);
      await closed;
      throw new Error(this.failed);
    } finally {
      await this.worker.terminate();
    }
  }
}
