// An encoder for every RV32IMAC (+ Zicsr, Zifencei) instruction, written from the RISC-V unprivileged
// spec (20191213) so that the differential and per-instruction tests do not depend on src/core's
// decoder. Each function returns the bits, the size and a GNU-assembler spelling of the instruction;
// the spelling is what the toolchain cross-check feeds to `riscv64-unknown-elf-as`, and what the
// diff CLI prints. Operands that the format cannot hold throw an EncodeError: a generator bug must
// never silently become a different instruction.

export interface Insn {
  readonly bits: number;
  readonly size: 2 | 4;
  readonly asm: string;
}

export class EncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncodeError';
  }
}

export type Reg = number;

function reg(r: Reg, what = 'register'): number {
  if (!Number.isInteger(r) || r < 0 || r > 31) throw new EncodeError(`${what} x${r} out of range`);
  return r;
}

/** A register of the compressed set x8..x15, returned as its 3-bit field. */
function creg(r: Reg, what = 'register'): number {
  if (!Number.isInteger(r) || r < 8 || r > 15) throw new EncodeError(`${what} x${r} is not one of x8..x15`);
  return r - 8;
}

function nonZeroReg(r: Reg, what: string): number {
  reg(r, what);
  if (r === 0) throw new EncodeError(`${what} must not be x0`);
  return r;
}

function signedRange(v: number, bits: number, what: string): void {
  const lo = -(2 ** (bits - 1));
  const hi = 2 ** (bits - 1) - 1;
  if (!Number.isInteger(v) || v < lo || v > hi) throw new EncodeError(`${what} ${v} not in [${lo}, ${hi}]`);
}

function unsignedRange(v: number, bits: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 2 ** bits - 1) {
    throw new EncodeError(`${what} ${v} not in [0, ${2 ** bits - 1}]`);
  }
}

function multipleOf(v: number, m: number, what: string): void {
  if (v % m !== 0) throw new EncodeError(`${what} ${v} is not a multiple of ${m}`);
}

/** Bits hi..lo of v (inclusive), shifted down to bit 0. */
function bits(v: number, hi: number, lo: number): number {
  return (v >>> lo) & ((1 << (hi - lo + 1)) - 1);
}

const x = (r: Reg): string => `x${r}`;
const rel = (off: number): string => (off >= 0 ? `.+${off}` : `.${off}`);

function i32(bitsValue: number, asm: string): Insn {
  return { bits: bitsValue >>> 0, size: 4, asm };
}

function i16(bitsValue: number, asm: string): Insn {
  if ((bitsValue & 3) === 3) throw new EncodeError(`internal: compressed encoding ${bitsValue} has op=11`);
  return { bits: bitsValue & 0xffff, size: 2, asm };
}

// ---------------------------------------------------------------------------------------------
// Base formats

const OP_LUI = 0x37;
const OP_AUIPC = 0x17;
const OP_JAL = 0x6f;
const OP_JALR = 0x67;
const OP_BRANCH = 0x63;
const OP_LOAD = 0x03;
const OP_STORE = 0x23;
const OP_IMM = 0x13;
const OP_OP = 0x33;
const OP_MISC_MEM = 0x0f;
const OP_SYSTEM = 0x73;
const OP_AMO = 0x2f;

function rType(op: number, f3: number, f7: number, rd: Reg, rs1: Reg, rs2: Reg): number {
  return (f7 << 25) | (reg(rs2, 'rs2') << 20) | (reg(rs1, 'rs1') << 15) | (f3 << 12) | (reg(rd, 'rd') << 7) | op;
}

function iType(op: number, f3: number, rd: Reg, rs1: Reg, imm: number): number {
  signedRange(imm, 12, 'I-immediate');
  return ((imm & 0xfff) << 20) | (reg(rs1, 'rs1') << 15) | (f3 << 12) | (reg(rd, 'rd') << 7) | op;
}

