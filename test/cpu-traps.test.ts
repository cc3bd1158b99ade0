/**
 * Every trap the CPU raises is precise: the pc and tval of the faulting instruction, the
 * exact number of retired instructions, and registers/memory holding the effects of exactly
 * the instructions before it. Also: exact budgets, self-modifying code, and CPU state
 * save -> restore -> keep running.
 */
import { describe, expect, it } from 'vitest';
import { Cpu, TrapCause, type StopReason } from '../src/core/cpu.js';
import { AddressSpace, PERM_R, PERM_W, PERM_X } from '../src/core/memory.js';
import {
  amo, assemble, cNop, ebreak, ecall, fenceI, jal, li, load, lrW, op, opImm, scW, store, type Insn,
} from './support/rv-encode.js';

const CODE = 0x10000;
const DATA = 0x20000;
const RODATA = 0x30000;
const XONLY = 0x40000;

function machine(program: Insn[]): { cpu: Cpu; mem: AddressSpace } {
  const mem = new AddressSpace();
  mem.map(CODE, 0x2000, PERM_R | PERM_X);
  mem.map(DATA, 0x2000, PERM_R | PERM_W);
  mem.map(RODATA, 0x1000, PERM_R);
  mem.map(XONLY, 0x1000, PERM_X);
  mem.poke(CODE, assemble(program));
  const cpu = new Cpu(mem);
  cpu.pc = CODE;
  return { cpu, mem };
}

function trapOf(s: StopReason): { cause: number; pc: number; tval: number } {
  if (s.kind !== 'trap') throw new Error('expected a trap, the budget ran out');
  return { cause: s.cause, pc: s.pc, tval: s.tval };
}

