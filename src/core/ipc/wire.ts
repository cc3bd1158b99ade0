/**
 * What crosses a Lattice IPC channel: the header in clear (it is the AEAD associated data), the
 * per-direction sequence number, the 24-byte XChaCha20 nonce and the ciphertext with its 16-byte
 * Poly1305 tag. The journal stores exactly this, as the plain object or as bytes.
 *
 * Header (the AAD), 20 bytes little-endian:
 *   0 src u32 | 4 dst u32 | 8 m_type u32 | 12 seq u64
 * Wire bytes:
 *   0 format u8 (= 1) | 1 reserved, 3 zero bytes | 4 header (20) | 24 nonce (24) |
 *   48 ciphertext length u32 | 52 ciphertext (payload + 16-byte tag)
 * so the AAD is literally bytes [4, 24) of the wire bytes.
 */

export const WIRE_FORMAT = 1;
export const HEADER_BYTES = 20;
export const NONCE_BYTES = 24;
export const TAG_BYTES = 16;
/** Offset of the header inside the wire bytes. */
export const WIRE_HEADER_OFFSET = 4;
export const WIRE_PREFIX_BYTES = WIRE_HEADER_OFFSET + HEADER_BYTES + NONCE_BYTES + 4;
/** Sequence numbers start at 1 on each channel direction; 0 is never sent. */
export const FIRST_SEQ = 1;
/** Sequence numbers stay exact JavaScript integers (the wire field is u64). */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;

const U32_MAX = 0xffff_ffff;
const TWO_32 = 2 ** 32;

export interface Wire {
  readonly src: number;
  readonly dst: number;
  readonly m_type: number;
  readonly seq: number;
  readonly nonce: Uint8Array;
  /** Sealed payload followed by the 16-byte tag. */
  readonly ciphertext: Uint8Array;
}

export type WireParse = { readonly ok: true; readonly wire: Wire } | { readonly ok: false; readonly error: 'malformed' };

export function isU32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= U32_MAX;
}

export function isSeq(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= FIRST_SEQ;
}

function writeHeader(out: Uint8Array, at: number, src: number, dst: number, m_type: number, seq: number): void {
  writeU32(out, at, src);
  writeU32(out, at + 4, dst);
  writeU32(out, at + 8, m_type);
  writeU32(out, at + 12, seq % TWO_32);
  writeU32(out, at + 16, Math.floor(seq / TWO_32));
}

function writeU32(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = (v >>> 24) & 0xff;
}

/** The associated data of a message: its header as fixed little-endian bytes. */
export function encodeHeader(src: number, dst: number, m_type: number, seq: number): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES);
  writeHeader(out, 0, src, dst, m_type, seq);
  return out;
}

const headerScratch = new Uint8Array(HEADER_BYTES);

/** encodeHeader into one shared buffer, for a caller that uses it at once and keeps nothing (sealing). */
export function headerBytes(src: number, dst: number, m_type: number, seq: number): Uint8Array {
  writeHeader(headerScratch, 0, src, dst, m_type, seq);
  return headerScratch;
}

/**
 * The nonce the machine seals a message with: a public function of its header, (src u32, dst u32,
 * seq u64, eight zero bytes), little-endian. XChaCha20-Poly1305 needs a nonce never used twice
 * under one key, and a direction's key belongs to one (src, dst) pair, whose sequence numbers
 * are never reused (a reconnect derives fresh keys). Being derivable, it costs a journal nothing:
 * a row stores the wire without it and rebuilds the exact bytes (src/journal/event-row.ts). A
 * random nonce would be 24 incompressible bytes per message.
 */
export function derivedNonce(src: number, dst: number, seq: number): Uint8Array {
  const out = new Uint8Array(NONCE_BYTES);
  writeU32(out, 0, src);
  writeU32(out, 4, dst);
  writeU32(out, 8, seq % TWO_32);
  writeU32(out, 12, Math.floor(seq / TWO_32));
  return out;
}

/** Whether `nonce` is derivedNonce(src, dst, seq), without allocating (the journal asks per message). */
export function isDerivedNonce(nonce: Uint8Array, at: number, src: number, dst: number, seq: number): boolean {
  return (
    u32le(nonce, at) === src >>> 0 &&
    u32le(nonce, at + 4) === dst >>> 0 &&
    u32le(nonce, at + 8) === seq % TWO_32 &&
    u32le(nonce, at + 12) === Math.floor(seq / TWO_32) &&
    u32le(nonce, at + 16) === 0 &&
    u32le(nonce, at + 20) === 0
  );
}

/** A module function, not a closure per call: under tsx (keepNames) every closure made costs a defineProperty. */
function u32le(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

export function encodeWire(w: Wire): Uint8Array {
  const out = new Uint8Array(WIRE_PREFIX_BYTES + w.ciphertext.length);
  out[0] = WIRE_FORMAT;
  writeHeader(out, WIRE_HEADER_OFFSET, w.src, w.dst, w.m_type, w.seq);
  out.set(w.nonce, WIRE_HEADER_OFFSET + HEADER_BYTES);
  writeU32(out, WIRE_PREFIX_BYTES - 4, w.ciphertext.length);
  out.set(w.ciphertext, WIRE_PREFIX_BYTES);
  return out;
}

/** Parses wire bytes (from the journal or a hostile source); never throws. */
export function decodeWire(bytes: unknown): WireParse {
  if (!(bytes instanceof Uint8Array) || bytes.length < WIRE_PREFIX_BYTES + TAG_BYTES) return MALFORMED;
  if (bytes[0] !== WIRE_FORMAT || bytes[1] !== 0 || bytes[2] !== 0 || bytes[3] !== 0) return MALFORMED;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = WIRE_HEADER_OFFSET;
  const seq = view.getUint32(h + 12, true) + view.getUint32(h + 16, true) * TWO_32;
  const length = view.getUint32(WIRE_PREFIX_BYTES - 4, true);
  if (!isSeq(seq) || length !== bytes.length - WIRE_PREFIX_BYTES) return MALFORMED;
  return {
    ok: true,
    wire: {
      src: view.getUint32(h, true),
      dst: view.getUint32(h + 4, true),
      m_type: view.getUint32(h + 8, true),
      seq,
      nonce: bytes.slice(h + HEADER_BYTES, h + HEADER_BYTES + NONCE_BYTES),
      ciphertext: bytes.slice(WIRE_PREFIX_BYTES),
    },
  };
}

/** Checks that a value is a well-formed wire object (fields and sizes); never throws on plain data. */
export function checkWire(value: unknown): WireParse {
  if (value instanceof Uint8Array) return decodeWire(value);
  if (typeof value !== 'object' || value === null) return MALFORMED;
  const w = value as Record<string, unknown>;
  const { src, dst, m_type, seq, nonce, ciphertext } = w;
  if (!isU32(src) || !isU32(dst) || !isU32(m_type) || !isSeq(seq)) return MALFORMED;
  if (!(nonce instanceof Uint8Array) || nonce.length !== NONCE_BYTES) return MALFORMED;
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length < TAG_BYTES || ciphertext.length > U32_MAX) return MALFORMED;
  return { ok: true, wire: { src, dst, m_type, seq, nonce, ciphertext } };
}

const MALFORMED: WireParse = { ok: false, error: 'malformed' };
