// The encoder is checked against GNU as (bytes) when the RISC-V toolchain is installed, and its
// range checks are checked everywhere: an operand the format cannot hold must throw, never wrap.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as E from './rv-encode.js';
import type { Insn } from './rv-encode.js';
import { Rng } from './rv-random.js';

const AS = '/usr/bin/riscv64-unknown-elf-as';
const OBJCOPY = '/usr/bin/riscv64-unknown-elf-objcopy';
const toolchain = existsSync(AS) && existsSync(OBJCOPY);

/** Every instruction form, with its boundary operands and `n` random ones. */
function everyForm(rng: Rng, n: number): Insn[] {
  const out: Insn[] = [];
  const r = (): number => rng.int(32);
  const nz = (): number => rng.range(1, 31);
  const c = (): number => rng.range(8, 15);
  const imm12 = (): number => rng.range(-2048, 2047);
  const times = (f: () => Insn | Insn[]): void => {
    for (let i = 0; i < n; i++) out.push(...[f()].flat());
  };
  out.push(E.lui(0, 0), E.lui(31, 0xfffff), E.auipc(1, 0x80000), E.auipc(31, 0xfffff));
  times(() => [E.lui(r(), rng.int(0x100000)), E.auipc(r(), rng.int(0x100000))]);
  out.push(E.jal(0, 0), E.jal(1, -1048576), E.jal(1, 1048574), E.jal(5, 2), E.jal(5, -2));
  times(() => E.jal(r(), rng.range(-524288, 524287) * 2));
  out.push(E.jalr(0, 1, 0), E.jalr(31, 31, -2048), E.jalr(1, 2, 2047));
  times(() => E.jalr(r(), r(), imm12()));
  for (const b of E.BRANCH_OPS) {
    out.push(E.branch(b, 0, 31, -4096), E.branch(b, 31, 0, 4094), E.branch(b, 1, 2, 2));
    times(() => E.branch(b, r(), r(), rng.range(-2048, 2047) * 2));
  }
  for (const l of E.LOAD_OPS) {
    out.push(E.load(l, 31, 0, -2048), E.load(l, 0, 31, 2047));
    times(() => E.load(l, r(), r(), imm12()));
  }
  for (const s of E.STORE_OPS) {
    out.push(E.store(s, 31, 0, -2048), E.store(s, 0, 31, 2047), E.store(s, 5, 6, -1));
    times(() => E.store(s, r(), r(), imm12()));
  }
  for (const o of E.IMM_OPS) {
    out.push(E.opImm(o, 1, 2, -2048), E.opImm(o, 31, 0, 2047));
    times(() => E.opImm(o, r(), r(), imm12()));
  }
  for (const s of E.SHIFT_IMM_OPS) {
    out.push(E.shiftImm(s, 1, 2, 0), E.shiftImm(s, 31, 30, 31));
    times(() => E.shiftImm(s, r(), r(), rng.int(32)));
  }
  for (const o of E.REG_OPS) times(() => E.op(o, r(), r(), r()));
  out.push(E.fence(), E.fence(1, 1), E.fence(8, 4), E.fenceI(), E.ecall(), E.ebreak());
  times(() => E.fence(rng.range(1, 15), rng.range(1, 15)));
  for (const name of ['csrrw', 'csrrs', 'csrrc'] as const) {
    out.push(E.csr(name, 1, E.CSR.instret, 0), E.csr(name, 0, 0xfff, 31));
    times(() => E.csr(name, r(), rng.int(4096), r()));
  }
  for (const name of ['csrrwi', 'csrrsi', 'csrrci'] as const) {
    out.push(E.csrImm(name, 1, E.CSR.cycle, 0), E.csrImm(name, 31, 0x001, 31));
    times(() => E.csrImm(name, r(), rng.int(4096), rng.int(32)));
  }
  const ords: E.Ordering[] = [{}, { aq: true }, { rl: true }, { aq: true, rl: true }];
  for (const o of ords) {
    out.push(E.lrW(r(), r(), o), E.scW(r(), r(), r(), o));
    for (const a of E.AMO_OPS) out.push(E.amo(a, r(), r(), r(), o));
  }
  // RV32C, boundaries first
  out.push(E.cAddi4spn(8, 4), E.cAddi4spn(15, 1020), E.cLw(8, 15, 0), E.cLw(15, 8, 124), E.cSw(8, 15, 0),
    E.cSw(15, 8, 124), E.cNop(), E.cAddi(1, -32), E.cAddi(31, 31), E.cJal(-2048), E.cJal(2046), E.cLi(1, -32),
    E.cLi(31, 31), E.cLi(5, 0), E.cAddi16sp(-512), E.cAddi16sp(496), E.cAddi16sp(16), E.cLui(1, -32), E.cLui(31, 31),
    E.cLui(3, 1), E.cSrli(8, 1), E.cSrli(15, 31), E.cSrai(8, 1), E.cSrai(15, 31), E.cAndi(8, -32), E.cAndi(15, 31),
    E.cAndi(9, 0), E.cJ(-2048), E.cJ(2046), E.cJ(0), E.cBeqz(8, -256), E.cBeqz(15, 254), E.cBnez(8, -256),
    E.cBnez(15, 254), E.cSlli(1, 1), E.cSlli(31, 31), E.cLwsp(1, 0), E.cLwsp(31, 252), E.cJr(1), E.cJr(31),
    E.cMv(1, 31), E.cMv(31, 1), E.cEbreak(), E.cJalr(1), E.cJalr(31), E.cAdd(1, 31), E.cAdd(31, 1), E.cSwsp(0, 0),
    E.cSwsp(31, 252));
  for (const a of E.C_ARITH_OPS) out.push(E.cArith(a, 8, 15), E.cArith(a, 15, 8));
  const nz6 = (): number => (rng.chance(0.5) ? rng.range(1, 31) : rng.range(-32, -1));
  times(() => [
    E.cAddi4spn(c(), rng.range(1, 255) * 4), E.cLw(c(), c(), rng.int(32) * 4), E.cSw(c(), c(), rng.int(32) * 4),
    E.cAddi(nz(), nz6()), E.cJal(rng.range(-1024, 1023) * 2), E.cLi(nz(), rng.range(-32, 31)),
    E.cAddi16sp(rng.chance(0.5) ? rng.range(1, 31) * 16 : -rng.range(1, 32) * 16),
    E.cLui(rng.pick([1, 3, 4, 5, 9, 17, 31]), nz6()), E.cSrli(c(), rng.range(1, 31)), E.cSrai(c(), rng.range(1, 31)),
    E.cAndi(c(), rng.range(-32, 31)), E.cArith(rng.pick(E.C_ARITH_OPS), c(), c()), E.cJ(rng.range(-1024, 1023) * 2),
    E.cBeqz(c(), rng.range(-128, 127) * 2), E.cBnez(c(), rng.range(-128, 127) * 2), E.cSlli(nz(), rng.range(1, 31)),
    E.cLwsp(nz(), rng.int(64) * 4), E.cJr(nz()), E.cMv(nz(), nz()), E.cJalr(nz()), E.cAdd(nz(), nz()),
    E.cSwsp(r(), rng.int(64) * 4),
  ]);
  return out;
}

