/**
 * Our XChaCha20-Poly1305 (src/core/ipc/xchacha20-poly1305.ts) against the draft's test vector and
 * against @noble/ciphers over random keys, nonces, associated data and lengths (every block
 * boundary of Poly1305 and ChaCha20 included); anything altered fails to open.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { describe, expect, it } from 'vitest';
import { xchachaOpen, xchachaSeal } from '../src/core/ipc/xchacha20-poly1305.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A small deterministic generator, so a failure names its case. */
function rng(seed: number): (n: number) => Uint8Array {
  let s = seed >>> 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      out[i] = s >>> 24;
    }
    return out;
  };
}

describe('XChaCha20-Poly1305', () => {
  it('gives the test vector of draft-irtf-cfrg-xchacha (A.3.1)', () => {
    const key = hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
    const nonce = hex('404142434445464748494a4b4c4d4e4f5051525354555657');
    const aad = hex('50515253c0c1c2c3c4c5c6c7');
    const pt = new TextEncoder().encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    const sealed = xchachaSeal(key, nonce, aad, pt);
    expect(toHex(sealed.subarray(0, 32))).toBe('bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb');
    expect(toHex(sealed.subarray(pt.length))).toBe('c0875924c1c7987947deafd8780acf49');
    expect(toHex(xchachaOpen(key, nonce, aad, sealed)!)).toBe(toHex(pt));
  });

  it('agrees with @noble/ciphers byte for byte on 3,000 random messages', () => {
    const r = rng(0x5eed);
    for (let i = 0; i < 3000; i++) {
      const key = r(32);
      const nonce = r(24);
      const aad = r(i % 67);
      // Every length to 300 (each Poly1305 and ChaCha20 block boundary), then some up to 5 KiB.
      const len = i < 2000 ? i % 301 : (r(2)[0]! << 4) + r(1)[0]! * 4;
      const pt = r(len);
      const want = xchacha20poly1305(key, nonce, aad).encrypt(pt);
      const got = xchachaSeal(key, nonce, aad, pt);
      if (toHex(got) !== toHex(want)) throw new Error(`case ${i}: aad ${aad.length} B, plaintext ${len} B differ`);
      expect(toHex(xchachaOpen(key, nonce, aad, got)!)).toBe(toHex(pt));
    }
  });

  it('opens nothing that was altered: any byte of ciphertext, tag or associated data, the key or the nonce', () => {
    const r = rng(7);
    const key = r(32);
    const nonce = r(24);
    const aad = r(20);
    const sealed = xchachaSeal(key, nonce, aad, r(70));
    for (let i = 0; i < sealed.length; i++) {
      const bad = Uint8Array.from(sealed);
      bad[i]! ^= 1 << (i % 8);
      expect(xchachaOpen(key, nonce, aad, bad), `byte ${i}`).toBeNull();
    }
    for (let i = 0; i < aad.length; i++) {
      const bad = Uint8Array.from(aad);
      bad[i]! ^= 0x80;
      expect(xchachaOpen(key, nonce, bad, sealed)).toBeNull();
    }
    expect(xchachaOpen(r(32), nonce, aad, sealed)).toBeNull();
    expect(xchachaOpen(key, r(24), aad, sealed)).toBeNull();
    expect(xchachaOpen(key, nonce, aad, sealed.subarray(0, 15))).toBeNull(); // shorter than a tag
    expect(() => xchachaSeal(r(31), nonce, aad, r(4))).toThrow(RangeError);
  });
});
