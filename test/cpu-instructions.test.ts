// Per-instruction corner cases of RV32IMAC + Zicsr + Zifencei. Every expected value below is
// worked out from the RISC-V unprivileged spec (or, for the 64-bit products, from BigInt
// arithmetic that restates the spec), never by running our CPU.

import { describe, expect, it } from 'vitest';
import { TrapCause } from '../src/core/cpu.js';
import * as E from './support/rv-encode.js';
import type { Insn, RegOp } from './support/rv-encode.js';
import { CODE, DATA, addressOf, load, readWord, runInsns, runToStop, words } from './support/insn-runner.js';
import { newMachine } from './support/boot.js';

const INT_MIN = 0x8000_0000 | 0;
const INT_MAX = 0x7fff_ffff;
const { li, op, opImm } = E;

/** rd = x7 after `li x5, a; li x6, b; name x7, x5, x6`. */
function binop(name: RegOp, a: number, b: number): number {
  return runInsns([...li(5, a), ...li(6, b), op(name, 7, 5, 6)]).x[7]!;
}

describe('RV32I integer computation', () => {
  it('add/sub/addi wrap modulo 2^32', () => {
    const { x } = runInsns([
      ...li(5, INT_MAX), opImm('addi', 6, 5, 1), ...li(7, INT_MIN), opImm('addi', 8, 7, -1),
      op('sub', 9, 0, 7), op('add', 10, 5, 5), opImm('addi', 11, 0, -2048), opImm('addi', 12, 0, 2047),
    ]);
    expect([x[6], x[8], x[9], x[10], x[11], x[12]]).toEqual([INT_MIN, INT_MAX, INT_MIN, -2, -2048, 2047]);
  });

  it('register shifts use only the low 5 bits of rs2; sra keeps the sign, srl does not', () => {
    const v = 0x8000_0001 | 0;
    expect(binop('sll', v, 33)).toBe(2);
    expect(binop('srl', v, 33)).toBe(0x4000_0000);
    expect(binop('sra', v, 33)).toBe(0xc000_0000 | 0);
    expect(binop('sll', v, 32)).toBe(v);
    expect(binop('srl', v, 32)).toBe(v);
    expect(binop('sra', v, -1)).toBe(-1);
    expect(binop('srl', v, -1)).toBe(1);
    expect(binop('sll', 1, -1)).toBe(INT_MIN);
    expect(binop('sra', INT_MAX, 31)).toBe(0);
    expect(binop('sra', INT_MAX, 64)).toBe(INT_MAX);
    expect(binop('srl', INT_MIN, 0xffff_ffe0 | 0)).toBe(INT_MIN);
  });

  it('immediate shifts', () => {
    const { x } = runInsns([
      ...li(5, INT_MIN), E.shiftImm('srai', 6, 5, 31), E.shiftImm('srli', 7, 5, 31), E.shiftImm('slli', 8, 5, 1),
      opImm('addi', 9, 0, 1), E.shiftImm('slli', 10, 9, 31), E.shiftImm('srai', 11, 5, 0), E.shiftImm('srli', 12, 5, 4),
      E.shiftImm('srai', 13, 5, 4),
    ]);
    expect([x[6], x[7], x[8], x[10], x[11], x[12], x[13]]).toEqual([-1, 1, 0, INT_MIN, INT_MIN, 0x0800_0000, 0xf800_0000 | 0]);
  });

  it('slt/sltu and slti/sltiu compare signed and unsigned (the immediate is sign-extended first)', () => {
    expect(binop('slt', -1, 1)).toBe(1);
    expect(binop('sltu', -1, 1)).toBe(0);
    expect(binop('slt', 1, -1)).toBe(0);
    expect(binop('sltu', 1, -1)).toBe(1);
    expect(binop('slt', INT_MIN, INT_MAX)).toBe(1);
    expect(binop('sltu', INT_MIN, INT_MAX)).toBe(0);
    expect(binop('slt', 5, 5)).toBe(0);
    expect(binop('sltu', 0, 0)).toBe(0);
    const { x } = runInsns([
      ...li(5, -1), opImm('addi', 6, 0, 1),
      opImm('slti', 10, 5, 0), // -1 < 0
      opImm('sltiu', 11, 6, -1), // 1 < 0xffffffff
      opImm('sltiu', 12, 5, -1), // 0xffffffff < 0xffffffff: no
      opImm('sltiu', 13, 0, 1), // seqz 0
      opImm('sltiu', 14, 6, 1), // seqz 1
      opImm('slti', 15, 6, -2048),
      opImm('slti', 16, 5, 2047),
    ]);
    expect([x[10], x[11], x[12], x[13], x[14], x[15], x[16]]).toEqual([1, 1, 0, 1, 0, 0, 1]);
  });

  it('logical immediates are sign-extended 12-bit values', () => {
    const { x } = runInsns([
      ...li(5, 0x1234_5678), opImm('xori', 6, 5, -1), opImm('andi', 7, 5, -2048), opImm('ori', 8, 5, -2048),
      opImm('andi', 9, 5, 0x7ff), opImm('xori', 10, 5, 0), op('xor', 11, 5, 5), op('or', 12, 5, 0), op('and', 13, 5, 6),
    ]);
    expect([x[6], x[7], x[8], x[9], x[10], x[11], x[12], x[13]]).toEqual([
      0xedcb_a987 | 0, 0x1234_5000, 0xffff_fe78 | 0, 0x678, 0x1234_5678, 0, 0x1234_5678, 0,
    ]);
  });

  it('lui puts imm << 12; auipc adds it to its own pc', () => {
    const insns = [E.lui(5, 0xfffff), E.lui(6, 0x80000), E.auipc(7, 0), E.auipc(8, 0xfffff), E.auipc(9, 0x80000), E.lui(10, 0)];
    const { x } = runInsns(insns);
    expect(x[5]).toBe(-4096);
    expect(x[6]).toBe(INT_MIN);
    expect(x[7]).toBe(addressOf(insns, 2));
    expect(x[8]).toBe(addressOf(insns, 3) - 4096);
    expect(x[9]).toBe((addressOf(insns, 4) + 0x8000_0000) | 0);
    expect(x[10]).toBe(0);
  });

  it('writes to x0 are discarded, side effects are not', () => {
    const { x, mem } = runInsns([
      ...li(5, DATA), opImm('addi', 6, 0, 7), E.store('sw', 6, 5, 0),
      opImm('addi', 0, 0, 5), E.lui(0, 0x12345), E.auipc(0, 1), E.load('lw', 0, 5, 0), op('mul', 0, 6, 6),
      E.amo('amoadd', 0, 6, 5), // memory becomes 14
      E.lrW(0, 5), E.scW(0, 6, 5), // succeeds: memory becomes 7
      opImm('addi', 7, 5, 4), E.amo('amoswap', 0, 6, 7), // DATA+4 becomes 7
      E.csr('csrrs', 0, E.CSR.instret, 0), E.jal(0, 4), E.op('add', 8, 0, 0),
    ]);
    expect(x[0]).toBe(0);
    expect(x[8]).toBe(0);
    expect(readWord(mem, DATA)).toBe(7);
    expect(readWord(mem, DATA + 4)).toBe(7);
  });
});

