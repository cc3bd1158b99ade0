// Writes the smallest static ELF32 little-endian RISC-V executable that both qemu-riscv32 and our
// loader accept: one R+X text segment, one R+W data segment, entry = start of text. Section headers
// (.text, .data, .shstrtab) are included only so that `riscv64-unknown-elf-objdump -d` can
// disassemble a failing program.

export const TEXT_BASE = 0x0001_0000;

export interface ElfSpec {
  readonly text: Uint8Array;
  readonly textBase?: number;
  readonly data: Uint8Array;
  readonly dataBase: number;
  /** Map the text segment R+W+X (self-modifying code tests). */
  readonly writableText?: boolean;
}

const EHDR_SIZE = 52;
const PHDR_SIZE = 32;
const SHDR_SIZE = 40;
const PAGE = 0x1000;

const PT_LOAD = 1;
const PF_X = 1;
const PF_W = 2;
const PF_R = 4;
const SHT_PROGBITS = 1;
const SHT_STRTAB = 3;
const SHF_WRITE = 1;
const SHF_ALLOC = 2;
const SHF_EXECINSTR = 4;
const EM_RISCV = 243;
const EF_RISCV_RVC = 1;

const alignUp = (v: number, a: number): number => Math.ceil(v / a) * a;

export function writeElf(spec: ElfSpec): Uint8Array {
  const textBase = spec.textBase ?? TEXT_BASE;
  if (textBase % PAGE !== 0 || spec.dataBase % PAGE !== 0) throw new Error('segment bases must be page-aligned');
  if (spec.dataBase < textBase + spec.text.length && textBase < spec.dataBase + spec.data.length) {
    throw new Error('text and data segments overlap');
  }
  const shstrtab = new TextEncoder().encode('\0.text\0.data\0.shstrtab\0');
  const textOff = PAGE;
  const dataOff = alignUp(textOff + spec.text.length, PAGE);
  const strOff = dataOff + spec.data.length;
  const shOff = alignUp(strOff + shstrtab.length, 4);
  const total = shOff + 4 * SHDR_SIZE;

  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  const u8 = (o: number, n: number): void => v.setUint8(o, n);
  const u16 = (o: number, n: number): void => v.setUint16(o, n, true);
  const u32 = (o: number, n: number): void => v.setUint32(o, n >>> 0, true);

  // e_ident
  out.set([0x7f, 0x45, 0x4c, 0x46], 0);
  u8(4, 1); // ELFCLASS32
  u8(5, 1); // ELFDATA2LSB
  u8(6, 1); // EV_CURRENT
  u16(16, 2); // ET_EXEC
  u16(18, EM_RISCV);
  u32(20, 1); // e_version
  u32(24, textBase); // e_entry
  u32(28, EHDR_SIZE); // e_phoff
  u32(32, shOff); // e_shoff
  u32(36, EF_RISCV_RVC); // e_flags: soft-float ABI, compressed instructions
  u16(40, EHDR_SIZE);
  u16(42, PHDR_SIZE);
  u16(44, 2); // e_phnum
  u16(46, SHDR_SIZE);
  u16(48, 4); // e_shnum
  u16(50, 3); // e_shstrndx

  const phdr = (at: number, offset: number, vaddr: number, size: number, flags: number): void => {
    u32(at, PT_LOAD);
    u32(at + 4, offset);
    u32(at + 8, vaddr);
    u32(at + 12, vaddr); // p_paddr
    u32(at + 16, size); // p_filesz
    u32(at + 20, size); // p_memsz
    u32(at + 24, flags);
    u32(at + 28, PAGE);
  };
  phdr(EHDR_SIZE, textOff, textBase, spec.text.length, PF_R | PF_X | (spec.writableText ? PF_W : 0));
  phdr(EHDR_SIZE + PHDR_SIZE, dataOff, spec.dataBase, spec.data.length, PF_R | PF_W);

  out.set(spec.text, textOff);
  out.set(spec.data, dataOff);
  out.set(shstrtab, strOff);

  const shdr = (idx: number, name: number, type: number, flags: number, addr: number, offset: number, size: number,
    align: number): void => {
    const at = shOff + idx * SHDR_SIZE;
    u32(at, name);
    u32(at + 4, type);
    u32(at + 8, flags);
    u32(at + 12, addr);
    u32(at + 16, offset);
    u32(at + 20, size);
    u32(at + 32, align);
  };
  // index 0 is the null section header (all zero)
  shdr(1, 1, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, textBase, textOff, spec.text.length, 2);
  shdr(2, 7, SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, spec.dataBase, dataOff, spec.data.length, 4);
  shdr(3, 13, SHT_STRTAB, 0, 0, strOff, shstrtab.length, 1);
  return out;
}