function sType(f3: number, rs1: Reg, rs2: Reg, imm: number): number {
  signedRange(imm, 12, 'S-immediate');
  return (
    (bits(imm, 11, 5) << 25) | (reg(rs2, 'rs2') << 20) | (reg(rs1, 'rs1') << 15) | (f3 << 12) |
    (bits(imm, 4, 0) << 7) | OP_STORE
  );
}

function bType(f3: number, rs1: Reg, rs2: Reg, off: number): number {
  signedRange(off, 13, 'branch offset');
  multipleOf(off, 2, 'branch offset');
  return (
    (bits(off, 12, 12) << 31) | (bits(off, 10, 5) << 25) | (reg(rs2, 'rs2') << 20) | (reg(rs1, 'rs1') << 15) |
    (f3 << 12) | (bits(off, 4, 1) << 8) | (bits(off, 11, 11) << 7) | OP_BRANCH
  );
}

// ---------------------------------------------------------------------------------------------
// RV32I

/** `imm20` is the upper 20 bits as written in assembly (0..0xfffff). */
export function lui(rd: Reg, imm20: number): Insn {
  unsignedRange(imm20, 20, 'lui immediate');
  return i32((imm20 << 12) | (reg(rd, 'rd') << 7) | OP_LUI, `lui ${x(rd)}, 0x${imm20.toString(16)}`);
}

export function auipc(rd: Reg, imm20: number): Insn {
  unsignedRange(imm20, 20, 'auipc immediate');
  return i32((imm20 << 12) | (reg(rd, 'rd') << 7) | OP_AUIPC, `auipc ${x(rd)}, 0x${imm20.toString(16)}`);
}

/** `off` is relative to this instruction. */
export function jal(rd: Reg, off: number): Insn {
  signedRange(off, 21, 'jal offset');
  multipleOf(off, 2, 'jal offset');
  const b =
    (bits(off, 20, 20) << 31) | (bits(off, 10, 1) << 21) | (bits(off, 11, 11) << 20) | (bits(off, 19, 12) << 12) |
    (reg(rd, 'rd') << 7) | OP_JAL;
  return i32(b, `jal ${x(rd)}, ${rel(off)}`);
}

export function jalr(rd: Reg, rs1: Reg, imm: number): Insn {
  return i32(iType(OP_JALR, 0, rd, rs1, imm), `jalr ${x(rd)}, ${imm}(${x(rs1)})`);
}

export type BranchOp = 'beq' | 'bne' | 'blt' | 'bge' | 'bltu' | 'bgeu';
const BRANCH_F3: Record<BranchOp, number> = { beq: 0, bne: 1, blt: 4, bge: 5, bltu: 6, bgeu: 7 };
export const BRANCH_OPS = Object.keys(BRANCH_F3) as BranchOp[];

export function branch(op: BranchOp, rs1: Reg, rs2: Reg, off: number): Insn {
  return i32(bType(BRANCH_F3[op], rs1, rs2, off), `${op} ${x(rs1)}, ${x(rs2)}, ${rel(off)}`);
}

export type LoadOp = 'lb' | 'lh' | 'lw' | 'lbu' | 'lhu';
const LOAD_F3: Record<LoadOp, number> = { lb: 0, lh: 1, lw: 2, lbu: 4, lhu: 5 };
export const LOAD_OPS = Object.keys(LOAD_F3) as LoadOp[];
export const LOAD_SIZE: Record<LoadOp, number> = { lb: 1, lh: 2, lw: 4, lbu: 1, lhu: 2 };

export function load(op: LoadOp, rd: Reg, rs1: Reg, imm: number): Insn {
  return i32(iType(OP_LOAD, LOAD_F3[op], rd, rs1, imm), `${op} ${x(rd)}, ${imm}(${x(rs1)})`);
}

export type StoreOp = 'sb' | 'sh' | 'sw';
const STORE_F3: Record<StoreOp, number> = { sb: 0, sh: 1, sw: 2 };
export const STORE_OPS = Object.keys(STORE_F3) as StoreOp[];
export const STORE_SIZE: Record<StoreOp, number> = { sb: 1, sh: 2, sw: 4 };