describe('M extension', () => {
  const s = (v: number): bigint => BigInt.asIntN(32, BigInt(v));
  const u = (v: number): bigint => BigInt.asUintN(32, BigInt(v));
  const lo = (p: bigint): number => Number(BigInt.asIntN(32, p));
  const hi = (p: bigint): number => Number(BigInt.asIntN(32, p >> 32n));
  const pairs: Array<[number, number]> = [
    [INT_MIN, INT_MIN], [INT_MIN, -1], [-1, -1], [-1, 1], [INT_MAX, INT_MAX], [INT_MIN, INT_MAX], [0x1234_5678, 0x9abc_def0 | 0],
    [-7, 3], [0, -1], [1, INT_MIN], [-1, INT_MIN], [0xffff, 0xffff], [0x10000, 0x10000],
  ];

  it('mul/mulh/mulhsu/mulhu give the low and the signed/mixed/unsigned high words', () => {
    for (const [a, b] of pairs) {
      const ctx = `a=${a} b=${b}`;
      expect(binop('mul', a, b), ctx).toBe(lo(s(a) * s(b)));
      expect(binop('mulh', a, b), ctx).toBe(hi(s(a) * s(b)));
      expect(binop('mulhsu', a, b), ctx).toBe(hi(s(a) * u(b)));
      expect(binop('mulhu', a, b), ctx).toBe(hi(u(a) * u(b)));
    }
    // A few worked by hand, in case the BigInt restatement shares a misunderstanding.
    expect(binop('mulhu', -1, -1)).toBe(0xffff_fffe | 0);
    expect(binop('mulh', -1, -1)).toBe(0);
    expect(binop('mulhsu', -1, -1)).toBe(-1); // -1 * (2^32 - 1) = -2^32 + 1: high word -1
    expect(binop('mulh', INT_MIN, INT_MIN)).toBe(0x4000_0000);
    expect(binop('mulhsu', INT_MIN, -1)).toBe(INT_MIN); // -2^31 * (2^32 - 1) = -2^63 + 2^31
    expect(binop('mul', 0x10000, 0x10000)).toBe(0);
  });

  it('division by zero: quotient all ones, remainder the dividend', () => {
    expect(binop('div', 7, 0)).toBe(-1);
    expect(binop('divu', 7, 0)).toBe(-1);
    expect(binop('rem', 7, 0)).toBe(7);
    expect(binop('remu', 7, 0)).toBe(7);
    expect(binop('rem', -7, 0)).toBe(-7);
    expect(binop('remu', INT_MIN, 0)).toBe(INT_MIN);
    expect(binop('div', 0, 0)).toBe(-1);
    expect(binop('rem', 0, 0)).toBe(0);
    expect(binop('div', INT_MIN, 0)).toBe(-1);
  });

  it('INT_MIN / -1 overflows to INT_MIN with remainder 0 (and is an ordinary unsigned division)', () => {
    expect(binop('div', INT_MIN, -1)).toBe(INT_MIN);
    expect(binop('rem', INT_MIN, -1)).toBe(0);
    expect(binop('divu', INT_MIN, -1)).toBe(0);
    expect(binop('remu', INT_MIN, -1)).toBe(INT_MIN);
  });

  it('signed division rounds toward zero; the remainder has the sign of the dividend', () => {
    expect(binop('div', -7, 2)).toBe(-3);
    expect(binop('rem', -7, 2)).toBe(-1);
    expect(binop('div', 7, -2)).toBe(-3);
    expect(binop('rem', 7, -2)).toBe(1);
    expect(binop('div', -7, -2)).toBe(3);
    expect(binop('rem', -7, -2)).toBe(-1);
    expect(binop('divu', -7, 2)).toBe(0x7fff_fffc);
    expect(binop('remu', -7, 2)).toBe(1);
    expect(binop('div', INT_MIN, 2)).toBe(-0x4000_0000);
    expect(binop('divu', INT_MIN, 2)).toBe(0x4000_0000);
  });

  it('rd may be a source: div x5, x5, x5 with x5 = 0', () => {
    expect(runInsns([op('div', 5, 5, 5)]).x[5]).toBe(-1);
    expect(runInsns([...li(5, -3), op('mul', 5, 5, 5)]).x[5]).toBe(9);
  });
});

