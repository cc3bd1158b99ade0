/**
 * Fault injection on the wire (issue 5: "corrupt the Nth ciphertext on channel (a, b)"), as pure
 * functions the kernel applies between seal and open. A fault is a recorded machine input, so
 * replay applies the same faults to the same wires.
 *
 * "The Nth ciphertext on a -> b" is the wire with sequence number N: sequence numbers count the
 * messages sealed on a channel direction from 1, restarting when the channel is set up again.
 */
import type { Wire } from './wire.js';

export interface CiphertextCorruption {
  readonly src: number;
  readonly dst: number;
  /** 1-based: the wire with this sequence number on src -> dst. */
  readonly nth: number;
  /** Which ciphertext byte to flip, modulo the ciphertext length (default 0). */
  readonly byteIndex?: number;
  /** XOR mask, 1..255 (default 0x01). */
  readonly mask?: number;
}

/**
 * A copy of `wire` with one ciphertext byte flipped (index modulo the ciphertext length, so any
 * index is valid); opening it fails with 'auth'. The input wire is not modified.
 */
export function corruptWire(wire: Wire, byteIndex = 0, mask = 0x01): Wire {
  if (!Number.isInteger(byteIndex) || byteIndex < 0) throw new RangeError(`byteIndex must be a non-negative integer, got ${byteIndex}`);
  if (!Number.isInteger(mask) || mask < 1 || mask > 0xff) throw new RangeError(`mask must be in 1..255, got ${mask}`);
  const ciphertext = Uint8Array.from(wire.ciphertext);
  ciphertext[byteIndex % ciphertext.length]! ^= mask;
  return { ...wire, ciphertext };
}

/** The corruption that applies to this wire, if any (the first matching one). */
export function matchCorruption(wire: Wire, faults: readonly CiphertextCorruption[]): CiphertextCorruption | undefined {
  return faults.find((f) => f.src === wire.src && f.dst === wire.dst && f.nth === wire.seq);
}

/** The wire as it arrives given the pending corruption faults: corrupted if one matches, else unchanged. */
export function applyCorruptions(wire: Wire, faults: readonly CiphertextCorruption[]): Wire {
  const f = matchCorruption(wire, faults);
  return f ? corruptWire(wire, f.byteIndex ?? 0, f.mask ?? 0x01) : wire;
}
