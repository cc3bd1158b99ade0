/**
 * Records a run with the journal writer on its own thread (writer-worker.ts): the machine's
 * thread only collects events into batches and snapshots into messages. This keeps recording
 * close to the speed of an unrecorded run.
 */
import { Worker } from 'node:worker_threads';
import type { EventSink, MachineEvent } from '../core/events.js';
import type { Machine } from '../core/machine.js';
import type { ChannelKeysReport } from '../core/output-bus.js';
import { ROOT_BRANCH } from './ids.js';
import { channelKeyRows, encodeState, SnapshotSpacing } from './record.js';
import type { NewRecording } from './store.js';
import type { WriterMessage, WriterReply } from './writer-worker.js';

const BATCH = 4096;

export class BackgroundRecorder implements EventSink {
  private batch: MachineEvent[] = [];
  /** Events emitted so far: the timeline position of the next one. */
  private count = 0;
  private readonly sentPages = new Set<string>();
  private readonly spacing = new SnapshotSpacing();
  private failure: string | undefined;
  snapshots = 0;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: WriterReply) => {
      if (m.type === 'error') this.failure ??= m.message;
    });
    worker.on('error', (e) => (this.failure ??= e.message));
  }

  /** Start the writer thread on `file` (created with `meta`, and `keySeed` kept apart); resolves once the file is ready. */
  static async start(file: string, meta: NewRecording, keySeed?: Uint8Array): Promise<BackgroundRecorder> {
    const worker = new Worker(new URL('./writer-worker-entry.mjs', import.meta.url), { workerData: { file, meta, keySeed } });
    const first = await new Promise<WriterReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (first.type === 'error') {
      await worker.terminate();
      throw new Error(first.message);
    }
    return new BackgroundRecorder(worker);
  }

  emit(event: MachineEvent): void {
    this.batch.push(event);
    this.count++;
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

  /** The icount at which the next snapshot is due. */
  get due(): number {
    return this.spacing.due;
  }

  /** Journal the keys of a channel the machine has set up (connect it to the machine's channelKeys output before boot). */
  readonly channelKeys: (keys: ChannelKeysReport) => void = (k) => this.send({ type: 'keys', keys: channelKeyRows(ROOT_BRANCH, k) });

  /** For Machine.run: true once SNAPSHOT_EVENTS events have passed since the last snapshot. */
  readonly stopEarly = (): boolean => this.spacing.dueByEvents(this.count);

  /** Snapshot now if one is due (call between machine runs). */
  maybeSnapshot(machine: Machine): void {
    if (this.spacing.isDue(machine.icount, this.count)) this.snapshot(machine);
  }

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
    this.send({ type: 'snapshot', icount: machine.icount, seq: this.count, state: encodeState(state), newPages, pages: [...pages.keys()] });
    this.spacing.taken(machine.icount, this.count);
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