describe('loads and stores', () => {
  const data = new Uint8Array([0x80, 0x7f, 0xff, 0x00, 0x00, 0x80, 0xff, 0x7f]);

  it('lb/lh sign-extend, lbu/lhu zero-extend', () => {
    const { x } = runInsns([
      ...li(5, DATA), E.load('lb', 10, 5, 0), E.load('lbu', 11, 5, 0), E.load('lb', 12, 5, 1), E.load('lh', 13, 5, 0),
      E.load('lh', 14, 5, 4), E.load('lhu', 15, 5, 4), E.load('lw', 16, 5, 0), E.load('lh', 17, 5, 6), E.load('lb', 18, 5, 2),
      E.load('lbu', 19, 5, 2), E.load('lw', 20, 5, 4),
    ], { data });
    expect([x[10], x[11], x[12], x[13], x[14], x[15], x[16], x[17], x[18], x[19], x[20]]).toEqual([
      -128, 128, 127, 0x7f80, -32768, 32768, 0x00ff_7f80, 0x7fff, -1, 255, 0x7fff_8000,
    ]);
  });

  it('sb/sh store only the low bytes; offsets are signed 12-bit', () => {
    const { mem, x } = runInsns([
      ...li(5, 0xdead_beef), ...li(6, DATA + 2048), ...li(7, DATA),
      E.store('sb', 5, 7, 16), E.store('sh', 5, 7, 20), E.store('sw', 5, 7, 24), E.store('sb', 5, 7, 31),
      E.store('sw', 5, 6, -2048 + 40), E.load('lw', 8, 6, -2048 + 40), E.store('sh', 5, 6, 2046),
    ]);
    expect(readWord(mem, DATA + 16)).toBe(0xef);
    expect(readWord(mem, DATA + 20)).toBe(0xbeef);
    expect(readWord(mem, DATA + 24)).toBe(0xdead_beef | 0);
    expect(readWord(mem, DATA + 28)).toBe(0xef00_0000 | 0);
    expect(x[8]).toBe(0xdead_beef | 0);
    expect(readWord(mem, DATA + 2048 + 2044)).toBe(0xbeef_0000 | 0);
  });

  it('misaligned loads and stores are performed (our choice, as qemu-riscv32 does), little-endian', () => {
    const { x, mem } = runInsns([
      ...li(5, DATA), E.load('lw', 10, 5, 1), E.load('lh', 11, 5, 1), E.load('lhu', 12, 5, 5),
      ...li(6, 0x1122_3344), E.store('sw', 6, 5, 9), E.store('sh', 6, 5, 15),
    ], { data });
    expect(x[10]).toBe(0x00_00ff7f);
    expect(x[11]).toBe(-129); // 0xff7f
    expect(x[12]).toBe(0xff80);
    expect(readWord(mem, DATA + 8)).toBe(0x2233_4400);
    expect(readWord(mem, DATA + 12)).toBe(0x4400_0011);
    expect(readWord(mem, DATA + 16)).toBe(0x33);
  });
});

