// Seeded random RV32IMAC programs for the differential test against qemu-riscv32.
//
// A program is many independent *sequences*. Each sequence re-initialises every register and the
// scratch memory, runs a random body, stores x1..x31 to a dump area just below the scratch region
// and writes dump + scratch (RECORD_BYTES) to stdout with Linux write (a7 = 64). The program ends
// with exit (a7 = 93). Sequence i of seed s is generated from its own PRNG stream mix(s, i), so its
// instructions do not depend on how sequences are grouped into programs (only its addresses do).
//
// Left out on purpose, because the result is implementation-defined or host-dependent: reads of
// cycle/time/instret, misaligned AMOs and LR/SC (they trap), stores or AMOs between an LR and its SC, an SC to an
// address other than its LR's, ecall/ebreak inside a body, backward branches. RV32C HINTs are in (qemu runs
// them as no-ops; so must we).

import * as E from './rv-encode.js';
import type { Insn, Reg } from './rv-encode.js';
import { writeElf, TEXT_BASE } from './elf-writer.js';

export const DATA_BASE = 0x1000_0000;
export const DUMP_BYTES = 128; // 32 words; slot 0 (x0) is always 0
export const SCRATCH_BYTES = 256;
export const SCRATCH = DATA_BASE + DUMP_BYTES;
export const RECORD_BYTES = DUMP_BYTES + SCRATCH_BYTES;

/** sp points at the scratch region and s0 at its middle, for the whole body (negative offsets too). */
const SP = 2;
const S0 = 8;
const S0_VALUE = SCRATCH + 128;

// ---------------------------------------------------------------------------------------------
// PRNG: sfc32 seeded through splitmix32. Test-side only; deterministic across hosts.

