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
import { hexAddr } from '../protocol/hex.js';

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
  /** Instructions a region retired when it returns a pc normally. */
  n: number;
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

/**
 * Read the two 16-bit parcels at `pc` (the second may lie on the next page). `pc` must be even:
 * the CPU raises instruction-address-misaligned before translating at an odd pc, and reading
 * the halfword at pc & ~1 instead would run the wrong instruction.
 */
function fetchParcels(m: AddressSpace, pc: number): [number, number] {
  if ((pc & 1) !== 0) throw new RangeError(`translate: odd pc ${hexAddr(pc)}`);
  const page = m.fetchPage(pc);
  const off = pc & PAGE_MASK;
  const lo = page.u16[off >> 1]!;
  if ((lo & 3) !== 3) return [lo, 0];
  if (off + 2 < PAGE_SIZE) return [lo, page.u16[(off + 2) >> 1]!];
  const next = m.fetchPage((pc + 2) >>> 0);
  return [lo, next.u16[0]!];
}

// Registers live in locals r1..r31 inside a region (V8 keeps them in machine registers); they
// are loaded from x at entry and written back at every exit, marked WB in the generated code.
const reg = (r: number): string => (r === 0 ? '0' : `r${r}`);
const WB = '/*WB*/';

/** JavaScript for one instruction that does not end a block; a statement. */
/**
 * `expr` assigned to register rd (evaluated for its effects when rd is x0), and a pure `expr`
 * assigned (nothing when rd is x0). Module functions rather than closures in genStraight: tsx's
 * keepNames makes every closure created a defineProperty, and the translator runs per block.
 */
function set(rd: number, expr: string): string {
  return rd === 0 ? `${expr};` : `r${rd} = ${expr};`;
}
function setPure(rd: number, expr: string): string {
  return rd === 0 ? '' : `r${rd} = ${expr};`;
}