function assembleWithGnu(insns: readonly Insn[]): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'xrr-as-'));
  try {
    const lines = ['.option norelax'];
    for (const i of insns) lines.push(i.size === 2 ? '.option rvc' : '.option norvc', i.asm);
    writeFileSync(join(dir, 'a.s'), lines.join('\n') + '\n');
    execFileSync(AS, ['-march=rv32imac_zicsr_zifencei', '-mabi=ilp32', '-o', join(dir, 'a.o'), join(dir, 'a.s')]);
    execFileSync(OBJCOPY, ['-O', 'binary', '-j', '.text', join(dir, 'a.o'), join(dir, 'a.bin')]);
    return new Uint8Array(readFileSync(join(dir, 'a.bin')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('rv-encode', () => {
  it.skipIf(!toolchain)('encodes every RV32IMAC form exactly as GNU as does', () => {
    const insns = everyForm(new Rng(0x5eed), 40);
    const gnu = assembleWithGnu(insns);
    const ours = E.assemble(insns);
    expect(gnu.length).toBe(ours.length);
    let at = 0;
    for (const insn of insns) {
      const theirs = gnu.subarray(at, at + insn.size).reduceRight((v, b) => v * 256 + b, 0);
      if (theirs !== insn.bits) {
        throw new Error(`${insn.asm}: ours ${E.hex(insn)}, GNU as ${theirs.toString(16).padStart(insn.size * 2, '0')}`);
      }
      at += insn.size;
    }
  });

  it('refuses operands the format cannot hold', () => {
    const bad: Array<[string, () => unknown]> = [
      ['register 32', () => E.op('add', 32, 0, 0)],
      ['negative register', () => E.op('add', 1, -1, 0)],
      ['I-immediate 2048', () => E.opImm('addi', 1, 1, 2048)],
      ['I-immediate -2049', () => E.load('lw', 1, 1, -2049)],
      ['S-immediate 2048', () => E.store('sw', 1, 1, 2048)],
      ['shift 32', () => E.shiftImm('slli', 1, 1, 32)],
      ['lui 2^20', () => E.lui(1, 0x100000)],
      ['lui negative', () => E.lui(1, -1)],
      ['odd branch', () => E.branch('beq', 1, 1, 3)],
      ['branch 4096', () => E.branch('beq', 1, 1, 4096)],
      ['jal 2^20', () => E.jal(1, 1 << 20)],
      ['odd jal', () => E.jal(1, 1)],
      ['csr 4096', () => E.csr('csrrw', 1, 4096, 1)],
      ['csr uimm 32', () => E.csrImm('csrrwi', 1, 0xc00, 32)],
      ['fence empty set', () => E.fence(0, 15)],
      ['c.addi4spn 0', () => E.cAddi4spn(8, 0)],
      ['c.addi4spn 1024', () => E.cAddi4spn(8, 1024)],
      ['c.addi4spn unaligned', () => E.cAddi4spn(8, 6)],
      ['c.addi4spn x7', () => E.cAddi4spn(7, 4)],
      ['c.lw offset 128', () => E.cLw(8, 8, 128)],
      ['c.lw unaligned', () => E.cLw(8, 8, 2)],
      ['c.sw x16', () => E.cSw(16, 8, 0)],
      ['c.addi 0 (HINT)', () => E.cAddi(1, 0)],
      ['c.addi x0 (HINT)', () => E.cAddi(0, 1)],
      ['c.addi 32', () => E.cAddi(1, 32)],
      ['c.li x0 (HINT)', () => E.cLi(0, 1)],
      ['c.li -33', () => E.cLi(1, -33)],
      ['c.jal 2048', () => E.cJal(2048)],
      ['c.j odd', () => E.cJ(3)],
      ['c.addi16sp 0', () => E.cAddi16sp(0)],
      ['c.addi16sp 512', () => E.cAddi16sp(512)],
      ['c.addi16sp unaligned', () => E.cAddi16sp(8)],
      ['c.lui x2', () => E.cLui(2, 1)],
      ['c.lui 0', () => E.cLui(1, 0)],
      ['c.lui 32', () => E.cLui(1, 32)],
      ['c.srli 0 (HINT)', () => E.cSrli(8, 0)],
      ['c.srai 32 (reserved on RV32)', () => E.cSrai(8, 32)],
      ['c.andi 32', () => E.cAndi(8, 32)],
      ['c.sub x16', () => E.cArith('c.sub', 8, 16)],
      ['c.beqz 256', () => E.cBeqz(8, 256)],
      ['c.bnez -258', () => E.cBnez(8, -258)],
      ['c.slli x0', () => E.cSlli(0, 1)],
      ['c.lwsp x0 (reserved)', () => E.cLwsp(0, 0)],
      ['c.lwsp 256', () => E.cLwsp(1, 256)],
      ['c.jr x0 (reserved)', () => E.cJr(0)],
      ['c.mv rs2 x0', () => E.cMv(1, 0)],
      ['c.jalr x0', () => E.cJalr(0)],
      ['c.add x0', () => E.cAdd(0, 1)],
      ['c.swsp 256', () => E.cSwsp(1, 256)],
      ['c.swsp unaligned', () => E.cSwsp(1, 2)],
    ];
    for (const [what, f] of bad) expect(f, what).toThrow(E.EncodeError);
  });

  it('li builds any 32-bit value with at most two instructions', () => {
    for (const v of [0, 1, -1, 2047, -2048, 2048, -2049, 0x7fffffff, -0x80000000, 0x800, 0xfffff800, 0x12345678, 0x7ffff800]) {
      const seq = E.li(5, v);
      expect(seq.length).toBeLessThanOrEqual(2);
      // Evaluate the pair by the spec: lui puts imm20 << 12, addi adds the sign-extended 12 bits.
      let value = 0;
      for (const i of seq) {
        if (i.asm.startsWith('lui')) value = (i.bits & 0xfffff000) | 0;
        else value = (value + ((i.bits | 0) >> 20)) | 0;
      }
      expect(value).toBe(v | 0);
    }
  });
});
