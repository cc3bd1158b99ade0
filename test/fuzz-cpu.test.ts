/**
 * Random instruction streams on the real CPU (src/core/cpu.ts) in a real address space
 * (src/core/memory.ts), and as the text of a guest process in the real machine.
 *
 * Streams: raw 32-bit words, raw 16-bit halves (compressed and not), and a generator biased
 * towards valid RV32IMAC encodings (loads and stores near mapped memory, branches and jumps
 * inside the code, AMOs, LR/SC, CSR reads, ecall/ebreak, every compressed format). Registers
 * start pointing at code, data, a read-only page, the stack, unmapped and odd addresses.
 *
 * Every trap is handled as a signal handler that skips the instruction would (an ecall gets
 * ENOSYS), so one case runs through many traps. Properties:
 *   - the host never throws: every stop is a spent budget or a trap with a known cause;
 *   - state stays valid: x0 is 0, the pc is even except when an odd pc is the trap itself, a
 *     budget stop retired exactly the budget and a trap fewer, a fetch fault names the pc;
 *   - translated blocks and single steps agree: the same stream run with one big budget and
 *     with budgets of 1 to 7 gives the same traps (cause, pc, tval, icount), registers and
 *     memory, also with the code page writable (self-modifying code);
 *   - a clone of the address space with the CPU state restored mid-run continues exactly as
 *     the original (what fork and snapshots rely on).
 * (Correctness of valid encodings against qemu is test/cpu-differential.test.ts, not repeated.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cpu, TrapCause, type StopReason } from '../src/core/cpu.js';
import { AddressSpace, PERM_R, PERM_W, PERM_X } from '../src/core/memory.js';
import { bootMachine } from './support/boot.js';
import { writeElf } from './support/elf-writer.js';
import { announceSeed, check, params, withSeed } from './support/fuzz.js';
import * as E from './support/rv-encode.js';
import type { Insn } from './support/rv-encode.js';

announceSeed('fuzz-cpu');

const CODE = 0x0001_0000;
const CODE_SIZE = 0x2000;
const DATA = 0x0002_0000;
const RODATA = 0x0002_1000;
const STACK_TOP = 0x7fff_0000;
const STACK_SIZE = 0x2000;
/** Instructions retired per case at most, and traps at most. */
const MAX_ICOUNT = 4000;
const MAX_TRAPS = 300;

// ---- generators -------------------------------------------------------------------------------

const reg = fc.integer({ min: 0, max: 31 });
const creg = fc.integer({ min: 8, max: 15 });
const imm12 = fc.integer({ min: -2048, max: 2047 });
/** Small offsets that land near the base registers' targets (data, code, stack). */
const nearImm = fc.oneof(fc.integer({ min: -16, max: 16 }), imm12);
const evenOff = (max: number) => fc.integer({ min: -max / 2, max: max / 2 - 1 }).map((n) => n * 2);

/** An instruction from `build`, or c.nop when the operands do not fit the format. */
function enc<A extends unknown[]>(arbs: { [K in keyof A]: fc.Arbitrary<A[K]> }, build: (...a: A) => Insn | Insn[]): fc.Arbitrary<readonly Insn[]> {
  return fc.tuple(...(arbs as unknown as [fc.Arbitrary<unknown>])).map((a) => {
    try {
      const r = build(...(a as unknown as A));
      return Array.isArray(r) ? r : [r];
    } catch (e) {
      if (e instanceof E.EncodeError) return [E.cNop()];
      throw e;
    }
  });
}

const ord = fc.record({ aq: fc.boolean(), rl: fc.boolean() });

