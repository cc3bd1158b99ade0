/**
 * Translated code holds absolute pcs, so a translation may only ever run at the virtual
 * address it was made for, even though one page object can be mapped at several addresses:
 * every fresh mapping starts as the one shared zero page, shared memory segments can be
 * attached at different addresses, and snapshot restores pool pages of equal content.
 *
 * A stale translation used to return without retiring anything, and the run loop then spun
 * forever (the budget never decreased). These tests guard the CPU with a watchdog on
 * instruction fetch, so the old behaviour fails the test instead of hanging it.
 */
import { describe, expect, it } from 'vitest';
import { Cpu, TrapCause, type StopReason } from '../src/core/cpu.js';
import { translateRegion } from '../src/core/translate.js';
import { AddressSpace, PAGE_SIZE, PERM_R, PERM_W, PERM_X, SharedSegment } from '../src/core/memory.js';
import { assemble, auipc, branch, ebreak, opImm, type Insn } from './support/rv-encode.js';

const RX = PERM_R | PERM_X;

/**
 * Make `mem` throw a host error after `limit` instruction-page lookups. The run loop looks
 * the page up at least once per iteration, so a loop that makes no progress hits the limit
 * (and fails the test) instead of hanging vitest; honest runs in these tests stay far below.
 */
function watchdog(mem: AddressSpace, limit = 200_000): AddressSpace {
  const fetchPage = mem.fetchPage.bind(mem);
  let calls = 0;
  mem.fetchPage = (addr: number) => {
    if (++calls > limit) throw new Error(`watchdog: no progress, still fetching at 0x${(addr >>> 0).toString(16)}`);
    return fetchPage(addr);
  };
  return mem;
}

function trapOf(s: StopReason): { cause: number; pc: number; tval: number } {
  if (s.kind !== 'trap') throw new Error('expected a trap, the budget ran out');
  return { cause: s.cause, pc: s.pc, tval: s.tval };
}

function illegalAt(pc: number) {
  return { cause: TrapCause.IllegalInstruction, pc, tval: 0 };
}

/** Run at `pc` (with `budget` per run call) until a trap; the trap and the instructions it took. */
function runAt(cpu: Cpu, pc: number, budget: number): { trap: ReturnType<typeof trapOf>; retired: number } {
  cpu.pc = pc;
  const start = cpu.icount;
  for (let i = 0; i < 10_000; i++) {
    const s = cpu.run(budget);
    if (s.kind === 'trap') return { trap: trapOf(s), retired: cpu.icount - start };
  }
  throw new Error('no trap after 10000 runs');
}

// Position-dependent code with a loop: a0 = its own address (auipc), a1 counts to 15 in
// steps of 3, a3 = the address of the second auipc; then ebreak.
const program: Insn[] = [
  auipc(10, 0),
  opImm('addi', 11, 0, 0),
  opImm('addi', 12, 0, 15),
  opImm('addi', 11, 11, 3), // loop
  branch('bne', 11, 12, -4),
  auipc(13, 0),
  ebreak(),
];
const EBREAK_OFF = 24;
const RETIRED = 3 + 5 * 2 + 1;

function expectRanAt(cpu: Cpu, base: number, budget: number): void {
  cpu.x.fill(0);
  const r = runAt(cpu, base, budget);
  expect(r).toEqual({ trap: { cause: TrapCause.Breakpoint, pc: base + EBREAK_OFF, tval: base + EBREAK_OFF }, retired: RETIRED });
  expect(cpu.x[10]! >>> 0).toBe(base);
  expect(cpu.x[11]).toBe(15);
  expect(cpu.x[13]! >>> 0).toBe(base + 20);
}

