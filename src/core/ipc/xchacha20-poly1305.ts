/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha, over the ChaCha20-Poly1305 AEAD of RFC 8439),
 * written for Lattice IPC's messages: tens of bytes, two per delegated call. For those, the cost
 * of an AEAD is not the cipher but its setup: Node's native one spends about ten microseconds
 * creating its cipher object per message, @noble/ciphers somewhat more in allocations. Here a
 * message allocates nothing but its output, and every block function works on local variables,
 * so sealing a small message costs about a microsecond. The output is byte for byte that of
 * @noble/ciphers' xchacha20poly1305, which a test checks over random keys, nonces, associated
 * data and lengths.
 *
 * Poly1305 uses ten 13-bit limbs (as poly1305-donna-16), so every product and sum stays an exact
 * integer in a double (below 2^35); a carry is the sum times 2^-13 truncated with `| 0`, exact
 * while the quotient fits 31 bits, never a 32-bit shift of a wide sum.
 */

const SIGMA0 = 0x61707865;
const SIGMA1 = 0x3320646e;
const SIGMA2 = 0x79622d32;
const SIGMA3 = 0x6b206574;

const le32 = (b: Uint8Array, i: number): number => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;

/** Scratch: the ChaCha20 key words, one keystream block, the one-time Poly1305 key, a padded block, the lengths block, a tag. */
const keyWords = new Uint32Array(8);
const block = new Uint32Array(16);
const otk = new Uint8Array(32);
const padded = new Uint8Array(16);
const lengths = new Uint8Array(16);
const expectedTag = new Uint8Array(16);
/** Poly1305's accumulator at the end, fully reduced, and it minus p. */
const final = new Int32Array(10);
const minusP = new Int32Array(10);

/**
 * The ChaCha20 block function (RFC 8439 2.3) for keyWords, `counter` and the nonce words, into
 * `block`; `hchacha` gives HChaCha20's output instead (no feed-forward, words 0-3 and 12-15 in 0-7).
 */
function chachaBlock(counter: number, n0: number, n1: number, n2: number, hchacha: boolean): void {
  const k = keyWords;
  let x0 = SIGMA0, x1 = SIGMA1, x2 = SIGMA2, x3 = SIGMA3;
  let x4 = k[0]!, x5 = k[1]!, x6 = k[2]!, x7 = k[3]!, x8 = k[4]!, x9 = k[5]!, x10 = k[6]!, x11 = k[7]!;
  let x12 = counter, x13 = n0, x14 = n1, x15 = n2;
  for (let i = 0; i < 10; i++) {
    // Column round.
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 16) | (x12 >>> 16);
    x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 12) | (x4 >>> 20);
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 8) | (x12 >>> 24);
    x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 7) | (x4 >>> 25);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 16) | (x13 >>> 16);
    x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 12) | (x5 >>> 20);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 8) | (x13 >>> 24);
    x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 7) | (x5 >>> 25);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 16) | (x14 >>> 16);
    x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 12) | (x6 >>> 20);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 8) | (x14 >>> 24);
    x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 7) | (x6 >>> 25);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 16) | (x15 >>> 16);
    x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 12) | (x7 >>> 20);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 8) | (x15 >>> 24);
    x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 7) | (x7 >>> 25);
    // Diagonal round.
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 16) | (x15 >>> 16);
    x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 12) | (x5 >>> 20);
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 8) | (x15 >>> 24);
    x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 7) | (x5 >>> 25);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 16) | (x12 >>> 16);
    x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 12) | (x6 >>> 20);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 8) | (x12 >>> 24);
    x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 7) | (x6 >>> 25);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 16) | (x13 >>> 16);
    x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 12) | (x7 >>> 20);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 8) | (x13 >>> 24);
    x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 7) | (x7 >>> 25);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 16) | (x14 >>> 16);
    x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 12) | (x4 >>> 20);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 8) | (x14 >>> 24);
    x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 7) | (x4 >>> 25);
  }
  const o = block;
  if (hchacha) {
    o[0] = x0; o[1] = x1; o[2] = x2; o[3] = x3; o[4] = x12; o[5] = x13; o[6] = x14; o[7] = x15;
    return;
  }
  o[0] = x0 + SIGMA0; o[1] = x1 + SIGMA1; o[2] = x2 + SIGMA2; o[3] = x3 + SIGMA3;
  o[4] = x4 + k[0]!; o[5] = x5 + k[1]!; o[6] = x6 + k[2]!; o[7] = x7 + k[3]!;
  o[8] = x8 + k[4]!; o[9] = x9 + k[5]!; o[10] = x10 + k[6]!; o[11] = x11 + k[7]!;
  o[12] = x12 + counter; o[13] = x13 + n0; o[14] = x14 + n1; o[15] = x15 + n2;
}

