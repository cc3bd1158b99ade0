/**
 * RV32IMAC + Zicsr instruction decoder. Compressed (RVC) instructions are expanded to the
 * base instruction they stand for, so the translator knows one set of operations; `len`
 * keeps the encoded size (2 or 4) for link addresses and the next pc.
 */

export type Op =
  | 'lui' | 'auipc' | 'jal' | 'jalr'
  | 'beq' | 'bne' | 'blt' | 'bge' | 'bltu' | 'bgeu'
  | 'lb' | 'lh' | 'lw' | 'lbu' | 'lhu'
  | 'sb' | 'sh' | 'sw'
  | 'addi' | 'slti' | 'sltiu' | 'xori' | 'ori' | 'andi' | 'slli' | 'srli' | 'srai'
  | 'add' | 'sub' | 'sll' | 'slt' | 'sltu' | 'xor' | 'srl' | 'sra' | 'or' | 'and'
  | 'mul' | 'mulh' | 'mulhsu' | 'mulhu' | 'div' | 'divu' | 'rem' | 'remu'
  | 'lr.w' | 'sc.w'
  | 'amoswap.w' | 'amoadd.w' | 'amoxor.w' | 'amoand.w' | 'amoor.w'
  | 'amomin.w' | 'amomax.w' | 'amominu.w' | 'amomaxu.w'
  | 'fence' | 'fence.i' | 'ecall' | 'ebreak'
  | 'csrrw' | 'csrrs' | 'csrrc' | 'csrrwi' | 'csrrsi' | 'csrrci'
  | 'illegal';

export interface Inst {
  readonly op: Op;
  readonly rd: number;
  readonly rs1: number;
  readonly rs2: number;
  /** Sign-extended immediate; the CSR number for csr*; the zimm in rs1 for csr*i. */
  readonly imm: number;
  /** Encoded length in bytes: 2 (compressed) or 4. */
  readonly len: 2 | 4;
  /** The raw encoding (16 or 32 bits), the tval of an illegal-instruction trap. */
  readonly bits: number;
}

/** Length of the instruction whose low 16 bits are `lo`: 4 when bits[1:0] == 11, else 2. */
export function instLength(lo: number): 2 | 4 {
  return (lo & 3) === 3 ? 4 : 2;
}

function inst(op: Op, rd: number, rs1: number, rs2: number, imm: number, len: 2 | 4, bits: number): Inst {
  return { op, rd, rs1, rs2, imm, len, bits };
}

function illegal(bits: number, len: 2 | 4): Inst {
  return inst('illegal', 0, 0, 0, 0, len, bits);
}

/** Sign-extend the low `width` bits of `v`. */
function sext(v: number, width: number): number {
  const shift = 32 - width;
  return (v << shift) >> shift;
}

const BRANCH_OPS: (Op | undefined)[] = ['beq', 'bne', undefined, undefined, 'blt', 'bge', 'bltu', 'bgeu'];
const LOAD_OPS: (Op | undefined)[] = ['lb', 'lh', 'lw', undefined, 'lbu', 'lhu', undefined, undefined];
const STORE_OPS: (Op | undefined)[] = ['sb', 'sh', 'sw', undefined, undefined, undefined, undefined, undefined];
const OP_OPS: Op[] = ['add', 'sll', 'slt', 'sltu', 'xor', 'srl', 'or', 'and'];
const MUL_OPS: Op[] = ['mul', 'mulh', 'mulhsu', 'mulhu', 'div', 'divu', 'rem', 'remu'];
const CSR_OPS: (Op | undefined)[] = [undefined, 'csrrw', 'csrrs', 'csrrc', undefined, 'csrrwi', 'csrrsi', 'csrrci'];
const AMO_OPS = new Map<number, Op>([
  [0b00001, 'amoswap.w'], [0b00000, 'amoadd.w'], [0b00100, 'amoxor.w'], [0b01100, 'amoand.w'],
  [0b01000, 'amoor.w'], [0b10000, 'amomin.w'], [0b10100, 'amomax.w'], [0b11000, 'amominu.w'],
  [0b11100, 'amomaxu.w'],
]);

