/**
 * Events on their way from the machine's thread to the journal writer thread, as rows already
 * (event-row.ts columnsOf) packed into a few typed arrays, which postMessage copies.
 *
 * Copied, never transferred: transferring detaches an ArrayBuffer of the machine's thread, and the
 * first detach in a V8 isolate invalidates its "array buffer detaching" protector for good, after
 * which every typed-array access of optimized code checks for a detached buffer. The machine is
 * typed arrays (memory, registers): transferring the batches made the machine's thread of a
 * recording 60-80 ms slower (the record workload, about 560 ms of CPU without a journal), and every
 * unrecorded run after it in the same process too. The copy costs about 0.1 ms a batch.
 *
 * Posting the MachineEvent objects themselves cost the machine's thread about 0.9 us an event
 * (the structured clone) and the writer 2 us to rebuild them, plus 0.3 us to turn them into rows:
 * more than the SQLite insert. A row costs the machine's thread a columnsOf (0.07 us for a system
 * call) and a few stores into the arrays here; the writer reads the rows straight out of them.
 * Messages too: their event holds the sealed wire as the kernel made it (bytes), so their row is a
 * few header reads and the ciphertext copied into `data`. (When the wire was hex text, its row
 * cost a decode, about 10 us for a 4 KiB message, and messages travelled as whole events that
 * the writer encoded: a structured clone per message.)
 *
 * Layout: per row, NUMBER_COLUMNS float64s (icount, seq in icount, kind, pid, nr, a0..a5; NaN for
 * null: every value is a safe integer or null), the index of its name in the writer's name list
 * (-1 for none; each batch carries the names first used in it), the length of its data (-1 for
 * none; the bytes are in `data`, row after row), and its body, when any row of the batch has one.
 */
import type { MachineEvent } from '../core/events.js';
import { JournalError } from './errors.js';
import { columnsOf } from './event-row.js';
import type { BranchId } from './ids.js';
import type { RawEventRow } from './store.js';

export const NUMBER_COLUMNS = 11;

export interface RowBatch {
  readonly count: number;
  readonly numbers: Float64Array;
  readonly names: Int32Array;
  /** Names used for the first time in this batch: they take the next indexes, in this order. */
  readonly newNames: readonly string[];
  readonly dataLengths: Int32Array;
  readonly data: Uint8Array;
  /** Each row's body (null or missing for none); null when no row has one. */
  readonly bodies: readonly (string | null | undefined)[] | null;
}

/** The store's error for an event whose icount or seq is not a non-negative integer. */
export function invalidPosition(e: { readonly kind: string; readonly icount: unknown; readonly seq: unknown }): JournalError {
  return new JournalError('INVALID_EVENT', `${e.kind} event has icount ${String(e.icount)} and seq ${String(e.seq)}; both must be non-negative integers`);
}

const orNaN = (v: number | null): number => (v === null ? NaN : v);
const orNull = (v: number): number | null => (v === v ? v : null); // NaN is the one value unequal to itself

/** Packs events into batches on the machine's thread. */
export class RowBatchWriter {
  private readonly nameIds = new Map<string, number>();
  private newNames: string[] = [];
  private numbers: Float64Array;
  private names: Int32Array;
  private dataLengths: Int32Array;
  private data: Uint8Array;
  private dataAt = 0;
  private bodies: (string | null)[] | null = null;
  count = 0;

  constructor(private readonly capacity: number) {
    this.numbers = new Float64Array(capacity * NUMBER_COLUMNS);
    this.names = new Int32Array(capacity);
    this.dataLengths = new Int32Array(capacity);
    this.data = new Uint8Array(64 * 1024);
  }

  get full(): boolean {
    return this.count >= this.capacity;
  }