/** Sets keyWords to the XChaCha20 subkey HChaCha20(key, nonce[0..16)). */
function subkey(key: Uint8Array, nonce: Uint8Array): void {
  for (let i = 0; i < 8; i++) keyWords[i] = le32(key, i * 4);
  // HChaCha20 takes the first 16 nonce bytes where ChaCha20 takes counter and nonce.
  chachaBlock(le32(nonce, 0), le32(nonce, 4), le32(nonce, 8), le32(nonce, 12), true);
  for (let i = 0; i < 8; i++) keyWords[i] = block[i]!;
}

/** out[0..len) = data[0..len) XOR the ChaCha20 keystream from block 1 (RFC 8439 2.8), under keyWords and nonce (0, n1, n2). */
function xorKeystream(data: Uint8Array, out: Uint8Array, len: number, n1: number, n2: number): void {
  for (let pos = 0, counter = 1; pos < len; pos += 64, counter++) {
    chachaBlock(counter, 0, n1, n2, false);
    const end = Math.min(len, pos + 64);
    for (let i = pos; i < end; i++) {
      const j = i - pos;
      out[i] = data[i]! ^ ((block[j >> 2]! >>> ((j & 3) << 3)) & 0xff);
    }
  }
}

/** The one-time Poly1305 key: the first 32 bytes of block 0. */
function oneTimeKey(n1: number, n2: number): void {
  chachaBlock(0, 0, n1, n2, false);
  for (let i = 0; i < 8; i++) {
    const w = block[i]!;
    otk[i * 4] = w & 0xff;
    otk[i * 4 + 1] = (w >>> 8) & 0xff;
    otk[i * 4 + 2] = (w >>> 16) & 0xff;
    otk[i * 4 + 3] = (w >>> 24) & 0xff;
  }
}

const SHIFT13 = 1 / 8192;

/**
 * Poly1305 under `otk` over the AEAD's MAC input: aad, zero padding to 16, ct[0..ctLen), zero
 * padding to 16, then the two lengths as 64-bit little-endian numbers (RFC 8439 2.8). Every block
 * of that input is a full 16-byte block, so each gets the 2^128 bit. The tag goes to out[at..at+16).
 */
