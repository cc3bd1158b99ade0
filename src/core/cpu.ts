/**
 * The RV32IMAC user-mode hart.
 *
 * Execution translates basic blocks to JavaScript (see translate.ts) and caches them on the
 * page they were decoded from, keyed by the virtual page they were decoded at (translated
 * code holds absolute pcs, and one page can be mapped at several addresses), so a fork child
 * shares its parent's translations until it writes a page, and a store into a page drops that
 * page's translations (self-modifying code). `run(budget)` retires exactly `budget`
 * instructions unless a trap comes first: when a cached block is longer than what is left of
 * the budget, the rest is run one instruction at a time. Every iteration of the run loop
 * retires an instruction or traps.
 *
 * A trap stops `run` with the pc of the trapping instruction, which is not retired; the
 * kernel decides what happens next (for an ecall it calls `completeEcall()`, which retires
 * the ecall and moves past it).
 *
 * A debugger's hook (`setDebugHook`, see cpu-debug.ts) makes `run` stop at breakpoints and step
 * the instructions that make watched accesses; without one, `run` checks for it once per call
 * and the run loop and its translated code are the plain ones.
 */
import { FaultCause, MemoryFault, PAGE_MASK, PAGE_SHIFT, WATCH_TRAP, type AddressSpace, type Page, type PageCode } from './memory.js';
import type { CpuDebugHook } from './cpu-debug.js';
import { translateRegion, translateSingle, type BlockHost, type RegionFn } from './translate.js';
import { hexAddr } from '../protocol/hex.js';
import { StateValue } from './state-check.js';

export const TrapCause = {
  /** An odd pc (set by the kernel: an entry point, a signal handler, a sigreturn frame). */
  InstructionAddressMisaligned: 0,
  InstructionAccessFault: FaultCause.InstructionAccessFault,
  IllegalInstruction: 2,
  Breakpoint: 3,
  LoadAddressMisaligned: FaultCause.LoadAddressMisaligned,
  LoadAccessFault: FaultCause.LoadAccessFault,
  StoreAddressMisaligned: FaultCause.StoreAddressMisaligned,
  StoreAccessFault: FaultCause.StoreAccessFault,
  EcallFromU: 8,
} as const;

export type TrapCauseCode = (typeof TrapCause)[keyof typeof TrapCause];

export const TRAP_NAMES: Record<number, string> = {
  0: 'instruction address misaligned',
  1: 'instruction access fault',
  2: 'illegal instruction',
  3: 'breakpoint',
  4: 'load address misaligned',
  5: 'load access fault',
  6: 'store/AMO address misaligned',
  7: 'store/AMO access fault',
  8: 'environment call',
};

export type StopReason =
  | { readonly kind: 'budget' }
  | { readonly kind: 'trap'; readonly cause: number; readonly pc: number; readonly tval: number };

const BUDGET_SPENT: StopReason = { kind: 'budget' };

/**
 * Under a debug hook, instructions stepped after one that made a watched access, before going
 * back to translated code (a run of them without one). Measured on a watch of a stack's top
 * (a third of the instructions touch it): with 0, a trap per access, the probe took about twice
 * as long as stepping every instruction did; with 32, no longer than that.
 */
const STEP_AFTER_WATCH = 32;

/** User-readable CSRs (Zicntr). */
const CSR_CYCLE = 0xc00, CSR_TIME = 0xc01, CSR_INSTRET = 0xc02;
const CSR_CYCLEH = 0xc80, CSR_TIMEH = 0xc81, CSR_INSTRETH = 0xc82;

export interface CpuState {
  readonly version: 1;
  readonly x: readonly number[];
  readonly pc: number;
  readonly icount: number;
  readonly reservation: number;
}

