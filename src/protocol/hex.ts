/**
 * Hex, the one way: addresses and instruction bits are shown as `0x` + lower-case hex
 * (`hexAddr`), register and memory words as eight digits (`hexWord`), byte strings as two digits a
 * byte with no separator (`hexOf`, what the journal stores) and back (`bytesOfHex`, or
 * `bytesOfHexText` where anything else is to be kept as text).
 */

/**
 * Node's own encoder: this runs for every sealed wire the kernel journals (twice per delegated
 * call), where it is several times faster than building the string in JavaScript.
 */
export function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * The bytes of an even-length hex string; throws a RangeError naming what is wrong otherwise.
 * Node's decoder (a restore decodes every page hash and wire with it) stops at the first pair
 * that is not hex, so a short result is what gives a bad string away. The bytes are copied out
 * of Node's pool, so `.buffer` of the result is theirs alone.
 */
export function bytesOfHex(hex: string): Uint8Array {
  const decoded = Buffer.from(hex, 'hex');
  if (hex.length % 2 !== 0 || decoded.length * 2 !== hex.length) throw new RangeError(`not a hex byte string: ${JSON.stringify(hex.slice(0, 40))}`);
  return new Uint8Array(decoded);
}

/**
 * The bytes of lowercase hex text, or null for any other text (no throw): only text that hexOf
 * gives back exactly, so bytes read from JSON and written again are the same JSON. The bytes are
 * copied out of Node's pool.
 */
export function bytesOfHexText(h: string): Uint8Array | null {
  if (h.length % 2 !== 0) return null;
  const b = Buffer.from(h, 'hex');
  if (b.length * 2 !== h.length || b.toString('hex') !== h) return null;
  return new Uint8Array(b);
}

/** A 32-bit address or instruction word: `0x1a2b`. */
export function hexAddr(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/** A 32-bit word as eight digits: `0001a2b0`. */
export function hexWord(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
