// The ELF writer's output is accepted by our loader and, when binutils is installed, described by
// readelf as intended; objdump then disassembles a random program back to the very mnemonics the
// generator meant (a second check of the encoder, through a disassembler this time).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf, loadElf } from '../../src/core/elf.js';
import { AddressSpace, PERM_R, PERM_W, PERM_X } from '../../src/core/memory.js';
import { writeElf, TEXT_BASE } from './elf-writer.js';
import { buildProgram } from './rv-random.js';

const READELF = '/usr/bin/riscv64-unknown-elf-readelf';
const OBJDUMP = '/usr/bin/riscv64-unknown-elf-objdump';
const binutils = existsSync(READELF) && existsSync(OBJDUMP);

function withFile<T>(bytes: Uint8Array, f: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'xrr-elf-'));
  try {
    const path = join(dir, 'prog.elf');
    writeFileSync(path, bytes);
    return f(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('elf-writer', () => {
  const text = new Uint8Array([0x13, 0x05, 0x10, 0x00, 0x01, 0x00]); // addi a0, x0, 1; c.nop
  const data = new Uint8Array([1, 2, 3, 4]);
  const elf = writeElf({ text, data, dataBase: 0x2000_0000 });

  it('is accepted by our loader: entry at the text, R+X text and R+W data with their bytes', () => {
    const parsed = parseElf(elf);
    if (!parsed.ok) throw new Error(parsed.error);
    const mem = new AddressSpace();
    const { entry } = loadElf(mem, parsed.value);
    expect(entry).toBe(TEXT_BASE);
    expect(mem.permAt(TEXT_BASE)).toBe(PERM_R | PERM_X);
    expect(mem.permAt(0x2000_0000)).toBe(PERM_R | PERM_W);
    expect(mem.readUser(TEXT_BASE, text.length)).toEqual(text);
    expect(mem.readUser(0x2000_0000, 4)).toEqual(data);
  });

  it('refuses overlapping or unaligned segments', () => {
    expect(() => writeElf({ text, data, dataBase: TEXT_BASE })).toThrow();
    expect(() => writeElf({ text, data, dataBase: 0x2000_0004 })).toThrow();
  });

  it.skipIf(!binutils)('readelf sees an RV32 RVC executable with two LOAD segments', () => {
    const out = withFile(elf, (p) => execFileSync(READELF, ['-h', '-l', p]).toString());
    expect(out).toMatch(/Class:\s+ELF32/);
    expect(out).toMatch(/Type:\s+EXEC/);
    expect(out).toMatch(/Machine:\s+RISC-V/);
    expect(out).toMatch(/Entry point address:\s+0x10000/);
    expect(out).toMatch(/RVC, soft-float ABI/);
    expect(out).toMatch(/LOAD\s+0x001000 0x00010000 0x00010000 0x00006 0x00006 R E 0x1000/);
    expect(out).toMatch(/LOAD\s+0x002000 0x20000000 0x20000000 0x00004 0x00004 RW\s+0x1000/);
  });

  it.skipIf(!binutils)('objdump disassembles a random program to the mnemonics the generator wrote', () => {
    const program = buildProgram(0xd15a, 0, 60);
    const listing = withFile(program.elf, (p) =>
      execFileSync(OBJDUMP, ['-d', '-M', 'no-aliases,numeric', p], { maxBuffer: 1 << 28 }).toString());
    const theirs = listing.split('\n').filter((l) => /^\s+[0-9a-f]+:\t/.test(l)).map((l) => l.split('\t')[2]!);
    const ours = program.sequences.flatMap((s) => s.insns.map((i) => i.asm.split(' ')[0]!));
    // objdump's names for the same encodings: c.nop is c.addi x0,0; RV32C shifts by 0 are HINTs
    // it prints with the RV128 "64" names.
    const same = (a: string, b: string): boolean =>
      a === b || (a === 'c.nop' && b === 'c.addi') || (/^c\.(slli|srli|srai)$/.test(a) && b === `${a}64`);
    const differ = ours.map((m, i) => [m, theirs[i]] as const).filter(([a, b]) => b === undefined || !same(a, b));
    expect(differ.slice(0, 5)).toEqual([]);
    expect(theirs.length).toBe(ours.length + 3); // + the final exit (li a0; li a7; ecall)
  });
});
