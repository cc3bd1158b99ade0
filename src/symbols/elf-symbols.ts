/**
 * The symbol table of a guest ELF image (.symtab with its .strtab): functions and data objects
 * by address, so a pc becomes `function+offset` and a name becomes an address. Every offset
 * and count is checked against the file before it is read: a truncated or hostile image gives
 * an error value, never a host exception.
 */

export type SymbolKind = 'function' | 'object';

export interface GuestSymbol {
  readonly name: string;
  readonly address: number;
  /** Bytes the symbol covers (0 when the image does not say). */
  readonly size: number;
  readonly kind: SymbolKind;
}

export interface SymbolLocation {
  readonly symbol: GuestSymbol;
  readonly offset: number;
}

export type SymbolTableResult = { readonly ok: true; readonly table: SymbolTable } | { readonly ok: false; readonly error: string };

const SHT_SYMTAB = 2;
const STT_OBJECT = 1;
const STT_FUNC = 2;
const SHN_UNDEF = 0;
/** Section indexes from here up are special (absolute, common): no address in the image. */
const SHN_LORESERVE = 0xff00;
const SHDR_SIZE = 40;
const SYM_SIZE = 16;

export class SymbolTable {
  /** Functions sorted by address (then by size, larger first, so an alias keeps the outer one). */
  private readonly functions: readonly GuestSymbol[];
  private readonly byName: ReadonlyMap<string, GuestSymbol>;

  constructor(readonly symbols: readonly GuestSymbol[]) {
    this.functions = symbols.filter((s) => s.kind === 'function').sort((a, b) => a.address - b.address || b.size - a.size);
    const byName = new Map<string, GuestSymbol>();
    for (const s of symbols) if (!byName.has(s.name)) byName.set(s.name, s);
    this.byName = byName;
  }

  /** The function holding `pc`: within its size, or, for a symbol without one, before the next. */
  locate(pc: number): SymbolLocation | undefined {
    const fns = this.functions;
    let lo = 0;
    let hi = fns.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (fns[mid]!.address <= pc) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    // Walk back over zero-size aliases at the same address to the entry that covers pc.
    for (let i = found; i >= 0; i--) {
      const s = fns[i]!;
      const end = s.size > 0 ? s.address + s.size : (fns[i + 1]?.address ?? s.address + 1);
      if (pc >= s.address && pc < end) return { symbol: s, offset: pc - s.address };
      if (s.address < (fns[found]?.address ?? 0)) break;
    }
    return undefined;
  }

  /** `name+0x1c`, or the bare hex address when no function holds it. */
  describe(pc: number): string {
    const at = this.locate(pc);
    if (!at) return `0x${(pc >>> 0).toString(16)}`;
    return at.offset === 0 ? at.symbol.name : `${at.symbol.name}+0x${at.offset.toString(16)}`;
  }

  lookup(name: string): GuestSymbol | undefined {
    return this.byName.get(name);
  }
}

/** Reads the symbol table of an ELF32 little-endian image. An image without one has an empty table. */
export function readSymbolTable(bytes: Uint8Array): SymbolTableResult {
  const fail = (error: string): SymbolTableResult => ({ ok: false, error });
  if (bytes.length < 52) return fail('not an ELF image: shorter than its header');
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) return fail('not an ELF image: bad magic');
  if (bytes[4] !== 1 || bytes[5] !== 1) return fail('not a 32-bit little-endian ELF image');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shoff = dv.getUint32(32, true);
  const shentsize = dv.getUint16(46, true);
  const shnum = dv.getUint16(48, true);
  if (shnum === 0) return { ok: true, table: new SymbolTable([]) };
  if (shentsize !== SHDR_SIZE) return fail(`section header size ${shentsize}, expected ${SHDR_SIZE}`);
  if (shoff + shnum * SHDR_SIZE > bytes.length) return fail('section headers run past the end of the image');
  const section = (i: number) => {
    const o = shoff + i * SHDR_SIZE;
    return { type: dv.getUint32(o + 4, true), offset: dv.getUint32(o + 16, true), size: dv.getUint32(o + 20, true), link: dv.getUint32(o + 24, true) };
  };
  const symbols: GuestSymbol[] = [];
  const decoder = new TextDecoder();
  for (let i = 0; i < shnum; i++) {
    const sh = section(i);
    if (sh.type !== SHT_SYMTAB) continue;
    if (sh.link >= shnum) return fail(`symbol table ${i} links to a missing string table`);
    const str = section(sh.link);
    if (sh.offset + sh.size > bytes.length || str.offset + str.size > bytes.length) return fail('symbol or string table runs past the end of the image');
    for (let o = sh.offset; o + SYM_SIZE <= sh.offset + sh.size; o += SYM_SIZE) {
      const nameOff = dv.getUint32(o, true);
      const value = dv.getUint32(o + 4, true);
      const size = dv.getUint32(o + 8, true);
      const type = bytes[o + 12]! & 0xf;
      const shndx = dv.getUint16(o + 14, true);
      if ((type !== STT_FUNC && type !== STT_OBJECT) || shndx === SHN_UNDEF || shndx >= SHN_LORESERVE || nameOff >= str.size) continue;
      const start = str.offset + nameOff;
      let end = start;
      while (end < str.offset + str.size && bytes[end] !== 0) end++;
      const name = decoder.decode(bytes.subarray(start, end));
      if (name.length === 0) continue;
      symbols.push({ name, address: value, size, kind: type === STT_FUNC ? 'function' : 'object' });
    }
  }
  return { ok: true, table: new SymbolTable(symbols) };
}