/** `op rs2, imm(rs1)`. */
export function store(op: StoreOp, rs2: Reg, rs1: Reg, imm: number): Insn {
  return i32(sType(STORE_F3[op], rs1, rs2, imm), `${op} ${x(rs2)}, ${imm}(${x(rs1)})`);
}

export type ImmOp = 'addi' | 'slti' | 'sltiu' | 'xori' | 'ori' | 'andi';
const IMM_F3: Record<ImmOp, number> = { addi: 0, slti: 2, sltiu: 3, xori: 4, ori: 6, andi: 7 };
export const IMM_OPS = Object.keys(IMM_F3) as ImmOp[];

export function opImm(op: ImmOp, rd: Reg, rs1: Reg, imm: number): Insn {
  return i32(iType(OP_IMM, IMM_F3[op], rd, rs1, imm), `${op} ${x(rd)}, ${x(rs1)}, ${imm}`);
}

export type ShiftImmOp = 'slli' | 'srli' | 'srai';
export const SHIFT_IMM_OPS: ShiftImmOp[] = ['slli', 'srli', 'srai'];

export function shiftImm(op: ShiftImmOp, rd: Reg, rs1: Reg, shamt: number): Insn {
  unsignedRange(shamt, 5, 'shift amount');
  const f3 = op === 'slli' ? 1 : 5;
  const f7 = op === 'srai' ? 0x20 : 0;
  return i32(rType(OP_IMM, f3, f7, rd, rs1, shamt), `${op} ${x(rd)}, ${x(rs1)}, ${shamt}`);
}

export type RegOp =
  | 'add' | 'sub' | 'sll' | 'slt' | 'sltu' | 'xor' | 'srl' | 'sra' | 'or' | 'and'
  | 'mul' | 'mulh' | 'mulhsu' | 'mulhu' | 'div' | 'divu' | 'rem' | 'remu';
const REG_OP: Record<RegOp, readonly [f3: number, f7: number]> = {
  add: [0, 0], sub: [0, 0x20], sll: [1, 0], slt: [2, 0], sltu: [3, 0], xor: [4, 0], srl: [5, 0], sra: [5, 0x20],
  or: [6, 0], and: [7, 0],
  mul: [0, 1], mulh: [1, 1], mulhsu: [2, 1], mulhu: [3, 1], div: [4, 1], divu: [5, 1], rem: [6, 1], remu: [7, 1],
};
export const REG_OPS = Object.keys(REG_OP) as RegOp[];
export const M_OPS: RegOp[] = ['mul', 'mulh', 'mulhsu', 'mulhu', 'div', 'divu', 'rem', 'remu'];

export function op(name: RegOp, rd: Reg, rs1: Reg, rs2: Reg): Insn {
  const [f3, f7] = REG_OP[name];
  return i32(rType(OP_OP, f3, f7, rd, rs1, rs2), `${name} ${x(rd)}, ${x(rs1)}, ${x(rs2)}`);
}

const FENCE_SET = ['', 'w', 'r', 'rw', 'o', 'ow', 'or', 'orw', 'i', 'iw', 'ir', 'irw', 'io', 'iow', 'ior', 'iorw'];

/** pred/succ are 4-bit sets i=8, o=4, r=2, w=1 (non-empty: an empty set is a HINT). */
export function fence(pred = 15, succ = 15): Insn {
  unsignedRange(pred, 4, 'fence predecessor set');
  unsignedRange(succ, 4, 'fence successor set');
  if (pred === 0 || succ === 0) throw new EncodeError('fence with an empty set is a HINT, not a fence');
  return i32((pred << 24) | (succ << 20) | OP_MISC_MEM, `fence ${FENCE_SET[pred]}, ${FENCE_SET[succ]}`);
}

export function fenceI(): Insn {
  return i32((1 << 12) | OP_MISC_MEM, 'fence.i');
}

