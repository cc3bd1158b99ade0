/**
 * Sealing and opening one message under a direction key: XChaCha20-Poly1305 with the header
 * (src, dst, m_type, seq) as associated data, so any change to the header or the ciphertext fails
 * authentication. No state here: sequence numbers and replay are the channel table's business.
 *
 * Two implementations of the same function, chosen by size: most messages are tens of bytes,
 * where Node's native cipher spends about ten microseconds creating its cipher object and ours
 * (xchacha20-poly1305.ts, allocation-free) about one; past NATIVE_FROM bytes (file data, exec
 * images) the native cipher's speed per byte wins. Both give byte for byte what @noble/ciphers'
 * xchacha20poly1305 gives (tests compare all three), so the choice never shows in a recording.
 * Deterministic: key and nonce are inputs, nothing is drawn here.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { hchacha20Subkey, xchachaOpen, xchachaSeal } from './xchacha20-poly1305.js';
import { headerBytes, NONCE_BYTES, TAG_BYTES, type Wire } from './wire.js';

/** Payload size from which the native cipher is faster (measured: about 350 bytes on this machine). */
export const NATIVE_FROM = 256;

/** Scratch for the subkey and the IETF nonce: createCipheriv copies both, so one buffer each serves every call. */
const subkey = new Uint8Array(32);
const iv = new Uint8Array(12);

/** The IETF ChaCha20-Poly1305 nonce of an XChaCha20 one: 0^4 || nonce[16..24). */
function ietfNonce(nonce: Uint8Array): Uint8Array {
  for (let i = 0; i < 8; i++) iv[4 + i] = nonce[16 + i]!;
  return iv;
}

function sealNative(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, payload: Uint8Array): Uint8Array {
  const c = createCipheriv('chacha20-poly1305', hchacha20Subkey(key, nonce, subkey), ietfNonce(nonce), { authTagLength: TAG_BYTES });
  c.setAAD(aad, { plaintextLength: payload.length });
  const body = c.update(payload);
  c.final();
  const out = new Uint8Array(body.length + TAG_BYTES);
  out.set(body, 0);
  out.set(c.getAuthTag(), body.length);
  return out;
}

function openNative(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  const split = sealed.length - TAG_BYTES;
  const d = createDecipheriv('chacha20-poly1305', hchacha20Subkey(key, nonce, subkey), ietfNonce(nonce), { authTagLength: TAG_BYTES });
  d.setAAD(aad, { plaintextLength: split });
  d.setAuthTag(sealed.subarray(split));
  const body = d.update(sealed.subarray(0, split));
  try {
    d.final();
  } catch {
    return null; // a bad tag is reported by throwing; here it is an expected outcome
  }
  return new Uint8Array(body.buffer, body.byteOffset, body.length);
}

export function sealWire(
  key: Uint8Array,
  nonce: Uint8Array,
  header: { readonly src: number; readonly dst: number; readonly m_type: number; readonly seq: number },
  payload: Uint8Array,
): Wire {
  const { src, dst, m_type, seq } = header;
  if (key.length !== 32 || nonce.length !== NONCE_BYTES) throw new RangeError('sealWire: the key must be 32 bytes and the nonce 24');
  const aad = headerBytes(src, dst, m_type, seq);
  const ciphertext = payload.length >= NATIVE_FROM ? sealNative(key, nonce, aad, payload) : xchachaSeal(key, nonce, aad, payload);
  return { src, dst, m_type, seq, nonce, ciphertext };
}

/** The payload, or null when the wire does not authenticate under `key` (as given, header included). */
export function openWire(key: Uint8Array, wire: Wire): Uint8Array | null {
  if (key.length !== 32 || wire.nonce.length !== NONCE_BYTES || wire.ciphertext.length < TAG_BYTES) return null;
  const aad = headerBytes(wire.src, wire.dst, wire.m_type, wire.seq);
  return wire.ciphertext.length - TAG_BYTES >= NATIVE_FROM ? openNative(key, wire.nonce, aad, wire.ciphertext) : xchachaOpen(key, wire.nonce, aad, wire.ciphertext);
}
