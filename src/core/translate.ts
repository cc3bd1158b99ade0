/**
 * The translator: turns a run of guest instructions (a basic block) into one JavaScript
 * function, so V8 compiles hot guest code to machine code.
 *
 * A block starts at a pc and ends after the first control transfer (branch, jump, ecall,
 * ebreak, fence.i, an illegal instruction), at the end of its page, or after MAX_BLOCK
 * instructions. The function is `(x, m, c) => nextPc` over the register file, the address
 * space and the CPU. It returns the next pc, or -1 after a trap, having told the CPU (via
 * `c.trap` / `c.fault`) the trapping instruction's pc and how many instructions of the block
 * retired before it. Register writes happen in program order, so a trap leaves exactly the
 * effects of the retired instructions: traps are precise.
 */
import { decode, type Inst } from './decode.js';
import { MemoryFault, PAGE_MASK, PAGE_SIZE, type AddressSpace } from './memory.js';

export const MAX_BLOCK = 64;

/** What the generated code calls back into; implemented by the CPU. */
export interface BlockHost {
  /** An ecall/ebreak/illegal instruction at `pc` after `retired` instructions of the block. */
  trap(cause: number, pc: number, tval: number, retired: number): number;
  /** A thrown memory fault (or a host bug, rethrown) at `pc` after `retired` instructions. */
  fault(e: unknown, pc: number, retired: number): number;
  /** Value of a user-readable CSR, read by the instruction `retired` into the block; undefined if not readable. */
  csrRead(csr: number, retired: number): number | undefined;
  /** LR/SC reservation address, or -1. */
  reservation: number;
}

export type BlockFn = (x: Int32Array, m: AddressSpace, c: BlockHost) => number;

export interface Block {
  readonly pc: number;
  /** Number of instructions; the icount advances by this when the block runs to its end. */
  readonly len: number;
  readonly fn: BlockFn;
}

const TRAP_ILLEGAL = 2;
const TRAP_BREAKPOINT = 3;
const TRAP_ECALL = 8;

