/**
 * A small RV32IMAC disassembler for the CPU pane, over src/core/decode.ts. Compressed
 * instructions show as the base instruction they expand to, marked `c.` so the 2-byte
 * length is visible; branch and jump targets are shown as absolute addresses.
 */
import { decode, type Inst } from '../core/decode.js';
import type { AddressSpace } from '../core/memory.js';
import { hexAddr, hexWord } from '../protocol/hex.js';

export const REG_NAMES = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
] as const;

const r = (n: number): string => REG_NAMES[n] ?? `x${n}`;

/** The usual pseudo-instructions (li, mv, j, ret, nop...), as objdump prints them; null if none. */
function pseudo(i: Inst, pc: number): string | null {
  switch (i.op) {
    case 'addi':
      if (i.rd === 0 && i.rs1 === 0 && i.imm === 0) return 'nop';
      if (i.rs1 === 0) return `li ${r(i.rd)}, ${i.imm}`;
      if (i.imm === 0) return `mv ${r(i.rd)}, ${r(i.rs1)}`;
      return null;
    case 'add':
      return i.rs1 === 0 ? `mv ${r(i.rd)}, ${r(i.rs2)}` : null;
    case 'jal':
      if (i.rd === 0) return `j ${hexAddr(pc + i.imm)}`;
      if (i.rd === 1) return `call ${hexAddr(pc + i.imm)}`;
      return null;
    case 'jalr':
      if (i.rd === 0 && i.rs1 === 1 && i.imm === 0) return 'ret';
      if (i.rd === 0 && i.imm === 0) return `jr ${r(i.rs1)}`;
      return null;
    case 'beq':
      return i.rs2 === 0 ? `beqz ${r(i.rs1)}, ${hexAddr(pc + i.imm)}` : null;
    case 'bne':
      return i.rs2 === 0 ? `bnez ${r(i.rs1)}, ${hexAddr(pc + i.imm)}` : null;
    default:
      return null;
  }
}

/**
 * Assembly text of one decoded instruction at `pc`; with `pseudo` (default) the common
 * pseudo-instructions replace the base form they stand for.
 */
export function formatInst(i: Inst, pc: number, usePseudo = true): string {
  const c = i.len === 2 ? 'c.' : '';
  const p = usePseudo ? pseudo(i, pc) : null;
  if (p !== null) return c + p;
  const op = c + i.op;
  switch (i.op) {
    case 'lui': case 'auipc':
      return `${op} ${r(i.rd)}, ${hexAddr(i.imm >>> 12)}`;
    case 'jal':
      return `${op} ${r(i.rd)}, ${hexAddr(pc + i.imm)}`;
    case 'jalr':
    case 'lb': case 'lh': case 'lw': case 'lbu': case 'lhu':
      return `${op} ${r(i.rd)}, ${i.imm}(${r(i.rs1)})`;
    case 'sb': case 'sh': case 'sw':
      return `${op} ${r(i.rs2)}, ${i.imm}(${r(i.rs1)})`;
    case 'beq': case 'bne': case 'blt': case 'bge': case 'bltu': case 'bgeu':
      return `${op} ${r(i.rs1)}, ${r(i.rs2)}, ${hexAddr(pc + i.imm)}`;
    case 'addi': case 'slti': case 'sltiu': case 'xori': case 'ori': case 'andi':
    case 'slli': case 'srli': case 'srai':
      return `${op} ${r(i.rd)}, ${r(i.rs1)}, ${i.imm}`;
    case 'lr.w':
      return `${op} ${r(i.rd)}, (${r(i.rs1)})`;
    case 'sc.w':
    case 'amoswap.w': case 'amoadd.w': case 'amoxor.w': case 'amoand.w': case 'amoor.w':
    case 'amomin.w': case 'amomax.w': case 'amominu.w': case 'amomaxu.w':
      return `${op} ${r(i.rd)}, ${r(i.rs2)}, (${r(i.rs1)})`;
    case 'fence': case 'fence.i': case 'ecall': case 'ebreak':
      return op;
    case 'csrrw': case 'csrrs': case 'csrrc':
      return `${op} ${r(i.rd)}, ${hexAddr(i.imm)}, ${r(i.rs1)}`;
    case 'csrrwi': case 'csrrsi': case 'csrrci':
      return `${op} ${r(i.rd)}, ${hexAddr(i.imm)}, ${i.rs1}`;
    case 'illegal':
      return `.insn ${hexAddr(i.bits)} (illegal)`;
    default:
      // R-type: add ... remu
      return `${op} ${r(i.rd)}, ${r(i.rs1)}, ${r(i.rs2)}`;
  }
}

export interface DisasmLine {
  readonly pc: number;
  /** Encoding as hex: 4 digits for a compressed instruction, 8 otherwise. */
  readonly bytes: string;
  readonly text: string;
}

function at(mem: AddressSpace, pc: number): DisasmLine | null {
  const b = mem.peek(pc >>> 0, 4) ?? mem.peek(pc >>> 0, 2);
  if (!b) return null;
  const lo = b[0]! | (b[1]! << 8);
  const hi = b.length >= 4 ? b[2]! | (b[3]! << 8) : 0;
  const i = decode(lo, hi);
  const bits = i.len === 2 ? hexWord(lo).slice(4) : hexWord((hi << 16) | lo);
  return { pc: pc >>> 0, bytes: bits, text: formatInst(i, pc) };
}

/**
 * `before` instructions before pc (found by decoding forward from a little earlier: RVC makes
 * backward decoding ambiguous, so we pick the start that lands exactly on pc), pc itself, and
 * `after` more. Unmapped memory ends the listing.
 */
export function disassembleAround(mem: AddressSpace, pc: number, before: number, after: number): DisasmLine[] {
  let prefix: DisasmLine[] = [];
  for (let back = before * 4; back >= 0 && prefix.length === 0 && before > 0; back -= 2) {
    const lines: DisasmLine[] = [];
    let p = pc - back;
    while (p < pc) {
      const l = at(mem, p);
      if (!l) break;
      lines.push(l);
      p += l.bytes.length === 4 ? 2 : 4;
    }
    if (p === pc && lines.length >= before) prefix = lines.slice(-before);
  }
  const out = [...prefix];
  let p = pc;
  for (let k = 0; k <= after; k++) {
    const l = at(mem, p);
    if (!l) break;
    out.push(l);
    p += l.bytes.length === 4 ? 2 : 4;
  }
  return out;
}
