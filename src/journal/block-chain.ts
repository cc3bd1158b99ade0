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

/** Names kept as UTF-8 (syscall names, reasons, paths: a few hundred distinct texts in a recording). */
const NAME_BYTES_KEPT = 4096;

/**
 * Appends rows' canonical bytes to one growing buffer, to hash many rows in one call.
 *
 * The form, per row: every number column (seq, icount, seq in icount, kind, pid, nr, a0..a5) as
 * a 0 byte for null or a 1 byte and the float64 little-endian; the name and the body as a 0 byte
 * for null or a 2 byte, the UTF-8 length (u32 LE) and the bytes; the data as a 0 byte or a 3
 * byte, the length (u32 LE) and the bytes. row() writes it with one bounds check a row, names'
 * UTF-8 kept (they repeat), and numbers copied through a float64 scratch: the writer thread
 * runs it for every event recorded (test/journal-block-chain.test.ts holds it to the form).
 */
export class RowBytesWriter {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private at = 0;
  private readonly names = new Map<string, Buffer>();

  get length(): number {
    return this.at;
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  /** Writes v at `at` (room made by the caller); returns where the next field goes. */
  private num(v: number | null, at: number): number {
    const b = this.buf;
    if (v === null) {
      b[at] = 0;
      return at + 1;
    }
    b[at] = 1;
    if (!HOST_LITTLE_ENDIAN) {
      b.writeDoubleLE(v, at + 1);
      return at + 9;
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
    return at + 9;
  }

  /** Writes a length-prefixed field (tag, u32 LE length, bytes) at `at`, room made by the caller. */
  private field(tag: number, bytes: Uint8Array, at: number): number {
    const b = this.buf;
    const n = bytes.length;
    b[at] = tag;
    b[at + 1] = n & 0xff;
    b[at + 2] = (n >>> 8) & 0xff;
    b[at + 3] = (n >>> 16) & 0xff;
    b[at + 4] = n >>> 24;
    if (n <= 16) for (let i = 0; i < n; i++) b[at + 5 + i] = bytes[i]!;
    else b.set(bytes, at + 5);
    return at + 5 + n;
  }

  private nameBytes(name: string): Buffer {
    let bytes = this.names.get(name);
    if (bytes === undefined) {
      bytes = Buffer.from(name, 'utf8');
      if (this.names.size >= NAME_BYTES_KEPT) this.names.clear();
      this.names.set(name, bytes);
    }
    return bytes;
  }

  /** seq, icount, seq in icount, then every column in schema order. */
  row(r: RawEventRow): void {
    const name = r.name === null ? null : this.nameBytes(r.name);
    const body = r.body === null ? null : Buffer.from(r.body, 'utf8');
    const data = r.data;
    this.room(12 * 9 + 15 + (name === null ? 0 : name.length) + (data === null ? 0 : data.length) + (body === null ? 0 : body.length));
    let at = this.at;
    at = this.num(r.seq, at);
    at = this.num(r.icount, at);
    at = this.num(r.seqInIcount, at);
    at = this.num(r.kind, at);
    at = this.num(r.pid, at);
    at = this.num(r.nr, at);
    at = this.num(r.a0, at);
    at = this.num(r.a1, at);
    at = this.num(r.a2, at);
    at = this.num(r.a3, at);
    at = this.num(r.a4, at);
    at = this.num(r.a5, at);
    at = name === null ? this.num(null, at) : this.field(2, name, at);
    at = data === null ? this.num(null, at) : this.field(3, data, at);
    at = body === null ? this.num(null, at) : this.field(2, body, at);
    this.at = at;
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