export function ecall(): Insn {
  return i32(OP_SYSTEM, 'ecall');
}

export function ebreak(): Insn {
  return i32((1 << 20) | OP_SYSTEM, 'ebreak');
}

// ---------------------------------------------------------------------------------------------
// Zicsr

export const CSR = { cycle: 0xc00, time: 0xc01, instret: 0xc02, cycleh: 0xc80, timeh: 0xc81, instreth: 0xc82 } as const;

export type CsrOp = 'csrrw' | 'csrrs' | 'csrrc';
export type CsrImmOp = 'csrrwi' | 'csrrsi' | 'csrrci';
const CSR_F3: Record<CsrOp | CsrImmOp, number> = { csrrw: 1, csrrs: 2, csrrc: 3, csrrwi: 5, csrrsi: 6, csrrci: 7 };

export function csr(name: CsrOp, rd: Reg, csrNum: number, rs1: Reg): Insn {
  unsignedRange(csrNum, 12, 'CSR number');
  return i32(
    (csrNum << 20) | (reg(rs1, 'rs1') << 15) | (CSR_F3[name] << 12) | (reg(rd, 'rd') << 7) | OP_SYSTEM,
    `${name} ${x(rd)}, 0x${csrNum.toString(16)}, ${x(rs1)}`,
  );
}

export function csrImm(name: CsrImmOp, rd: Reg, csrNum: number, uimm: number): Insn {
  unsignedRange(csrNum, 12, 'CSR number');
  unsignedRange(uimm, 5, 'CSR immediate');
  return i32(
    (csrNum << 20) | (uimm << 15) | (CSR_F3[name] << 12) | (reg(rd, 'rd') << 7) | OP_SYSTEM,
    `${name} ${x(rd)}, 0x${csrNum.toString(16)}, ${uimm}`,
  );
}

// ---------------------------------------------------------------------------------------------
// A

export type AmoOp =
  | 'amoswap' | 'amoadd' | 'amoxor' | 'amoand' | 'amoor' | 'amomin' | 'amomax' | 'amominu' | 'amomaxu';
const AMO_F5: Record<AmoOp, number> = {
  amoswap: 0x01, amoadd: 0x00, amoxor: 0x04, amoand: 0x0c, amoor: 0x08,
  amomin: 0x10, amomax: 0x14, amominu: 0x18, amomaxu: 0x1c,
};
export const AMO_OPS = Object.keys(AMO_F5) as AmoOp[];

export interface Ordering {
  readonly aq?: boolean;
  readonly rl?: boolean;
}

function amoBits(f5: number, ord: Ordering, rd: Reg, rs1: Reg, rs2: Reg): number {
  return (
    (f5 << 27) | ((ord.aq ? 1 : 0) << 26) | ((ord.rl ? 1 : 0) << 25) | (reg(rs2, 'rs2') << 20) |
    (reg(rs1, 'rs1') << 15) | (2 << 12) | (reg(rd, 'rd') << 7) | OP_AMO
  );
}

const ordSuffix = (o: Ordering): string => (o.aq ? (o.rl ? '.aqrl' : '.aq') : o.rl ? '.rl' : '');

export function lrW(rd: Reg, rs1: Reg, ord: Ordering = {}): Insn {
  return i32(amoBits(0x02, ord, rd, rs1, 0), `lr.w${ordSuffix(ord)} ${x(rd)}, (${x(rs1)})`);
}

export function scW(rd: Reg, rs2: Reg, rs1: Reg, ord: Ordering = {}): Insn {
  return i32(amoBits(0x03, ord, rd, rs1, rs2), `sc.w${ordSuffix(ord)} ${x(rd)}, ${x(rs2)}, (${x(rs1)})`);
}

/** `amoop.w rd, rs2, (rs1)`. */
export function amo(name: AmoOp, rd: Reg, rs2: Reg, rs1: Reg, ord: Ordering = {}): Insn {
  return i32(amoBits(AMO_F5[name], ord, rd, rs1, rs2), `${name}.w${ordSuffix(ord)} ${x(rd)}, ${x(rs2)}, (${x(rs1)})`);
}

