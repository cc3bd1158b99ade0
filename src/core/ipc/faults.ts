/**
 * Fault injection on the wire, as pure functions the kernel applies between seal and open when an
 * injected fault (a recorded machine input, src/core/events.ts Fault) names the message: replay
 * applies the same faults to the same wires.
 */
import type { Wire } from './wire.js';

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

/**
 * A copy of `wire` whose header claims another message type (m_type with its low bit flipped),
 * as a forger would rewrite it: the header is the associated data, so opening fails with 'auth'.
 */
export function alterHeader(wire: Wire): Wire {
  return { ...wire, m_type: (wire.m_type ^ 1) >>> 0 };
}