/**
 * Translated code of one page as seen at one virtual page `vpn`: regions by entry offset, and
 * single instructions for stepping.
 *
 * Generated code holds absolute pcs (case labels, branch targets, auipc results, trap pcs), so
 * it is only valid at the address it was decoded at, while one Page object can be mapped at
 * several: every fresh mapping is the one zero page, shared memory segments can be attached at
 * different addresses, and snapshot restores pool pages of equal content. A page's code is
 * therefore a short list of these, one per virtual page, most recently used first; the common
 * case (a page executed at one address) costs one integer compare per region lookup. We chose
 * this over giving a page its own identity when it is first translated (copying it) because
 * that cannot work for shared memory, whose page must stay one object for writes to be seen,
 * and over position-independent code (pc as base + offset) because that adds arithmetic to
 * every pc in the hot code.
 */
class PageRegions implements PageCode {
  valid = true;
  readonly regions: (RegionFn | undefined)[] = new Array<RegionFn | undefined>((PAGE_MASK + 1) >> 1);
  readonly singles: (RegionFn | undefined)[] = new Array<RegionFn | undefined>((PAGE_MASK + 1) >> 1);
  /** For a breakpoint view (see `Cpu.breakpointRegionAt`): the breakpoints its regions avoid. */
  avoiding = '';
  constructor(
    /** The virtual page; its complement (negative) for the view made to avoid breakpoints. */
    readonly vpn: number,
    /** The same page's code at other virtual pages. */
    public next: PageRegions | undefined,
  ) {}
}

/**
 * How many virtual pages' translations one page keeps. Bounds the list walk and the memory a
 * page mapped at many addresses (the zero page above all, which lives as long as the module)
 * can hold; past it the least recently used address is retranslated when it runs again.
 */
const MAX_VIEWS = 8;

export class Cpu implements BlockHost {
  readonly x = new Int32Array(32);
  pc = 0;
  /** Instructions retired since boot: the machine's clock. */
  icount = 0;
  reservation = -1;
  /** Instructions retired by the last region that returned normally (see BlockHost). */
  n = 0;
  /**
   * Value of the `time` CSR for an instruction at `icount`; the kernel derives it from the
   * virtual clock. Not part of the state: it is wiring, set again after a restore.
   */
  timeAt: (icount: number) => number = (icount) => icount;

  // The trap reported by the last block that stopped early.
  private trapCause = 0;
  private trapPc = 0;
  private trapTval = 0;
  private trapRetired = 0;

  private debug: CpuDebugHook | undefined = undefined;

  constructor(public mem: AddressSpace) {}

  /** Attach a debugger's hook to this CPU (undefined detaches it); see CpuDebugHook. */
  setDebugHook(hook: CpuDebugHook | undefined): void {
    this.debug = hook;
  }

  get debugHook(): CpuDebugHook | undefined {
    return this.debug;
  }

  /** Switch to another address space (a context switch): the LR reservation is lost. */
  setAddressSpace(mem: AddressSpace): void {
    this.mem = mem;
    this.reservation = -1;
  }

  /** Execute until `budget` instructions have retired or a trap occurs. */
  run(budget: number): StopReason {
    if (this.debug !== undefined) return this.runDebug(this.debug, budget);
    return this.runFree(budget);
  }

  /**
   * `run` without a debug hook: the hot loop. runDebug repeats its shape on purpose, with a
   * breakpoint check, stepping and watch traps in every iteration that this loop must not pay.
   */
  private runFree(budget: number): StopReason {
    const x = this.x;
    const m = this.mem;
    let pc = this.pc;
    let left = budget;
    while (left > 0) {
      // With the C extension instructions are 2-byte aligned. Translated code only produces
      // even pcs (jalr clears bit 0, offsets are even), but the kernel sets pcs from guest
      // data (entry point, signal handler, sigreturn frame): trap before fetching anything.
      if ((pc & 1) !== 0) {
        this.pc = pc;
        return this.stopTrap(TrapCause.InstructionAddressMisaligned, pc, pc);
      }
      let next: number;
      try {
        next = this.regionAt(pc)(x, m, this, left, pc);
        if (next >= 0 && this.n === 0) {
          // The region's first block is longer than what is left: finish one instruction at a time.
          next = this.singleAt(pc)(x, m, this, 1, pc);
          // A one-instruction region entered with a budget of 1 retires it or traps, unless
          // the cache handed out code made for another pc: never spin, run freshly made code.
          if (next >= 0 && this.n === 0) next = this.stepFresh(pc);
        }
      } catch (e) {
        this.pc = pc;
        if (e instanceof MemoryFault) return this.stopTrap(e.cause, pc, e.addr);
        throw e;
      }
      if (next < 0) {
        this.icount += this.trapRetired;
        this.pc = this.trapPc;
        return { kind: 'trap', cause: this.trapCause, pc: this.trapPc, tval: this.trapTval };
      }
      this.icount += this.n;
      left -= this.n;
      pc = next;
    }
    this.pc = pc;
    return BUDGET_SPENT;
  }

