/**
 * Channel establishment for Lattice IPC: ML-KEM-768 (FIPS 203) key pairs per endpoint, and
 * per-direction 32-byte keys derived with HKDF-SHA256 from the encapsulated shared secret.
 *
 * The initiator encapsulates to the responder's public key; the responder decapsulates that
 * ciphertext with its own secret key (the key pair the public key came from). Both then derive
 *   key(from -> to) = HKDF-SHA256(ikm = shared secret, salt = "xrr-lattice-v1",
 *                                 info = initiator u32 | responder u32 | from u32 | to u32, LE)
 * Upstream XINIM decapsulated with a key pair unrelated to the one encapsulated to, so its two
 * sides never agreed; here the two views are computed separately and a test compares them.
 *
 * All randomness (the 64-byte keygen seed, the 32-byte encapsulation message) comes from the
 * injected `RandomSource` (the machine's DRBG), so the same seed gives the same keys.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';

/** Where randomness comes from: the machine's `Entropy` (src/hw/entropy.ts) satisfies this. */
export interface RandomSource {
  bytes(n: number): Uint8Array;
}

export const KEYGEN_SEED_BYTES = 64;
export const ENCAPSULATION_RANDOM_BYTES = 32;
export const PUBLIC_KEY_BYTES = 1184;
export const SECRET_KEY_BYTES = 2400;
export const ENCAPSULATION_BYTES = 1088;
export const CHANNEL_KEY_BYTES = 32;
/** FIPS 203 decapsulation key layout: dk_PKE (384k) | ek | H(ek) | z; k = 3 for ML-KEM-768. */
const EMBEDDED_PUBLIC_KEY_OFFSET = 384 * 3;

export const HKDF_SALT = new TextEncoder().encode('xrr-lattice-v1');

export interface KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** Keys for both directions of a channel, as one side computed them. */
export interface DirectionKeys {
  /** initiator -> responder */
  readonly forward: Uint8Array;
  /** responder -> initiator */
  readonly backward: Uint8Array;
}

export function generateKeyPair(random: RandomSource): KeyPair {
  const { publicKey, secretKey } = ml_kem768.keygen(random.bytes(KEYGEN_SEED_BYTES));
  return { publicKey, secretKey };
}

/** Whether a secret key is the one belonging to `publicKey` (the secret key embeds it). */
export function secretKeyMatches(publicKey: Uint8Array, secretKey: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_BYTES || secretKey.length !== SECRET_KEY_BYTES) return false;
  for (let i = 0; i < PUBLIC_KEY_BYTES; i++) {
    if (secretKey[EMBEDDED_PUBLIC_KEY_OFFSET + i] !== publicKey[i]) return false;
  }
  return true;
}

export function deriveDirectionKey(sharedSecret: Uint8Array, initiator: number, responder: number, from: number, to: number): Uint8Array {
  const info = new Uint8Array(16);
  const view = new DataView(info.buffer);
  view.setUint32(0, initiator, true);
  view.setUint32(4, responder, true);
  view.setUint32(8, from, true);
  view.setUint32(12, to, true);
  return hkdf(sha256, sharedSecret, HKDF_SALT, info, CHANNEL_KEY_BYTES);
}

function directionKeys(sharedSecret: Uint8Array, initiator: number, responder: number): DirectionKeys {
  return {
    forward: deriveDirectionKey(sharedSecret, initiator, responder, initiator, responder),
    backward: deriveDirectionKey(sharedSecret, initiator, responder, responder, initiator),
  };
}

/** The initiator's side: encapsulate to the responder's public key. */
export function initiateChannel(
  initiator: number,
  responder: number,
  responderPublicKey: Uint8Array,
  random: RandomSource,
): { readonly encapsulation: Uint8Array; readonly keys: DirectionKeys } {
  const { cipherText, sharedSecret } = ml_kem768.encapsulate(responderPublicKey, random.bytes(ENCAPSULATION_RANDOM_BYTES));
  return { encapsulation: cipherText, keys: directionKeys(sharedSecret, initiator, responder) };
}

/**
 * The responder's side: decapsulate with its own secret key. A tampered (but well-sized)
 * encapsulation does not fail here: ML-KEM's implicit rejection yields an unrelated secret, so the
 * keys silently differ and the first message fails authentication. A wrongly sized one is null.
 */
export function acceptChannel(
  initiator: number,
  responder: number,
  encapsulation: Uint8Array,
  responderSecretKey: Uint8Array,
): DirectionKeys | null {
  if (encapsulation.length !== ENCAPSULATION_BYTES || responderSecretKey.length !== SECRET_KEY_BYTES) return null;
  const sharedSecret = ml_kem768.decapsulate(encapsulation, responderSecretKey);
  return directionKeys(sharedSecret, initiator, responder);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