describe('control transfer', () => {
  it('jal/jalr/c.jal/c.jalr link the next instruction (pc + 4 or pc + 2); jalr clears bit 0', () => {
    // Offsets are relative to each instruction; addresses are in the comments (CODE + n).
    const insns: Insn[] = [
      E.jal(1, 8), //                 0: -> 8, ra = 4
      opImm('addi', 10, 0, 1), //     4: skipped
      E.cMv(11, 1), //                8: x11 = 4
      E.auipc(5, 0), //              10: x5 = 10
      E.jalr(5, 5, 11), //           14: -> (10 + 11) & ~1 = 20, x5 = 18 (rd = rs1: the link wins)
      E.cLi(10, 2), //               18: skipped
      E.cJal(4), //                  20: -> 24, ra = 22
      E.cLi(10, 3), //               22: skipped
      E.cMv(12, 1), //               24: x12 = 22
      E.auipc(6, 0), //              26: x6 = 26
      opImm('addi', 6, 6, 12), //    30: x6 = 38
      E.cJalr(6), //                 34: -> 38, ra = 36
      E.cLi(10, 4), //               36: skipped
      E.cMv(13, 1), //               38: x13 = 36
      E.auipc(1, 0), //              40: ra = 40
      opImm('addi', 1, 1, 10), //    44: ra = 50
      E.cJalr(1), //                 48: -> 50 (the old ra), ra = 50
      E.cMv(14, 1), //               50: x14 = 50
      E.auipc(7, 0), //              52: x7 = 52
      opImm('addi', 7, 7, 12), //    56: x7 = 64
      E.cJr(7), //                   60: -> 64
      E.cLi(10, 5), //               62: skipped
      E.cJ(4), //                    64: -> 68
      E.cLi(10, 6), //               66: skipped
      E.jal(0, 8), //                68: -> 76
      opImm('addi', 10, 0, 7), //    72: skipped
    ]; //                            76: ebreak
    expect(addressOf(insns, insns.length)).toBe(CODE + 76);
    const { x } = runInsns(insns);
    expect(x[10]).toBe(0);
    expect(x[11]).toBe(CODE + 4);
    expect(x[5]).toBe(CODE + 18);
    expect(x[12]).toBe(CODE + 22);
    expect(x[13]).toBe(CODE + 36);
    expect(x[14]).toBe(CODE + 50);
    expect(x[1]).toBe(CODE + 50);
    expect(x[0]).toBe(0);
  });

  const cases: Array<[E.BranchOp, number, number, boolean]> = [
    ['beq', 5, 5, true], ['beq', 5, 6, false], ['bne', 5, 6, true], ['bne', -1, -1, false],
    ['blt', -1, 1, true], ['bltu', -1, 1, false], ['blt', INT_MAX, INT_MIN, false], ['bltu', INT_MAX, INT_MIN, true],
    ['bge', INT_MIN, INT_MAX, false], ['bgeu', INT_MIN, INT_MAX, true], ['bge', 3, 3, true], ['bgeu', 0, 0, true],
    ['bltu', 0, -1, true], ['bge', -1, -2, true], ['bgeu', 1, -1, false], ['blt', 3, 3, false],
  ];
  it.each(cases)('%s %i, %i taken = %s', (name, a, b, taken) => {
    const { x } = runInsns([...li(5, a), ...li(6, b), E.branch(name, 5, 6, 8), opImm('addi', 10, 0, 1)]);
    expect(x[10]).toBe(taken ? 0 : 1);
  });

  it('c.beqz/c.bnez test against zero; a backward branch loops', () => {
    const { x } = runInsns([
      E.cLi(8, 0), E.cLi(9, 1),
      E.cBeqz(8, 4), E.cLi(10, 1), // taken
      E.cBnez(8, 4), E.cLi(11, 1), // not taken
      E.cBnez(9, 4), E.cLi(12, 1), // taken
      E.cBeqz(9, 4), E.cLi(13, 1), // not taken
      E.cLi(14, 5), E.cAddi(14, -1), E.cAddi(15, 1), E.cBnez(14, -4), // loop five times
    ]);
    expect([x[10], x[11], x[12], x[13], x[14], x[15]]).toEqual([0, 1, 0, 1, 0, 5]);
  });
});

