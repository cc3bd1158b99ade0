import { chacha20 } from '@noble/ciphers/chacha.js';
import { describe, expect, it } from 'vitest';
import { ENTROPY_NONCE, Entropy } from '../src/hw/entropy.js';

const seed = (fill: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => (i * 31 + fill) & 0xff);

/** Reference: the raw ChaCha20 keystream the DRBG promises to produce. */
const keystream = (s: Uint8Array, n: number): Uint8Array => chacha20(s, ENTROPY_NONCE, new Uint8Array(n));

describe('Entropy', () => {
  it('produces the ChaCha20 keystream for the seed, however requests are split', () => {
    const a = new Entropy(seed(1));
    const sizes = [1, 3, 0, 60, 64, 200, 7, 500, 1];
    const parts = sizes.map((n) => a.bytes(n));
    const joined = Uint8Array.from(parts.flatMap((p) => [...p]));
    expect(joined).toEqual(keystream(seed(1), joined.length));
  });

  it('matches the RFC 8439 section 2.4.2 keystream for its key and block 1', () => {
    // RFC 8439 2.4.2: key 00..1f, nonce 000000000000004a00000000, counter 1; ciphertext XOR plaintext
    // starts 22 4f 51 f3 40 1b d9 e1 2f de 27 6f b8 63 1d ed.
    const key = Uint8Array.from({ length: 32 }, (_, i) => i);
    const nonce = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0x4a, 0, 0, 0, 0]);
    const ks = chacha20(key, nonce, new Uint8Array(16), undefined, 1);
    const plain = new TextEncoder().encode('Ladies and Gentl');
    const cipher = [0x6e, 0x2e, 0x35, 0x9a, 0x25, 0x68, 0xf9, 0x80, 0x41, 0xba, 0x07, 0x28, 0xdd, 0x0d, 0x69, 0x81];
    expect([...ks]).toEqual(cipher.map((c, i) => c ^ plain[i]!));
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const x = new Entropy(seed(7)).bytes(64);
    expect(new Entropy(seed(7)).bytes(64)).toEqual(x);
    expect(new Entropy(seed(8)).bytes(64)).not.toEqual(x);
  });

  it('reads u32 little-endian from the stream', () => {
    const e = new Entropy(seed(2));
    const ks = keystream(seed(2), 8);
    expect(e.u32()).toBe(new DataView(ks.buffer).getUint32(0, true));
    expect(e.u32()).toBe(new DataView(ks.buffer).getUint32(4, true));
  });

  it('draws bounded integers in range, covering all values', () => {
    const e = new Entropy(seed(3));
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const v = e.below(6);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(6);
      seen.add(v);
    }
    expect(seen.size).toBe(6);
    expect(e.below(1)).toBe(0);
    expect(() => e.below(0)).toThrow(RangeError);
  });

  it('save -> restore continues the exact same stream, mid-buffer and on a boundary', () => {
    for (const consumed of [0, 5, 256, 300]) {
      const a = new Entropy(seed(4));
      a.bytes(consumed);
      const b = new Entropy(seed(99));
      b.setState(JSON.parse(JSON.stringify(a.getState())));
      expect(b.bytes(700)).toEqual(a.bytes(700));
      expect(b.u32()).toBe(a.u32());
      expect(b.getState()).toEqual(a.getState());
    }
  });

  it('rejects a bad seed and bad state', () => {
    expect(() => new Entropy(new Uint8Array(31))).toThrow(RangeError);
    const e = new Entropy(seed(5));
    e.bytes(10);
    const good = e.getState();
    expect(() => e.setState({ ...good, version: 2 })).toThrow(/newer/);
    expect(() => e.setState({ ...good, key: 'abcd' })).toThrow(/key/);
    expect(() => e.setState({ ...good, key: 'zz'.repeat(32) })).toThrow(/key/);
    expect(() => e.setState({ ...good, nextBlock: -1 })).toThrow(/nextBlock/);
    expect(() => e.setState({ ...good, nextBlock: 0 })).toThrow(/buffered/);
    expect(e.getState()).toEqual(good);
  });
});