describe('traps are precise', () => {
  it('ecall stops at the ecall, unretired; completeEcall retires it and moves on', () => {
    const { cpu } = machine([...li(17, 29), ecall(), opImm('addi', 5, 0, 7), ebreak()]);
    const t = trapOf(cpu.run(100));
    expect(t).toEqual({ cause: TrapCause.EcallFromU, pc: CODE + 4, tval: 0 });
    expect(cpu.icount).toBe(1);
    expect(cpu.x[17]).toBe(29);
    cpu.completeEcall();
    expect(cpu.pc).toBe(CODE + 8);
    expect(cpu.icount).toBe(2);
    const t2 = trapOf(cpu.run(100));
    expect(t2.cause).toBe(TrapCause.Breakpoint);
    expect(cpu.x[5]).toBe(7);
    expect(cpu.icount).toBe(3);
  });

  it('illegal instruction reports the instruction bits as tval', () => {
    // OP with funct7 = 0x7f: no such instruction.
    const { cpu } = machine([opImm('addi', 5, 0, 1), { bits: 0xfe000033, size: 4, asm: '.word 0xfe000033' }]);
    expect(trapOf(cpu.run(100))).toEqual({ cause: TrapCause.IllegalInstruction, pc: CODE + 4, tval: 0xfe000033 });
    expect(cpu.icount).toBe(1);
  });

  it('the all-zero halfword is illegal (compressed), tval = 0', () => {
    const { cpu } = machine([cNop(), { bits: 0, size: 2, asm: '.half 0' }]);
    expect(trapOf(cpu.run(100))).toEqual({ cause: TrapCause.IllegalInstruction, pc: CODE + 2, tval: 0 });
  });

  it('writing a user counter CSR is illegal', () => {
    // csrrw x0, cycle, x1
    const { cpu } = machine([{ bits: (0xc00 << 20) | (1 << 15) | (1 << 12) | 0x73, size: 4, asm: 'csrw cycle, ra' }]);
    expect(trapOf(cpu.run(10)).cause).toBe(TrapCause.IllegalInstruction);
  });

  it('jumping to an unmapped address is an instruction access fault at that address', () => {
    const { cpu } = machine([...li(5, 0x5000_0000), { bits: (5 << 15) | 0x67, size: 4, asm: 'jr t0' }]);
    const t = trapOf(cpu.run(100));
    expect(t).toEqual({ cause: TrapCause.InstructionAccessFault, pc: 0x5000_0000, tval: 0x5000_0000 });
    expect(cpu.icount).toBe(2);
  });

  it('executing a readable but non-executable page faults', () => {
    const { cpu } = machine([jal(0, DATA - CODE)]);
    expect(trapOf(cpu.run(10))).toEqual({ cause: TrapCause.InstructionAccessFault, pc: DATA, tval: DATA });
  });

  it('loads from unmapped and execute-only pages fault with the address in tval', () => {
    for (const addr of [0x5000_0000, XONLY + 8]) {
      const { cpu } = machine([...li(6, addr), opImm('addi', 7, 0, 3), load('lw', 5, 6, 0), opImm('addi', 8, 0, 1)]);
      const t = trapOf(cpu.run(100));
      expect(t.cause).toBe(TrapCause.LoadAccessFault);
      expect(t.tval).toBe(addr);
      expect(cpu.x[7]).toBe(3); // retired before the fault
      expect(cpu.x[8]).toBe(0); // not executed after it
      expect(cpu.icount).toBe(li(6, addr).length + 1);
    }
  });

  it('stores to read-only pages fault and leave memory untouched', () => {
    const { cpu, mem } = machine([...li(6, RODATA + 16), ...li(5, 0x1234), store('sw', 5, 6, 0)]);
    const t = trapOf(cpu.run(100));
    expect(t.cause).toBe(TrapCause.StoreAccessFault);
    expect(t.tval).toBe(RODATA + 16);
    expect(mem.peek(RODATA + 16, 4)).toEqual(new Uint8Array(4));
  });

  it('a misaligned store across into a read-only page faults without writing either page', () => {
    const { cpu, mem } = machine([...li(6, RODATA - 2), ...li(5, -1), store('sw', 5, 6, 0)]);
    mem.map(RODATA - 0x1000, 0x1000, PERM_R | PERM_W); // the first two bytes are writable
    const t = trapOf(cpu.run(100));
    expect(t.cause).toBe(TrapCause.StoreAccessFault);
    expect(t.tval).toBe(RODATA);
    expect(mem.peek(RODATA - 2, 2)).toEqual(new Uint8Array(2));
  });

  it('misaligned loads and stores are handled (not trapped), also across pages', () => {
    const { cpu, mem } = machine([
      ...li(6, DATA + 0x1ffe), ...li(5, 0x11223344), store('sw', 5, 6, 0), load('lw', 7, 6, 0),
      load('lh', 8, 6, 1), load('lhu', 9, 6, 1), ebreak(),
    ]);
    mem.map(DATA + 0x2000, 0x1000, PERM_R | PERM_W);
    expect(trapOf(cpu.run(100)).cause).toBe(TrapCause.Breakpoint);
    expect(cpu.x[7]).toBe(0x11223344);
    expect(cpu.x[8]).toBe(0x2233);
    expect(cpu.x[9]).toBe(0x2233);
    expect(Array.from(mem.peek(DATA + 0x1ffe, 4)!)).toEqual([0x44, 0x33, 0x22, 0x11]);
  });

  it('misaligned AMOs and LR/SC trap (atomics are never split)', () => {
    let m = machine([...li(6, DATA + 2), amo('amoadd', 5, 0, 6)]);
    expect(trapOf(m.cpu.run(100))).toMatchObject({ cause: TrapCause.StoreAddressMisaligned, tval: DATA + 2 });
    m = machine([...li(6, DATA + 2), lrW(5, 6)]);
    expect(trapOf(m.cpu.run(100))).toMatchObject({ cause: TrapCause.LoadAddressMisaligned, tval: DATA + 2 });
    m = machine([...li(6, DATA + 1), scW(5, 0, 6)]);
    expect(trapOf(m.cpu.run(100))).toMatchObject({ cause: TrapCause.StoreAddressMisaligned, tval: DATA + 1 });
  });

  it('an AMO on a read-only page is a store access fault and rd is untouched', () => {
    const { cpu } = machine([...li(6, RODATA), opImm('addi', 5, 0, 9), amo('amoswap', 5, 0, 6)]);
    expect(trapOf(cpu.run(100))).toMatchObject({ cause: TrapCause.StoreAccessFault, tval: RODATA });
    expect(cpu.x[5]).toBe(9);
  });

  it('an odd pc is an instruction-address-misaligned trap at that pc, before anything executes', () => {
    // Fetching at an odd pc used to read the halfword below it: CODE + 1 ran the addi at CODE.
    for (const budget of [100, 1]) {
      const { cpu } = machine([opImm('addi', 10, 0, 1), cNop(), ebreak()]);
      cpu.x[10] = 7;
      cpu.pc = CODE + 1;
      expect(trapOf(cpu.run(budget))).toEqual({ cause: TrapCause.InstructionAddressMisaligned, pc: CODE + 1, tval: CODE + 1 });
      expect(cpu.pc).toBe(CODE + 1);
      expect(cpu.icount).toBe(0);
      expect(cpu.x[10]).toBe(7);
      // Also at an odd pc just after code that has been translated, and after a step.
      cpu.pc = CODE;
      expect(cpu.step().kind).toBe('budget');
      cpu.pc = CODE + 5;
      expect(trapOf(cpu.run(budget))).toEqual({ cause: TrapCause.InstructionAddressMisaligned, pc: CODE + 5, tval: CODE + 5 });
      expect(cpu.icount).toBe(1);
    }
  });

  it('an odd pc is misaligned even where fetching would fault (no fetch is attempted)', () => {
    for (const pc of [0x5000_0001, DATA + 3, CODE + 0x1fff, 0xffff_ffff]) {
      const { cpu } = machine([]);
      cpu.pc = pc;
      expect(trapOf(cpu.run(10))).toEqual({ cause: TrapCause.InstructionAddressMisaligned, pc, tval: pc });
    }
  });

  it('jalr clears bit 0 of its target, so an odd register value does not misalign the pc', () => {
    const { cpu } = machine([...li(5, CODE + 0x101), { bits: (5 << 15) | 0x67, size: 4, asm: 'jr t0' }]);
    cpu.mem.poke(CODE + 0x100, assemble([ebreak()]));
    expect(trapOf(cpu.run(100))).toEqual({ cause: TrapCause.Breakpoint, pc: CODE + 0x100, tval: CODE + 0x100 });
  });

  it('a fault in a loop reports the exact instruction count', () => {
    // t0 = 10; loop: t1 += 4; t0 -= 1; bnez t0, loop; then load from unmapped
    const prog = [
      opImm('addi', 5, 0, 10),
      opImm('addi', 6, 6, 4),
      opImm('addi', 5, 5, -1),
      { bits: ((-8 & 0x1000) << 19) | (((-8 >> 5) & 0x3f) << 25) | (5 << 15) | (1 << 12) | (((-8 >> 1) & 0xf) << 8) | (((-8 >> 11) & 1) << 7) | 0x63, size: 4 as const, asm: 'bnez t0, -8' },
      load('lw', 7, 0, 0),
    ];
    const { cpu } = machine(prog);
    const t = trapOf(cpu.run(1000));
    expect(t).toEqual({ cause: TrapCause.LoadAccessFault, pc: CODE + 16, tval: 0 });
    expect(cpu.icount).toBe(1 + 10 * 3);
    expect(cpu.x[6]).toBe(40);
  });
});