// ---------------------------------------------------------------------------------------------
// RV32C. Reserved encodings and HINTs are refused: the generator must only produce instructions
// whose meaning the spec fixes.

/** c.addi4spn rd', sp, nzuimm (4..1020, multiple of 4). */
export function cAddi4spn(rd: Reg, nzuimm: number): Insn {
  unsignedRange(nzuimm, 10, 'c.addi4spn immediate');
  multipleOf(nzuimm, 4, 'c.addi4spn immediate');
  if (nzuimm === 0) throw new EncodeError('c.addi4spn immediate must be nonzero');
  const b = (bits(nzuimm, 5, 4) << 11) | (bits(nzuimm, 9, 6) << 7) | (bits(nzuimm, 2, 2) << 6) |
    (bits(nzuimm, 3, 3) << 5) | (creg(rd, 'rd') << 2);
  return i16(b, `c.addi4spn ${x(rd)}, x2, ${nzuimm}`);
}

function cMemOffset(uimm: number, what: string): number {
  unsignedRange(uimm, 7, what);
  multipleOf(uimm, 4, what);
  return (bits(uimm, 5, 3) << 10) | (bits(uimm, 2, 2) << 6) | (bits(uimm, 6, 6) << 5);
}

export function cLw(rd: Reg, rs1: Reg, uimm: number): Insn {
  const b = (2 << 13) | cMemOffset(uimm, 'c.lw offset') | (creg(rs1, 'rs1') << 7) | (creg(rd, 'rd') << 2);
  return i16(b, `c.lw ${x(rd)}, ${uimm}(${x(rs1)})`);
}

export function cSw(rs2: Reg, rs1: Reg, uimm: number): Insn {
  const b = (6 << 13) | cMemOffset(uimm, 'c.sw offset') | (creg(rs1, 'rs1') << 7) | (creg(rs2, 'rs2') << 2);
  return i16(b, `c.sw ${x(rs2)}, ${uimm}(${x(rs1)})`);
}

export function cNop(): Insn {
  return i16(0x0001, 'c.nop');
}

function ciImm6(imm: number): number {
  return (bits(imm, 5, 5) << 12) | (bits(imm, 4, 0) << 2);
}

export function cAddi(rd: Reg, nzimm: number): Insn {
  nonZeroReg(rd, 'c.addi rd');
  signedRange(nzimm, 6, 'c.addi immediate');
  if (nzimm === 0) throw new EncodeError('c.addi with a zero immediate is a HINT');
  return i16((0 << 13) | ciImm6(nzimm) | (rd << 7) | 1, `c.addi ${x(rd)}, ${nzimm}`);
}

function cjOffset(off: number, what: string): number {
  signedRange(off, 12, what);
  multipleOf(off, 2, what);
  // imm[11|4|9:8|10|6|7|3:1|5] in bits 12..2
  return (
    (bits(off, 11, 11) << 12) | (bits(off, 4, 4) << 11) | (bits(off, 9, 8) << 9) | (bits(off, 10, 10) << 8) |
    (bits(off, 6, 6) << 7) | (bits(off, 7, 7) << 6) | (bits(off, 3, 1) << 3) | (bits(off, 5, 5) << 2)
  );
}

/** c.jal (RV32 only): ra = pc + 2. */
export function cJal(off: number): Insn {
  return i16((1 << 13) | cjOffset(off, 'c.jal offset') | 1, `c.jal ${rel(off)}`);
}

export function cLi(rd: Reg, imm: number): Insn {
  nonZeroReg(rd, 'c.li rd');
  signedRange(imm, 6, 'c.li immediate');
  return i16((2 << 13) | ciImm6(imm) | (rd << 7) | 1, `c.li ${x(rd)}, ${imm}`);
}

