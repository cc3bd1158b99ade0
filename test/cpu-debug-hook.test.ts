/**
 * The CPU's debug hook and the address space's watch, in core terms: a breakpoint inside a hot
 * translated loop is hit at its exact icount on every iteration (even with the loop's plain
 * translation, which runs through the breakpoint, already cached on the page); a watched store
 * through a second mapping of a shared page, and a watched load, are each seen with the exact
 * icount and pc of their instruction; the kernel's accesses are seen as the kernel's; and a hook
 * on one CPU leaves another CPU running in the same process, on the very same pages, alone.
 * Each hooked run is also held to a plain run: the same registers, memory and icount.
 */
import { describe, expect, it } from 'vitest';
import type { CpuDebugHook } from '../src/core/cpu-debug.js';
import { Cpu, TrapCause, type StopReason } from '../src/core/cpu.js';
import { AddressSpace, PAGE_SIZE, PERM_R, PERM_W, PERM_X, SharedSegment, type AccessKind, type InstructionRef, type MemoryWatch, type WatchRange } from '../src/core/memory.js';
import { amo, assemble, branch, ebreak, li, load, opImm, store, type Insn } from './support/rv-encode.js';

const CODE = 0x10000;
const RX = PERM_R | PERM_X;
const RW = PERM_R | PERM_W;

/** The pc of each instruction of `insns` placed at `base`. */
function pcsOf(insns: readonly Insn[], base: number): number[] {
  const out: number[] = [];
  let at = base;
  for (const i of insns) {
    out.push(at);
    at += i.size;
  }
  return out;
}

function spaceWith(insns: readonly Insn[]): AddressSpace {
  const mem = new AddressSpace();
  mem.map(CODE, PAGE_SIZE, RX);
  mem.poke(CODE, assemble(insns));
  return mem;
}

/** Run from CODE in runs of `budget` until the program's ebreak; every run's end. */
function runToEbreak(cpu: Cpu, budget: number): StopReason[] {
  cpu.pc = CODE;
  const stops: StopReason[] = [];
  for (let i = 0; i < 100_000; i++) {
    const s = cpu.run(budget);
    stops.push(s);
    if (s.kind === 'trap') {
      expect(s.cause).toBe(TrapCause.Breakpoint);
      return stops;
    }
  }
  throw new Error('no ebreak after 100000 runs');
}

const ITERATIONS = 1000;
// x11 counts to ITERATIONS; x13 += 3 each time; the breakpoint is the xori in the middle of the body.
const loop: Insn[] = [
  opImm('addi', 11, 0, 0),
  ...li(12, ITERATIONS),
  opImm('addi', 11, 11, 1), // the loop: 4 instructions
  opImm('addi', 13, 13, 3),
  opImm('xori', 14, 13, 5), // the breakpoint
  branch('bne', 11, 12, -12),
  ebreak(),
];
const LOOP_PCS = pcsOf(loop, CODE);
const BREAKPOINT = LOOP_PCS[4]!;
const BEFORE_LOOP = 2; // the two addi
const BODY = 4;
/** The icount of the breakpoint in iteration k (0-based), from a start at icount 0. */
const bpIcount = (k: number) => BEFORE_LOOP + BODY * k + 2;

interface BpHit {
  pc: number;
  icount: number;
  counter: number;
}

/** A hook with fixed breakpoints that records every hit (with the loop counter then) and stops at the hits listed. */
function breakpointHook(cpu: Cpu, breakpoints: ReadonlySet<number>, stopAtHits: ReadonlySet<number> = new Set()): CpuDebugHook & { hits: BpHit[] } {
  const hits: BpHit[] = [];
  let stop = false;
  return {
    hits,
    beginRun: () => {
      stop = false;
      return breakpoints;
    },
    atBreakpoint: (pc, icount) => {
      hits.push({ pc, icount, counter: cpu.x[11]! });
      stop = stopAtHits.has(hits.length);
    },
    stopRequested: () => stop,
  };
}