/** Decode a 32-bit instruction word (bits[1:0] must be 11). */
export function decode32(w: number): Inst {
  const opcode = w & 0x7f;
  const rd = (w >>> 7) & 31;
  const f3 = (w >>> 12) & 7;
  const rs1 = (w >>> 15) & 31;
  const rs2 = (w >>> 20) & 31;
  const f7 = w >>> 25;
  const immI = w >> 20;
  switch (opcode) {
    case 0x37: return inst('lui', rd, 0, 0, w & 0xfffff000, 4, w);
    case 0x17: return inst('auipc', rd, 0, 0, w & 0xfffff000, 4, w);
    case 0x6f: {
      const imm = ((w >> 31) << 20) | (((w >>> 12) & 0xff) << 12) | (((w >>> 20) & 1) << 11) | (((w >>> 21) & 0x3ff) << 1);
      return inst('jal', rd, 0, 0, imm, 4, w);
    }
    case 0x67: return f3 === 0 ? inst('jalr', rd, rs1, 0, immI, 4, w) : illegal(w, 4);
    case 0x63: {
      const op = BRANCH_OPS[f3];
      if (op === undefined) return illegal(w, 4);
      const imm = ((w >> 31) << 12) | (((w >>> 7) & 1) << 11) | (((w >>> 25) & 0x3f) << 5) | (((w >>> 8) & 0xf) << 1);
      return inst(op, 0, rs1, rs2, imm, 4, w);
    }
    case 0x03: {
      const op = LOAD_OPS[f3];
      return op === undefined ? illegal(w, 4) : inst(op, rd, rs1, 0, immI, 4, w);
    }
    case 0x23: {
      const op = STORE_OPS[f3];
      const imm = ((w >> 25) << 5) | ((w >>> 7) & 31);
      return op === undefined ? illegal(w, 4) : inst(op, 0, rs1, rs2, imm, 4, w);
    }
    case 0x13: {
      switch (f3) {
        case 0: return inst('addi', rd, rs1, 0, immI, 4, w);
        case 2: return inst('slti', rd, rs1, 0, immI, 4, w);
        case 3: return inst('sltiu', rd, rs1, 0, immI, 4, w);
        case 4: return inst('xori', rd, rs1, 0, immI, 4, w);
        case 6: return inst('ori', rd, rs1, 0, immI, 4, w);
        case 7: return inst('andi', rd, rs1, 0, immI, 4, w);
        case 1: return f7 === 0 ? inst('slli', rd, rs1, 0, rs2, 4, w) : illegal(w, 4);
        default: // 5
          if (f7 === 0) return inst('srli', rd, rs1, 0, rs2, 4, w);
          if (f7 === 0x20) return inst('srai', rd, rs1, 0, rs2, 4, w);
          return illegal(w, 4);
      }
    }
    case 0x33: {
      if (f7 === 0) return inst(OP_OPS[f3]!, rd, rs1, rs2, 0, 4, w);
      if (f7 === 1) return inst(MUL_OPS[f3]!, rd, rs1, rs2, 0, 4, w);
      if (f7 === 0x20 && f3 === 0) return inst('sub', rd, rs1, rs2, 0, 4, w);
      if (f7 === 0x20 && f3 === 5) return inst('sra', rd, rs1, rs2, 0, 4, w);
      return illegal(w, 4);
    }
    case 0x0f:
      if (f3 === 0) return inst('fence', 0, 0, 0, 0, 4, w);
      if (f3 === 1) return inst('fence.i', 0, 0, 0, 0, 4, w);
      return illegal(w, 4);
    case 0x73: {
      if (f3 === 0) {
        if (rd !== 0 || rs1 !== 0) return illegal(w, 4);
        if (immI === 0) return inst('ecall', 0, 0, 0, 0, 4, w);
        if (immI === 1) return inst('ebreak', 0, 0, 0, 0, 4, w);
        return illegal(w, 4); // mret, wfi, sfence.vma...: not available in user mode
      }
      const op = CSR_OPS[f3];
      return op === undefined ? illegal(w, 4) : inst(op, rd, rs1, 0, (w >>> 20) & 0xfff, 4, w);
    }
    case 0x2f: {
      if (f3 !== 2) return illegal(w, 4);
      const f5 = w >>> 27;
      if (f5 === 0b00010) return rs2 === 0 ? inst('lr.w', rd, rs1, 0, 0, 4, w) : illegal(w, 4);
      if (f5 === 0b00011) return inst('sc.w', rd, rs1, rs2, 0, 4, w);
      const op = AMO_OPS.get(f5);
      return op === undefined ? illegal(w, 4) : inst(op, rd, rs1, rs2, 0, 4, w);
    }
    default:
      return illegal(w, 4);
  }
}

/** Decode a 16-bit compressed instruction (bits[1:0] != 11) into its base equivalent. */
/** A compressed instruction's Inst (a module function: a closure per decode would cost a defineProperty under tsx). */
function c16(h: number, op: Op, rd: number, rs1: number, rs2: number, imm: number): Inst {
  return inst(op, rd, rs1, rs2, imm, 2, h);
}

