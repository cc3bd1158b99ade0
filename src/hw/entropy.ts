/**
 * The machine's entropy source: a ChaCha20 (RFC 8439) deterministic random bit generator seeded
 * once per boot from a 32-byte recorded seed. Its output is exactly the ChaCha20 keystream for
 * key = seed, nonce = ENTROPY_NONCE, starting at block 0, consumed in order. Buffering is only an
 * optimisation: how requests are split never changes the bytes, so record and replay agree as long
 * as they ask for the same total.
 *
 * Everything random in the machine (guest getrandom, ids, nonces, chaos schedules) must come from
 * here, never from the host.
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { hexOf } from '../protocol/hex.js';
import { DeviceStateError, expectHex, expectInt, expectState } from './state.js';

export const ENTROPY_SEED_BYTES = 32;
/** Domain separation: "xrr/drbg/v1" + NUL, so this stream differs from any other use of the seed. */
export const ENTROPY_NONCE = new TextEncoder().encode('xrr/drbg/v1\0');
const BLOCK_BYTES = 64;
/** Keystream is produced this many blocks at a time (u32() calls are then cheap). */
const REFILL_BLOCKS = 4;
/** noble's ChaCha20 block counter is 32 bits and does not wrap: 256 GiB per boot. */
const MAX_BLOCKS = 2 ** 32;

export interface EntropyState {
  readonly version: 1;
  /** The 32-byte seed (the ChaCha20 key), hex. */
  readonly key: string;
  /** Block counter of the next keystream chunk to generate. */
  readonly nextBlock: number;
  /** Keystream bytes generated but not handed out yet, hex (at most REFILL_BLOCKS * 64). */
  readonly buffered: string;
}

const ENTROPY_STATE_VERSION = 1;

export class Entropy {
  private key: Uint8Array;
  private nextBlock = 0;
  private buffer: Uint8Array = new Uint8Array(0);
  private bufferPos = 0;

  constructor(seed: Uint8Array) {
    if (!(seed instanceof Uint8Array) || seed.length !== ENTROPY_SEED_BYTES) {
      throw new RangeError(`entropy seed must be ${ENTROPY_SEED_BYTES} bytes`);
    }
    this.key = Uint8Array.from(seed);
  }

  /** The next `n` bytes of the stream. */
  bytes(n: number): Uint8Array {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`byte count must be a non-negative integer, got ${n}`);
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      if (this.bufferPos === this.buffer.length) this.refill();
      const take = Math.min(n - filled, this.buffer.length - this.bufferPos);
      out.set(this.buffer.subarray(this.bufferPos, this.bufferPos + take), filled);
      this.bufferPos += take;
      filled += take;
    }
    return out;
  }

  /** The next 4 bytes as a little-endian unsigned 32-bit integer. */
  u32(): number {
    const b = this.bytes(4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  /** A uniform integer in [0, bound) for 1 <= bound <= 2^32, without modulo bias (rejection sampling). */
  below(bound: number): number {
    if (!Number.isInteger(bound) || bound < 1 || bound > 2 ** 32) throw new RangeError(`bound must be in [1, 2^32], got ${bound}`);
    const limit = 2 ** 32 - (2 ** 32 % bound);
    for (;;) {
      const x = this.u32();
      if (x < limit) return x % bound;
    }
  }

  private refill(): void {
    const blocks = Math.min(REFILL_BLOCKS, MAX_BLOCKS - this.nextBlock);
    if (blocks <= 0) throw new Error('entropy stream exhausted (2^32 ChaCha20 blocks); reboot with a new seed');
    this.buffer = chacha20(this.key, ENTROPY_NONCE, new Uint8Array(blocks * BLOCK_BYTES), undefined, this.nextBlock);
    this.bufferPos = 0;
    this.nextBlock += blocks;
  }

  getState(): EntropyState {
    return {
      version: ENTROPY_STATE_VERSION,
      key: hexOf(this.key),
      nextBlock: this.nextBlock,
      buffered: hexOf(this.buffer.subarray(this.bufferPos)),
    };
  }

  setState(state: unknown): void {
    const d = 'entropy';
    const s = expectState(d, state, ENTROPY_STATE_VERSION);
    const key = expectHex(d, s, 'key', ENTROPY_SEED_BYTES);
    if (key.length !== ENTROPY_SEED_BYTES) throw new DeviceStateError(d, `key must be ${ENTROPY_SEED_BYTES} bytes`);
    const nextBlock = expectInt(d, s, 'nextBlock', 0, MAX_BLOCKS);
    const buffered = expectHex(d, s, 'buffered', REFILL_BLOCKS * BLOCK_BYTES);
    if (buffered.length > nextBlock * BLOCK_BYTES) throw new DeviceStateError(d, 'more buffered bytes than were generated');
    this.key = key;
    this.nextBlock = nextBlock;
    this.buffer = buffered;
    this.bufferPos = 0;
  }
}
