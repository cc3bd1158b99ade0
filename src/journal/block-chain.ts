/**
 * The journal's hash chain, one link per block of events rather than per event.
 *
 * A timeline's events are cut into blocks by seq: block k holds seqs [k * BLOCK_EVENTS,
 * (k + 1) * BLOCK_EVENTS). The chain value after event s of block k is
 *   C(s) = sha256(H(k - 1) || rowBytes(kB) || ... || rowBytes(s))
 * with H(k - 1) = C of the previous block's last event (32 zero bytes before block 0). The
 * event_block table keeps, for every block, the count of events it holds and C of its last one;
 * a branch's recorded head is C of its last event. Blocks are cut by seq, never by when a batch
 * was committed, so the same run gives equal chains; a fork continues its parent's chain from
 * the fork point (its first block hashes the parent's events of that block before its own), so
 * two timelines with the same events have the same block hashes.
 *
 * rowBytes is the canonical serialisation of a row's columns: the same in both stores and
 * independent of how SQLite stores a value (the name as text, never its id).
 */
import { createHash, type Hash } from 'node:crypto';
import type { RawEventRow } from './store.js';

/** Events per block: a broken row is located to within this many, at 1/256 of a hash per event. */
export const BLOCK_EVENTS = 256;

export const ZERO_HASH: Uint8Array = new Uint8Array(32);

export function blockOf(seq: number): number {
  return Math.floor(seq / BLOCK_EVENTS);
}

const F64 = new Float64Array(1);
/** F64's bytes, in the host's order: the canonical form is little-endian, so they are used on a little-endian host only. */
const F64_BYTES = new Uint8Array(F64.buffer);
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Appends rows' canonical bytes to one growing buffer, to hash many rows in one call. */
export class RowBytesWriter {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private at = 0;

  get length(): number {
    return this.at;
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  private num(v: number | null): void {
    this.room(9);
    const b = this.buf;
    const at = this.at;
    if (v === null) {
      b[at] = 0;
      this.at = at + 1;
      return;
    }
    b[at] = 1;
    this.at = at + 9;
    if (!HOST_LITTLE_ENDIAN) {
      b.writeDoubleLE(v, at + 1);
      return;
    }
    // Byte by byte from a float64 scratch: Buffer.writeDoubleLE checks and copies at twice the cost.
    F64[0] = v;
    b[at + 1] = F64_BYTES[0]!;
    b[at + 2] = F64_BYTES[1]!;
    b[at + 3] = F64_BYTES[2]!;
    b[at + 4] = F64_BYTES[3]!;
    b[at + 5] = F64_BYTES[4]!;
    b[at + 6] = F64_BYTES[5]!;
    b[at + 7] = F64_BYTES[6]!;
    b[at + 8] = F64_BYTES[7]!;
  }

  private bytes(tag: number, b: Uint8Array): void {
    this.room(5 + b.length);
    this.buf[this.at] = tag;
    this.buf.writeUInt32LE(b.length, this.at + 1);
    this.buf.set(b, this.at + 5);
    this.at += 5 + b.length;
  }

  private text(v: string | null): void {
    if (v === null) {
      this.num(null);
      return;
    }
    const max = v.length * 3;
    this.room(5 + max);
    const n = this.buf.write(v, this.at + 5, 'utf8');
    this.buf[this.at] = 2;
    this.buf.writeUInt32LE(n, this.at + 1);
    this.at += 5 + n;
  }

  /** seq, icount, seq in icount, then every column in schema order. */
  row(r: RawEventRow): void {
    // The row's largest fixed part at once: num() then never grows the buffer.
    this.room(12 * 9);
    this.num(r.seq);
    this.num(r.icount);
    this.num(r.seqInIcount);
    this.num(r.kind);
    this.num(r.pid);
    this.num(r.nr);
    this.num(r.a0);
    this.num(r.a1);
    this.num(r.a2);
    this.num(r.a3);
    this.num(r.a4);
    this.num(r.a5);
    this.text(r.name);
    if (r.data === null) this.num(null);
    else this.bytes(3, r.data);
    this.text(r.body);
  }

  /** A copy of what was written; empties the buffer. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.at));
    this.at = 0;
    return out;
  }

  /** Feeds what was written to `h` and empties the buffer. */
  drainInto(h: Hash): void {
    if (this.at > 0) h.update(this.buf.subarray(0, this.at));
    this.at = 0;
  }
}

/** Where a timeline's chain stands: the block being filled and its hash so far. */
export class ChainCursor {
  private hasher: Hash;
  private readonly pending = new RowBytesWriter();

  /**
   * @param block the block the next event belongs to
   * @param prev H(block - 1)
   * @param rowsInBlock events of `block` already hashed into `hasher`
   */
  private constructor(
    public block: number,
    private prev: Uint8Array,
    public rowsInBlock: number,
    hasher: Hash,
  ) {
    this.hasher = hasher;
  }

  /** A chain about to take event `nextSeq`, given H of the block before and the block's earlier rows. */
  static at(nextSeq: number, prevBlockHash: Uint8Array, earlierRowsOfBlock: readonly RawEventRow[]): ChainCursor {
    const h = createHash('sha256').update(prevBlockHash);
    const c = new ChainCursor(blockOf(nextSeq), prevBlockHash, 0, h);
    for (const r of earlierRowsOfBlock) c.add(r);
    return c;
  }

  /** Hashes the row in (its seq must be the next one); returns true when it completed its block. */
  add(r: RawEventRow): boolean {
    this.pending.row(r);
    this.rowsInBlock++;
    if (this.rowsInBlock < BLOCK_EVENTS) return false;
    this.pending.drainInto(this.hasher);
    this.prev = this.hasher.digest();
    this.block++;
    this.rowsInBlock = 0;
    this.hasher = createHash('sha256').update(this.prev);
    return true;
  }

  /** C of the last event added (H(block - 1) at a block boundary). */
  current(): Uint8Array {
    if (this.rowsInBlock === 0) return this.prev;
    this.pending.drainInto(this.hasher);
    return this.hasher.copy().digest();
  }

  /** H(block - 1): the hash the block being filled starts from. */
  get previousBlockHash(): Uint8Array {
    return this.prev;
  }

  /** An independent copy (appends are checked on a copy, so a refused batch leaves the head alone). */
  clone(): ChainCursor {
    this.pending.drainInto(this.hasher);
    return new ChainCursor(this.block, this.prev, this.rowsInBlock, this.hasher.copy());
  }
}
