/**
 * Base64 (RFC 4648, with padding) for file contents in snapshots. Written out rather than taken from
 * Node's Buffer so the servers stay free of host APIs. Every function here is a loop over the bytes
 * or characters, never a regular expression or a string grown one piece at a time: an inline file
 * may hold up to 64 MiB (87 million characters), where a backtracking regex overflows the stack.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const CODES = new Uint8Array(64);
for (let i = 0; i < 64; i++) CODES[i] = ALPHABET.charCodeAt(i);
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;
const PAD = 61; // '='
/** Characters turned into a string at once (String.fromCharCode takes them as arguments, within the engine's limit). */
const PIECE = 8192;

export function toBase64(data: Uint8Array): string {
  const chars = new Uint8Array(Math.ceil(data.length / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < data.length; i += 3) {
    const n = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
    chars[o++] = CODES[n >> 18]!;
    chars[o++] = CODES[(n >> 12) & 63]!;
    chars[o++] = CODES[(n >> 6) & 63]!;
    chars[o++] = CODES[n & 63]!;
  }
  const rest = data.length - i;
  if (rest > 0) {
    const n = (data[i]! << 16) | (rest === 2 ? data[i + 1]! << 8 : 0);
    chars[o++] = CODES[n >> 18]!;
    chars[o++] = CODES[(n >> 12) & 63]!;
    chars[o++] = rest === 2 ? CODES[(n >> 6) & 63]! : PAD;
    chars[o++] = PAD;
  }
  const pieces: string[] = [];
  // apply takes any array-like (the type says number[]): no copy into a plain array.
  for (let at = 0; at < chars.length; at += PIECE) pieces.push(String.fromCharCode.apply(null, chars.subarray(at, at + PIECE) as unknown as number[]));
  return pieces.join('');
}

/** Whether `text` is canonical padded base64 (what `toBase64` produces): checked character by character. */
export function isBase64(text: string): boolean {
  if (text.length % 4 !== 0) return false;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const end = text.length - pad;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || LOOKUP[c]! < 0) return false;
  }
  return true;
}

/** Decodes base64; throws on malformed input (snapshots are produced by `toBase64`). */
export function fromBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new Error('base64: length is not a multiple of 4');
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = text.charCodeAt(i + j);
      const isPad = c === PAD && i + j >= text.length - pad;
      const v = isPad ? 0 : c < 128 ? LOOKUP[c]! : -1;
      if (v < 0) throw new Error(`base64: bad character at ${i + j}`);
      n = (n << 6) | v;
    }
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