describe('translations are used only at the virtual address they were made for', () => {
  it('the zero page mapped at many addresses traps precisely at each one, whole runs and single steps', () => {
    const bases = [0x10000, 0x20000, 0x35000, 0x48000, 0x51000];
    const mem = watchdog(new AddressSpace());
    for (const b of bases) mem.map(b, PAGE_SIZE, RX); // separate mappings: all the one zero page
    const cpu = new Cpu(mem);
    for (const round of [0, 1]) {
      for (const b of bases) {
        for (const off of [0, 0x100, PAGE_SIZE - 2]) {
          for (const budget of [1000, 1]) { // a whole region, then the one-instruction path
            cpu.x[5] = round;
            expect(runAt(cpu, b + off, budget)).toEqual({ trap: illegalAt(b + off), retired: 0 });
            expect(cpu.pc).toBe(b + off);
          }
        }
      }
    }
    expect(cpu.icount).toBe(0);
  });

  it('three fork children each jumping into a different page of one RX mapping all trap (reported hang)', () => {
    const BASE = 0x4000_0000;
    const parent = new AddressSpace();
    parent.map(BASE, 3 * PAGE_SIZE, RX);
    for (let k = 0; k < 3; k++) {
      const child = new Cpu(watchdog(parent.clone()));
      const pc = BASE + k * PAGE_SIZE;
      expect(runAt(child, pc, 1_000_000)).toEqual({ trap: illegalAt(pc), retired: 0 });
    }
  });

  it('a --max-instructions style small budget also traps rather than spinning', () => {
    const mem = watchdog(new AddressSpace());
    for (const b of [0x10000, 0x11000, 0x12000, 0x13000]) mem.map(b, PAGE_SIZE, RX);
    const cpu = new Cpu(mem);
    for (const b of [0x10000, 0x11000, 0x12000, 0x13000, 0x10000]) {
      for (const budget of [7, 1, 2]) expect(runAt(cpu, b, budget).trap).toEqual(illegalAt(b));
    }
  });

  it('code in a shared segment attached at two (and three) addresses runs correctly at each', () => {
    const seg = new SharedSegment(PAGE_SIZE);
    const X = 0x1000_0000, Y = 0x2000_0000, Z = 0x3000_0000;
    const mem = watchdog(new AddressSpace());
    mem.attachShared(X, seg, RX);
    mem.attachShared(Y, seg, RX);
    mem.poke(X, assemble(program));
    expect(Array.from(mem.peek(Y, 8)!)).toEqual(Array.from(assemble(program).subarray(0, 8)));
    const cpu = new Cpu(mem);
    // Interleave whole runs, single steps and split budgets, which use both the region and
    // the one-instruction caches, at each address in turn.
    for (const budget of [1000, 1, 3, 1000, 2, 1]) {
      expectRanAt(cpu, X, budget);
      expectRanAt(cpu, Y, budget);
    }
    mem.attachShared(Z, seg, RX);
    for (const budget of [1, 1000, 5]) for (const base of [Z, X, Y]) expectRanAt(cpu, base, budget);
  });

  it('a shared segment attached at different addresses in two processes runs correctly in each', () => {
    const seg = new SharedSegment(PAGE_SIZE);
    const a = watchdog(new AddressSpace());
    const b = watchdog(new AddressSpace());
    a.attachShared(0x1000_0000, seg, RX);
    b.attachShared(0x2000_0000, seg, RX);
    a.poke(0x1000_0000, assemble(program));
    const ca = new Cpu(a);
    const cb = new Cpu(b);
    for (const budget of [1, 1000, 4]) {
      expectRanAt(ca, 0x1000_0000, budget);
      expectRanAt(cb, 0x2000_0000, budget);
    }
  });

  it('two machines with the same code at the same address share one region function, and each runs it on its own state', () => {
    // One function a source keeps V8's optimized code across machines (translate.ts compile).
    const [a, b] = [watchdog(new AddressSpace()), watchdog(new AddressSpace())];
    for (const mem of [a, b]) {
      mem.map(0x10000, PAGE_SIZE, RX);
      mem.poke(0x10000, assemble(program));
    }
    expect(translateRegion(a, 0x10000)).toBe(translateRegion(b, 0x10000));
    const [ca, cb] = [new Cpu(a), new Cpu(b)];
    cb.x[12] = 99; // state of one machine the other must not see
    expectRanAt(ca, 0x10000, 1000);
    expect(cb.x[12]).toBe(99);
    expectRanAt(cb, 0x10000, 1000);
  });

  it('the same code in pages pooled by a snapshot restore runs correctly at both addresses', () => {
    const src = new AddressSpace();
    src.map(0x10000, PAGE_SIZE, RX);
    src.map(0x50000, PAGE_SIZE, RX);
    src.poke(0x10000, assemble(program));
    src.poke(0x50000, assemble(program));
    const bytes = new Map<string, Uint8Array>();
    const state = src.getState((h, b) => bytes.set(h, b.slice()));
    expect(state.pages[0]!.hash).toBe(state.pages[1]!.hash);
    const mem = watchdog(new AddressSpace());
    mem.setState(state, (h) => bytes.get(h), new Map()); // equal pages become one page object
    const cpu = new Cpu(mem);
    for (const budget of [1000, 1, 1000, 3]) {
      expectRanAt(cpu, 0x10000, budget);
      expectRanAt(cpu, 0x50000, budget);
    }
  });

  it('a page shared at many addresses keeps working past the number of translations kept per page', () => {
    const seg = new SharedSegment(PAGE_SIZE);
    const mem = watchdog(new AddressSpace(), 2_000_000);
    const bases = Array.from({ length: 20 }, (_, k) => 0x1000_0000 + k * 0x10_0000);
    for (const base of bases) mem.attachShared(base, seg, RX);
    mem.poke(bases[0]!, assemble(program));
    const cpu = new Cpu(mem);
    for (const budget of [1000, 1]) for (const base of [...bases, ...bases.reverse()]) expectRanAt(cpu, base, budget);
  });
});

