/**
 * The journal writer thread: owns the SQLite store of a recording being made, and commits what
 * the machine's thread sends it (event batches, snapshots) so that hashing, encoding and SQLite
 * stay off the machine's path. Each message is committed as it arrives: a recording killed at
 * any moment keeps everything up to its last committed batch. After a failed commit (disk full)
 * nothing more is written, whatever arrives: a later batch would leave a gap in the timeline;
 * the file stays as it was at its last commit. For a new file the entry
 * (writer-worker-entry.mjs) has answered 'ready' already, so the machine ran while this loaded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { JournalError } from './errors.js';
import { ROOT_BRANCH, type Icount, type JournalSeq, type PageHash } from './ids.js';
import { RowBatchReader, type RowBatch } from './row-batch.js';
import { SqliteJournalStore } from './sqlite-store.js';
import { GONE, HANDLED, POSTED } from './writer-progress.js';
import type { ChannelKey, NewRecording } from './store.js';

export type WriterMessage =
  /** Events as rows, packed on the machine's thread (row-batch.ts). */
  | { readonly type: 'rows'; readonly batch: RowBatch }
  | {
      readonly type: 'snapshot';
      readonly icount: number;
      readonly seq: number;
      readonly state: Uint8Array;
      /** Pages not sent before. */
      readonly newPages: Uint8Array[];
      /** Every page the state refers to. */
      readonly pages: string[];
    }
  | { readonly type: 'keys'; readonly keys: ChannelKey[] }
  /** The full ELF of a program that ran (store.putDebugFile); compressed here, off the machine's thread. */
  | { readonly type: 'debug-file'; readonly guestSha256: string; readonly elf: Uint8Array }
  /** Answered with 'synced' once everything before it is committed. */
  | { readonly type: 'sync'; readonly id: number }
  | { readonly type: 'close' };

export type WriterReply =
  | { readonly type: 'ready' }
  | { readonly type: 'synced'; readonly id: number }
  /** failure: the first failed commit's message, when there was one. */
  | { readonly type: 'closed'; readonly events: number; readonly failure?: string }
  | { readonly type: 'error'; readonly message: string };

/**
 * A message that names the failure whatever was thrown: a JournalError's code and message, or
 * for anything else its class and text (an emscripten abort can be a bare object or an empty message).
 */
function describe(e: unknown): string {
  if (e instanceof JournalError) return `${e.code}: ${e.message}`;
  if (e instanceof Error) return e.message === '' ? `${e.name} (no message)` : `${e.name}: ${e.message}`;
  const text = String(e);
  return text === '' ? 'an error with no message' : text;
}

/** readySent: the entry (writer-worker-entry.mjs) already answered 'ready' for a file it created. */
const { file, meta, keySeed, readySent, progress } = workerData as { file: string; meta: NewRecording; keySeed?: Uint8Array; readySent?: boolean; progress?: Int32Array };
/** A row's bytes on disk, about, beside its data: what the checkpoint threshold counts. */
const ROW_BYTES = 32;
/** Write-ahead log bytes (about) worth copying into the file when the writer is idle. */
const CHECKPOINT_BYTES = 2 << 20;
/**
 * Tells the machine's thread, which may be waiting for the writer to catch up, that one more
 * message is handled; true when that was everything it had posted (the writer is idle).
 */
function handled(): boolean {
  if (progress === undefined) return false;
  const n = Atomics.add(progress, HANDLED, 1) + 1;
  Atomics.notify(progress, HANDLED);
  return n === Atomics.load(progress, POSTED);
}
/** Tells it that nothing more will be handled (the file did not open, or the writer closed): it waits no longer. */
function gone(): void {
  if (progress === undefined) return;
  Atomics.store(progress, GONE, 1);
  Atomics.notify(progress, HANDLED);
}
const port = parentPort!;

try {
  const store = await SqliteJournalStore.open(file);
  store.createRecording(meta);
  if (keySeed) store.putKeySeed(keySeed);
  if (readySent !== true) port.postMessage({ type: 'ready' } satisfies WriterReply);
  let failure: string | undefined;
  const batches = new RowBatchReader();
  /** Bytes committed (about) since the write-ahead log was last copied into the file. */
  let sinceCheckpoint = 0;
  port.on('message', (m: WriterMessage) => {
    try {
      switch (m.type) {
        case 'rows':
          if (failure !== undefined) break;
          store.appendRows(ROOT_BRANCH, m.batch.count, batches.rows(m.batch));
          store.flush();
          sinceCheckpoint += m.batch.data.byteLength + m.batch.count * ROW_BYTES;
          break;
        case 'snapshot':
          if (failure !== undefined) break;
          if (m.newPages.length > 0) store.putPages(m.newPages);
          store.flush();
          store.putSnapshot({ branch: ROOT_BRANCH, icount: m.icount as Icount, seq: m.seq as JournalSeq, state: m.state, pages: m.pages as PageHash[] });
          sinceCheckpoint += m.state.byteLength / 4 + m.newPages.length * 1024;
          break;
        case 'keys':
          if (failure !== undefined) break;
          for (const k of m.keys) store.putChannelKey(k);
          break;
        case 'debug-file':
          if (failure !== undefined) break;
          store.putDebugFile(m.guestSha256, m.elf);
          break;
        case 'sync':
          port.postMessage({ type: 'synced', id: m.id } satisfies WriterReply);
          break;
        case 'close': {
          let events = 0;
          try {
            if (failure === undefined) store.flush();
            events = store.branchLength(ROOT_BRANCH);
          } catch (e) {
            failure ??= describe(e);
          } finally {
            try {
              store.close();
            } catch (e) {
              failure ??= `closing: ${describe(e)}`;
            }
          }
          gone();
          port.postMessage({ type: 'closed', events, ...(failure === undefined ? {} : { failure }) } satisfies WriterReply);
          port.close();
          break;
        }
      }
    } catch (e) {
      const message = `${m.type === 'snapshot' ? `snapshot at icount ${m.icount}` : m.type}: ${describe(e)}`;
      failure ??= message;
      port.postMessage({ type: 'error', message } satisfies WriterReply);
    } finally {
      // Nothing else queued (the machine's thread counts what it posted): copy the log into the file meanwhile.
      if (handled() && sinceCheckpoint >= CHECKPOINT_BYTES && failure === undefined && m.type !== 'close') {
        sinceCheckpoint = 0;
        try {
          store.checkpoint();
        } catch {
          // A checkpoint that cannot run now runs at close, or at the next chance.
        }
      }
    }
  });
} catch (e) {
  gone();
  port.postMessage({ type: 'error', message: `opening ${file}: ${describe(e)}` } satisfies WriterReply);
}