  /**
   * `run` under a debug hook: the same instructions with the same effects, but stopping at
   * every breakpoint of the run (translated code on their pages avoids them) and stepping every
   * instruction that makes a watched access (the address space traps it first). A run with
   * neither is the plain loop.
   */
  private runDebug(hook: CpuDebugHook, budget: number): StopReason {
    const breakpoints = hook.beginRun();
    const m = this.mem;
    const avoiding = breakpoints !== undefined && breakpoints.size > 0 ? Cpu.breakpointsByPage(breakpoints) : undefined;
    if (avoiding === undefined && m.watch === undefined) return this.runFree(budget);
    const x = this.x;
    let pc = this.pc;
    let left = budget;
    /**
     * Instructions to run one at a time from pc: a breakpoint's, and those from a watched access
     * on (they come in runs, a stack frame's saves and restores, and a trap out of translated
     * code costs more than a step) until STEP_AFTER_WATCH in a row made none.
     */
    let steps = 0;
    /** The icount of the breakpoint reported last: it is stepped, not reported again. */
    let reportedAt = -1;
    m.trapWatched = m.watch !== undefined;
    try {
      while (left > 0) {
        if ((pc & 1) !== 0) {
          this.pc = pc;
          return this.stopTrap(TrapCause.InstructionAddressMisaligned, pc, pc);
        }
        if (avoiding !== undefined && breakpoints!.has(pc) && reportedAt !== this.icount) {
          this.pc = pc;
          reportedAt = this.icount;
          hook.atBreakpoint(pc, this.icount);
          if (hook.stopRequested()) return BUDGET_SPENT;
          steps = Math.max(steps, 1);
        }
        const stepped = steps > 0;
        let next: number;
        try {
          if (stepped) {
            const before = m.watchedAccesses;
            next = this.stepObserved(pc);
            steps = m.watchedAccesses !== before ? STEP_AFTER_WATCH : steps - 1;
          } else {
            next = this.breakpointRegionAt(pc, breakpoints, avoiding)(x, m, this, left, pc);
            if (next >= 0 && this.n === 0) {
              next = this.singleAt(pc)(x, m, this, 1, pc);
              if (next >= 0 && this.n === 0) next = this.stepFresh(pc);
            }
          }
        } catch (e) {
          this.pc = pc;
          if (e instanceof MemoryFault) return this.stopTrap(e.cause, pc, e.addr);
          throw e;
        }
        if (next < 0) {
          this.icount += this.trapRetired;
          left -= this.trapRetired;
          pc = this.trapPc;
          if (this.trapCause === WATCH_TRAP) {
            // A stepped instruction makes its watched accesses: never let the private trap out.
            if (stepped) throw new Error(`CPU: a watched access trapped while stepped at pc ${hexAddr(pc)}`);
            // The instruction at pc is about to make a watched access: step it, and on.
            steps = STEP_AFTER_WATCH;
            continue;
          }
          this.pc = pc;
          return { kind: 'trap', cause: this.trapCause, pc, tval: this.trapTval };
        }
        this.icount += this.n;
        left -= this.n;
        pc = next;
        if (stepped && hook.stopRequested()) break;
      }
    } finally {
      m.trapWatched = false;
    }
    this.pc = pc;
    return BUDGET_SPENT;
  }