/** Valid encodings, weighted towards what reaches memory, control flow and traps. */
const validInsn: fc.Arbitrary<readonly Insn[]> = fc.oneof(
  { arbitrary: enc([fc.constantFrom(...E.IMM_OPS), reg, reg, imm12], (o, rd, rs, i) => E.opImm(o, rd, rs, i)), weight: 3 },
  { arbitrary: enc([fc.constantFrom(...E.SHIFT_IMM_OPS), reg, reg, fc.integer({ min: 0, max: 31 })], (o, rd, rs, s) => E.shiftImm(o, rd, rs, s)), weight: 1 },
  { arbitrary: enc([fc.constantFrom(...E.REG_OPS), reg, reg, reg], (o, rd, a, b) => E.op(o, rd, a, b)), weight: 3 },
  { arbitrary: enc([reg, fc.integer({ min: 0, max: 0xfffff })], (rd, i) => E.lui(rd, i)), weight: 1 },
  { arbitrary: enc([reg, fc.integer({ min: 0, max: 0xfffff })], (rd, i) => E.auipc(rd, i)), weight: 1 },
  { arbitrary: enc([fc.constantFrom(...E.LOAD_OPS), reg, reg, nearImm], (o, rd, rs, i) => E.load(o, rd, rs, i)), weight: 4 },
  { arbitrary: enc([fc.constantFrom(...E.STORE_OPS), reg, reg, nearImm], (o, r2, r1, i) => E.store(o, r2, r1, i)), weight: 4 },
  { arbitrary: enc([fc.constantFrom(...E.BRANCH_OPS), reg, reg, evenOff(256)], (o, a, b, off) => E.branch(o, a, b, off)), weight: 2 },
  { arbitrary: enc([reg, evenOff(512)], (rd, off) => E.jal(rd, off)), weight: 1 },
  { arbitrary: enc([reg, reg, nearImm], (rd, rs, i) => E.jalr(rd, rs, i)), weight: 1 },
  { arbitrary: enc([fc.constantFrom(...E.AMO_OPS), reg, reg, reg, ord], (o, rd, a, b, q) => E.amo(o, rd, a, b, q)), weight: 2 },
  { arbitrary: enc([reg, reg, ord], (rd, rs, q) => E.lrW(rd, rs, q)), weight: 1 },
  { arbitrary: enc([reg, reg, reg, ord], (rd, a, b, q) => E.scW(rd, a, b, q)), weight: 1 },
  { arbitrary: enc([fc.constantFrom('csrrs', 'csrrc', 'csrrw') as fc.Arbitrary<E.CsrOp>, reg, fc.constantFrom(...Object.values(E.CSR), 0x001, 0x300, 0xfff), reg], (o, rd, c, rs) => E.csr(o, rd, c, rs)), weight: 1 },
  { arbitrary: fc.constantFrom([E.ecall()], [E.ebreak()], [E.fence()], [E.fenceI()], [E.cEbreak()], [E.cNop()]), weight: 1 },
  { arbitrary: enc([creg, fc.integer({ min: 1, max: 255 }).map((n) => n * 4)], (rd, i) => E.cAddi4spn(rd, i)), weight: 1 },
  { arbitrary: enc([creg, creg, fc.integer({ min: 0, max: 31 }).map((n) => n * 4)], (rd, rs, i) => E.cLw(rd, rs, i)), weight: 2 },
  { arbitrary: enc([creg, creg, fc.integer({ min: 0, max: 31 }).map((n) => n * 4)], (a, b, i) => E.cSw(a, b, i)), weight: 2 },
  { arbitrary: enc([reg, fc.integer({ min: -32, max: 31 })], (rd, i) => E.cAddi(rd, i)), weight: 1 },
  { arbitrary: enc([reg, fc.integer({ min: -32, max: 31 })], (rd, i) => E.cLi(rd, i)), weight: 1 },
  { arbitrary: enc([reg, fc.integer({ min: -32, max: 31 })], (rd, i) => E.cLui(rd, i * 4096)), weight: 1 },
  { arbitrary: enc([fc.integer({ min: -32, max: 31 }).map((n) => n * 16)], (i) => E.cAddi16sp(i)), weight: 1 },
  { arbitrary: enc([creg, fc.integer({ min: 0, max: 31 })], (rd, s) => E.cSrli(rd, s)), weight: 1 },
  { arbitrary: enc([creg, fc.integer({ min: 0, max: 31 })], (rd, s) => E.cSrai(rd, s)), weight: 1 },
  { arbitrary: enc([creg, fc.integer({ min: -32, max: 31 })], (rd, i) => E.cAndi(rd, i)), weight: 1 },
  { arbitrary: enc([fc.constantFrom(...E.C_ARITH_OPS), creg, creg], (o, rd, rs) => E.cArith(o, rd, rs)), weight: 1 },
  { arbitrary: enc([evenOff(512)], (off) => E.cJ(off)), weight: 1 },
  { arbitrary: enc([evenOff(512)], (off) => E.cJal(off)), weight: 1 },
  { arbitrary: enc([creg, evenOff(256)], (rs, off) => E.cBeqz(rs, off)), weight: 1 },
  { arbitrary: enc([creg, evenOff(256)], (rs, off) => E.cBnez(rs, off)), weight: 1 },
  { arbitrary: enc([reg, fc.integer({ min: 1, max: 31 })], (rd, s) => E.cSlli(rd, s)), weight: 1 },
  { arbitrary: enc([reg, fc.integer({ min: 0, max: 63 }).map((n) => n * 4)], (rd, i) => E.cLwsp(rd, i)), weight: 1 },
  { arbitrary: enc([reg, fc.integer({ min: 0, max: 63 }).map((n) => n * 4)], (rs, i) => E.cSwsp(rs, i)), weight: 1 },
  { arbitrary: enc([reg], (rs) => E.cJr(rs)), weight: 1 },
  { arbitrary: enc([reg], (rs) => E.cJalr(rs)), weight: 1 },
  { arbitrary: enc([reg, reg], (rd, rs) => E.cMv(rd, rs)), weight: 1 },
  { arbitrary: enc([reg, reg], (rd, rs) => E.cAdd(rd, rs)), weight: 1 },
);

