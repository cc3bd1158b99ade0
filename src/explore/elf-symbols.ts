/**
 * Function names for guest addresses, from an executable's ELF symbol table (the guest images
 * keep theirs), so explain can say "write, called from race_file" rather than "0x000113a2".
 * Reads only what it validates; a file without a symbol table names nothing.
 */

export interface FunctionSymbol {
  readonly name: string;
  readonly start: number;
  readonly size: number;
}

const SHT_SYMTAB = 2;
const STT_FUNC = 2;

/** The function symbols of an ELF32 little-endian file, by address; [] when it has none or is not one. */
export function functionSymbols(bytes: Uint8Array): FunctionSymbol[] {
  if (bytes.length < 52 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46 || bytes[4] !== 1 || bytes[5] !== 1) return [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const inside = (off: number, len: number) => off >= 0 && len >= 0 && off + len <= bytes.length;
  const shoff = dv.getUint32(32, true);
  const shentsize = dv.getUint16(46, true);
  const shnum = dv.getUint16(48, true);
  if (shentsize < 40 || !inside(shoff, shentsize * shnum)) return [];
  const section = (i: number) => {
    const o = shoff + i * shentsize;
    return { type: dv.getUint32(o + 4, true), offset: dv.getUint32(o + 16, true), size: dv.getUint32(o + 20, true), link: dv.getUint32(o + 24, true), entsize: dv.getUint32(o + 36, true) };
  };
  const out: FunctionSymbol[] = [];
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (s.type !== SHT_SYMTAB || s.entsize < 16 || !inside(s.offset, s.size) || s.link >= shnum) continue;
    const strtab = section(s.link);
    if (!inside(strtab.offset, strtab.size)) continue;
    for (let o = s.offset; o + 16 <= s.offset + s.size; o += s.entsize) {
      const info = bytes[o + 12]!;
      // An undefined symbol (section index 0) has no address in this file, nor has one the
      // linker defined as absolute 0 (a --defsym alias picolibc leaves unused).
      const value = dv.getUint32(o + 4, true);
      if ((info & 0xf) !== STT_FUNC || dv.getUint16(o + 14, true) === 0 || value === 0) continue;
      const nameOff = dv.getUint32(o, true);
      if (nameOff >= strtab.size) continue;
      let end = strtab.offset + nameOff;
      while (end < strtab.offset + strtab.size && bytes[end] !== 0) end++;
      const name = Buffer.from(bytes.subarray(strtab.offset + nameOff, end)).toString('latin1');
      out.push({ name, start: dv.getUint32(o + 4, true), size: dv.getUint32(o + 8, true) });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/** `name` or `name+0x1a` for a pc inside a known function; undefined outside all of them. */
export function symbolize(symbols: readonly FunctionSymbol[], pc: number): string | undefined {
  let lo = 0;
  let hi = symbols.length - 1;
  let best: FunctionSymbol | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = symbols[mid]!;
    if (s.start <= pc) {
      best = s;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (!best || (best.size > 0 && pc >= best.start + best.size)) return undefined;
  const off = pc - best.start;
  return off === 0 ? best.name : `${best.name}+0x${off.toString(16)}`;
}