export function mixSeed(a: number, b: number): number {
  let z = (Math.imul(a >>> 0, 0x9e3779b1) ^ Math.imul((b >>> 0) + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: number) {
    this.a = mixSeed(seed, 1);
    this.b = mixSeed(seed, 2);
    this.c = mixSeed(seed, 3);
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

// ---------------------------------------------------------------------------------------------
// Operand pools

const EDGE_VALUES: readonly number[] = [
  0, 1, -1, 0x8000_0000 | 0, 0x7fff_ffff, 2, -2, 31, 32, 33, 63, 64, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000,
  0xffff, 0x1_0000, 0x8000_0001 | 0, 0xffff_fffe | 0, 0x7fff_fffe, 0xffff_ff80 | 0, 0xffff_8000 | 0,
  0x5555_5555, 0xaaaa_aaaa | 0, 0x1234_5678, 0x0000_0800, 0xffff_f800 | 0, 0x0000_07ff, 0x8080_8080 | 0,
];

const EDGE_IMM12: readonly number[] = [0, 1, -1, 2047, -2048, 2046, -2047, 0x7ff, 0x400, -0x400, 31, 32, 0xff, -0x80];

/** Registers a body may write: everything but x0 (handled separately) and the two base registers. */
const WRITABLE: readonly Reg[] = [1, 3, 4, 5, 6, 7, ...Array.from({ length: 23 }, (_, i) => i + 9)];
/** Compressed-set registers a body may write (x8 is a base register). */
const C_WRITABLE: readonly Reg[] = [9, 10, 11, 12, 13, 14, 15];
const C_ANY: readonly Reg[] = [8, 9, 10, 11, 12, 13, 14, 15];

const M_EDGE_PAIRS: ReadonlyArray<readonly [number, number]> = [
  [0x8000_0000 | 0, -1], [1, 0], [-1, 0], [0, 0], [0x8000_0000 | 0, 0], [0x7fff_ffff, 0], [-1, -1],
  [0x8000_0000 | 0, 0x8000_0000 | 0], [0x8000_0000 | 0, 1], [0x7fff_ffff, -1], [-7, 2], [7, -2], [-7, -2],
  [0xffff_ffff | 0, 0xffff_ffff | 0], [0x7fff_ffff, 0x7fff_ffff], [0x8000_0000 | 0, 0x7fff_ffff],
];
const SHIFT_AMOUNTS: readonly number[] = [0, 1, 31, 32, 33, 63, 64, -1, 0xffff_ffe0 | 0, 0x7fff_ffff, 0x8000_0000 | 0];

// ---------------------------------------------------------------------------------------------
// Sequence generation

export interface GeneratedSequence {
  readonly index: number;
  readonly insns: readonly Insn[];
  /** insns[bodyStart..dumpStart) is the random body; before it the set-up, after it the dump. */
  readonly bodyStart: number;
  readonly dumpStart: number;
}

class SequenceBuilder {
  readonly out: Insn[] = [];

  constructor(private readonly rng: Rng) {}

  emit(...insns: Insn[]): void {
    this.out.push(...insns);
  }

  value(): number {
    const r = this.rng.int(10);
    if (r < 5) return this.rng.pick(EDGE_VALUES);
    if (r < 7) return this.rng.range(-64, 64);
    return this.rng.u32() | 0;
  }

  imm12(): number {
    return this.rng.chance(0.4) ? this.rng.pick(EDGE_IMM12) : this.rng.range(-2048, 2047);
  }

  anyReg(): Reg {
    return this.rng.int(32);
  }

  /** A destination for a full-size instruction: x0 now and then, to check that writes vanish. */
  dest(exclude: readonly Reg[] = []): Reg {
    if (this.rng.chance(0.06) && !exclude.includes(0)) return 0;
    return this.writable(exclude);
  }

  writable(exclude: readonly Reg[] = []): Reg {
    for (;;) {
      const r = this.rng.pick(WRITABLE);
      if (!exclude.includes(r)) return r;
    }
  }

  /** A naturally aligned address in the scratch region, as (base register, offset). */
  scratchSlot(size: number): { base: Reg; offset: number } {
    const slot = this.rng.int(SCRATCH_BYTES / size) * size;
    return this.rng.chance(0.5) ? { base: SP, offset: slot } : { base: S0, offset: slot - 128 };
  }

  /**
   * An address for a plain load or store: usually aligned, sometimes not. qemu-riscv32 performs
   * misaligned plain accesses and so does our CPU (src/core/memory.ts), so both must agree on the
   * little-endian bytes; AMOs and LR/SC stay aligned (misaligned ones trap, SIGBUS under qemu).
   */
  accessSlot(size: number): { base: Reg; offset: number } {
    if (size === 1 || !this.rng.chance(0.1)) return this.scratchSlot(size);
    const at = this.rng.int(SCRATCH_BYTES - size + 1);
    return this.rng.chance(0.5) ? { base: SP, offset: at } : { base: S0, offset: at - 128 };
  }

  // --- straight-line instructions (safe to skip over) ---

  simple(exclude: readonly Reg[] = []): Insn[] {
    const rng = this.rng;
    const d = (): Reg => this.dest(exclude);
    switch (rng.int(13)) {
      case 0:
      case 1: {
        const name = rng.chance(0.4) ? rng.pick(E.M_OPS) : rng.pick(E.REG_OPS);
        const rs1 = this.anyReg();
        return [E.op(name, d(), rs1, rng.chance(0.1) ? rs1 : this.anyReg())];
      }
      case 2:
        return [E.opImm(rng.pick(E.IMM_OPS), d(), this.anyReg(), this.imm12())];
      case 3:
        return [E.shiftImm(rng.pick(E.SHIFT_IMM_OPS), d(), this.anyReg(), rng.chance(0.3) ? rng.pick([0, 1, 31]) : rng.int(32))];
      case 4: {
        const imm = rng.chance(0.3) ? rng.pick([0, 1, 0x80000, 0xfffff, 0x7ffff]) : rng.int(0x100000);
        return [rng.chance(0.5) ? E.lui(d(), imm) : E.auipc(d(), imm)];
      }
      case 5: {
        const name = rng.pick(E.LOAD_OPS);
        const { base, offset } = this.accessSlot(E.LOAD_SIZE[name]);
        return [E.load(name, d(), base, offset)];
      }
      case 6: {
        const name = rng.pick(E.STORE_OPS);
        const { base, offset } = this.accessSlot(E.STORE_SIZE[name]);
        return [E.store(name, this.anyReg(), base, offset)];
      }
      case 7:
      case 8:
      case 9:
        return [this.compressedAlu(exclude)];
      case 10:
        return [this.compressedMemory(exclude)];
      case 11:
        return this.mEdge(exclude);
      case 12:
        return rng.chance(0.7) ? this.shiftEdge(exclude) : [E.fence(rng.range(1, 15), rng.range(1, 15))];
      default:
        throw new Error('unreachable');
    }
  }

  compressedAlu(exclude: readonly Reg[]): Insn {
    const rng = this.rng;
    const w = (): Reg => this.writable(exclude);
    const cw = (): Reg => {
      for (;;) {
        const r = rng.pick(C_WRITABLE);
        if (!exclude.includes(r)) return r;
      }
    };
    const nz6 = (): number => rng.pick([-32, -1, 1, 31, rng.range(-32, -1), rng.range(1, 31)]);
    switch (rng.int(13)) {
      case 0: return rng.chance(0.2) ? E.cNop() : E.cAddi(w(), nz6());
      case 1: return E.cLi(w(), rng.range(-32, 31));
      case 2: return E.cLui(w(), nz6()); // never x2 (that encoding is c.addi16sp): sp is not writable
      case 3: return E.cSrli(cw(), rng.range(1, 31));
      case 4: return E.cSrai(cw(), rng.range(1, 31));
      case 5: return E.cAndi(cw(), rng.range(-32, 31));
      case 6:
      case 7: return E.cArith(rng.pick(E.C_ARITH_OPS), cw(), rng.pick(C_ANY));
      case 8: return E.cSlli(w(), rng.range(1, 31));
      case 9: return E.cMv(w(), rng.range(1, 31));
      case 10:
      case 11: return E.cAdd(w(), rng.range(1, 31));
      case 12: return E.cAddi4spn(cw(), rng.range(1, 255) * 4);
      default: throw new Error('unreachable');
    }
  }

  compressedMemory(exclude: readonly Reg[]): Insn {
    const rng = this.rng;
    let cw = rng.pick(C_WRITABLE);
    while (exclude.includes(cw)) cw = rng.pick(C_WRITABLE);
    switch (rng.int(4)) {
      case 0: return E.cLw(cw, S0, rng.int(32) * 4);
      case 1: return E.cSw(rng.pick(C_ANY), S0, rng.int(32) * 4);
      case 2: return E.cLwsp(this.writable(exclude), rng.int(64) * 4);
      case 3: return E.cSwsp(this.anyReg(), rng.int(64) * 4);
      default: throw new Error('unreachable');
    }
  }

  /** Division by zero, INT_MIN / -1 and the mulh sign combinations, with known operands. */
  mEdge(exclude: readonly Reg[]): Insn[] {
    const rng = this.rng;
    const name = rng.pick(E.M_OPS);
    const divide = name === 'div' || name === 'divu' || name === 'rem' || name === 'remu';
    let va: number;
    let vb: number;
    if (divide && rng.chance(0.6)) {
      // The two cases the M extension defines without a trap.
      [va, vb] = rng.chance(0.5) ? [0x8000_0000 | 0, -1] : [this.value(), 0];
    } else {
      [va, vb] = rng.pick(M_EDGE_PAIRS);
      if (rng.chance(0.5)) [va, vb] = [vb, va];
    }
    const a = this.writable(exclude);
    const same = rng.chance(0.1);
    const b = same ? a : this.writable([...exclude, a]);
    return [...E.li(a, same ? vb : va), ...(same ? [] : E.li(b, vb)), E.op(name, this.dest(exclude), a, b)];
  }

  /** Register shift amounts >= 32: only the low 5 bits count. */
  shiftEdge(exclude: readonly Reg[]): Insn[] {
    const b = this.writable(exclude);
    return [
      ...E.li(b, this.rng.pick(SHIFT_AMOUNTS)),
      E.op(this.rng.pick(['sll', 'srl', 'sra'] as const), this.dest(exclude), this.anyReg(), b),
    ];
  }

  /** 0..max straight-line items, flattened. */
  filler(max: number): Insn[] {
    const out: Insn[] = [];
    const n = this.rng.int(max + 1);
    for (let i = 0; i < n; i++) out.push(...this.simple());
    return out;
  }

  // --- control flow and atomics (top level only) ---

  item(): Insn[] {
    const rng = this.rng;
    const r = rng.int(100);
    if (r < 47) return this.simple();
    if (r < 50) return this.loop();
    if (r < 52) return this.accessThroughTemp();
    if (r < 62) return this.branchOver();
    if (r < 67) return this.jumpOver();
    if (r < 71) return this.auipcJalr();
    if (r < 75) return this.compressedIndirect();
    if (r < 83) return this.amo();
    if (r < 90) return this.lrSc();
    if (r < 93) return this.scWithoutReservation();
    if (r < 97) return this.addi16spRoundTrip();
    if (r < 98) return [E.fence(rng.range(1, 15), rng.range(1, 15))];
    if (r < 99) return [E.fenceI()];
    return [this.hint()];
  }

  branchOver(): Insn[] {
    const rng = this.rng;
    const skipped = this.filler(4);
    const size = skipped.reduce((n, i) => n + i.size, 0);
    let br: Insn;
    if (rng.chance(0.3)) {
      const rs1 = rng.pick(C_ANY);
      br = rng.chance(0.5) ? E.cBeqz(rs1, 2 + size) : E.cBnez(rs1, 2 + size);
    } else {
      const rs1 = this.anyReg();
      br = E.branch(rng.pick(E.BRANCH_OPS), rs1, rng.chance(0.15) ? rs1 : this.anyReg(), 4 + size);
    }
    return [br, ...skipped];
  }

  /**
   * A bounded loop (1..4 passes): translated code must handle backward branches, and blocks run
   * more than once. The counter register is kept out of the body's destinations.
   */
  loop(): Insn[] {
    const rng = this.rng;
    const compressed = rng.chance(0.4);
    const counter = compressed ? rng.pick(C_WRITABLE) : this.writable();
    const body: Insn[] = [];
    const items = rng.range(1, 5);
    for (let i = 0; i < items; i++) {
      if (rng.chance(0.2)) {
        // a forward branch inside the loop body
        const skipped = this.simple([counter]);
        const size = skipped.reduce((n, x) => n + x.size, 0);
        body.push(E.branch(rng.pick(E.BRANCH_OPS), this.anyReg(), this.anyReg(), 4 + size), ...skipped);
      } else {
        body.push(...this.simple([counter]));
      }
    }
    body.push(compressed ? E.cAddi(counter, -1) : E.opImm('addi', counter, counter, -1));
    const size = body.reduce((n, x) => n + x.size, 0);
    const back = compressed ? E.cBnez(counter, -size) : E.branch('bne', counter, 0, -size);
    return [...E.li(counter, rng.range(1, 4)), ...body, back];
  }

  /** A load or store through a temporary address register; the load may overwrite it. */
  accessThroughTemp(): Insn[] {
    const rng = this.rng;
    const t = this.writable();
    const slot = rng.int(SCRATCH_BYTES / 4 - 16) * 4;
    const k = rng.int(16) * 4;
    // Either way t = SCRATCH + slot, and t + k + 4 stays inside the scratch region.
    const setup = rng.chance(0.5) ? E.opImm('addi', t, SP, slot) : E.opImm('addi', t, S0, slot - 128);
    if (rng.chance(0.5)) {
      const name = rng.pick(E.LOAD_OPS);
      return [setup, E.load(name, rng.chance(0.4) ? t : this.dest(), t, k)];
    }
    return [setup, E.store(rng.pick(E.STORE_OPS), rng.chance(0.3) ? t : this.anyReg(), t, k)];
  }

  jumpOver(): Insn[] {
    const rng = this.rng;
    const skipped = this.filler(3);
    const size = skipped.reduce((n, i) => n + i.size, 0);
    const k = rng.int(3);
    const jump = k === 0 ? E.jal(this.dest(), 4 + size) : k === 1 ? E.cJ(2 + size) : E.cJal(2 + size);
    return [jump, ...skipped];
  }

  /** auipc t, 0; jalr rd, off(t) to a later label; an odd offset checks that bit 0 is cleared. */
  auipcJalr(): Insn[] {
    const rng = this.rng;
    const t = this.writable();
    const skipped = this.filler(3);
    const size = skipped.reduce((n, i) => n + i.size, 0);
    const rd = rng.chance(0.25) ? t : this.dest();
    const odd = rng.chance(0.3) ? 1 : 0;
    return [E.auipc(t, 0), E.jalr(rd, t, 8 + size + odd), ...skipped];
  }

  /** auipc t, 0; addi t, t, off; c.jr t / c.jalr t (ra = pc + 2, also when t is ra). */
  compressedIndirect(): Insn[] {
    const rng = this.rng;
    const t = rng.chance(0.2) ? 1 : this.writable();
    const skipped = this.filler(3);
    const size = skipped.reduce((n, i) => n + i.size, 0);
    const jump = rng.chance(0.5) ? E.cJr(t) : E.cJalr(t);
    return [E.auipc(t, 0), E.opImm('addi', t, t, 10 + size), jump, ...skipped];
  }

  ordering(): E.Ordering {
    return { aq: this.rng.chance(0.5), rl: this.rng.chance(0.5) };
  }

  /** A register t holding an aligned scratch address. */
  addressIn(t: Reg): Insn {
    const { base, offset } = this.scratchSlot(4);
    return E.opImm('addi', t, base, offset);
  }

  amo(): Insn[] {
    const rng = this.rng;
    const t = this.writable();
    const rd = rng.chance(0.15) ? t : this.dest();
    const rs2 = rng.chance(0.1) ? t : this.anyReg();
    return [this.addressIn(t), E.amo(rng.pick(E.AMO_OPS), rd, rs2, t, this.ordering())];
  }

  /** LR then SC to the same address, only register arithmetic in between: the SC succeeds. */
  lrSc(): Insn[] {
    const rng = this.rng;
    const t = this.writable();
    const out: Insn[] = [this.addressIn(t), E.lrW(this.dest([t]), t, this.ordering())];
    const between = rng.int(3);
    for (let i = 0; i < between; i++) out.push(this.compressedAluOrOp([t]));
    const rd = rng.chance(0.15) ? t : this.dest();
    out.push(E.scW(rd, rng.chance(0.1) ? t : this.anyReg(), t, this.ordering()));
    return out;
  }

  compressedAluOrOp(exclude: readonly Reg[]): Insn {
    if (this.rng.chance(0.5)) return this.compressedAlu(exclude);
    return E.op(this.rng.pick(E.REG_OPS), this.dest(exclude), this.anyReg(), this.anyReg());
  }

  /** Every LR above is closed by its SC, so here no reservation is held: the SC fails with 1. */
  scWithoutReservation(): Insn[] {
    const t = this.writable();
    return [this.addressIn(t), E.scW(this.dest(), this.anyReg(), t, this.ordering())];
  }

  /** An RV32C HINT: it must change nothing (qemu executes them as no-ops). */
  hint(): Insn {
    const rng = this.rng;
    const nz6 = rng.chance(0.5) ? rng.range(1, 31) : rng.range(-32, -1);
    switch (rng.int(10)) {
      case 0: return E.cHint({ kind: 'c.addi x0', imm: nz6 });
      case 1: return E.cHint({ kind: 'c.addi 0', rd: this.writable() });
      case 2: return E.cHint({ kind: 'c.li x0', imm: rng.range(-32, 31) });
      case 3: return E.cHint({ kind: 'c.lui x0', imm: nz6 });
      case 4: return E.cHint({ kind: 'c.mv x0', rs2: rng.range(1, 31) });
      case 5: return E.cHint({ kind: 'c.add x0', rs2: rng.range(1, 31) });
      case 6: return E.cHint({ kind: 'c.slli x0', shamt: rng.range(1, 31) });
      case 7: return E.cHint({ kind: 'c.slli 0', rd: this.writable() });
      case 8: return E.cHint({ kind: 'c.srli 0', rd: rng.pick(C_WRITABLE) });
      default: return E.cHint({ kind: 'c.srai 0', rd: rng.pick(C_WRITABLE) });
    }
  }

  addi16spRoundTrip(): Insn[] {
    const rng = this.rng;
    const imm = rng.pick([-496, 496, -16, 16, rng.range(1, 31) * 16, -rng.range(1, 31) * 16]);
    const observe = rng.chance(0.5) ? E.cMv(this.writable(), SP) : E.cAddi4spn(rng.pick(C_WRITABLE), rng.range(1, 255) * 4);
    return [E.cAddi16sp(imm), observe, E.cAddi16sp(-imm)];
  }
}

export function generateSequence(seed: number, index: number): GeneratedSequence {
  const rng = new Rng(mixSeed(seed, index));
  const b = new SequenceBuilder(rng);
  // sp reaches the scratch base through a c.addi16sp, so that every later sp-relative access
  // depends on its immediate being decoded right.
  const adjust = rng.pick([-512, 496, 16, -16, rng.range(1, 31) * 16, -rng.range(1, 32) * 16]);
  b.emit(...E.li(SP, SCRATCH - adjust), E.cAddi16sp(adjust), ...E.li(S0, S0_VALUE));
  for (const r of WRITABLE) {
    const v = b.value();
    b.emit(...(v >= -32 && v <= 31 && rng.chance(0.3) ? [E.cLi(r, v)] : E.li(r, v)));
  }
  for (let off = 0; off < SCRATCH_BYTES; off += 4) {
    const r = b.anyReg();
    b.emit(rng.chance(0.3) ? E.cSwsp(r, off) : E.store('sw', r, SP, off));
  }
  const bodyStart = b.out.length;
  const items = rng.range(20, 60);
  for (let i = 0; i < items; i++) b.emit(...b.item());
  const dumpStart = b.out.length;
  for (let r = 1; r < 32; r++) b.emit(E.store('sw', r, SP, 4 * r - DUMP_BYTES));
  b.emit(...E.li(10, 1), ...E.li(11, DATA_BASE), ...E.li(12, RECORD_BYTES), ...E.li(17, 64), E.ecall());
  return { index, insns: b.out, bodyStart, dumpStart };
}

// ---------------------------------------------------------------------------------------------
// Programs

export interface PlacedSequence extends GeneratedSequence {
  /** Address of insns[0]. */
  readonly address: number;
}

export interface Program {
  readonly seed: number;
  readonly firstIndex: number;
  readonly sequences: readonly PlacedSequence[];
  readonly elf: Uint8Array;
}

/**
 * Sequences firstIndex .. firstIndex + count - 1 of `seed`, in one ELF that exits with status 0.
 * `patch` may rewrite a sequence's instructions (keeping their sizes, so addresses stay put).
 */
export function buildProgram(seed: number, firstIndex: number, count: number,
  patch?: (seq: GeneratedSequence) => GeneratedSequence): Program {
  const insns: Insn[] = [];
  const sequences: PlacedSequence[] = [];
  let address = TEXT_BASE;
  for (let i = 0; i < count; i++) {
    const generated = generateSequence(seed, firstIndex + i);
    const seq = patch ? patch(generated) : generated;
    sequences.push({ ...seq, address });
    insns.push(...seq.insns);
    address += seq.insns.reduce((n, insn) => n + insn.size, 0);
  }
  insns.push(...E.li(10, 0), ...E.li(17, 93), E.ecall());
  const elf = writeElf({ text: E.assemble(insns), data: new Uint8Array(RECORD_BYTES), dataBase: DATA_BASE });
  return { seed, firstIndex, sequences, elf };
}

/** Address of every instruction of a placed sequence. */
export function addresses(seq: PlacedSequence): number[] {
  const out: number[] = [];
  let a = seq.address;
  for (const insn of seq.insns) {
    out.push(a);
    a += insn.size;
  }
  return out;
}