/** What an AMO stores, from the old value o and the operand v. */
const AMO_COMBINE: Readonly<Record<string, string>> = {
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

function genStraight(d: Inst, pc: number, idx: number): string {
  const { rd, imm } = d;
  const a = reg(d.rs1);
  const b = reg(d.rs2);
  const at = `i = ${idx}; p = ${hexAddr(pc)};`;
  const addr = `(${a} + ${imm}) | 0`;
  switch (d.op) {
    case 'lui': return setPure(rd, `${imm | 0}`);
    case 'auipc': return setPure(rd, `${(pc + imm) | 0}`);
    case 'lb': case 'lh': case 'lw': case 'lbu': case 'lhu':
      return `${at} ${set(rd, `m.${d.op}(${addr})`)}`;
    case 'sb': case 'sh': case 'sw':
      return `${at} m.${d.op}(${addr}, ${b});`;
    case 'addi': return setPure(rd, `(${a} + ${imm}) | 0`);
    case 'slti': return setPure(rd, `${a} < ${imm} ? 1 : 0`);
    case 'sltiu': return setPure(rd, `(${a} >>> 0) < ${imm >>> 0} ? 1 : 0`);
    case 'xori': return setPure(rd, `${a} ^ ${imm}`);
    case 'ori': return setPure(rd, `${a} | ${imm}`);
    case 'andi': return setPure(rd, `${a} & ${imm}`);
    case 'slli': return setPure(rd, `${a} << ${imm}`);
    case 'srli': return setPure(rd, `(${a} >>> ${imm}) | 0`);
    case 'srai': return setPure(rd, `${a} >> ${imm}`);
    case 'add': return setPure(rd, `(${a} + ${b}) | 0`);
    case 'sub': return setPure(rd, `(${a} - ${b}) | 0`);
    case 'sll': return setPure(rd, `${a} << ${b}`); // JS masks the shift amount to 5 bits, as RV32 does
    case 'slt': return setPure(rd, `${a} < ${b} ? 1 : 0`);
    case 'sltu': return setPure(rd, `(${a} >>> 0) < (${b} >>> 0) ? 1 : 0`);
    case 'xor': return setPure(rd, `${a} ^ ${b}`);
    case 'srl': return setPure(rd, `(${a} >>> ${b}) | 0`);
    case 'sra': return setPure(rd, `${a} >> ${b}`);
    case 'or': return setPure(rd, `${a} | ${b}`);
    case 'and': return setPure(rd, `${a} & ${b}`);
    case 'mul': return setPure(rd, `Math.imul(${a}, ${b})`);
    case 'mulh': return setPure(rd, `A.mulh(${a}, ${b})`);
    case 'mulhsu': return setPure(rd, `A.mulhsu(${a}, ${b})`);
    case 'mulhu': return setPure(rd, `A.mulhu(${a}, ${b})`);
    // Division by zero and INT_MIN / -1 follow the RISC-V M rules (no trap).
    case 'div': return setPure(rd, `A.div(${a}, ${b})`);
    case 'divu': return setPure(rd, `A.divu(${a}, ${b})`);
    case 'rem': return setPure(rd, `A.rem(${a}, ${b})`);
    case 'remu': return setPure(rd, `A.remu(${a}, ${b})`);
    case 'lr.w':
      return `${at} { const ad = ${a}; const v = m.atomicLoad(ad, false); c.reservation = ad; ${setPure(rd, 'v')} }`;
    case 'sc.w':
      return `${at} { const ad = ${a}; if (c.reservation === ad) { m.atomicStore(ad, ${b}); c.reservation = -1; ${setPure(rd, '0')} } else { if ((ad & 3) !== 0) m.atomicStore(ad, 0); c.reservation = -1; ${setPure(rd, '1')} } }`;
    case 'amoswap.w': case 'amoadd.w': case 'amoxor.w': case 'amoand.w': case 'amoor.w':
    case 'amomin.w': case 'amomax.w': case 'amominu.w': case 'amomaxu.w': {
      return `${at} { const ad = ${a}, v = ${b}; const o = m.atomicLoad(ad, true); m.sw(ad, ${AMO_COMBINE[d.op]}); ${setPure(rd, 'o')} }`;
    }
    case 'fence': return '';
    case 'csrrw': case 'csrrs': case 'csrrc': case 'csrrwi': case 'csrrsi': case 'csrrci': {
      // Only the user counters exist and they are read-only: any write is illegal.
      const writes = d.op === 'csrrw' || d.op === 'csrrwi' || d.rs1 !== 0;
      const trap = `{ ${WB} return c.trap(${TRAP_ILLEGAL}, ${hexAddr(pc)}, ${hexAddr(d.bits)}, n + ${idx}); }`;
      if (writes) return trap;
      return `{ const v = c.csrRead(${imm}, n + ${idx}); if (v === undefined) ${trap} ${setPure(rd, 'v')} }`;
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

/**
 * JavaScript for the instruction that ends a block (`len` instructions long, this one at
 * `idx`). Control transfers count the block as retired and continue the region's dispatch
 * loop at the next pc; traps return -1 through the host.
 */
function genEnd(d: Inst, pc: number, idx: number, len: number, fallsInto: number | undefined): string {
  const a = reg(d.rs1);
  const b = reg(d.rs2);
  const next = (pc + d.len) >>> 0;
  const target = (pc + d.imm) >>> 0;
  const link = d.rd === 0 ? '' : `r${d.rd} = ${next | 0};`;
  const goNext = next === fallsInto ? `pc = ${hexAddr(next)};` : `pc = ${hexAddr(next)}; continue;`;
  const taken = `{ pc = ${hexAddr(target)}; continue; } ${goNext}`;
  switch (d.op) {
    case 'jal': return `${link} n += ${len}; pc = ${hexAddr(target)}; continue;`;
    case 'jalr': return `{ const t = ((${a} + ${d.imm}) & -2) >>> 0; ${link} n += ${len}; pc = t; continue; }`;
    case 'beq': return `n += ${len}; if (${a} === ${b}) ${taken}`;
    case 'bne': return `n += ${len}; if (${a} !== ${b}) ${taken}`;
    case 'blt': return `n += ${len}; if (${a} < ${b}) ${taken}`;
    case 'bge': return `n += ${len}; if (${a} >= ${b}) ${taken}`;
    case 'bltu': return `n += ${len}; if ((${a} >>> 0) < (${b} >>> 0)) ${taken}`;
    case 'bgeu': return `n += ${len}; if ((${a} >>> 0) >= (${b} >>> 0)) ${taken}`;
    case 'ecall': return `${WB} return c.trap(${TRAP_ECALL}, ${hexAddr(pc)}, 0, n + ${idx});`;
    case 'ebreak': return `${WB} return c.trap(${TRAP_BREAKPOINT}, ${hexAddr(pc)}, ${hexAddr(pc)}, n + ${idx});`;
    case 'illegal': return `${WB} return c.trap(${TRAP_ILLEGAL}, ${hexAddr(pc)}, ${hexAddr(d.bits)}, n + ${idx});`;
    // Leave the region: a store may have changed code, and the dispatcher retranslates.
    case 'fence.i': return `n += ${len}; c.n = n; ${WB} return ${hexAddr(next)};`;
    default: throw new Error(`genEnd: ${d.op} does not end a block`);
  }
}

/** A basic block found while exploring a region. */
interface FoundBlock {
  readonly start: number;
  readonly insts: { readonly d: Inst; readonly pc: number }[];
  /** The control transfer that ends it, or undefined when it stops for another reason. */
  readonly end: { readonly d: Inst; readonly pc: number } | undefined;
  /** The pc after the block's last instruction. */
  readonly next: number;
}

/** Decode one basic block at `start` without leaving its page; undefined if none can start there. */
function findBlock(m: AddressSpace, start: number, limit: number, avoid?: ReadonlySet<number>): FoundBlock | undefined {
  const insts: { d: Inst; pc: number }[] = [];
  const pageEnd = (start & ~PAGE_MASK) + PAGE_SIZE;
  let cur = start;
  while (insts.length < limit && cur < pageEnd) {
    if (avoid !== undefined && avoid.has(cur)) break; // a breakpoint: the block ends before it
    let parcels: [number, number];
    try {
      parcels = fetchParcels(m, cur);
    } catch (e) {
      if (!(e instanceof MemoryFault)) throw e;
      break; // the fault is raised when (and if) execution gets there
    }
    const d = decode(parcels[0], parcels[1]);
    if ((cur & PAGE_MASK) + d.len > PAGE_SIZE) break; // straddles two pages: run alone
    if (endsBlock(d)) {
      insts.push({ d, pc: cur });
      return { start, insts, end: { d, pc: cur }, next: (cur + d.len) >>> 0 };
    }
    insts.push({ d, pc: cur });
    cur = (cur + d.len) >>> 0;
  }
  return insts.length === 0 ? undefined : { start, insts, end: undefined, next: cur };
}

// Small regions win: V8 optimizes a large function late and deoptimizes it whenever control
// reaches a path that had not run before (measured with the cpu benchmark: 8 blocks ran at
// about 3x the speed of 128).
const MAX_REGION_BLOCKS = 8;
const MAX_REGION_INSTS = 256;

/**
 * The blocks reachable from `entry` within its page: by fall-through, direct jumps and
 * branches, and the return points of calls (so a `ret` into the page stays in the region).
 */
function exploreRegion(m: AddressSpace, entry: number, avoid: ReadonlySet<number> | undefined): FoundBlock[] {
  const page = entry & ~PAGE_MASK;
  const found = new Map<number, FoundBlock>();
  const work = [entry];
  let total = 0;
  while (work.length > 0 && found.size < MAX_REGION_BLOCKS && total < MAX_REGION_INSTS) {
    const pc = work.pop()!;
    if (found.has(pc) || (pc & ~PAGE_MASK) !== page) continue;
    const b = findBlock(m, pc, MAX_BLOCK, avoid);
    if (!b) continue;
    found.set(pc, b);
    total += b.insts.length;
    const e = b.end?.d;
    if (!e) work.push(b.next);
    else if (e.op === 'jal') work.push(b.next, (b.end!.pc + e.imm) >>> 0);
    else if (e.op === 'jalr') work.push(b.next);
    else if (e.op.startsWith('b')) work.push(b.next, (b.end!.pc + e.imm) >>> 0);
  }
  return [...found.values()].sort((a, b) => a.start - b.start);
}

const STORE_OPS = new Set<string>([
  'sb', 'sh', 'sw', 'sc.w', 'amoswap.w', 'amoadd.w', 'amoxor.w', 'amoand.w', 'amoor.w', 'amomin.w',
  'amomax.w', 'amominu.w', 'amomaxu.w',
]);

/** One block of code, entered at its start with the dispatch loop around it. */
function genBlock(b: FoundBlock, fallsInto: number | undefined): string {
  const len = b.insts.length;
  const lines = [`case ${hexAddr(b.start)}: if (n + ${len} > b) break;`];
  b.insts.forEach(({ d, pc }, idx) => {
    lines.push(b.end && idx === len - 1 ? genEnd(d, pc, idx, len, fallsInto) : genStraight(d, pc, idx));
    if (STORE_OPS.has(d.op) && !(b.end && idx === len - 1)) {
      // The store may have overwritten code, this region's included: continue in fresh code.
      lines.push(`if (m.codeDrops !== D) { n += ${idx + 1}; c.n = n; ${WB} return ${hexAddr((pc + d.len) >>> 0)}; }`);
    }
  });
  if (!b.end) lines.push(b.next === fallsInto ? `n += ${len}; pc = ${hexAddr(b.next)};` : `n += ${len}; pc = ${hexAddr(b.next)}; continue;`);
  return lines.join('\n');
}

/**
 * A region: the blocks of one page reachable from a set of entry points, in one function
 * whose `switch (pc)` loop runs from block to block until control leaves the region, a trap,
 * or the budget `b` would be overrun by the next block. It is entered at any of its block
 * starts, returns the next pc (and the number of retired instructions in `c.n`), or -1 after
 * a trap.
 */
export type RegionFn = (x: Int32Array, m: AddressSpace, c: BlockHost, b: number, pc: number) => number;

/**
 * Region functions by their source, shared by every machine of the process: a region holds no
 * state of its own (its machine comes in its arguments, `A` is this module's), so the same
 * function serves the same code anywhere. One function a source keeps V8's optimized code with
 * it; a new closure per machine (what this cache held before: the factories) shared only the
 * feedback, and V8 dropped the optimized code of closures gone with their machine: a process
 * that ran machine after machine (the bench, explore, the TUI's forks) re-optimized hundreds of
 * regions in some of its runs (--trace-opt), which took a third longer.
 */
const regionCache = new Map<string, RegionFn>();

function compile(body: string): RegionFn {
  let fn = regionCache.get(body);
  if (!fn) {
    fn = (new Function('A', `return function region(x, m, c, b, pc) {\n${body}\n};`) as (A: typeof arith) => RegionFn)(arith);
    if (regionCache.size > 20_000) regionCache.clear();
    regionCache.set(body, fn);
  }
  return fn;
}

function regionBody(blocks: readonly FoundBlock[]): string {
  const usesMemory = blocks.some((b) => b.insts.some(({ d }) => MEMORY_OPS.has(d.op)));
  const cases = blocks.map((b, k) => genBlock(b, blocks[k + 1]?.start)).join('\n');
  const loop = `for (;;) {\nswitch (pc) {\n${cases}\ndefault: break;\n}\nc.n = n; ${WB} return pc;\n}`;
  const read = new Set<number>();
  const written = new Set<number>();
  for (const b of blocks) {
    for (const { d } of b.insts) {
      for (const r of [d.rs1, d.rs2]) if (r !== 0) read.add(r);
      if (d.rd !== 0) written.add(d.rd);
    }
  }
  const used = [...new Set([...read, ...written])].sort((a, b) => a - b);
  const load = used.length ? `let ${used.map((r) => `r${r} = x[${r}]`).join(', ')};\n` : '';
  const writeBack = [...written].sort((a, b) => a - b).map((r) => `x[${r}] = r${r};`).join(' ');
  const head = `${load}const D = m.codeDrops; let n = 0`;
  const body = usesMemory
    ? `${head}, i = 0, p = 0;\ntry {\n${loop}\n} catch (e) { ${WB} return c.fault(e, p, n + i); }`
    : `${head};\n${loop}`;
  return body.split(WB).join(writeBack);
}

/**
 * Translate the region entered at `entry`. Throws MemoryFault when the entry cannot be
 * fetched; undefined when the entry instruction straddles two pages (use translateSingle) or
 * is in `avoid`. No instruction at a pc in `avoid` (a debugger's breakpoints) is in the region:
 * a block ends before it, so control reaching it leaves the region. Without `avoid` the code is
 * what it always was.
 */
export function translateRegion(m: AddressSpace, entry: number, avoid?: ReadonlySet<number>): RegionFn | undefined {
  m.fetchPage(entry); // raise the fetch fault of the entry itself
  const blocks = exploreRegion(m, entry, avoid);
  return blocks.length === 0 ? undefined : compile(regionBody(blocks));
}

/**
 * Translate the one instruction at pc, for running the tail of a budget exactly. An
 * instruction straddling two pages comes back with `cacheable` false, since it depends on
 * the bytes of two pages.
 */
export function translateSingle(m: AddressSpace, pc: number): { fn: RegionFn; cacheable: boolean } {
  m.fetchPage(pc);
  const b = findBlock(m, pc, 1);
  if (b) return { fn: compile(regionBody([b])), cacheable: true };
  const [lo, hi] = fetchParcels(m, pc);
  const d = decode(lo, hi);
  const end = endsBlock(d) ? { d, pc } : undefined;
  return { fn: compile(regionBody([{ start: pc, insts: [{ d, pc }], end, next: (pc + d.len) >>> 0 }])), cacheable: false };
}
