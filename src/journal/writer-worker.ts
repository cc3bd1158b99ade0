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
const { file, meta, keySeed, readySent } = workerData as { file: string; meta: NewRecording; keySeed?: Uint8Array; readySent?: boolean };
const port = parentPort!;

try {
  const store = await SqliteJournalStore.open(file);
  store.createRecording(meta);
  if (keySeed) store.putKeySeed(keySeed);
  if (readySent !== true) port.postMessage({ type: 'ready' } satisfies WriterReply);
  let failure: string | undefined;
  const batches = new RowBatchReader();
  port.on('message', (m: WriterMessage) => {
    try {
      switch (m.type) {
        case 'rows':
          if (failure !== undefined) break;
          store.appendRows(ROOT_BRANCH, m.batch.count, batches.rows(m.batch));
          store.flush();
          break;
        case 'snapshot':
          if (failure !== undefined) break;
          if (m.newPages.length > 0) store.putPages(m.newPages);
          store.flush();
          store.putSnapshot({ branch: ROOT_BRANCH, icount: m.icount as Icount, seq: m.seq as JournalSeq, state: m.state, pages: m.pages as PageHash[] });
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
          port.postMessage({ type: 'closed', events, ...(failure === undefined ? {} : { failure }) } satisfies WriterReply);
          port.close();
          break;
        }
      }
    } catch (e) {
      const message = `${m.type === 'snapshot' ? `snapshot at icount ${m.icount}` : m.type}: ${describe(e)}`;
      failure ??= message;
      port.postMessage({ type: 'error', message } satisfies WriterReply);
    }
  });
} catch (e) {
  port.postMessage({ type: 'error', message: `opening ${file}: ${describe(e)}` } satisfies WriterReply);
}
