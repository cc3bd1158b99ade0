/**
 * The ELF loader validates before it maps: every malformed file gives an error value naming
 * the problem, never a host exception and never a half-loaded address space.
 */
import { describe, expect, it } from 'vitest';
import { loadElf, parseElf } from '../src/core/elf.js';
import { AddressSpace, PERM_R, PERM_W, PERM_X } from '../src/core/memory.js';
import { writeElf } from './support/elf-writer.js';
import { assemble, ebreak, opImm } from './support/rv-encode.js';

const text = assemble([opImm('addi', 10, 0, 1), ebreak()]);
const good = writeElf({ text, data: new Uint8Array([1, 2, 3, 4]), dataBase: 0x20000 });

function patched(edit: (dv: DataView, b: Uint8Array) => void): Uint8Array {
  const b = good.slice();
  edit(new DataView(b.buffer), b);
  return b;
}

function errorOf(bytes: Uint8Array): string {
  const r = parseElf(bytes);
  if (r.ok) throw new Error('expected the ELF to be rejected');
  return r.error;
}

describe('ELF loading', () => {
  it('loads a valid executable with per-segment permissions and the break after the data', () => {
    const r = parseElf(good);
    if (!r.ok) throw new Error(r.error);
    const mem = new AddressSpace();
    const { entry, brk } = loadElf(mem, r.value);
    expect(entry).toBe(0x10000);
    expect(brk).toBe(0x21000);
    expect(mem.permAt(0x10000)).toBe(PERM_R | PERM_X);
    expect(mem.permAt(0x20000)).toBe(PERM_R | PERM_W);
    expect(mem.peek(0x10000, text.length)).toEqual(text);
    expect(Array.from(mem.peek(0x20000, 6)!)).toEqual([1, 2, 3, 4, 0, 0]);
  });

  const cases: [string, Uint8Array, RegExp][] = [
    ['empty file', new Uint8Array(0), /too short/],
    ['text file', new TextEncoder().encode('#!/bin/sh\necho this is not an ELF file at all, no no no\n'), /magic/],
    ['64-bit class', patched((_, b) => (b[4] = 2)), /32-bit/],
    ['big-endian', patched((_, b) => (b[5] = 2)), /little-endian/],
    ['shared object', patched((dv) => dv.setUint16(16, 3, true)), /ET_EXEC/],
    ['x86 machine', patched((dv) => dv.setUint16(18, 3, true)), /RISC-V/],
    ['RV32E', patched((dv) => dv.setUint32(36, 0x8, true)), /RV32E/],
    ['RV32E with RVC', patched((dv) => dv.setUint32(36, 0x9, true)), /RV32E/],
    ['single-float ABI', patched((dv) => dv.setUint32(36, 0x1 | 0x2, true)), /hard-float ABI \(single-float/],
    ['double-float ABI', patched((dv) => dv.setUint32(36, 0x1 | 0x4, true)), /hard-float ABI \(double-float/],
    ['quad-float ABI', patched((dv) => dv.setUint32(36, 0x6, true)), /hard-float ABI \(quad-float/],
    ['odd entry point', patched((dv) => dv.setUint32(24, 0x10001, true)), /entry point 0x10001 is not 2-byte aligned/],
    ['program headers past the end', patched((dv) => dv.setUint32(28, 0xfffff000, true)), /outside the file/],
    ['bad phentsize', patched((dv) => dv.setUint16(42, 16, true)), /phentsize/],
    ['no program headers', patched((dv) => dv.setUint16(44, 0, true)), /no program headers/],
    ['segment data past the end', patched((dv) => dv.setUint32(52 + 4, 0x7fffffff, true)), /outside the file/],
    ['filesz > memsz', patched((dv) => dv.setUint32(52 + 20, 1, true)), /p_filesz > p_memsz/],
    ['segment in kernel space', patched((dv) => dv.setUint32(52 + 8, 0xc0000000, true)), /outside user space/],
    ['segment at address 0', patched((dv) => dv.setUint32(52 + 8, 0, true)), /outside user space/],
    ['a gigabyte of bss', patched((dv) => dv.setUint32(52 + 32 + 20, 0x4000_0000, true)), /more than the/],
    ['entry outside text', patched((dv) => dv.setUint32(24, 0x20000, true)), /entry point/],
    ['interpreter', patched((dv) => dv.setUint32(52, 3, true)), /dynamically linked/],
    ['overlapping segments', patched((dv) => dv.setUint32(52 + 32 + 8, 0x10000, true)), /overlaps/],
  ];
  for (const [name, bytes, error] of cases) {
    it(`rejects: ${name}`, () => expect(errorOf(bytes)).toMatch(error));
  }

  it('accepts the soft-float ABI with other e_flags bits (RVC, TSO) and a 2-byte aligned entry', () => {
    for (const [flags, entry] of [[0x0, 0x10000], [0x1, 0x10002], [0x11, 0x10004]] as const) {
      const r = parseElf(patched((dv) => {
        dv.setUint32(36, flags, true);
        dv.setUint32(24, entry, true);
      }));
      if (!r.ok) throw new Error(r.error);
      expect(r.value.entry).toBe(entry);
    }
  });

  it('never throws on random mutations of a valid file', () => {
    let seed = 12345;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8);
    for (let i = 0; i < 3000; i++) {
      const b = good.slice(0, i % 7 === 0 ? rnd() % good.length : good.length);
      for (let k = 0; k < 1 + (i % 4); k++) if (b.length) b[rnd() % Math.min(b.length, 128)] = rnd() & 0xff;
      const r = parseElf(b);
      if (r.ok) loadElf(new AddressSpace(), r.value); // whatever passes validation must load
    }
  });
});