function poly1305Tag(aad: Uint8Array, ct: Uint8Array, ctLen: number, out: Uint8Array, at: number): void {
  const k = otk;
  // r, clamped (RFC 8439 2.5.1), in 13-bit limbs.
  const k0 = k[0]! | (k[1]! << 8), k1 = k[2]! | (k[3]! << 8), k2 = k[4]! | (k[5]! << 8), k3 = k[6]! | (k[7]! << 8);
  const k4 = k[8]! | (k[9]! << 8), k5 = k[10]! | (k[11]! << 8), k6 = k[12]! | (k[13]! << 8), k7 = k[14]! | (k[15]! << 8);
  const r0 = k0 & 0x1fff;
  const r1 = ((k0 >>> 13) | (k1 << 3)) & 0x1fff;
  const r2 = ((k1 >>> 10) | (k2 << 6)) & 0x1f03;
  const r3 = ((k2 >>> 7) | (k3 << 9)) & 0x1fff;
  const r4 = ((k3 >>> 4) | (k4 << 12)) & 0x00ff;
  const r5 = (k4 >>> 1) & 0x1ffe;
  const r6 = ((k4 >>> 14) | (k5 << 2)) & 0x1fff;
  const r7 = ((k5 >>> 11) | (k6 << 5)) & 0x1f81;
  const r8 = ((k6 >>> 8) | (k7 << 8)) & 0x1fff;
  const r9 = (k7 >>> 5) & 0x007f;
  const s1 = 5 * r1, s2 = 5 * r2, s3 = 5 * r3, s4 = 5 * r4, s5 = 5 * r5, s6 = 5 * r6, s7 = 5 * r7, s8 = 5 * r8, s9 = 5 * r9;

  let h0 = 0, h1 = 0, h2 = 0, h3 = 0, h4 = 0, h5 = 0, h6 = 0, h7 = 0, h8 = 0, h9 = 0;

  const lens = lengths;
  lens.fill(0);
  lens[0] = aad.length & 0xff; lens[1] = (aad.length >>> 8) & 0xff; lens[2] = (aad.length >>> 16) & 0xff; lens[3] = (aad.length >>> 24) & 0xff;
  lens[8] = ctLen & 0xff; lens[9] = (ctLen >>> 8) & 0xff; lens[10] = (ctLen >>> 16) & 0xff; lens[11] = (ctLen >>> 24) & 0xff;

  for (let seg = 0; seg < 3; seg++) {
    const src = seg === 0 ? aad : seg === 1 ? ct : lens;
    const n = seg === 0 ? aad.length : seg === 1 ? ctLen : 16;
    for (let off = 0; off < n; off += 16) {
      let m = src;
      let o = off;
      if (n - off < 16) {
        for (let i = 0; i < 16; i++) padded[i] = off + i < n ? src[off + i]! : 0;
        m = padded;
        o = 0;
      }
      const t0 = m[o]! | (m[o + 1]! << 8), t1 = m[o + 2]! | (m[o + 3]! << 8), t2 = m[o + 4]! | (m[o + 5]! << 8), t3 = m[o + 6]! | (m[o + 7]! << 8);
      const t4 = m[o + 8]! | (m[o + 9]! << 8), t5 = m[o + 10]! | (m[o + 11]! << 8), t6 = m[o + 12]! | (m[o + 13]! << 8), t7 = m[o + 14]! | (m[o + 15]! << 8);
      h0 += t0 & 0x1fff;
      h1 += ((t0 >>> 13) | (t1 << 3)) & 0x1fff;
      h2 += ((t1 >>> 10) | (t2 << 6)) & 0x1fff;
      h3 += ((t2 >>> 7) | (t3 << 9)) & 0x1fff;
      h4 += ((t3 >>> 4) | (t4 << 12)) & 0x1fff;
      h5 += (t4 >>> 1) & 0x1fff;
      h6 += ((t4 >>> 14) | (t5 << 2)) & 0x1fff;
      h7 += ((t5 >>> 11) | (t6 << 5)) & 0x1fff;
      h8 += ((t6 >>> 8) | (t7 << 8)) & 0x1fff;
      h9 += (t7 >>> 5) | 0x800; // the 2^128 bit of a full block

      // h *= r (mod 2^130 - 5): limb products past 2^130 wrap around times 5.
      let c: number;
      let d0 = h0 * r0 + h1 * s9 + h2 * s8 + h3 * s7 + h4 * s6 + h5 * s5 + h6 * s4 + h7 * s3 + h8 * s2 + h9 * s1;
      c = (d0 * SHIFT13) | 0; d0 -= c * 8192;
      let d1 = c + h0 * r1 + h1 * r0 + h2 * s9 + h3 * s8 + h4 * s7 + h5 * s6 + h6 * s5 + h7 * s4 + h8 * s3 + h9 * s2;
      c = (d1 * SHIFT13) | 0; d1 -= c * 8192;
      let d2 = c + h0 * r2 + h1 * r1 + h2 * r0 + h3 * s9 + h4 * s8 + h5 * s7 + h6 * s6 + h7 * s5 + h8 * s4 + h9 * s3;
      c = (d2 * SHIFT13) | 0; d2 -= c * 8192;
      let d3 = c + h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s9 + h5 * s8 + h6 * s7 + h7 * s6 + h8 * s5 + h9 * s4;
      c = (d3 * SHIFT13) | 0; d3 -= c * 8192;
      let d4 = c + h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0 + h5 * s9 + h6 * s8 + h7 * s7 + h8 * s6 + h9 * s5;
      c = (d4 * SHIFT13) | 0; d4 -= c * 8192;
      let d5 = c + h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1 + h5 * r0 + h6 * s9 + h7 * s8 + h8 * s7 + h9 * s6;
      c = (d5 * SHIFT13) | 0; d5 -= c * 8192;
      let d6 = c + h0 * r6 + h1 * r5 + h2 * r4 + h3 * r3 + h4 * r2 + h5 * r1 + h6 * r0 + h7 * s9 + h8 * s8 + h9 * s7;
      c = (d6 * SHIFT13) | 0; d6 -= c * 8192;
      let d7 = c + h0 * r7 + h1 * r6 + h2 * r5 + h3 * r4 + h4 * r3 + h5 * r2 + h6 * r1 + h7 * r0 + h8 * s9 + h9 * s8;
      c = (d7 * SHIFT13) | 0; d7 -= c * 8192;
      let d8 = c + h0 * r8 + h1 * r7 + h2 * r6 + h3 * r5 + h4 * r4 + h5 * r3 + h6 * r2 + h7 * r1 + h8 * r0 + h9 * s9;
      c = (d8 * SHIFT13) | 0; d8 -= c * 8192;
      let d9 = c + h0 * r9 + h1 * r8 + h2 * r7 + h3 * r6 + h4 * r5 + h5 * r4 + h6 * r3 + h7 * r2 + h8 * r1 + h9 * r0;
      c = (d9 * SHIFT13) | 0; d9 -= c * 8192;
      d0 += c * 5;
      c = (d0 * SHIFT13) | 0; d0 -= c * 8192;
      d1 += c;
      h0 = d0; h1 = d1; h2 = d2; h3 = d3; h4 = d4; h5 = d5; h6 = d6; h7 = d7; h8 = d8; h9 = d9;
    }
  }

  // Fully reduce: every limb below 2^13 and h < 2^130 (two passes settle every carry).
  const f = final;
  f[0] = h0; f[1] = h1; f[2] = h2; f[3] = h3; f[4] = h4; f[5] = h5; f[6] = h6; f[7] = h7; f[8] = h8; f[9] = h9;
  for (let pass = 0; pass < 2; pass++) {
    let c = 0;
    for (let i = 0; i < 10; i++) {
      const v = f[i]! + c;
      c = v >>> 13;
      f[i] = v & 0x1fff;
    }
    f[0] += c * 5;
  }
  // h - p = h + 5 - 2^130: taken instead of h when h + 5 reaches 2^130 (h >= p).
  let c = 5;
  for (let i = 0; i < 10; i++) {
    const v = f[i]! + c;
    c = v >>> 13;
    minusP[i] = v & 0x1fff;
  }
  if (c === 1) f.set(minusP);
  // The low 128 bits, plus s (the second half of the one-time key), mod 2^128.
  let acc = 0;
  let bits = 0;
  let word = 0;
  let carry = 0;
  for (let i = 0; i < 10 && word < 8; i++) {
    acc |= f[i]! << bits;
    bits += 13;
    while (bits >= 16 && word < 8) {
      const sum = (acc & 0xffff) + (k[16 + word * 2]! | (k[17 + word * 2]! << 8)) + carry;
      carry = sum >>> 16;
      out[at + word * 2] = sum & 0xff;
      out[at + word * 2 + 1] = (sum >>> 8) & 0xff;
      word++;
      acc >>>= 16;
      bits -= 16;
    }
  }
}