describe('RV32C forms', () => {
  it('c.addi16sp / c.addi4spn scale their immediates by 16 and 4', () => {
    const { x } = runInsns([
      ...li(2, DATA + 0x800), E.cAddi16sp(-512), E.cMv(5, 2), E.cAddi16sp(496), E.cMv(6, 2), E.cAddi16sp(16),
      E.cAddi4spn(8, 1020), E.cAddi4spn(15, 4),
    ]);
    expect(x[5]).toBe(DATA + 0x600);
    expect(x[6]).toBe(DATA + 0x7f0);
    expect(x[2]).toBe(DATA + 0x800);
    expect(x[8]).toBe(DATA + 0x800 + 1020);
    expect(x[15]).toBe(DATA + 0x804);
  });

  it('c.lwsp/c.swsp reach 252(sp), c.lw/c.sw reach 124(rs1)', () => {
    const { x, mem } = runInsns([
      ...li(2, DATA), ...li(5, 0x1357_9bdf), E.cSwsp(5, 252), E.cLwsp(6, 252), E.cSwsp(0, 0), E.cLwsp(7, 0),
      ...li(8, DATA + 0x100), ...li(9, -2), E.cSw(9, 8, 124), E.cLw(10, 8, 124), E.cLw(11, 8, 0),
    ], { data: words(0xffff_ffff) });
    expect(x[6]).toBe(0x1357_9bdf);
    expect(readWord(mem, DATA + 252)).toBe(0x1357_9bdf);
    expect(x[7]).toBe(0);
    expect(x[10]).toBe(-2);
    expect(readWord(mem, DATA + 0x100 + 124)).toBe(-2);
    expect(x[11]).toBe(0);
  });

  it('c.li/c.lui/c.addi sign-extend their 6-bit immediates', () => {
    const { x } = runInsns([
      E.cLi(5, -32), E.cLi(6, 31), E.cLui(7, -32), E.cLui(9, 31), E.cLui(10, 1), E.cLi(11, 0), E.cAddi(11, -32),
      E.cLi(12, 1), E.cAddi(12, 31), E.cNop(),
    ]);
    expect([x[5], x[6], x[7], x[9], x[10], x[11], x[12]]).toEqual([-32, 31, 0xfffe_0000 | 0, 0x1f000, 0x1000, -32, 32]);
  });

  it('c.srli/c.srai/c.andi/c.slli and the register-register forms', () => {
    const { x } = runInsns([
      ...li(8, INT_MIN), ...li(9, INT_MIN), ...li(10, 0x7f), ...li(11, 0x7f), E.cSrli(8, 31), E.cSrai(9, 31),
      E.cAndi(10, -32), E.cAndi(11, 0), E.cLi(5, 1), E.cSlli(5, 31),
      ...li(12, 10), ...li(13, 3), E.cMv(14, 12), E.cArith('c.sub', 14, 13), E.cMv(15, 12), E.cArith('c.xor', 15, 13),
      E.cMv(16, 12), E.cMv(17, 12), E.cAdd(17, 13), E.cMv(18, 12), E.cMv(19, 12),
      ...li(20, INT_MAX), E.cAdd(20, 20),
    ]);
    expect([x[8], x[9], x[10], x[11], x[5], x[14], x[15], x[17], x[20]]).toEqual([1, -1, 0x60, 0, INT_MIN, 7, 9, 13, -2]);
    const y = runInsns([...li(12, 0b1100), ...li(13, 0b1010), E.cMv(14, 12), E.cArith('c.or', 14, 13), E.cMv(15, 12),
      E.cArith('c.and', 15, 13), E.cArith('c.sub', 13, 13)]).x;
    expect([y[14], y[15], y[13]]).toEqual([0b1110, 0b1000, 0]);
  });
});