  /** Adds the event's row; throws INVALID_EVENT for a position or a value a row cannot hold. */
  add(e: MachineEvent): void {
    // Checked here as the store checks them: a float64 would turn some bad values into good ones.
    if (!Number.isSafeInteger(e.icount) || e.icount < 0 || !Number.isSafeInteger(e.seq) || e.seq < 0) throw invalidPosition(e);
    const i = this.count;
    const c = columnsOf(e);
    const n = this.numbers;
    const o = i * NUMBER_COLUMNS;
    n[o] = e.icount;
    n[o + 1] = e.seq;
    n[o + 2] = c.kind;
    n[o + 3] = orNaN(c.pid);
    n[o + 4] = orNaN(c.nr);
    n[o + 5] = orNaN(c.a0);
    n[o + 6] = orNaN(c.a1);
    n[o + 7] = orNaN(c.a2);
    n[o + 8] = orNaN(c.a3);
    n[o + 9] = orNaN(c.a4);
    n[o + 10] = orNaN(c.a5);
    this.names[i] = c.name === null ? -1 : this.nameId(c.name);
    const d = c.data;
    if (d === null) this.dataLengths[i] = -1;
    else {
      this.room(d.length);
      this.data.set(d, this.dataAt);
      this.dataAt += d.length;
      this.dataLengths[i] = d.length;
    }
    if (c.body !== null) (this.bodies ??= [])[i] = c.body;
    this.count = i + 1;
  }

  private nameId(name: string): number {
    let id = this.nameIds.get(name);
    if (id === undefined) {
      id = this.nameIds.size;
      this.nameIds.set(name, id);
      this.newNames.push(name);
    }
    return id;
  }

  private room(n: number): void {
    if (this.dataAt + n <= this.data.length) return;
    const next = new Uint8Array(Math.max(this.data.length * 2, this.dataAt + n));
    next.set(this.data.subarray(0, this.dataAt));
    this.data = next;
  }

  /**
   * The batch so far, as views of this writer's arrays: valid until the next add(), so post it
   * (postMessage copies it) or copy it at once. The writer starts a new batch in the same arrays,
   * which are kept: a new set a batch was half a megabyte of fresh ArrayBuffers, which V8 counts as
   * external memory and answers with more garbage collections of the machine's (large) heap.
   */
  take(): RowBatch {
    const n = this.count;
    const batch: RowBatch = {
      count: n,
      numbers: used(this.numbers, n * NUMBER_COLUMNS),
      names: used(this.names, n),
      newNames: this.newNames,
      dataLengths: used(this.dataLengths, n),
      data: used(this.data, this.dataAt),
      bodies: this.bodies,
    };
    this.dataAt = 0;
    this.newNames = [];
    this.bodies = null;
    this.count = 0;
    return batch;
  }
}

/**
 * The first `n` elements of `a`: a view, or a copy when they are less than half of it, since
 * postMessage copies a view's whole buffer (a batch sent by the clock, a few rows, would carry the
 * 360 KB of numbers and every byte `data` ever grew to).
 */
function used<T extends Float64Array | Int32Array | Uint8Array>(a: T, n: number): T {
  return (n * 2 < a.length ? a.slice(0, n) : a.subarray(0, n)) as T;
}

/** Unpacks batches on the writer thread (it keeps the name list the batches build up). */
export class RowBatchReader {
  private readonly names: string[] = [];

  /** The batch's rows for BaseJournalStore.appendRows: `rowAt(i, branch, seq)`, i in order from 0. */
  rows(b: RowBatch): (i: number, branch: BranchId, seq: number) => RawEventRow {
    for (const name of b.newNames) this.names.push(name);
    const n = b.numbers;
    const data = Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength);
    let at = 0;
    return (i, branch, seq) => {
      const o = i * NUMBER_COLUMNS;
      const nameId = b.names[i]!;
      const length = b.dataLengths[i]!;
      let name: string | null = null;
      if (nameId >= 0) {
        const text = this.names[nameId];
        if (text === undefined) throw new Error(`row batch: name ${nameId} was never sent`);
        name = text;
      }
      let bytes: Buffer | null = null;
      if (length >= 0) {
        bytes = data.subarray(at, at + length);
        at += length;
      }
      return {
        branch,
        seq,
        icount: n[o]!,
        seqInIcount: n[o + 1]!,
        kind: n[o + 2]!,
        pid: orNull(n[o + 3]!),
        nr: orNull(n[o + 4]!),
        a0: orNull(n[o + 5]!),
        a1: orNull(n[o + 6]!),
        a2: orNull(n[o + 7]!),
        a3: orNull(n[o + 8]!),
        a4: orNull(n[o + 9]!),
        a5: orNull(n[o + 10]!),
        name,
        data: bytes,
        body: b.bodies?.[i] ?? null,
      };
    };
  }
}