const word32 = fc.integer({ min: 0, max: 0xffff_ffff });
const half16 = fc.integer({ min: 0, max: 0xffff });

function wordsToBytes(ws: readonly number[], size: 2 | 4): Uint8Array {
  const out = new Uint8Array(ws.length * size);
  const v = new DataView(out.buffer);
  ws.forEach((w, i) => (size === 4 ? v.setUint32(i * 4, w >>> 0, true) : v.setUint16(i * 2, w, true)));
  return out;
}

/** Code bytes from one of the three kinds of stream, at most CODE_SIZE. */
const codeBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.array(word32, { minLength: 1, maxLength: 256 }).map((ws) => wordsToBytes(ws, 4)),
  fc.array(half16, { minLength: 1, maxLength: 512 }).map((hs) => wordsToBytes(hs, 2)),
  fc.array(validInsn, { minLength: 1, maxLength: 300 }).map((is) => E.assemble(is.flat())),
  // Valid instructions with raw words mixed in.
  fc.array(fc.oneof(validInsn, word32.map((w) => [{ bits: w >>> 0, size: 4, asm: '.word' } as Insn])), { minLength: 1, maxLength: 200 })
    .map((is) => E.assemble(is.flat())),
).map((b) => b.subarray(0, CODE_SIZE));

/** Register values that reach every kind of memory, and boundary values. */
const regValue = fc.oneof(
  fc.constantFrom(0, 1, -1, 2, 0x7fff_ffff, -0x8000_0000, DATA, DATA + 0x7fc, DATA + 0xffe, RODATA, RODATA + 0x10, CODE, CODE + 0x100,
    CODE + CODE_SIZE - 2, STACK_TOP - 16, STACK_TOP - STACK_SIZE, 0x5000_0000, 0x0001_0001, DATA + 1, DATA + 3),
  fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
);

interface Case {
  readonly code: Uint8Array;
  readonly regs: readonly number[];
  readonly writableCode: boolean;
  readonly data: Uint8Array;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  code: codeBytes,
  regs: fc.array(regValue, { minLength: 31, maxLength: 31 }),
  writableCode: fc.boolean(),
  data: fc.uint8Array({ minLength: 64, maxLength: 64 }),
});

// ---- running a case ---------------------------------------------------------------------------

interface TrapRecord { readonly cause: number; readonly pc: number; readonly tval: number; readonly icount: number }

interface Outcome {
  readonly traps: TrapRecord[];
  readonly x: number[];
  readonly pc: number;
  readonly icount: number;
  readonly data: Uint8Array;
  readonly code: Uint8Array;
}