  /**
   * Run the one instruction at pc with its watched accesses made and reported (not trapped),
   * as this instruction's: the next pc, or -1 after a trap (as a region returns).
   */
  private stepObserved(pc: number): number {
    const m = this.mem;
    m.trapWatched = false;
    m.stepping = { pc, icount: this.icount };
    try {
      const next = this.singleAt(pc)(this.x, m, this, 1, pc);
      return next >= 0 && this.n === 0 ? this.stepFresh(pc) : next;
    } finally {
      m.stepping = undefined;
      m.trapWatched = m.watch !== undefined;
    }
  }

  /** For each page holding breakpoints, a key naming them (the view of the page that avoids them). */
  private static breakpointsByPage(breakpoints: ReadonlySet<number>): Map<number, string> {
    const offsets = new Map<number, number[]>();
    for (const bp of breakpoints) {
      const vpn = bp >>> PAGE_SHIFT;
      const list = offsets.get(vpn) ?? [];
      list.push(bp & PAGE_MASK);
      offsets.set(vpn, list);
    }
    return new Map([...offsets].map(([vpn, list]) => [vpn, list.sort((a, b) => a - b).join(',')]));
  }

  /**
   * The region entered at pc, made to end before every breakpoint when its page holds any: such
   * regions live in a view of the page of their own (at the complement of the vpn, which no
   * plain view uses), remade when the page's breakpoints change. Other pages' regions are the
   * usual ones, as a region never leaves its page.
   */
  private breakpointRegionAt(pc: number, breakpoints: ReadonlySet<number> | undefined, avoiding: Map<number, string> | undefined): RegionFn {
    const vpn = pc >>> PAGE_SHIFT;
    const key = avoiding?.get(vpn);
    if (key === undefined || breakpoints === undefined) return this.regionAt(pc);
    const page = this.mem.fetchPage(pc);
    const slot = (pc & PAGE_MASK) >> 1;
    let view = Cpu.viewOf(page, ~vpn);
    if (view !== undefined && view.avoiding !== key) {
      view.regions.fill(undefined);
      view.avoiding = key;
    }
    const cached = view?.regions[slot];
    if (cached) return cached;
    const fn = translateRegion(this.mem, pc, breakpoints);
    if (!fn) return this.singleAt(pc);
    view ??= this.codeOf(page, ~vpn);
    view.avoiding = key;
    view.regions[slot] = fn;
    return fn;
  }

  /** Execute one instruction. */
  step(): StopReason {
    return this.run(1);
  }

  /** The kernel has handled the ecall at pc: retire it and continue after it. */
  completeEcall(): void {
    this.pc = (this.pc + 4) >>> 0;
    this.icount++;
  }

  // ---- BlockHost ---------------------------------------------------------------------------

  trap(cause: number, pc: number, tval: number, retired: number): number {
    this.trapCause = cause;
    this.trapPc = pc;
    this.trapTval = tval >>> 0;
    this.trapRetired = retired;
    return -1;
  }

  fault(e: unknown, pc: number, retired: number): number {
    if (!(e instanceof MemoryFault)) throw e;
    return this.trap(e.cause, pc, e.addr, retired);
  }

  csrRead(csr: number, retired: number): number | undefined {
    const now = this.icount + retired;
    switch (csr) {
      case CSR_CYCLE: case CSR_INSTRET: return now | 0;
      case CSR_CYCLEH: case CSR_INSTRETH: return Math.floor(now / 0x1_0000_0000) | 0;
      case CSR_TIME: return this.timeAt(now) | 0;
      case CSR_TIMEH: return Math.floor(this.timeAt(now) / 0x1_0000_0000) | 0;
      default: return undefined;
    }
  }

  // ---- state --------------------------------------------------------------------------------

  getState(): CpuState {
    return { version: 1, x: Array.from(this.x), pc: this.pc, icount: this.icount, reservation: this.reservation };
  }

  /** Restores a saved state after checking every field (a StateError names a bad one). */
  setState(raw: unknown): void {
    const s = StateValue.root(raw, 'cpu');
    s.version(1);
    const x = s.at('x').tuple(32).map((r) => r.word());
    const pc = s.at('pc').u32();
    const icount = s.at('icount').count();
    // -1: no reservation (lr.w has not run or sc.w cleared it).
    const reservation = s.at('reservation').int(-1, 0xffff_ffff);
    this.x.set(x);
    this.x[0] = 0;
    this.pc = pc;
    this.icount = icount;
    this.reservation = reservation;
  }