describe('A extension', () => {
  const ops: Array<[E.AmoOp, (m: number, v: number) => number]> = [
    ['amoswap', (_m, v) => v],
    ['amoadd', (m, v) => (m + v) | 0],
    ['amoxor', (m, v) => m ^ v],
    ['amoand', (m, v) => m & v],
    ['amoor', (m, v) => m | v],
    ['amomin', (m, v) => Math.min(m, v)],
    ['amomax', (m, v) => Math.max(m, v)],
    ['amominu', (m, v) => ((m >>> 0) < (v >>> 0) ? m : v)],
    ['amomaxu', (m, v) => ((m >>> 0) > (v >>> 0) ? m : v)],
  ];
  const operands: Array<[number, number]> = [[-5, 3], [INT_MAX, INT_MIN], [0, -1], [7, 7]];

  it('each AMO returns the old value in rd and stores op(old, rs2)', () => {
    for (const [name, f] of ops) {
      for (const [m, v] of operands) {
        for (const ord of [{}, { aq: true }, { rl: true }, { aq: true, rl: true }]) {
          const { x, mem } = runInsns([...li(5, DATA + 8), ...li(6, v), E.amo(name, 7, 6, 5, ord)], { data: words(0, 0, m) });
          expect(x[7], `${name} old m=${m} v=${v}`).toBe(m);
          expect(readWord(mem, DATA + 8), `${name} m=${m} v=${v}`).toBe(f(m, v));
        }
      }
    }
    // By hand, the signed/unsigned pairs that tell min from minu:
    expect(ops[5]![1](-5, 3)).toBe(-5);
    expect(ops[7]![1](-5, 3)).toBe(3);
  });

  it('an AMO whose rd is also rs2 or rs1 reads both sources first', () => {
    const a = runInsns([...li(5, DATA), ...li(6, 10), E.amo('amoadd', 6, 6, 5)], { data: words(32) });
    expect(a.x[6]).toBe(32);
    expect(readWord(a.mem, DATA)).toBe(42);
    const b = runInsns([...li(5, DATA), ...li(6, 10), E.amo('amoswap', 5, 6, 5)], { data: words(32) });
    expect(b.x[5]).toBe(32);
    expect(readWord(b.mem, DATA)).toBe(10);
  });

  it('LR then SC to the same address succeeds (rd = 0); an SC without a reservation fails (rd = 1) and stores nothing', () => {
    const { x, mem } = runInsns([
      ...li(5, DATA), ...li(8, 111), ...li(10, 222), ...li(12, 333),
      E.scW(13, 12, 5), // no reservation yet
      E.lrW(6, 5, { aq: true }), opImm('addi', 20, 6, 1), E.scW(7, 8, 5, { rl: true }), // succeeds
      E.scW(9, 10, 5), // the reservation was used up
    ], { data: words(99) });
    expect(x[13]).toBe(1);
    expect(x[6]).toBe(99);
    expect(x[7]).toBe(0);
    expect(x[9]).toBe(1);
    expect(readWord(mem, DATA)).toBe(111);
  });

  it('a failed SC also ends the reservation; an SC to another address fails (our choice, as qemu)', () => {
    const { x, mem } = runInsns([
      ...li(5, DATA), ...li(11, DATA + 4), ...li(8, 111),
      E.lrW(6, 5), E.scW(7, 8, 11), E.scW(9, 8, 5),
    ], { data: words(1, 2) });
    expect(x[7]).toBe(1);
    expect(x[9]).toBe(1);
    expect(readWord(mem, DATA)).toBe(1);
    expect(readWord(mem, DATA + 4)).toBe(2);
  });
});