/** Tag bytes appended to the ciphertext. */
export const XCHACHA_TAG_BYTES = 16;

/** HChaCha20(key, nonce[0..16)): the XChaCha20 subkey, as 32 bytes in `out`. */
export function hchacha20Subkey(key: Uint8Array, nonce: Uint8Array, out: Uint8Array): Uint8Array {
  subkey(key, nonce);
  for (let i = 0; i < 8; i++) {
    const w = keyWords[i]!;
    out[i * 4] = w & 0xff;
    out[i * 4 + 1] = (w >>> 8) & 0xff;
    out[i * 4 + 2] = (w >>> 16) & 0xff;
    out[i * 4 + 3] = (w >>> 24) & 0xff;
  }
  return out;
}

/** ciphertext || tag of `plaintext` under `key` (32 bytes) and `nonce` (24), authenticating `aad` too. */
export function xchachaSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  if (key.length !== 32 || nonce.length !== 24) throw new RangeError('xchachaSeal: the key must be 32 bytes and the nonce 24');
  subkey(key, nonce);
  const n1 = le32(nonce, 16);
  const n2 = le32(nonce, 20);
  const out = new Uint8Array(plaintext.length + XCHACHA_TAG_BYTES);
  oneTimeKey(n1, n2);
  xorKeystream(plaintext, out, plaintext.length, n1, n2);
  poly1305Tag(aad, out, plaintext.length, out, plaintext.length);
  return out;
}

/** The plaintext of `sealed` (ciphertext || tag), or null when it does not authenticate with `aad`. */
export function xchachaOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  if (key.length !== 32 || nonce.length !== 24 || sealed.length < XCHACHA_TAG_BYTES) return null;
  const len = sealed.length - XCHACHA_TAG_BYTES;
  subkey(key, nonce);
  const n1 = le32(nonce, 16);
  const n2 = le32(nonce, 20);
  oneTimeKey(n1, n2);
  const tag = expectedTag;
  poly1305Tag(aad, sealed, len, tag, 0);
  let diff = 0;
  for (let i = 0; i < XCHACHA_TAG_BYTES; i++) diff |= tag[i]! ^ sealed[len + i]!;
  if (diff !== 0) return null;
  const out = new Uint8Array(len);
  xorKeystream(sealed, out, len, n1, n2);
  return out;
}
