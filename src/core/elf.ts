/**
 * ELF32 little-endian RISC-V executable parser and loader.
 *
 * Every header field and program header is validated before anything is mapped, so a
 * malformed file yields an error value (the kernel turns it into ENOEXEC), never a host
 * exception and never a half-loaded image.
 */
import { PAGE_MASK, PAGE_SIZE, PERM_R, PERM_W, PERM_X, type AddressSpace } from './memory.js';
import { hexAddr } from '../protocol/hex.js';

export interface ElfSegment {
  readonly vaddr: number;
  readonly memsz: number;
  readonly filesz: number;
  readonly offset: number;
  readonly perm: number;
}

export interface ElfImage {
  readonly entry: number;
  readonly segments: readonly ElfSegment[];
  readonly bytes: Uint8Array;
}

export type ElfResult = { ok: true; value: ElfImage } | { ok: false; error: string };

const EM_RISCV = 243;
const ET_EXEC = 2;
const PT_LOAD = 1;
const PT_INTERP = 3;
const PT_DYNAMIC = 2;
const PF_X = 1, PF_W = 2, PF_R = 4;
/** e_flags (RISC-V ELF psABI): the float ABI field (0 = soft-float ilp32) and the RVE flag. */
const EF_RISCV_FLOAT_ABI = 0x6;
const FLOAT_ABI_NAMES: Record<number, string> = { 0x2: 'single', 0x4: 'double', 0x6: 'quad' };
const EF_RISCV_RVE = 0x8;
/** Highest address a segment may reach: the user stack lives below 0x7fff0000. */
export const USER_LIMIT = 0x7f00_0000;
const MIN_VADDR = 0x1000;
/** Largest total size of the loadable segments: guards against a header asking for gigabytes. */
export const MAX_IMAGE_BYTES = 64 << 20;

function fail(error: string): ElfResult {
  return { ok: false, error };
}

export function parseElf(bytes: Uint8Array): ElfResult {
  if (bytes.length < 52) return fail('file too short for an ELF header');
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) return fail('not an ELF file (bad magic)');
  if (bytes[4] !== 1) return fail('not a 32-bit ELF (EI_CLASS)');
  if (bytes[5] !== 1) return fail('not little-endian (EI_DATA)');
  if (bytes[6] !== 1) return fail('unsupported ELF version (EI_VERSION)');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number) => dv.getUint16(o, true);
  const u32 = (o: number) => dv.getUint32(o, true);
  if (u16(16) !== ET_EXEC) return fail('not an executable (e_type must be ET_EXEC; no shared objects or PIE)');
  if (u16(18) !== EM_RISCV) return fail('not a RISC-V file (e_machine)');
  if (u32(20) !== 1) return fail('unsupported ELF version (e_version)');
  const flags = u32(36);
  if (flags & EF_RISCV_RVE) return fail('RV32E binaries are not supported');
  const floatAbi = flags & EF_RISCV_FLOAT_ABI;
  if (floatAbi !== 0) {
    return fail(`hard-float ABI (${FLOAT_ABI_NAMES[floatAbi]}-float, e_flags ${hexAddr(flags)}) is not supported: the CPU has no F/D registers, build for -mabi=ilp32`);
  }
  const entry = u32(24);
  // Instructions are 2-byte aligned (C extension): an odd entry could never run.
  if (entry & 1) return fail(`entry point ${hexAddr(entry)} is not 2-byte aligned`);
  const phoff = u32(28);
  const ehsize = u16(40);
  const phentsize = u16(42);
  const phnum = u16(44);
  if (ehsize !== 52) return fail(`bad e_ehsize ${ehsize}`);
  if (phnum === 0) return fail('no program headers');
  if (phentsize !== 32) return fail(`bad e_phentsize ${phentsize}`);
  if (phnum > 64) return fail(`too many program headers (${phnum})`);
  if (phoff < 52 || phoff + phnum * 32 > bytes.length) return fail('program headers lie outside the file');

  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * 32;
    const type = u32(o);
    if (type === PT_INTERP || type === PT_DYNAMIC) return fail('dynamically linked executables are not supported');
    if (type !== PT_LOAD) continue;
    const offset = u32(o + 4);
    const vaddr = u32(o + 8);
    const filesz = u32(o + 16);
    const memsz = u32(o + 20);
    const pflags = u32(o + 24);
    const align = u32(o + 28);
    if (memsz === 0) continue;
    if (filesz > memsz) return fail(`segment ${i}: p_filesz > p_memsz`);
    if (offset + filesz > bytes.length) return fail(`segment ${i}: file data lies outside the file`);
    if (vaddr < MIN_VADDR || vaddr + memsz > USER_LIMIT) {
      return fail(`segment ${i}: [${hexAddr(vaddr)}, +${hexAddr(memsz)}) is outside user space`);
    }
    if (align > 1 && (vaddr % PAGE_SIZE) !== (offset % PAGE_SIZE) && align >= PAGE_SIZE) {
      return fail(`segment ${i}: p_vaddr and p_offset disagree modulo the page size`);
    }
    const perm = (pflags & PF_R ? PERM_R : 0) | (pflags & PF_W ? PERM_W : 0) | (pflags & PF_X ? PERM_X : 0);
    for (const s of segments) {
      if (vaddr < s.vaddr + s.memsz && s.vaddr < vaddr + memsz) return fail(`segment ${i} overlaps another segment`);
    }
    segments.push({ vaddr, memsz, filesz, offset, perm });
  }
  if (segments.length === 0) return fail('no loadable segments');
  const total = segments.reduce((n, s) => n + s.memsz, 0);
  if (total > MAX_IMAGE_BYTES) return fail(`segments need ${total} bytes, more than the ${MAX_IMAGE_BYTES} allowed`);
  const inText = segments.some((s) => s.perm & PERM_X && entry >= s.vaddr && entry < s.vaddr + s.memsz);
  if (!inText) return fail(`entry point ${hexAddr(entry)} is not in an executable segment`);
  return { ok: true, value: { entry, segments, bytes } };
}

/**
 * Map and fill the image's segments. Pages shared by two segments get the union of their
 * permissions. Returns the entry point and the initial program break (the page after the
 * highest segment).
 */
export function loadElf(mem: AddressSpace, image: ElfImage): { entry: number; brk: number } {
  const perms = new Map<number, number>();
  let top = 0;
  for (const s of image.segments) {
    const first = Math.floor(s.vaddr / PAGE_SIZE);
    const last = Math.floor((s.vaddr + s.memsz - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) perms.set(p, (perms.get(p) ?? 0) | s.perm);
    top = Math.max(top, s.vaddr + s.memsz);
  }
  for (const [vpn, perm] of [...perms.entries()].sort((a, b) => a[0] - b[0])) mem.map(vpn * PAGE_SIZE, PAGE_SIZE, perm);
  for (const s of image.segments) {
    if (s.filesz > 0) mem.poke(s.vaddr, image.bytes.subarray(s.offset, s.offset + s.filesz));
  }
  return { entry: image.entry, brk: (top + PAGE_MASK) & ~PAGE_MASK };
}