describe('breakpoints through the CPU debug hook', () => {
  it('a breakpoint inside a hot translated loop is hit at the exact icount on every iteration', () => {
    const mem = spaceWith(loop);
    const cpu = new Cpu(mem);
    // Warm: the loop's plain translation, which runs straight through the breakpoint, is cached.
    runToEbreak(cpu, 1_000_000);
    const reference = { x: Array.from(cpu.x), icount: cpu.icount, pc: cpu.pc };

    cpu.x.fill(0);
    cpu.icount = 0;
    const hook = breakpointHook(cpu, new Set([BREAKPOINT]));
    cpu.setDebugHook(hook);
    // Runs of 1000 end exactly at a breakpoint now and then (icount 1000 is iteration 249's):
    // it is reported once, by the run that starts there.
    runToEbreak(cpu, 1000);
    cpu.setDebugHook(undefined);

    expect(hook.hits).toHaveLength(ITERATIONS);
    hook.hits.forEach((h, k) => expect(h).toEqual({ pc: BREAKPOINT, icount: bpIcount(k), counter: k + 1 }));
    expect({ x: Array.from(cpu.x), icount: cpu.icount, pc: cpu.pc }).toEqual(reference);
  });

  it('stops a run at a breakpoint as if its budget were spent, before the instruction, and goes on from there', () => {
    const mem = spaceWith(loop);
    const cpu = new Cpu(mem);
    runToEbreak(cpu, 1_000_000);
    const reference = { x: Array.from(cpu.x), icount: cpu.icount };
    cpu.x.fill(0);
    cpu.icount = 0;

    // Stop at the third hit; the run that resumes there reports that breakpoint again first (hit 4).
    const hook = breakpointHook(cpu, new Set([BREAKPOINT]), new Set([3]));
    cpu.setDebugHook(hook);
    cpu.pc = CODE;
    expect(cpu.run(1_000_000)).toEqual({ kind: 'budget' });
    expect({ pc: cpu.pc, icount: cpu.icount, x14: cpu.x[14] }).toEqual({ pc: BREAKPOINT, icount: bpIcount(2), x14: 6 ^ 5 } /* set by iteration 1's xori */);
    const s = cpu.run(1_000_000);
    expect(s).toMatchObject({ kind: 'trap', cause: TrapCause.Breakpoint });
    expect(hook.hits[3]).toEqual({ pc: BREAKPOINT, icount: bpIcount(2), counter: 3 });
    expect(hook.hits).toHaveLength(ITERATIONS + 1);
    expect({ x: Array.from(cpu.x), icount: cpu.icount }).toEqual(reference);
  });

  it("a hook on one CPU leaves another CPU, running the same pages in the same process at the same time, alone", () => {
    // A's space and B's share every page (a fork's clone), and so the translations cached on them.
    const memA = spaceWith(loop);
    const memB = memA.clone();
    const a = new Cpu(memA);
    const b = new Cpu(memB);
    const hook = breakpointHook(a, new Set([BREAKPOINT]));
    a.setDebugHook(hook);
    // The reference for B: a third CPU alone, on its own pages, with the same runs.
    const alone = new Cpu(spaceWith(loop));
    for (const c of [a, b, alone]) c.pc = CODE;
    const budgets = [7, 1000, 13, 4096, 1, 333];
    let doneA = false;
    let doneB = false;
    for (let i = 0; i < 100_000 && !(doneA && doneB); i++) {
      const budget = budgets[i % budgets.length]!;
      // B first on odd turns, A first on even ones: each warms the cache the other uses next.
      const order = i % 2 === 0 ? ['a', 'b'] : ['b', 'a'];
      for (const who of order) {
        if (who === 'a' && !doneA) doneA = a.run(budget).kind === 'trap';
        if (who === 'b' && !doneB) {
          const s = b.run(budget);
          expect(s).toEqual(alone.run(budget));
          expect({ x: Array.from(b.x), pc: b.pc, icount: b.icount }).toEqual({ x: Array.from(alone.x), pc: alone.pc, icount: alone.icount });
          doneB = s.kind === 'trap';
        }
      }
    }
    expect(doneA && doneB).toBe(true);
    expect(hook.hits).toHaveLength(ITERATIONS);
    hook.hits.forEach((h, k) => expect(h).toEqual({ pc: BREAKPOINT, icount: bpIcount(k), counter: k + 1 }));
    expect(b.debugHook).toBeUndefined();
  });

  it('follows the breakpoints as they change between runs (the page is translated again)', () => {
    const mem = spaceWith(loop);
    const cpu = new Cpu(mem);
    let breakpoints = new Set([BREAKPOINT]);
    const hits: number[] = [];
    cpu.setDebugHook({ beginRun: () => breakpoints, atBreakpoint: (pc) => hits.push(pc), stopRequested: () => false });
    cpu.pc = CODE;
    cpu.run(bpIcount(9) + 1); // through the 10th hit
    expect(hits).toEqual(new Array(10).fill(BREAKPOINT));
    breakpoints = new Set([LOOP_PCS[5]!]); // the bne instead
    hits.length = 0;
    cpu.run(BODY * 10);
    expect(hits).toEqual(new Array(10).fill(LOOP_PCS[5]!));
  });
});