/** c.addi16sp sp, nzimm (-512..496, multiple of 16, nonzero). */
export function cAddi16sp(nzimm: number): Insn {
  signedRange(nzimm, 10, 'c.addi16sp immediate');
  multipleOf(nzimm, 16, 'c.addi16sp immediate');
  if (nzimm === 0) throw new EncodeError('c.addi16sp immediate must be nonzero');
  const b = (3 << 13) | (bits(nzimm, 9, 9) << 12) | (2 << 7) | (bits(nzimm, 4, 4) << 6) | (bits(nzimm, 6, 6) << 5) |
    (bits(nzimm, 8, 7) << 3) | (bits(nzimm, 5, 5) << 2) | 1;
  return i16(b, `c.addi16sp x2, ${nzimm}`);
}

/**
 * c.lui rd, nzimm: `nzimm` is the signed 6-bit value of bits 17..12 (-32..31, nonzero); the
 * register gets nzimm << 12. The assembler spells it as the 20-bit field.
 */
export function cLui(rd: Reg, nzimm: number): Insn {
  nonZeroReg(rd, 'c.lui rd');
  if (rd === 2) throw new EncodeError('c.lui rd must not be x2 (that is c.addi16sp)');
  signedRange(nzimm, 6, 'c.lui immediate');
  if (nzimm === 0) throw new EncodeError('c.lui immediate must be nonzero');
  return i16((3 << 13) | ciImm6(nzimm) | (rd << 7) | 1, `c.lui ${x(rd)}, 0x${(nzimm & 0xfffff).toString(16)}`);
}

function cShamt(shamt: number, what: string): number {
  // RV32C: shamt[5] = 1 is reserved, shamt = 0 is a HINT.
  unsignedRange(shamt, 5, what);
  if (shamt === 0) throw new EncodeError(`${what} 0 is a HINT`);
  return shamt << 2;
}

export function cSrli(rd: Reg, shamt: number): Insn {
  return i16((4 << 13) | (0 << 10) | (creg(rd, 'rd') << 7) | cShamt(shamt, 'c.srli shift') | 1, `c.srli ${x(rd)}, ${shamt}`);
}

export function cSrai(rd: Reg, shamt: number): Insn {
  return i16((4 << 13) | (1 << 10) | (creg(rd, 'rd') << 7) | cShamt(shamt, 'c.srai shift') | 1, `c.srai ${x(rd)}, ${shamt}`);
}

export function cAndi(rd: Reg, imm: number): Insn {
  signedRange(imm, 6, 'c.andi immediate');
  return i16((4 << 13) | (2 << 10) | ciImm6(imm) | (creg(rd, 'rd') << 7) | 1, `c.andi ${x(rd)}, ${imm}`);
}

export type CArithOp = 'c.sub' | 'c.xor' | 'c.or' | 'c.and';
const C_ARITH: Record<CArithOp, number> = { 'c.sub': 0, 'c.xor': 1, 'c.or': 2, 'c.and': 3 };
export const C_ARITH_OPS = Object.keys(C_ARITH) as CArithOp[];

export function cArith(name: CArithOp, rd: Reg, rs2: Reg): Insn {
  const b = (4 << 13) | (3 << 10) | (creg(rd, 'rd') << 7) | (C_ARITH[name] << 5) | (creg(rs2, 'rs2') << 2) | 1;
  return i16(b, `${name} ${x(rd)}, ${x(rs2)}`);
}

export function cJ(off: number): Insn {
  return i16((5 << 13) | cjOffset(off, 'c.j offset') | 1, `c.j ${rel(off)}`);
}

function cbOffset(off: number, what: string): number {
  signedRange(off, 9, what);
  multipleOf(off, 2, what);
  // imm[8|4:3] in bits 12..10, imm[7:6|2:1|5] in bits 6..2
  return (bits(off, 8, 8) << 12) | (bits(off, 4, 3) << 10) | (bits(off, 7, 6) << 5) | (bits(off, 2, 1) << 3) |
    (bits(off, 5, 5) << 2);
}