describe('Zicsr counters and Zifencei', () => {
  const rdinstret = (rd: number): Insn => E.csr('csrrs', rd, E.CSR.instret, 0);

  for (const budget of [10_000, 1, 3]) {
    it(`instret counts exactly the retired instructions (run budget ${budget})`, () => {
      const { x } = runInsns([
        rdinstret(5), // 0 retired before it
        opImm('addi', 0, 0, 0), E.cNop(), E.jal(0, 4), E.branch('beq', 0, 0, 4),
        rdinstret(6), // 5 retired before it
        E.csrImm('csrrsi', 7, E.CSR.instret, 0), // 6
        E.csr('csrrc', 8, E.CSR.instret, 0), // 7
        E.csr('csrrs', 9, E.CSR.instreth, 0),
      ], { budget });
      expect([x[5], x[6], x[7], x[8], x[9]]).toEqual([0, 5, 6, 7, 0]);
    });
  }

  it('a trapping ecall is not retired until the kernel completes it; then instret counts it', () => {
    const insns = [rdinstret(5), E.ecall(), rdinstret(6), E.cNop(), E.ecall(), rdinstret(7)];
    const { cpu, end } = load(insns);
    let stop = cpu.run(100);
    expect(stop).toEqual({ kind: 'trap', cause: TrapCause.EcallFromU, pc: addressOf(insns, 1), tval: 0 });
    expect(cpu.icount).toBe(1);
    cpu.completeEcall();
    expect([cpu.icount, cpu.pc]).toEqual([2, addressOf(insns, 2)]);
    stop = cpu.run(100);
    expect(stop).toMatchObject({ kind: 'trap', cause: TrapCause.EcallFromU, pc: addressOf(insns, 4) });
    cpu.completeEcall();
    stop = cpu.run(100);
    expect(stop).toMatchObject({ kind: 'trap', cause: TrapCause.Breakpoint, pc: end });
    expect([cpu.x[5], cpu.x[6], cpu.x[7]]).toEqual([0, 2, 5]);
    expect(cpu.icount).toBe(6);
  });

  it('instret/instreth split the 64-bit count', () => {
    const start = 2 ** 32 * 3 + 0xffff_fffe;
    const { x } = runInsns([rdinstret(5), E.cNop(), rdinstret(6), E.csr('csrrs', 7, E.CSR.instreth, 0)], { icount: start });
    expect(x[5]).toBe(0xffff_fffe | 0);
    expect(x[6]).toBe(0);
    expect(x[7]).toBe(4);
  });

  it('time and timeh read the clock at the icount of the reading instruction; cycle counts as instret', () => {
    // A clock that is not the icount, so a reading of the wrong counter shows: 10 MHz plus an idle skip.
    const { cpu } = load([E.cNop(), E.csr('csrrs', 5, E.CSR.time, 0), E.csr('csrrs', 6, E.CSR.timeh, 0), E.csr('csrrs', 7, E.CSR.cycle, 0)], { icount: 1000 });
    cpu.timeAt = (icount) => Math.floor((icount * 10 + 2 ** 40) / 100); // ns / 100: the time CSR ticks at 10 MHz
    const stop = cpu.run(100);
    expect(stop).toMatchObject({ kind: 'trap', cause: TrapCause.Breakpoint });
    const expected = Math.floor((1001 * 10 + 2 ** 40) / 100);
    expect(cpu.x[5]! >>> 0).toBe(expected % 2 ** 32);
    expect(cpu.x[6]).toBe(Math.floor((1002 * 10 + 2 ** 40) / 100 / 2 ** 32));
    expect(cpu.x[7]).toBe(1003);
  });

  it('the machine wires time to its virtual clock, idle time included', () => {
    const { machine } = newMachine();
    expect(machine.cpu.timeAt(123_456)).toBe(Math.floor(machine.clock.nowNs(123_456) / 100));
    machine.clock.addIdleNs(5_000_000);
    expect(machine.cpu.timeAt(123_456)).toBe(Math.floor((123_456 * 10 + 5_000_000) / 100));
  });

  it('the user counters are read-only: a CSR write is an illegal instruction and is not retired', () => {
    for (const insn of [
      E.csr('csrrw', 5, E.CSR.instret, 0), E.csr('csrrs', 5, E.CSR.cycle, 6), E.csrImm('csrrwi', 5, E.CSR.time, 0),
      E.csrImm('csrrci', 5, E.CSR.instret, 1),
    ]) {
      const r = runToStop([E.cNop(), insn]);
      expect(r.stop, insn.asm).toEqual({ kind: 'trap', cause: TrapCause.IllegalInstruction, pc: CODE + 2, tval: insn.bits });
      expect(r.cpu.icount).toBe(1);
    }
  });

  it('fence.i after a store into code executes the new instruction', () => {
    const newInsn = opImm('addi', 5, 0, 2);
    const insns: Insn[] = [
      E.jal(1, 44), //                     0: call T (old code: x5 = 1)
      E.cMv(6, 5), //                      4
      E.cNop(), //                         6
      E.auipc(8, 0), //                    8
      opImm('addi', 8, 8, 44 - 8), //     12: x8 = T
      ...li(7, newInsn.bits), //          16, 20
      E.store('sw', 7, 8, 0), //          24: patch T
      E.fenceI(), //                      28
      E.jal(1, 44 - 32), //               32: call T again
      E.cMv(9, 5), //                     36
      E.cNop(), //                        38
      E.jal(0, 12), //                    40: -> END
      opImm('addi', 5, 0, 1), //          44: T
      E.jalr(0, 1, 0), //                 48
    ]; //                                 52: END (ebreak)
    expect(li(7, newInsn.bits)).toHaveLength(2);
    expect(addressOf(insns, insns.length)).toBe(CODE + 52);
    for (const budget of [10_000, 1]) {
      const { x } = runInsns(insns, { writableCode: true, budget });
      expect([x[6], x[9]], `budget ${budget}`).toEqual([1, 2]);
    }
  });

  it('fence.i makes a store to the very next instruction visible', () => {
    const { x } = runInsns([
      E.auipc(8, 0), ...li(7, opImm('addi', 5, 0, 2).bits), E.store('sw', 7, 8, 20), E.fenceI(),
      opImm('addi', 5, 0, 1), // at auipc + 20: replaced before it runs
    ], { writableCode: true });
    expect(x[5]).toBe(2);
  });

  it('fence with any predecessor/successor sets changes nothing', () => {
    const { x } = runInsns([opImm('addi', 5, 0, 3), E.fence(), E.fence(1, 1), E.fence(8, 4), opImm('addi', 5, 5, 1)]);
    expect(x[5]).toBe(4);
  });
});