  // ---- internals ----------------------------------------------------------------------------

  private stopTrap(cause: number, pc: number, tval: number): StopReason {
    return { kind: 'trap', cause, pc, tval: tval >>> 0 };
  }

  /** The code of `page` as seen at virtual page `vpn`, or undefined. */
  private static viewOf(page: Page, vpn: number): PageRegions | undefined {
    const head = page.code as PageRegions | undefined;
    if (head === undefined || head.vpn === vpn) return head;
    return Cpu.findView(page, head, vpn);
  }

  /** The slow part of viewOf (another address than the last one used): move it to the front. */
  private static findView(page: Page, head: PageRegions, vpn: number): PageRegions | undefined {
    for (let prev = head, v = head.next; v !== undefined; prev = v, v = v.next) {
      if (v.vpn === vpn) {
        prev.next = v.next;
        v.next = head;
        page.code = v;
        return v;
      }
    }
    return undefined;
  }

  /** The code of `page` at `vpn`, created on first use. */
  private codeOf(page: Page, vpn: number): PageRegions {
    const found = Cpu.viewOf(page, vpn);
    if (found) return found;
    const head = page.code as PageRegions | undefined;
    // Keep at most MAX_VIEWS virtual pages: cut the least recently used off the end.
    let kept = 1;
    for (let v = head; v !== undefined && v.next !== undefined; v = v.next) {
      if (++kept >= MAX_VIEWS) v.next = undefined;
    }
    const code = new PageRegions(vpn, head);
    page.code = code;
    // Stores to this page must now drop the code. (A page gets code at a second address when
    // this space maps it twice or shares it with another; either way keep it out of the TLB.)
    this.mem.evictFromWriteTlb(page);
    return code;
  }

  /**
   * The translated region entered at pc, translating on a miss. Kept to the cache lookup, the
   * miss in a function of its own, so that V8 inlines it into the run loop within its inlining
   * budget wherever the loop is compiled: a recording's trace (--trace-turbo-inlining) showed the
   * loop inlined into the kernel's slice and the larger body of this left a call per region.
   */
  private regionAt(pc: number): RegionFn {
    const page = this.mem.fetchPage(pc);
    return Cpu.viewOf(page, pc >>> PAGE_SHIFT)?.regions[(pc & PAGE_MASK) >> 1] ?? this.translateAt(page, pc);
  }

  /** regionAt's miss: translate the region at pc and keep it with its page. */
  private translateAt(page: Page, pc: number): RegionFn {
    const fn = translateRegion(this.mem, pc);
    if (!fn) return this.singleAt(pc); // an instruction straddling two pages
    this.codeOf(page, pc >>> PAGE_SHIFT).regions[(pc & PAGE_MASK) >> 1] = fn;
    return fn;
  }

  /** The one instruction at pc as a region, for the tail of a budget. */
  private singleAt(pc: number): RegionFn {
    const page = this.mem.fetchPage(pc);
    const vpn = pc >>> PAGE_SHIFT;
    const slot = (pc & PAGE_MASK) >> 1;
    const cached = Cpu.viewOf(page, vpn)?.singles[slot];
    if (cached) return cached;
    const { fn, cacheable } = translateSingle(this.mem, pc);
    if (cacheable) this.codeOf(page, vpn).singles[slot] = fn;
    return fn;
  }

  /**
   * Run the one instruction at pc, translated now and not cached: the run loop's guarantee of
   * progress should a cached translation ever not match its pc (none should). It retires the
   * instruction or traps; anything else is a host bug, thrown rather than spun on.
   */
  private stepFresh(pc: number): number {
    const next = translateSingle(this.mem, pc).fn(this.x, this.mem, this, 1, pc);
    if (next >= 0 && this.n === 0) throw new Error(`CPU: no progress at pc ${hexAddr(pc)}`);
    return next;
  }
}
