/**
 * A recording written by the journal writer thread (journal/writer-worker.ts): the machine's
 * thread only collects events into batches and snapshots into messages, which keeps recording
 * close to the speed of an unrecorded run. Always the root branch of a new file.
 */
import { Worker } from 'node:worker_threads';
import type { MachineEvent } from '../core/events.js';
import type { Machine } from '../core/machine.js';
import type { ChannelKeysReport } from '../core/output-bus.js';
import { ROOT_BRANCH } from '../journal/ids.js';
import { encodeState } from '../journal/snapshot-codec.js';
import type { NewRecording } from '../journal/store.js';
import type { WriterMessage, WriterReply } from '../journal/writer-worker.js';
import { channelKeyRows, type RecordTarget } from './record-target.js';

const BATCH = 4096;

export class BackgroundJournal implements RecordTarget {
  private batch: MachineEvent[] = [];
  /** Events emitted so far: the timeline position of the next one. */
  events = 0;
  private readonly sentPages = new Set<string>();
  private failure: string | undefined;
  snapshots = 0;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: WriterReply) => {
      if (m.type === 'error') this.failure ??= m.message;
    });
    worker.on('error', (e) => (this.failure ??= e.message));
  }

  /** Start the writer thread on `file` (created with `meta`, and `keySeed` kept apart); resolves once the file is ready. */
  static async start(file: string, meta: NewRecording, keySeed?: Uint8Array): Promise<BackgroundJournal> {
    const worker = new Worker(new URL('../journal/writer-worker-entry.mjs', import.meta.url), { workerData: { file, meta, keySeed } });
    const first = await new Promise<WriterReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (first.type === 'error') {
      await worker.terminate();
      throw new Error(first.message);
    }
    return new BackgroundJournal(worker);
  }

  emit(event: MachineEvent): void {
    this.batch.push(event);
    this.events++;
    if (this.batch.length >= BATCH) this.sendBatch();
  }

  private send(m: WriterMessage): void {
    if (this.failure) throw new Error(`the journal writer failed: ${this.failure}`);
    this.worker.postMessage(m);
  }

  private sendBatch(): void {
    if (this.batch.length === 0) return;
    this.send({ type: 'events', events: this.batch });
    this.batch = [];
  }

  readonly channelKeys = (k: ChannelKeysReport): void => this.send({ type: 'keys', keys: channelKeyRows(ROOT_BRANCH, k) });

  snapshot(machine: Machine): void {
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
    this.send({ type: 'snapshot', icount: machine.icount, seq: this.events, state: encodeState(state), newPages, pages: [...pages.keys()] });
    this.snapshots++;
  }

  /** Commit everything and stop the writer; resolves with the number of events stored. */
  async close(): Promise<number> {
    this.sendBatch();
    const closed = new Promise<number>((resolve, reject) => {
      this.worker.on('message', (m: WriterReply) => {
        if (m.type === 'closed') resolve(m.events);
        if (m.type === 'error') reject(new Error(m.message));
      });
      this.worker.once('exit', () => reject(new Error(this.failure ?? 'the journal writer stopped')));
    });
    this.send({ type: 'close' });
    const n = await closed;
    await this.worker.terminate();
    return n;
  }
}
