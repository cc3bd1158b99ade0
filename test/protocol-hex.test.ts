/** The one set of hex helpers: byte strings both ways (refusing what is not hex), addresses and words. */
import { describe, expect, it } from 'vitest';
import { bytesOfHex, hexAddr, hexOf, hexWord } from '../src/protocol/hex.js';

describe('protocol/hex', () => {
  it('turns bytes into hex and back, and refuses what is not a hex byte string', () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff);
    expect(bytesOfHex(hexOf(bytes))).toEqual(bytes);
    expect(bytesOfHex('')).toEqual(new Uint8Array(0));
    expect(bytesOfHex('00FFa0')).toEqual(Uint8Array.from([0, 255, 160]));
    for (const bad of ['0', 'abc', '0g', 'zz00', '00 1', '0x00']) expect(() => bytesOfHex(bad), bad).toThrow(/not a hex byte string/);
    // The result owns its buffer (not a slice of Node's pool).
    const b = bytesOfHex('0102');
    expect(b.buffer.byteLength).toBe(2);
  });

  it('shows addresses as 0x and words as eight digits', () => {
    expect(hexAddr(0x1a2b)).toBe('0x1a2b');
    expect(hexAddr(-1)).toBe('0xffffffff');
    expect(hexWord(0x1a2b0)).toBe('0001a2b0');
  });
});
