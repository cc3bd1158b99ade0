/**
 * A fixed set of worker threads, each running one job at a time (one machine per thread), fed
 * from one queue. Urgent jobs (confirming a failure) go before the queued ones.
 */
import { Worker } from 'node:worker_threads';

export interface PoolReply<R> {
  readonly id: number;
  readonly ok: boolean;
  readonly result?: R;
  readonly error?: string;
}

interface Pending<J, R> {
  readonly id: number;
  readonly job: J;
  readonly resolve: (r: R) => void;
  readonly reject: (e: Error) => void;
}

export class WorkerPool<J, R> {
  private readonly idle: Worker[] = [];
  private readonly queue: Pending<J, R>[] = [];
  private readonly running = new Map<Worker, Pending<J, R>>();
  private nextId = 1;
  private closed = false;

  /** `entry` is a worker module; `init` is its workerData (the same for every thread). */
  constructor(entry: URL, size: number, init: unknown) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a pool has at least one thread, got ${size}`);
    for (let i = 0; i < size; i++) {
      const w = new Worker(entry, { workerData: init });
      w.on('message', (m: PoolReply<R>) => this.settle(w, m));
      w.on('error', (e) => this.fail(w, e));
      w.on('exit', (code) => {
        if (!this.closed) this.fail(w, new Error(`a worker thread stopped (exit code ${code})`));
      });
      this.idle.push(w);
    }
  }

  /** Queue `job`; `urgent` jobs go to the front of the queue. */
  run(job: J, urgent = false): Promise<R> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    return new Promise<R>((resolve, reject) => {
      const p = { id: this.nextId++, job, resolve, reject };
      if (urgent) this.queue.unshift(p);
      else this.queue.push(p);
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop()!;
      const p = this.queue.shift()!;
      this.running.set(w, p);
      w.postMessage({ id: p.id, job: p.job });
    }
  }

  private settle(w: Worker, m: PoolReply<R>): void {
    const p = this.running.get(w);
    if (!p || p.id !== m.id) return;
    this.running.delete(w);
    this.idle.push(w);
    if (m.ok) p.resolve(m.result as R);
    else p.reject(new Error(m.error ?? 'the job failed'));
    this.pump();
  }

  private fail(w: Worker, e: Error): void {
    const p = this.running.get(w);
    this.running.delete(w);
    p?.reject(e);
    // The thread is gone: its queued work cannot be done by it; the others go on.
    const i = this.idle.indexOf(w);
    if (i >= 0) this.idle.splice(i, 1);
    if (this.idle.length === 0 && this.running.size === 0) {
      for (const q of this.queue.splice(0)) q.reject(e);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.idle, ...this.running.keys()];
    for (const p of this.queue.splice(0)) p.reject(new Error('the worker pool was closed'));
    await Promise.all(all.map((w) => w.terminate()));
  }
}