export function decode16(h: number): Inst {
  const q = h & 3;
  const f3 = (h >>> 13) & 7;
  const b12 = (h >>> 12) & 1;
  const rdFull = (h >>> 7) & 31;
  const rs2Full = (h >>> 2) & 31;
  const rdP = ((h >>> 2) & 7) + 8; // rd'/rs2' in bits[4:2]
  const rs1P = ((h >>> 7) & 7) + 8; // rs1'/rd' in bits[9:7]
  const imm6 = sext((b12 << 5) | ((h >>> 2) & 31), 6);

  if (q === 0) {
    switch (f3) {
      case 0: { // c.addi4spn
        const uimm = (((h >>> 11) & 3) << 4) | (((h >>> 7) & 15) << 6) | (((h >>> 6) & 1) << 2) | (((h >>> 5) & 1) << 3);
        return uimm === 0 ? illegal(h, 2) : c16(h, 'addi', rdP, 2, 0, uimm);
      }
      case 2: case 6: { // c.lw, c.sw
        const uimm = (((h >>> 10) & 7) << 3) | (((h >>> 6) & 1) << 2) | (((h >>> 5) & 1) << 6);
        return f3 === 2 ? c16(h, 'lw', rdP, rs1P, 0, uimm) : c16(h, 'sw', 0, rs1P, rdP, uimm);
      }
      default: return illegal(h, 2); // floating-point loads/stores, reserved
    }
  }

  if (q === 1) {
    switch (f3) {
      case 0: return c16(h, 'addi', rdFull, rdFull, 0, imm6); // c.addi / c.nop
      case 1: case 5: { // c.jal / c.j
        const imm = sext(
          (b12 << 11) | (((h >>> 8) & 1) << 10) | (((h >>> 9) & 3) << 8) | (((h >>> 6) & 1) << 7) |
          (((h >>> 7) & 1) << 6) | (((h >>> 2) & 1) << 5) | (((h >>> 11) & 1) << 4) | (((h >>> 3) & 7) << 1),
          12,
        );
        return c16(h, 'jal', f3 === 1 ? 1 : 0, 0, 0, imm);
      }
      case 2: return c16(h, 'addi', rdFull, 0, 0, imm6); // c.li
      case 3: {
        if (rdFull === 2) { // c.addi16sp
          const imm = sext(
            (b12 << 9) | (((h >>> 6) & 1) << 4) | (((h >>> 5) & 1) << 6) | (((h >>> 3) & 3) << 7) | (((h >>> 2) & 1) << 5),
            10,
          );
          return imm === 0 ? illegal(h, 2) : c16(h, 'addi', 2, 2, 0, imm);
        }
        return imm6 === 0 ? illegal(h, 2) : c16(h, 'lui', rdFull, 0, 0, imm6 << 12); // c.lui
      }
      case 4: {
        const f2 = (h >>> 10) & 3;
        if (f2 === 0 || f2 === 1) { // c.srli / c.srai
          if (b12) return illegal(h, 2); // shamt[5] set: RV64 only
          return c16(h, f2 === 0 ? 'srli' : 'srai', rs1P, rs1P, 0, (h >>> 2) & 31);
        }
        if (f2 === 2) return c16(h, 'andi', rs1P, rs1P, 0, imm6);
        if (b12) return illegal(h, 2); // c.subw / c.addw: RV64 only
        const ops: Op[] = ['sub', 'xor', 'or', 'and'];
        return c16(h, ops[(h >>> 5) & 3]!, rs1P, rs1P, rdP, 0);
      }
      default: { // 6, 7: c.beqz / c.bnez
        const imm = sext(
          (b12 << 8) | (((h >>> 10) & 3) << 3) | (((h >>> 5) & 3) << 6) | (((h >>> 3) & 3) << 1) | (((h >>> 2) & 1) << 5),
          9,
        );
        return c16(h, f3 === 6 ? 'beq' : 'bne', 0, rs1P, 0, imm);
      }
    }
  }

  // q === 2
  switch (f3) {
    case 0: // c.slli
      if (b12) return illegal(h, 2);
      return c16(h, 'slli', rdFull, rdFull, 0, (h >>> 2) & 31);
    case 2: { // c.lwsp
      if (rdFull === 0) return illegal(h, 2);
      const uimm = (b12 << 5) | (((h >>> 4) & 7) << 2) | (((h >>> 2) & 3) << 6);
      return c16(h, 'lw', rdFull, 2, 0, uimm);
    }
    case 4:
      if (!b12) {
        if (rs2Full === 0) return rdFull === 0 ? illegal(h, 2) : c16(h, 'jalr', 0, rdFull, 0, 0); // c.jr
        return c16(h, 'add', rdFull, 0, rs2Full, 0); // c.mv
      }
      if (rs2Full === 0) {
        if (rdFull === 0) return c16(h, 'ebreak', 0, 0, 0, 0);
        return c16(h, 'jalr', 1, rdFull, 0, 0); // c.jalr
      }
      return c16(h, 'add', rdFull, rdFull, rs2Full, 0); // c.add
    case 6: { // c.swsp
      const uimm = (((h >>> 9) & 15) << 2) | (((h >>> 7) & 3) << 6);
      return c16(h, 'sw', 0, 2, rs2Full, uimm);
    }
    default: return illegal(h, 2); // floating-point stack loads/stores
  }
}

/** Decode the instruction whose first 16-bit parcel is `lo` and second is `hi`. */
export function decode(lo: number, hi: number): Inst {
  if ((lo & 3) !== 3) return decode16(lo);
  if ((lo & 0x1c) === 0x1c) return illegal(lo, 2); // 48-bit and longer encodings
  return decode32(((hi << 16) | lo) >>> 0);
}