export function cBeqz(rs1: Reg, off: number): Insn {
  return i16((6 << 13) | cbOffset(off, 'c.beqz offset') | (creg(rs1, 'rs1') << 7) | 1, `c.beqz ${x(rs1)}, ${rel(off)}`);
}

export function cBnez(rs1: Reg, off: number): Insn {
  return i16((7 << 13) | cbOffset(off, 'c.bnez offset') | (creg(rs1, 'rs1') << 7) | 1, `c.bnez ${x(rs1)}, ${rel(off)}`);
}

export function cSlli(rd: Reg, shamt: number): Insn {
  nonZeroReg(rd, 'c.slli rd');
  return i16((0 << 13) | (rd << 7) | cShamt(shamt, 'c.slli shift') | 2, `c.slli ${x(rd)}, ${shamt}`);
}

/** c.lwsp rd, uimm(sp): uimm 0..252, multiple of 4. */
export function cLwsp(rd: Reg, uimm: number): Insn {
  nonZeroReg(rd, 'c.lwsp rd');
  unsignedRange(uimm, 8, 'c.lwsp offset');
  multipleOf(uimm, 4, 'c.lwsp offset');
  const b = (2 << 13) | (bits(uimm, 5, 5) << 12) | (rd << 7) | (bits(uimm, 4, 2) << 4) | (bits(uimm, 7, 6) << 2) | 2;
  return i16(b, `c.lwsp ${x(rd)}, ${uimm}(x2)`);
}

export function cJr(rs1: Reg): Insn {
  nonZeroReg(rs1, 'c.jr rs1');
  return i16((4 << 13) | (rs1 << 7) | 2, `c.jr ${x(rs1)}`);
}

export function cMv(rd: Reg, rs2: Reg): Insn {
  nonZeroReg(rd, 'c.mv rd');
  nonZeroReg(rs2, 'c.mv rs2');
  return i16((4 << 13) | (rd << 7) | (rs2 << 2) | 2, `c.mv ${x(rd)}, ${x(rs2)}`);
}

export function cEbreak(): Insn {
  return i16(0x9002, 'c.ebreak');
}

/** c.jalr rs1: ra = pc + 2, then jump to the old value of rs1. */
export function cJalr(rs1: Reg): Insn {
  nonZeroReg(rs1, 'c.jalr rs1');
  return i16((4 << 13) | (1 << 12) | (rs1 << 7) | 2, `c.jalr ${x(rs1)}`);
}

export function cAdd(rd: Reg, rs2: Reg): Insn {
  nonZeroReg(rd, 'c.add rd');
  nonZeroReg(rs2, 'c.add rs2');
  return i16((4 << 13) | (1 << 12) | (rd << 7) | (rs2 << 2) | 2, `c.add ${x(rd)}, ${x(rs2)}`);
}

/** c.swsp rs2, uimm(sp): uimm 0..252, multiple of 4. */
export function cSwsp(rs2: Reg, uimm: number): Insn {
  reg(rs2, 'rs2');
  unsignedRange(uimm, 8, 'c.swsp offset');
  multipleOf(uimm, 4, 'c.swsp offset');
  const b = (6 << 13) | (bits(uimm, 5, 2) << 9) | (bits(uimm, 7, 6) << 7) | (rs2 << 2) | 2;
  return i16(b, `c.swsp ${x(rs2)}, ${uimm}(x2)`);
}

/**
 * The RV32C HINT encodings (c.nop with an immediate, c.addi rd 0, c.li/c.lui/c.mv/c.add/c.slli
 * with rd = x0, shifts by 0): the spec fixes them as instructions with no architectural effect.
 * They are kept apart from the encoders above, which refuse them.
 */
