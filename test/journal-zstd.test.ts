/**
 * Compression inside zstd-codec's fixed 16 MiB WebAssembly heap: blobs far larger than the heap
 * go through as concatenated frames of CHUNK_BYTES (a standard zstd stream), single-frame blobs
 * written before still read, damaged streams are CORRUPT, and a compressor that fails is a clear
 * COMPRESS_FAILED that leaves the journal valid up to its last committed event.
 */
import { describe, expect, it } from 'vitest';
import { CHUNK_BYTES, chunkedZstd, frameEnd, loadZstd, type ZstdCodecGeneric, type ZstdCodecSimple } from '../src/journal/zstd.js';
import { icount, isJournalError, journalSeq, MemoryJournalStore, ROOT_BRANCH, SqliteJournalStore, verify } from '../src/journal/index.js';
import { eventStream, META } from './journal-fixtures.js';

/** n bytes that compress (a slow ramp with some noise) but are not all alike. */
function compressible(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = ((i >> 10) + ((x >>> 29) & 1)) & 0xff;
  }
  return b;
}

describe('zstd in chunks', () => {
  it('round-trips 40 MiB, more than twice the heap, as a standard multi-frame stream', async () => {
    const z = await loadZstd();
    const big = compressible(40 << 20);
    const packed = z.compress(big);
    expect(packed.length).toBeLessThan(big.length / 4);
    // Frames follow each other to the end: what `zstd -d` reads as one stream.
    let frames = 0;
    for (let at = 0; at < packed.length; frames++) {
      const end = frameEnd(packed, at);
      expect(end).toBeGreaterThan(at);
      at = end;
    }
    expect(frames).toBe(40);
    expect(Buffer.from(z.decompress(packed)).equals(Buffer.from(big))).toBe(true);
  });

  it('round-trips incompressible data and the sizes around a chunk boundary', async () => {
    const z = await loadZstd();
    for (const n of [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES + 5]) {
      const b = compressible(n, n + 1);
      expect(Buffer.from(z.decompress(z.compress(b))).equals(Buffer.from(b)), `${n} bytes`).toBe(true);
    }
    const noise = new Uint8Array(5 * CHUNK_BYTES).map((_, i) => (Math.imul(i, 2654435761) >>> 24) ^ (i & 0xff));
    expect(Buffer.from(z.decompress(z.compress(noise))).equals(Buffer.from(noise))).toBe(true);
  });

  it('reports a cut or damaged stream as CORRUPT', async () => {
    const z = await loadZstd();
    const packed = z.compress(compressible(3 * CHUNK_BYTES));
    for (const bad of [packed.subarray(0, packed.length - 7), Uint8Array.from([...packed.subarray(0, 100), 1, 2, 3])]) {
      try {
        z.decompress(bad);
        throw new Error('a damaged stream decoded');
      } catch (e) {
        expect(isJournalError(e, 'CORRUPT')).toBe(true);
      }
    }
  });

  it('a compressor that fails gives COMPRESS_FAILED naming the cause, and the journal stays valid', async () => {
    const real = await loadZstd();
    // zstd-codec's own answer to an exhausted heap is null: reproduce it for the chunk that fails.
    let calls = 0;
    const failing: ZstdCodecSimple = {
      compress: (b) => (++calls > 2 ? null : real.compress(b)),
      decompress: (b) => real.decompress(b),
    };
    const generic: ZstdCodecGeneric = { contentSize: () => null };
    const z = chunkedZstd(failing, generic);
    expect(() => z.compress(compressible(4 * CHUNK_BYTES))).toThrow(expect.objectContaining({ code: 'COMPRESS_FAILED', message: expect.stringMatching(/16 MiB/) as string }) as Error);

    calls = 0;
    // The store reads back with the real codec; only its compressing fails.
    const s = new MemoryJournalStore({ ...real, compress: (b) => z.compress(b) }, {}, 4);
    s.createRecording(META);
    const evs = eventStream(3).next(300);
    s.append(ROOT_BRANCH, evs);
    const pages = s.putPages([new Uint8Array(4096).fill(1)]);
    expect(() => s.putSnapshot({ branch: ROOT_BRANCH, icount: icount(evs[299]!.icount), seq: journalSeq(300), state: compressible(3 * CHUNK_BYTES), pages })).toThrow(
      expect.objectContaining({ code: 'COMPRESS_FAILED' }) as Error,
    );
    expect(s.listSnapshots(ROOT_BRANCH)).toEqual([]);
    expect(s.countEvents(ROOT_BRANCH)).toBe(300);
    expect(verify(s).ok).toBe(true);
  });

  it('stores and restores a 48 MiB machine state in a journal file', async () => {
    const s = await SqliteJournalStore.open(':memory:');
    s.createRecording(META);
    const state = compressible(48 << 20, 9);
    const rec = s.putSnapshot({ branch: ROOT_BRANCH, icount: icount(0), seq: journalSeq(0), state, pages: [] });
    expect(rec.stateBytes).toBe(state.length);
    expect(Buffer.from(s.loadSnapshotState(rec.id)).equals(Buffer.from(state))).toBe(true);
    expect(verify(s).ok).toBe(true);
    s.close();
  });
});