function setUp(c: Case): { cpu: Cpu; mem: AddressSpace } {
  const mem = new AddressSpace();
  mem.map(CODE, CODE_SIZE, PERM_R | PERM_X | (c.writableCode ? PERM_W : 0));
  mem.poke(CODE, c.code);
  mem.map(DATA, 0x1000, PERM_R | PERM_W);
  mem.poke(DATA, c.data);
  mem.map(RODATA, 0x1000, PERM_R);
  mem.poke(RODATA, c.data);
  mem.map(STACK_TOP - STACK_SIZE, STACK_SIZE, PERM_R | PERM_W);
  const cpu = new Cpu(mem);
  cpu.pc = CODE;
  c.regs.forEach((v, i) => (cpu.x[i + 1] = v));
  return { cpu, mem };
}

const KNOWN_CAUSES = new Set<number>(Object.values(TrapCause));

/** Checks one stop against the CPU's state; a string says what is wrong. */
function checkStop(cpu: Cpu, stop: StopReason, before: number, budget: number): string | undefined {
  if (cpu.x[0] !== 0) return `x0 = ${cpu.x[0]}`;
  if (!(cpu.x instanceof Int32Array)) return 'registers are not 32-bit';
  if (!Number.isInteger(cpu.pc) || cpu.pc < 0 || cpu.pc > 0xffff_ffff) return `pc ${cpu.pc} is not a u32`;
  if (cpu.reservation !== -1 && (!Number.isInteger(cpu.reservation) || cpu.reservation < 0 || cpu.reservation > 0xffff_ffff)) return `reservation ${cpu.reservation}`;
  const retired = cpu.icount - before;
  if (stop.kind === 'budget') {
    if (retired !== budget) return `a budget stop retired ${retired} of ${budget}`;
    if ((cpu.pc & 1) !== 0) return `odd pc ${cpu.pc.toString(16)} after a budget stop`;
    return undefined;
  }
  if (!KNOWN_CAUSES.has(stop.cause)) return `unknown trap cause ${stop.cause}`;
  if (stop.pc !== cpu.pc) return `trap pc ${stop.pc.toString(16)} but cpu.pc ${cpu.pc.toString(16)}`;
  if (retired < 0 || retired >= budget) return `a trap after retiring ${retired} of a budget of ${budget}`;
  if (stop.tval < 0 || stop.tval > 0xffff_ffff || !Number.isInteger(stop.tval)) return `tval ${stop.tval}`;
  if ((stop.cause === TrapCause.InstructionAddressMisaligned) !== ((stop.pc & 1) === 1)) return `cause ${stop.cause} at pc ${stop.pc.toString(16)}`;
  if (stop.cause === TrapCause.InstructionAccessFault && stop.tval !== stop.pc && stop.tval !== stop.pc + 2) {
    return `fetch fault at ${stop.pc.toString(16)} names ${stop.tval.toString(16)}`;
  }
  return undefined;
}

/** What a signal handler that skips the trapping instruction does; an ecall answers ENOSYS. */
function handleTrap(cpu: Cpu, mem: AddressSpace, stop: Extract<StopReason, { kind: 'trap' }>, n: number): void {
  if (stop.cause === TrapCause.EcallFromU) {
    cpu.completeEcall();
    cpu.x[10] = -38;
    return;
  }
  const half = (stop.pc & 1) === 0 ? mem.readUser(stop.pc, 2) : null;
  if (half && stop.pc >= CODE && stop.pc < CODE + CODE_SIZE) {
    const len = (half[0]! & 3) === 3 ? 4 : 2;
    cpu.pc = stop.pc + len < CODE + CODE_SIZE ? stop.pc + len : CODE;
  } else {
    // Off the code: back into it at a place that depends only on how many traps came before.
    cpu.pc = CODE + ((n * 38) % CODE_SIZE);
  }
}

/**
 * Runs a case to MAX_ICOUNT instructions or MAX_TRAPS traps, `budgetAt(i)` the budget of the i-th
 * `run` call. `snapshotAt`: the stop after which the run continues on a clone (memory cloned, CPU
 * state restored into a fresh Cpu).
 */