describe('exact instruction counts', () => {
  // Forward branches and jumps, 2- and 4-byte instructions; `path` lists the executed ones.
  const insns: Insn[] = [
    opImm('addi', 5, 0, 1), // 0
    E.cNop(), // 1
    E.jal(0, 8), // 2 -> 4
    opImm('addi', 5, 0, 9), // 3 skipped
    E.cAddi(5, 1), // 4
    E.branch('beq', 0, 0, 6), // 5 -> 7
    E.cNop(), // 6 skipped
    E.cLi(10, 3), // 7
    E.cBnez(10, 4), // 8 -> 10
    E.cLi(10, 0), // 9 skipped
    opImm('addi', 7, 0, 4), // 10
    E.amo('amoadd', 8, 0, 9), // 11: x9 = DATA (set by regs)
    E.cJ(2), // 12 -> 13 (the next instruction)
    opImm('addi', 7, 7, 1), // 13
  ];
  const path = [0, 1, 2, 4, 5, 7, 8, 10, 11, 12, 13, 14 /* the ebreak */];

  it('run(k) retires exactly k instructions and stops before the next one, for every k', () => {
    for (let k = 0; k < path.length; k++) {
      const { cpu } = load(insns, { regs: { 9: DATA } });
      const stop = cpu.run(k);
      expect(stop, `k=${k}`).toEqual({ kind: 'budget' });
      expect(cpu.icount, `k=${k}`).toBe(k);
      expect(cpu.pc, `k=${k}`).toBe(addressOf(insns, path[k]!));
    }
  });

  it('any split of the budget ends in the same state, and a trap is not retired', () => {
    for (let a = 0; a <= path.length; a++) {
      const { cpu } = load(insns, { regs: { 9: DATA } });
      cpu.run(a);
      const stop = cpu.run(100);
      expect(stop, `split at ${a}`).toEqual({ kind: 'trap', cause: TrapCause.Breakpoint, pc: addressOf(insns, 14), tval: expect.any(Number) });
      expect(cpu.icount, `split at ${a}`).toBe(path.length - 1);
      expect([cpu.x[5], cpu.x[10], cpu.x[7]]).toEqual([2, 3, 5]);
    }
  });
});

describe('self-modifying code without fence.i', () => {
  // Without fence.i the spec lets a hart keep running stale instructions, but the issue asks
  // that stores into code invalidate translations, and qemu-riscv32 runs the new code here (17).
  it('a store over code that already ran makes the next pass run the new code', () => {
    // Loop twice over T; after the first pass, patch T from "addi x5, x5, 1" to "addi x5, x5, 16".
    const insns: Insn[] = [
      E.auipc(8, 0), //                     0
      opImm('addi', 8, 8, 18), //            4: x8 = T
      ...li(7, opImm('addi', 5, 5, 16).bits), // 8, 12
      E.cLi(9, 2), //                       16: two passes
      opImm('addi', 5, 5, 1), //            18: T
      E.store('sw', 7, 8, 0), //            22: patch T
      E.cAddi(9, -1), //                    26
      E.cBnez(9, -10), //                   28: -> T
    ];
    expect(li(7, opImm('addi', 5, 5, 16).bits)).toHaveLength(2);
    expect(addressOf(insns, 5)).toBe(CODE + 18);
    const { x } = runInsns(insns, { writableCode: true, regs: { 5: 0 } });
    expect(x[5]).toBe(17);
  });

  it('a patched routine on another page runs its new code on the next call', () => {
    for (const withFence of [true, false]) {
      const main: Insn[] = [...li(8, CODE + 0x1000), ...li(7, opImm('addi', 5, 5, 16).bits), E.cLi(9, 2)];
      const call = main.length;
      main.push(E.jal(1, 0), E.store('sw', 7, 8, 0), ...(withFence ? [E.fenceI()] : []), E.cAddi(9, -1));
      main.push(E.cBnez(9, addressOf(main, call) - addressOf(main, main.length)));
      const exit = main.length;
      main.push(E.jal(0, 0));
      while (addressOf(main, main.length) < CODE + 0x1000) main.push(E.cNop());
      const routine = main.length; // T: x5 += 1 (patched to += 16); return
      main.push(opImm('addi', 5, 5, 1), E.jalr(0, 1, 0));
      main[call] = E.jal(1, addressOf(main, routine) - addressOf(main, call));
      main[exit] = E.jal(0, addressOf(main, main.length) - addressOf(main, exit));
      expect(addressOf(main, routine)).toBe(CODE + 0x1000);
      const { x } = runInsns(main, { writableCode: true, regs: { 5: 0 } });
      expect(x[5], `fence.i: ${withFence}`).toBe(17);
    }
  });
});