describe('budgets are exact', () => {
  const loop = [opImm('addi', 5, 5, 1), opImm('addi', 6, 6, 2), jal(0, -8)];

  it('run(n) retires exactly n instructions, in any split', () => {
    const a = machine(loop).cpu;
    expect(a.run(1001).kind).toBe('budget');
    const b = machine(loop).cpu;
    for (const n of [1, 2, 3, 5, 7, 11, 13, 959]) expect(b.run(n).kind).toBe('budget');
    expect(a.icount).toBe(1001);
    expect(b.icount).toBe(1001);
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(a.pc).toBe(b.pc);
    expect(a.x[5]).toBe(334);
  });

  it('step() executes one instruction', () => {
    const { cpu } = machine(loop);
    cpu.step();
    expect(cpu.icount).toBe(1);
    expect(cpu.pc).toBe(CODE + 4);
    expect(cpu.x[5]).toBe(1);
    expect(cpu.x[6]).toBe(0);
  });

  it('instret read inside a translated block counts exactly', () => {
    // csrr a0, instret at the 4th instruction: 3 retired before it.
    const csrrInstret = { bits: (0xc02 << 20) | (2 << 12) | (10 << 7) | 0x73, size: 4 as const, asm: 'rdinstret a0' };
    const { cpu } = machine([cNop(), cNop(), cNop(), csrrInstret, ebreak()]);
    cpu.run(100);
    expect(cpu.x[10]).toBe(3);
  });
});