function execute(c: Case, budgetAt: (i: number) => number, snapshotAt = -1): Outcome {
  let { cpu, mem } = setUp(c);
  const traps: TrapRecord[] = [];
  // Each stop retires at least one instruction or traps: the loop is bounded by both limits.
  for (let i = 0; traps.length < MAX_TRAPS && cpu.icount < MAX_ICOUNT; i++) {
    if (i === snapshotAt) {
      const clone = mem.clone();
      const next = new Cpu(clone);
      next.setState(cpu.getState());
      cpu = next;
      mem = clone;
    }
    const budget = Math.max(1, Math.min(budgetAt(i), MAX_ICOUNT - cpu.icount));
    const before = cpu.icount;
    const stop = cpu.run(budget);
    const problem = checkStop(cpu, stop, before, budget);
    if (problem) throw new Error(`stop ${i} (icount ${cpu.icount}): ${problem}`);
    if (stop.kind === 'trap') {
      traps.push({ cause: stop.cause, pc: stop.pc, tval: stop.tval, icount: cpu.icount });
      handleTrap(cpu, mem, stop, traps.length);
    }
  }
  const data = mem.readUser(DATA, 0x1000);
  const code = mem.readUser(CODE, CODE_SIZE);
  if (!data || !code) throw new Error('the data or code page went away');
  return { traps, x: Array.from(cpu.x), pc: cpu.pc, icount: cpu.icount, data, code };
}

// ---- properties -------------------------------------------------------------------------------

describe('random instruction streams on the CPU', () => {
  it('never throw in the host; every stop is a retired budget or a known trap, and the state stays valid', () => {
    check('cpu stream invariants', 150, [caseArb, fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 8 })],
      (c, budgets) => {
        execute(c, (i) => budgets[i % budgets.length]!);
      });
  }, 120_000);

  it('translated blocks and single steps agree (traps, registers, memory), code writable or not', () => {
    check('cpu blocks vs steps', 120, [caseArb, fc.integer({ min: 1, max: 7 })], (c, small) => {
      const whole = execute(c, () => 100_000);
      const stepped = execute(c, (i) => 1 + ((i * small) % 7));
      expect(stepped.traps).toEqual(whole.traps);
      expect(stepped.x).toEqual(whole.x);
      expect(stepped.pc).toBe(whole.pc);
      expect(stepped.icount).toBe(whole.icount);
      expect(Buffer.from(stepped.data).equals(Buffer.from(whole.data))).toBe(true);
      expect(Buffer.from(stepped.code).equals(Buffer.from(whole.code))).toBe(true);
    });
  }, 120_000);

  it('a cloned address space with the CPU state restored mid-run continues as the original', () => {
    check('cpu clone mid-run', 80, [caseArb, fc.integer({ min: 1, max: 40 })], (c, at) => {
      const straight = execute(c, (i) => 1 + (i % 50));
      const cloned = execute(c, (i) => 1 + (i % 50), at);
      expect(cloned).toEqual(straight);
    });
  }, 120_000);
});

describe('random code as a guest process in the machine', () => {
  it('ends in a signal, an exit or the instruction limit; the host never throws', () => {
    const codes = fc.sample(codeBytes, params(10));
    for (const [i, code] of codes.entries()) {
      try {
        const elf = writeElf({ text: code.length >= 4 ? code : new Uint8Array(4), data: new Uint8Array(64), dataBase: 0x20000 });
        const r = bootMachine({ initArgv: ['/tmp/prog'], files: { '/tmp/prog': elf }, maxInstructions: 3_000_000 });
        expect(['halted', 'limit', 'idle']).toContain(r.stop.kind);
        // Init is the random code: when it ended, a trap it took was a signal, or it called exit.
        if (r.stop.kind === 'halted') {
          const end = r.events.find((e) => e.kind === 'exit' && e.pid === 1);
          expect(end).toBeDefined();
        }
      } catch (e) {
        throw withSeed(`random guest text #${i} (${code.length} bytes)`, e);
      }
    }
  }, 120_000);
});