describe('the run loop always makes progress', () => {
  it('even when the cache hands out code made for another address, it retires or traps', () => {
    // Simulates a cache bug: the translations made at X are relabelled as made for Y.
    const seg = new SharedSegment(PAGE_SIZE);
    const X = 0x1000_0000, Y = 0x2000_0000;
    const mem = watchdog(new AddressSpace());
    mem.attachShared(X, seg, RX);
    mem.attachShared(Y, seg, RX);
    mem.poke(X, assemble(program));
    const cpu = new Cpu(mem);
    for (const budget of [1000, 1]) expectRanAt(cpu, X, budget);
    const code = mem.fetchPage(X).code as unknown as { vpn: number };
    expect(code.vpn).toBe(X >>> 12);
    code.vpn = Y >>> 12;
    for (const budget of [1, 1000, 1]) expectRanAt(cpu, Y, budget);
    expectRanAt(cpu, X, 1000);
  });
});

describe('stores through a shared segment drop translations made in another process', () => {
  it('a store by the process that writes the segment changes the code the other one runs', () => {
    const seg = new SharedSegment(PAGE_SIZE);
    const runner = watchdog(new AddressSpace());
    const writer = new AddressSpace();
    runner.attachShared(0x1000_0000, seg, RX);
    writer.attachShared(0x2000_0000, seg, PERM_R | PERM_W);
    const one = new DataView(assemble([opImm('addi', 10, 0, 1)]).buffer).getInt32(0, true);
    const two = new DataView(assemble([opImm('addi', 10, 0, 2)]).buffer).getInt32(0, true);
    writer.sw(0x2000_0000, one); // the writer's first store: its slow path
    writer.poke(0x2000_0004, assemble([ebreak()]));
    writer.sw(0x2000_0000, one); // again, possibly through its write TLB
    const cpu = new Cpu(runner);
    expect(runAt(cpu, 0x1000_0000, 100).trap.cause).toBe(TrapCause.Breakpoint);
    expect(cpu.x[10]).toBe(1);
    writer.sw(0x2000_0000, two); // the runner's page now has translations
    expect(runAt(cpu, 0x1000_0000, 100).trap.cause).toBe(TrapCause.Breakpoint);
    expect(cpu.x[10]).toBe(2);
  });
});
