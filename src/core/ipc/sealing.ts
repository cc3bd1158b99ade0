/**
 * Sealing and opening one message under a direction key: XChaCha20-Poly1305 with the header
 * (src, dst, m_type, seq) as associated data, so any change to the header or the ciphertext fails
 * authentication. No state here: sequence numbers and replay are the channel table's business.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { encodeHeader, NONCE_BYTES, TAG_BYTES, type Wire } from './wire.js';

export function sealWire(
  key: Uint8Array,
  nonce: Uint8Array,
  header: { readonly src: number; readonly dst: number; readonly m_type: number; readonly seq: number },
  payload: Uint8Array,
): Wire {
  const { src, dst, m_type, seq } = header;
  const ciphertext = xchacha20poly1305(key, nonce, encodeHeader(src, dst, m_type, seq)).encrypt(payload);
  return { src, dst, m_type, seq, nonce, ciphertext };
}

/** The payload, or null when the wire does not authenticate under `key` (as given, header included). */
export function openWire(key: Uint8Array, wire: Wire): Uint8Array | null {
  if (wire.nonce.length !== NONCE_BYTES || wire.ciphertext.length < TAG_BYTES) return null;
  try {
    return xchacha20poly1305(key, wire.nonce, encodeHeader(wire.src, wire.dst, wire.m_type, wire.seq)).decrypt(wire.ciphertext);
  } catch {
    // noble reports a bad tag by throwing; here it is an expected outcome, not a bug.
    return null;
  }
}