/** Helpers the generated code needs for 64-bit products. */
function mulhu(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
}
function mulh(a: number, b: number): number {
  return (mulhu(a, b) - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
}
function mulhsu(a: number, b: number): number {
  return (mulhu(a, b) - (a < 0 ? b : 0)) | 0;
}
// Division by zero and INT_MIN / -1 follow the RISC-V M rules: no trap, fixed results.
function div(a: number, b: number): number {
  return b === 0 ? -1 : a === -2147483648 && b === -1 ? a : (a / b) | 0;
}
function divu(a: number, b: number): number {
  return b === 0 ? -1 : ((a >>> 0) / (b >>> 0)) | 0;
}
function rem(a: number, b: number): number {
  return b === 0 ? a : a === -2147483648 && b === -1 ? 0 : (a % b) | 0;
}
function remu(a: number, b: number): number {
  return b === 0 ? a : ((a >>> 0) % (b >>> 0)) | 0;
}
export const arith = { mulhu, mulh, mulhsu, div, divu, rem, remu };

/** Read the two 16-bit parcels at `pc` (the second may lie on the next page). */
function fetchParcels(m: AddressSpace, pc: number): [number, number] {
  const page = m.fetchPage(pc);
  const off = pc & PAGE_MASK;
  const lo = page.u16[off >> 1]!;
  if ((lo & 3) !== 3) return [lo, 0];
  if (off + 2 < PAGE_SIZE) return [lo, page.u16[(off + 2) >> 1]!];
  const next = m.fetchPage((pc + 2) >>> 0);
  return [lo, next.u16[0]!];
}

const hex = (n: number): string => '0x' + (n >>> 0).toString(16);
const reg = (r: number): string => (r === 0 ? '0' : `x[${r}]`);

/** JavaScript for one instruction that does not end a block; a statement. */
function genStraight(d: Inst, pc: number, idx: number): string {
  const { rd, imm } = d;
  const a = reg(d.rs1);
  const b = reg(d.rs2);
  const set = (expr: string): string => (rd === 0 ? `${expr};` : `x[${rd}] = ${expr};`);
  const setPure = (expr: string): string => (rd === 0 ? '' : `x[${rd}] = ${expr};`);
  const at = `i = ${idx}; p = ${hex(pc)};`;
  const addr = `(${a} + ${imm}) | 0`;
  switch (d.op) {
    case 'lui': return setPure(`${imm | 0}`);
    case 'auipc': return setPure(`${(pc + imm) | 0}`);
    case 'lb': case 'lh': case 'lw': case 'lbu': case 'lhu':
      return `${at} ${set(`m.${d.op}(${addr})`)}`;
    case 'sb': case 'sh': case 'sw':
      return `${at} m.${d.op}(${addr}, ${b});`;
    case 'addi': return setPure(`(${a} + ${imm}) | 0`);
    case 'slti': return setPure(`${a} < ${imm} ? 1 : 0`);
    case 'sltiu': return setPure(`(${a} >>> 0) < ${imm >>> 0} ? 1 : 0`);
    case 'xori': return setPure(`${a} ^ ${imm}`);
    case 'ori': return setPure(`${a} | ${imm}`);
    case 'andi': return setPure(`${a} & ${imm}`);
    case 'slli': return setPure(`${a} << ${imm}`);
    case 'srli': return setPure(`(${a} >>> ${imm}) | 0`);
    case 'srai': return setPure(`${a} >> ${imm}`);
    case 'add': return setPure(`(${a} + ${b}) | 0`);
    case 'sub': return setPure(`(${a} - ${b}) | 0`);
    case 'sll': return setPure(`${a} << ${b}`); // JS masks the shift amount to 5 bits, as RV32 does
    case 'slt': return setPure(`${a} < ${b} ? 1 : 0`);
    case 'sltu': return setPure(`(${a} >>> 0) < (${b} >>> 0) ? 1 : 0`);
    case 'xor': return setPure(`${a} ^ ${b}`);
    case 'srl': return setPure(`(${a} >>> ${b}) | 0`);
    case 'sra': return setPure(`${a} >> ${b}`);
    case 'or': return setPure(`${a} | ${b}`);
    case 'and': return setPure(`${a} & ${b}`);
    case 'mul': return setPure(`Math.imul(${a}, ${b})`);
    case 'mulh': return setPure(`A.mulh(${a}, ${b})`);
    case 'mulhsu': return setPure(`A.mulhsu(${a}, ${b})`);
    case 'mulhu': return setPure(`A.mulhu(${a}, ${b})`);
    // Division by zero and INT_MIN / -1 follow the RISC-V M rules (no trap).
    case 'div': return setPure(`A.div(${a}, ${b})`);
    case 'divu': return setPure(`A.divu(${a}, ${b})`);
    case 'rem': return setPure(`A.rem(${a}, ${b})`);
    case 'remu': return setPure(`A.remu(${a}, ${b})`);
    case 'lr.w':
      return `${at} { const ad = ${a}; const v = m.atomicLoad(ad, false); c.reservation = ad; ${setPure('v')} }`;
    case 'sc.w':
      return `${at} { const ad = ${a}; if (c.reservation === ad) { m.atomicStore(ad, ${b}); c.reservation = -1; ${setPure('0')} } else { if ((ad & 3) !== 0) m.atomicStore(ad, 0); c.reservation = -1; ${setPure('1')} } }`;
    case 'amoswap.w': case 'amoadd.w': case 'amoxor.w': case 'amoand.w': case 'amoor.w':
    case 'amomin.w': case 'amomax.w': case 'amominu.w': case 'amomaxu.w': {
      const combine: Record<string, string> = {
        'amoswap.w': 'v',
        'amoadd.w': '(o + v) | 0',
        'amoxor.w': 'o ^ v',
        'amoand.w': 'o & v',
        'amoor.w': 'o | v',
        'amomin.w': 'o < v ? o : v',
        'amomax.w': 'o > v ? o : v',
        'amominu.w': '(o >>> 0) < (v >>> 0) ? o : v',
        'amomaxu.w': '(o >>> 0) > (v >>> 0) ? o : v',
      };
      return `${at} { const ad = ${a}, v = ${b}; const o = m.atomicLoad(ad, true); m.sw(ad, ${combine[d.op]}); ${setPure('o')} }`;
    }
    case 'fence': return '';
    case 'csrrw': case 'csrrs': case 'csrrc': case 'csrrwi': case 'csrrsi': case 'csrrci': {
      // Only the user counters exist and they are read-only: any write is illegal.
      const writes = d.op === 'csrrw' || d.op === 'csrrwi' || d.rs1 !== 0;
      const trap = `return c.trap(${TRAP_ILLEGAL}, ${hex(pc)}, ${hex(d.bits)}, ${idx});`;
      if (writes) return trap;
      return `{ const v = c.csrRead(${imm}, ${idx}); if (v === undefined) ${trap} ${setPure('v')} }`;
    }
    default:
      throw new Error(`genStraight: ${d.op} ends a block`);
  }
}

const MEMORY_OPS = new Set<string>([
  'lb', 'lh', 'lw', 'lbu', 'lhu', 'sb', 'sh', 'sw', 'lr.w', 'sc.w', 'amoswap.w', 'amoadd.w', 'amoxor.w',
  'amoand.w', 'amoor.w', 'amomin.w', 'amomax.w', 'amominu.w', 'amomaxu.w',
]);

function endsBlock(d: Inst): boolean {
  switch (d.op) {
    case 'jal': case 'jalr': case 'beq': case 'bne': case 'blt': case 'bge': case 'bltu': case 'bgeu':
    case 'ecall': case 'ebreak': case 'fence.i': case 'illegal':
      return true;
    default:
      return false;
  }
}

/** JavaScript that ends a block: returns the next pc (or -1 via a trap). */
function genEnd(d: Inst, pc: number, idx: number): string {
  const a = reg(d.rs1);
  const b = reg(d.rs2);
  const next = (pc + d.len) >>> 0;
  const target = (pc + d.imm) >>> 0;
  const link = d.rd === 0 ? '' : `x[${d.rd}] = ${next | 0};`;
  switch (d.op) {
    case 'jal': return `${link} return ${hex(target)};`;
    case 'jalr': return `{ const t = ((${a} + ${d.imm}) & -2) >>> 0; ${link} return t; }`;
    case 'beq': return `return ${a} === ${b} ? ${hex(target)} : ${hex(next)};`;
    case 'bne': return `return ${a} !== ${b} ? ${hex(target)} : ${hex(next)};`;
    case 'blt': return `return ${a} < ${b} ? ${hex(target)} : ${hex(next)};`;
    case 'bge': return `return ${a} >= ${b} ? ${hex(target)} : ${hex(next)};`;
    case 'bltu': return `return (${a} >>> 0) < (${b} >>> 0) ? ${hex(target)} : ${hex(next)};`;
    case 'bgeu': return `return (${a} >>> 0) >= (${b} >>> 0) ? ${hex(target)} : ${hex(next)};`;
    case 'ecall': return `return c.trap(${TRAP_ECALL}, ${hex(pc)}, 0, ${idx});`;
    case 'ebreak': return `return c.trap(${TRAP_BREAKPOINT}, ${hex(pc)}, ${hex(pc)}, ${idx});`;
    case 'illegal': return `return c.trap(${TRAP_ILLEGAL}, ${hex(pc)}, ${hex(d.bits)}, ${idx});`;
    case 'fence.i': return `return ${hex(next)};`; // stores already invalidated stale translations
    default: throw new Error(`genEnd: ${d.op} does not end a block`);
  }
}

const factoryCache = new Map<string, (A: typeof arith) => BlockFn>();

function compile(body: string): BlockFn {
  let factory = factoryCache.get(body);
  if (!factory) {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- translation to JS is the point
    factory = new Function('A', `return function block(x, m, c) {\n${body}\n};`) as (A: typeof arith) => BlockFn;
    if (factoryCache.size > 50_000) factoryCache.clear();
    factoryCache.set(body, factory);
  }
  return factory(arith);
}

/**
 * Translate the block at `pc`, of at most `limit` instructions. Decoding stops at the end of
 * the page so that a block depends on the bytes of one page only; an instruction that
 * straddles two pages is translated alone (`straddles` tells the caller not to cache it).
 * Throws MemoryFault when the first instruction cannot be fetched.
 */
export function translate(m: AddressSpace, pc: number, limit: number): { block: Block; straddles: boolean } {
  const lines: string[] = [];
  let cur = pc;
  let n = 0;
  let usesMemory = false;
  let ended = false;
  let straddles = false;
  const pageEnd = (pc & ~PAGE_MASK) + PAGE_SIZE;
  while (n < limit) {
    if (n > 0 && cur >= pageEnd) break;
    let parcels: [number, number];
    try {
      parcels = fetchParcels(m, cur);
    } catch (e) {
      if (n === 0 || !(e instanceof MemoryFault)) throw e;
      break; // the next instruction's fetch faults: end here, the fault comes when it runs
    }
    const d = decode(parcels[0], parcels[1]);
    if ((cur & PAGE_MASK) + d.len > PAGE_SIZE) {
      if (n > 0) break;
      straddles = true;
    }
    if (endsBlock(d)) {
      lines.push(genEnd(d, cur, n));
      n++;
      ended = true;
      break;
    }
    if (MEMORY_OPS.has(d.op)) usesMemory = true;
    lines.push(genStraight(d, cur, n));
    n++;
    cur = (cur + d.len) >>> 0;
    if (straddles) break;
  }
  if (!ended) lines.push(`return ${hex(cur)};`);
  let body = lines.join('\n');
  if (usesMemory) {
    body = `let i = 0, p = 0;\ntry {\n${body}\n} catch (e) { return c.fault(e, p, i); }`;
  }
  return { block: { pc, len: n, fn: compile(body) }, straddles };
}
