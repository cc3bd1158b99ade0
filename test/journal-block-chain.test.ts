/**
 * The hash chain's canonical row bytes (block-chain.ts RowBytesWriter) against the form written
 * out the plain way, field by field: every stored recording's chain depends on these bytes
 * staying the same whatever the writer does to be fast (kept names, one bounds check a row).
 */
import { describe, expect, it } from 'vitest';
import { RowBytesWriter } from '../src/journal/block-chain.js';
import type { BranchId } from '../src/journal/ids.js';
import type { RawEventRow } from '../src/journal/store.js';

/** The canonical form as documented: 0 for null; 1 + f64 LE; 2 + u32 LE + UTF-8; 3 + u32 LE + bytes. */
function reference(r: RawEventRow): Buffer {
  const parts: Buffer[] = [];
  const num = (v: number | null): void => {
    if (v === null) parts.push(Buffer.from([0]));
    else {
      const b = Buffer.alloc(9);
      b[0] = 1;
      new DataView(b.buffer, b.byteOffset, 9).setFloat64(1, v, true);
      parts.push(b);
    }
  };
  const field = (tag: number, bytes: Uint8Array | null): void => {
    if (bytes === null) return num(null);
    const h = Buffer.alloc(5);
    h[0] = tag;
    h.writeUInt32LE(bytes.length, 1);
    parts.push(h, Buffer.from(bytes));
  };
  for (const v of [r.seq, r.icount, r.seqInIcount, r.kind, r.pid, r.nr, r.a0, r.a1, r.a2, r.a3, r.a4, r.a5]) num(v);
  field(2, r.name === null ? null : Buffer.from(r.name, 'utf8'));
  field(3, r.data);
  field(2, r.body === null ? null : Buffer.from(r.body, 'utf8'));
  return Buffer.concat(parts);
}

function rng(seed: number): (n: number) => number {
  let x = seed >>> 0;
  return (n) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return Math.floor((x / 0x1_0000_0000) * n);
  };
}

const NAMES = ['getpid', 'write', 'vfs', 'timer', 'naïve é', '/tmp/日本', '', 'x'.repeat(300), '\ud800 lone surrogate'];
const NUMBERS = [0, 1, -1, 255, 256, 2 ** 31, -(2 ** 31), 2 ** 53 - 1, -(2 ** 53) + 1, 0.5, -0];

describe('canonical row bytes', () => {
  it('are the documented form for rows of every shape, whatever was written before them', () => {
    const next = rng(7);
    const pick = <T,>(xs: readonly T[]): T => xs[next(xs.length)]!;
    const orNull = <T,>(v: T): T | null => (next(4) === 0 ? null : v);
    const w = new RowBytesWriter();
    const want: Buffer[] = [];
    for (let i = 0; i < 2000; i++) {
      const dataLength = next(100) === 0 ? 70_000 : pick([0, 1, 16, 17, 300, 4096]);
      const r: RawEventRow = {
        branch: 1 as BranchId,
        seq: i,
        icount: next(2 ** 40),
        seqInIcount: next(5),
        kind: next(30) - 3,
        pid: orNull(next(300)),
        nr: orNull(pick(NUMBERS)),
        a0: orNull(pick(NUMBERS)),
        a1: orNull(pick(NUMBERS)),
        a2: orNull(next(2 ** 32)),
        a3: orNull(pick(NUMBERS)),
        a4: orNull(pick(NUMBERS)),
        a5: orNull(pick(NUMBERS)),
        name: orNull(pick(NAMES)),
        data: orNull(Uint8Array.from({ length: dataLength }, (_, k) => (k * 31 + i) & 0xff)),
        body: orNull(JSON.stringify({ n: next(1000), s: pick(NAMES) })),
      };
      w.row(r);
      want.push(reference(r));
      // Taken at odd points, as the chain drains at block ends and commits.
      if (next(50) === 0) expect(w.take().equals(Buffer.concat(want.splice(0)))).toBe(true);
    }
    expect(w.take().equals(Buffer.concat(want))).toBe(true);
  });
});