describe('self-modifying code', () => {
  it('a store into code followed by fence.i runs the new instruction', () => {
    // Page 2 holds a function: addi a0, x0, 1; ret. The program calls it, overwrites its
    // first instruction with addi a0, x0, 2, executes fence.i and calls it again.
    const fn = CODE + 0x1000;
    const newInsn = new DataView(assemble([opImm('addi', 10, 0, 2)]).buffer).getInt32(0, true);
    const setup = [...li(6, fn), ...li(5, newInsn)];
    const setupBytes = assemble(setup).length;
    const prog = [
      ...setup,
      jal(1, fn - (CODE + setupBytes)), // first call
      store('sw', 5, 6, 0),
      fenceI(),
      jal(1, fn - (CODE + setupBytes + 12)), // second call
      ebreak(),
    ];
    const { cpu, mem } = machine(prog);
    mem.poke(fn, assemble([opImm('addi', 10, 0, 1), { bits: (1 << 15) | 0x67, size: 4, asm: 'ret' }]));
    mem.protect(CODE, 0x2000, PERM_R | PERM_W | PERM_X);
    let s = cpu.run(setup.length + 3); // through the first call and its return
    expect(s.kind).toBe('budget');
    expect(cpu.x[10]).toBe(1);
    s = cpu.run(1000);
    expect(trapOf(s).cause).toBe(TrapCause.Breakpoint);
    expect(cpu.x[10]).toBe(2);
  });
});

describe('CPU state', () => {
  it('save -> restore -> keep running matches a straight run', () => {
    const prog = [opImm('addi', 5, 5, 3), op('mul', 6, 5, 5), store('sw', 6, 7, 0), jal(0, -12)];
    const straight = machine(prog);
    straight.cpu.x[7] = DATA;
    straight.cpu.run(500);

    const first = machine(prog);
    first.cpu.x[7] = DATA;
    first.cpu.run(123);
    const saved = JSON.parse(JSON.stringify(first.cpu.getState()));
    const memState = first.mem.getState();
    const pages = new Map<string, Uint8Array>();
    first.mem.getState((h, b) => pages.set(h, b.slice()));

    const second = machine([]);
    second.mem.setState(memState, (h) => pages.get(h));
    second.cpu.setState(saved);
    second.cpu.run(500 - 123);
    expect(second.cpu.getState()).toEqual(straight.cpu.getState());
    expect(second.mem.getState()).toEqual(straight.mem.getState());
  });

  it('rejects a state of an unknown version', () => {
    const { cpu } = machine([]);
    expect(() => cpu.setState({ ...cpu.getState(), version: 2 } as never)).toThrow(/version 2/);
  });
});