interface Seen {
  kind: AccessKind;
  addr: number;
  len: number;
  by: InstructionRef | undefined;
}

function recordingWatch(writes: WatchRange[], reads: WatchRange[], onAccess?: (s: Seen) => void): MemoryWatch & { seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    writes,
    reads,
    seen,
    accessed: (_space, kind, addr, len, by) => {
      const s = { kind, addr, len, by: by && { pc: by.pc, icount: by.icount } };
      seen.push(s);
      onAccess?.(s);
    },
  };
}

/** A hook with no breakpoints: the CPU steps watched accesses and never stops. */
const watchOnly: CpuDebugHook = { beginRun: () => undefined, atBreakpoint: () => undefined, stopRequested: () => false };

describe('watched accesses through the CPU debug hook', () => {
  const SHARED_A = 0x40000; // where the watched process has the segment
  const SHARED_B = 0x50000; // where the other process has it
  const PRIVATE = 0x60000;
  const N = 200;
  // In a hot loop: store the counter through the second mapping, store it to a private word,
  // load the private word back, and an atomic add on the private word's neighbour.
  const program: Insn[] = [
    ...li(10, SHARED_B),
    ...li(20, PRIVATE),
    opImm('addi', 11, 0, 0),
    opImm('addi', 12, 0, N),
    opImm('addi', 16, 0, 1),
    opImm('addi', 11, 11, 1), // the loop
    store('sw', 11, 10, 8), // shared, through the second mapping
    store('sw', 11, 20, 0), // private
    load('lw', 15, 20, 0), // private
    amo('amoadd', 17, 16, 20), // private word again: a read and a write
    opImm('addi', 13, 13, 7),
    branch('bne', 11, 12, -24),
    ebreak(),
  ];
  const pcs = pcsOf(program, CODE);
  const LOOP = 5; // index of the loop's first instruction
  const BEFORE = 5; // instructions before it (li 0x50000 and 0x60000 are one lui each)

  function twoSpaces(): { p: AddressSpace; q: AddressSpace } {
    const seg = new SharedSegment(PAGE_SIZE);
    const p = new AddressSpace();
    p.attachShared(SHARED_A, seg, RW);
    const q = spaceWith(program);
    q.attachShared(SHARED_B, seg, RW);
    q.map(PRIVATE, PAGE_SIZE, RW);
    return { p, q };
  }

  it('sees every watched store through a second mapping of a shared page, and every watched load, at its exact icount and pc', () => {
    expect(pcs.slice(0, LOOP)).toHaveLength(BEFORE);
    // The reference: the plain run.
    const plain = twoSpaces();
    const ref = new Cpu(plain.q);
    runToEbreak(ref, 1_000_000);

    const { p, q } = twoSpaces();
    const cpu = new Cpu(q);
    runToEbreak(cpu, 50); // warm the translations and the TLBs
    cpu.x.fill(0);
    cpu.icount = 0;
    q.poke(PRIVATE, new Uint8Array(8));
    q.poke(SHARED_B, new Uint8Array(16));
    // The other process's view of the word, as each store to it is reported.
    const throughA: number[] = [];
    // What the probe sets for a process with a watched shared page: the whole page where this one has it.
    const watch = recordingWatch(
      [{ addr: SHARED_B, len: PAGE_SIZE }, { addr: PRIVATE, len: 4 }],
      [{ addr: PRIVATE, len: 4 }],
      (s) => {
        if (s.addr === SHARED_B + 8) throughA.push(new DataView(p.peek(SHARED_A + 8, 4)!.buffer).getUint32(0, true));
      },
    );
    q.setWatch(watch);
    cpu.setDebugHook(watchOnly);
    runToEbreak(cpu, 97);
    cpu.setDebugHook(undefined);
    q.setWatch(undefined);

    const expected: Seen[] = [];
    for (let k = 0; k < N; k++) {
      const at = (i: number) => ({ pc: pcs[LOOP + i]!, icount: BEFORE + 7 * k + i });
      expected.push({ kind: 'write', addr: SHARED_B + 8, len: 4, by: at(1) });
      expected.push({ kind: 'write', addr: PRIVATE, len: 4, by: at(2) });
      expected.push({ kind: 'read', addr: PRIVATE, len: 4, by: at(3) });
      // The amoadd at PRIVATE: its read of the old value, then its write (the neighbour word is unwatched).
      expected.push({ kind: 'read', addr: PRIVATE, len: 4, by: at(4) });
      expected.push({ kind: 'write', addr: PRIVATE, len: 4, by: at(4) });
    }
    expect(watch.seen).toEqual(expected);
    expect(throughA).toEqual(Array.from({ length: N }, (_, k) => k + 1));
    // The machine under the watch did exactly what the plain one did.
    expect({ x: Array.from(cpu.x), icount: cpu.icount, pc: cpu.pc }).toEqual({ x: Array.from(ref.x), icount: ref.icount, pc: ref.pc });
    expect(q.peek(PRIVATE, 8)).toEqual(plain.q.peek(PRIVATE, 8));
    expect(p.peek(SHARED_A, 16)).toEqual(plain.p.peek(SHARED_A, 16));
  });

  it('stops at a breakpoint met while stepping after a watched access, and at one a watched instruction sits on', () => {
    const { q } = twoSpaces();
    const cpu = new Cpu(q);
    // The lw right after the watched private store (stepped then), and the watched amoadd itself.
    const breakpoints = new Set([pcs[LOOP + 3]!, pcs[LOOP + 4]!]);
    const hits: { pc: number; icount: number }[] = [];
    cpu.setDebugHook({ beginRun: () => breakpoints, atBreakpoint: (pc, icount) => hits.push({ pc, icount }), stopRequested: () => false });
    const watch = recordingWatch([{ addr: PRIVATE, len: 4 }], []);
    q.setWatch(watch);
    runToEbreak(cpu, 1_000_000);
    const expected: { pc: number; icount: number }[] = [];
    for (let k = 0; k < N; k++) {
      expected.push({ pc: pcs[LOOP + 3]!, icount: BEFORE + 7 * k + 3 });
      expected.push({ pc: pcs[LOOP + 4]!, icount: BEFORE + 7 * k + 4 });
    }
    expect(hits).toEqual(expected);
    // The sw and the amoadd of each iteration, the amoadd's reported as its own though a breakpoint is on it.
    expect(watch.seen.map((s) => s.by?.pc)).toEqual(Array.from({ length: 2 * N }, (_, i) => pcs[LOOP + (i % 2 === 0 ? 2 : 4)]));
  });

  it("sees the kernel's accesses (writeUser, poke, readUser) with no instruction, and only those overlapping a range", () => {
    const { q } = twoSpaces();
    const watch = recordingWatch([{ addr: PRIVATE + 100, len: 4 }], [{ addr: PRIVATE + 200, len: 1 }]);
    q.setWatch(watch);
    expect(q.writeUser(PRIVATE + 96, new Uint8Array(8).fill(1))).toBe(true);
    q.poke(PRIVATE + 102, new Uint8Array([9]));
    expect(q.writeUser(PRIVATE + 0, new Uint8Array(4))).toBe(true); // elsewhere: not seen
    expect(q.readUser(PRIVATE + 190, 20)).not.toBeNull();
    expect(q.readUser(PRIVATE + 0, 20)).not.toBeNull(); // elsewhere
    expect(watch.seen).toEqual([
      { kind: 'write', addr: PRIVATE + 96, len: 8, by: undefined },
      { kind: 'write', addr: PRIVATE + 102, len: 1, by: undefined },
      { kind: 'read', addr: PRIVATE + 190, len: 20, by: undefined },
    ]);
    q.setWatch(undefined);
    q.writeUser(PRIVATE + 100, new Uint8Array(4));
    expect(watch.seen).toHaveLength(3);
  });

  it('a watch on one address space is not seen by another running at the same time', () => {
    const { q } = twoSpaces();
    const other = twoSpaces().q;
    const watch = recordingWatch([{ addr: PRIVATE, len: 4 }], []);
    q.setWatch(watch);
    const hooked = new Cpu(q);
    hooked.setDebugHook(watchOnly);
    const plain = new Cpu(other);
    hooked.pc = CODE;
    plain.pc = CODE;
    for (let i = 0; i < 1000; i++) {
      const a = hooked.run(31);
      const b = plain.run(31);
      expect(a).toEqual(b);
      if (a.kind === 'trap') break;
    }
    expect(watch.seen.filter((s) => s.kind === 'write')).toHaveLength(2 * N); // the sw and the amoadd of each iteration
    expect(other.watch).toBeUndefined();
    expect(q.peek(PRIVATE, 8)).toEqual(other.peek(PRIVATE, 8));
  });
});