export type CHint =
  | { readonly kind: 'c.addi x0'; readonly imm: number }
  | { readonly kind: 'c.addi 0'; readonly rd: Reg }
  | { readonly kind: 'c.li x0'; readonly imm: number }
  | { readonly kind: 'c.lui x0'; readonly imm: number }
  | { readonly kind: 'c.mv x0'; readonly rs2: Reg }
  | { readonly kind: 'c.add x0'; readonly rs2: Reg }
  | { readonly kind: 'c.slli x0'; readonly shamt: number }
  | { readonly kind: 'c.slli 0'; readonly rd: Reg }
  | { readonly kind: 'c.srli 0'; readonly rd: Reg }
  | { readonly kind: 'c.srai 0'; readonly rd: Reg };

export function cHint(h: CHint): Insn {
  const note = (asm: string): string => `${asm} # HINT`;
  switch (h.kind) {
    case 'c.addi x0':
      signedRange(h.imm, 6, 'immediate');
      if (h.imm === 0) throw new EncodeError('c.addi x0, 0 is c.nop, not a HINT');
      return i16(ciImm6(h.imm) | 1, note(`c.addi x0, ${h.imm}`));
    case 'c.addi 0':
      return i16((nonZeroReg(h.rd, 'rd') << 7) | 1, note(`c.addi x${h.rd}, 0`));
    case 'c.li x0':
      signedRange(h.imm, 6, 'immediate');
      return i16((2 << 13) | ciImm6(h.imm) | 1, note(`c.li x0, ${h.imm}`));
    case 'c.lui x0':
      signedRange(h.imm, 6, 'immediate');
      if (h.imm === 0) throw new EncodeError('c.lui with a zero immediate is reserved');
      return i16((3 << 13) | ciImm6(h.imm) | 1, note(`c.lui x0, 0x${(h.imm & 0xfffff).toString(16)}`));
    case 'c.mv x0':
      return i16((4 << 13) | (nonZeroReg(h.rs2, 'rs2') << 2) | 2, note(`c.mv x0, x${h.rs2}`));
    case 'c.add x0':
      return i16((4 << 13) | (1 << 12) | (nonZeroReg(h.rs2, 'rs2') << 2) | 2, note(`c.add x0, x${h.rs2}`));
    case 'c.slli x0':
      return i16(cShamt(h.shamt, 'c.slli shift') | 2, note(`c.slli x0, ${h.shamt}`));
    case 'c.slli 0':
      return i16((nonZeroReg(h.rd, 'rd') << 7) | 2, note(`c.slli x${h.rd}, 0`));
    case 'c.srli 0':
      return i16((4 << 13) | (creg(h.rd, 'rd') << 7) | 1, note(`c.srli x${h.rd}, 0`));
    case 'c.srai 0':
      return i16((4 << 13) | (1 << 10) | (creg(h.rd, 'rd') << 7) | 1, note(`c.srai x${h.rd}, 0`));
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** The shortest lui/addi pair (or single addi) that puts the 32-bit value `v` in rd. */
export function li(rd: Reg, v: number): Insn[] {
  const value = v | 0;
  if (value >= -2048 && value <= 2047) return [opImm('addi', rd, 0, value)];
  const lo = (value << 20) >> 20;
  const hi = ((value - lo) >>> 12) & 0xfffff;
  const out = [lui(rd, hi)];
  if (lo !== 0) out.push(opImm('addi', rd, rd, lo));
  return out;
}

/** Little-endian bytes of a list of instructions, as they sit in memory. */
export function assemble(insns: readonly Insn[]): Uint8Array {
  const size = insns.reduce((n, i) => n + i.size, 0);
  const out = new Uint8Array(size);
  let at = 0;
  for (const insn of insns) {
    out[at] = insn.bits & 0xff;
    out[at + 1] = (insn.bits >>> 8) & 0xff;
    if (insn.size === 4) {
      out[at + 2] = (insn.bits >>> 16) & 0xff;
      out[at + 3] = (insn.bits >>> 24) & 0xff;
    }
    at += insn.size;
  }
  return out;
}

export function hex(insn: Insn): string {
  return insn.bits.toString(16).padStart(insn.size * 2, '0');
}
