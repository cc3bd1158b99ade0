/**
 * Breakpoints and write watchpoints over a replaying machine, without changing it: the
 * machine runs the recorded instructions exactly as in a plain replay (every event is still
 * held to the journal), and the probe observes.
 *
 * The CPU runs translated regions that retire many instructions per call, so nothing between
 * two instructions is visible from outside. The probe therefore takes the CPU's `run` for the
 * duration of one forward run and:
 * - with only breakpoints, lets the translated code run, but keeps every breakpoint's
 *   instruction out of it: the translator fetches each instruction it compiles through
 *   `AddressSpace.fetchPage`, which the probe makes throw a private token for a breakpoint's
 *   pc (before anything of the region runs), so no compiled region contains a breakpoint.
 *   From where that happened the probe steps a few instructions one at a time, comparing each
 *   pc, then drops the code compiled meanwhile on the breakpoints' pages and runs fast again.
 *   Hot code that does not reach a breakpoint keeps its full speed;
 * - with watchpoints, steps every instruction of the watched processes one at a time, so a
 *   load or store the watch sees is attributed to its exact icount and pc; the kernel's
 *   accesses for a process (a `read` filling a buffer, a signal frame, a `write` reading one)
 *   are seen through `writeUser`/`poke`/`readUser`. A watched range on System V shared memory
 *   is watched wherever its pages are: the processes that have its segment attached are stepped
 *   too, and their accesses through their own mappings (at any address) count as accesses to
 *   the watched bytes.
 * A hit may stop the run: the CPU's run returns early as if its budget were spent (a run split
 * anywhere gives the same events), and the between-slices check of `advance` ends it.
 *
 * The methods are replaced on the prototypes for the run's duration only (restored in a
 * `finally`; the run is synchronous) and act only for this machine's CPU and the watched
 * processes' address spaces. This is a stand-in for a debug hook in the CPU, which src/core
 * does not have yet.
 */
import { Cpu, type StopReason } from '../core/cpu.js';
import { AddressSpace, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, type Page } from '../core/memory.js';
import type { AdvanceEnd, ReplayTarget } from './replay-target.js';

export interface WatchRange {
  readonly addr: number;
  readonly len: number;
}

export interface ProbeSpec {
  /** Whether a process's execution and memory are watched at an icount. */
  watches(pid: number, icount: number): boolean;
  readonly breakpoints: ReadonlySet<number>;
  readonly writes: readonly WatchRange[];
  /** Read watchpoints (an access watchpoint is in both lists). */
  readonly reads?: readonly WatchRange[];
  /** A breakpoint at this icount is not a hit (the position a forward run starts from). */
  readonly skipBreakpointAt?: number;
}

export type ProbeHit =
  | { readonly kind: 'breakpoint'; readonly pid: number; readonly icount: number; readonly pc: number }
  | {
      readonly kind: 'write' | 'read'; readonly pid: number;
      /** The instruction: a store's own icount and pc, or for the kernel the ecall the process is in. */
      readonly icount: number; readonly pc: number;
      readonly addr: number; readonly len: number;
      readonly by: 'store' | 'kernel';
      /** The machine's icount when the bytes changed (after the store; during the syscall). */
      readonly at: number;
      /**
       * Set when `pid` reached the watched bytes through shared memory: the watched process whose
       * bytes they are (`addr` is in its address space, not necessarily in `pid`'s).
       */
      readonly watched?: number;
    };

/** A shared memory page under a watch range: the watched process and the page's address there. */
interface SharedAlias {
  readonly pid: number;
  readonly base: number;
}

/** What to do after a hit: stop the run there, or record it and go on. */
export type HitAction = 'stop' | 'continue';

export interface ProbedRun {
  readonly end: AdvanceEnd;
  /** The hit that stopped the run. */
  readonly stoppedBy?: ProbeHit;
}

const BUDGET_SPENT: StopReason = { kind: 'budget' };
/** Thrown by fetchPage when the translator is about to compile a breakpoint's instruction. */
const AT_BREAKPOINT = Symbol('breakpoint in translation');
/** Instructions stepped one at a time from where a translation reached a breakpoint. */
const STEP_SPAN = 32;

const cpuRun = Cpu.prototype.run;
const fetchPage = AddressSpace.prototype.fetchPage;
const proto = AddressSpace.prototype;
const storeMethods = { sw: proto.sw, sh: proto.sh, sb: proto.sb } as const;
const loadMethods = { lw: proto.lw, lh: proto.lh, lhu: proto.lhu, lb: proto.lb, lbu: proto.lbu } as const;
const writeUser = proto.writeUser;
const poke = proto.poke;
const readUser = proto.readUser;

/**
 * Run `target` forward to `maxIcount` under the probes; `onHit` decides for each hit. A run
 * stopped at a breakpoint is at the breakpoint's instruction (not executed); one stopped at a
 * write is just after it.
 */
export function runProbed(target: ReplayTarget, spec: ProbeSpec, maxIcount: number, onHit: (hit: ProbeHit) => HitAction): ProbedRun {
  const machine = target.machine;
  const cpu = machine.cpu;
  const bpPages = [...new Set([...spec.breakpoints].map((pc) => pc >>> PAGE_SHIFT))];
  const reads = spec.reads ?? [];
  const stepAll = spec.writes.length > 0 || reads.length > 0;
  let stoppedBy: ProbeHit | undefined;
  /** The instruction being single-stepped for a watched process. */
  let stepping: { pid: number; icount: number; pc: number } | undefined;
  /** The address space whose translations must not reach a breakpoint, while translated code runs. */
  let armed: AddressSpace | undefined;
  /** A breakpoint's instruction was compiled (into a region or a single step) since the last drop. */
  let compiledBreakpoint = false;
  /** Address spaces whose breakpoint pages were cleared of code compiled before the probe. */
  const prepared = new WeakSet<AddressSpace>();
  const dropBreakpointCode = (mem: AddressSpace) => {
    for (const vpn of bpPages) {
      try {
        fetchPage.call(mem, vpn << PAGE_SHIFT).dropCode();
      } catch {
        // Not mapped executable in this process: nothing compiled there.
      }
    }
  };

  const hit = (h: ProbeHit): boolean => {
    if (stoppedBy) return true;
    if (onHit(h) === 'stop') stoppedBy = h;
    return stoppedBy !== undefined;
  };
  const overlap = (ranges: readonly WatchRange[], a: number, n: number): WatchRange | undefined =>
    ranges.find((w) => a < w.addr + w.len && w.addr < a + n);
  const ownerOf = (mem: AddressSpace): number | undefined => {
    for (const p of machine.kernel.procs.values()) if (p.mem === mem) return p.pid;
    return undefined;
  };
  /**
   * The shared memory pages under a watch range of a watched process, each with where it lies
   * there, and the processes that have one of their segments attached (stepped like watched
   * ones). Found again at each CPU run: attachments change only at system calls, between runs.
   */
  let aliases = new Map<Page, SharedAlias[]>();
  let sharers = new Set<number>();
  const findAliases = (icount: number): void => {
    aliases = new Map();
    sharers = new Set();
    const k = machine.kernel;
    if (k.shm.segments.size === 0) return;
    for (const w of k.procs.values()) {
      if (!spec.watches(w.pid, icount)) continue;
      for (const r of [...spec.writes, ...reads]) {
        const last = ((r.addr + Math.max(1, r.len) - 1) >>> 0) >>> PAGE_SHIFT;
        for (let vpn = r.addr >>> PAGE_SHIFT; vpn <= last; vpn++) {
          const base = (vpn << PAGE_SHIFT) >>> 0;
          const page = w.mem.sharedPageAt(base);
          if (!page) continue;
          const list = aliases.get(page) ?? [];
          if (!list.some((x) => x.pid === w.pid && x.base === base)) list.push({ pid: w.pid, base });
          aliases.set(page, list);
        }
      }
    }
    if (aliases.size === 0) return;
    const segments = new Set<number>();
    for (const [id, seg] of k.shm.segments) if (seg.pages.some((pg) => aliases.has(pg))) segments.add(id);
    for (const [pid, attached] of k.shm.attachments) if (attached.some((x) => segments.has(x.segment))) sharers.add(pid);
  };
  const report = (kind: 'write' | 'read', pid: number, addr: number, len: number, watched: number | undefined): void => {
    const through = watched === undefined ? {} : { watched };
    if (stepping && stepping.pid === pid) {
      hit({ kind, pid, icount: stepping.icount, pc: stepping.pc, addr, len, by: 'store', at: stepping.icount + 1, ...through });
    } else {
      const p = machine.kernel.procs.get(pid);
      // The kernel writes for a process that is in (or has just completed) an ecall.
      hit({ kind, pid, icount: machine.icount - 1, pc: ((p?.pc ?? 4) - 4) >>> 0, addr, len, by: 'kernel', at: machine.icount, ...through });
    }
  };
  const note = (kind: 'write' | 'read', mem: AddressSpace, a: number, n: number): void => {
    const ranges = kind === 'write' ? spec.writes : reads;
    const w = overlap(ranges, a, n);
    if (w) {
      const pid = stepping?.pid ?? ownerOf(mem);
      if (pid !== undefined && spec.watches(pid, machine.icount)) {
        const lo = Math.max(a, w.addr);
        report(kind, pid, lo, Math.min(a + n, w.addr + w.len) - lo, undefined);
        return;
      }
    }
    if (aliases.size === 0) return;
    // Through shared memory: the same page under a watch range of a watched process, at its
    // address there. (The page is looked up first: most accesses are to private pages.)
    for (let at = a; at < a + n; ) {
      const chunk = Math.min(a + n, ((at >>> PAGE_SHIFT) + 1) * PAGE_SIZE) - at;
      const page = mem.sharedPageAt(at);
      const under = page && aliases.get(page);
      if (under) {
        const pid = stepping?.pid ?? ownerOf(mem);
        if (pid === undefined) return;
        const base = ((at >>> PAGE_SHIFT) << PAGE_SHIFT) >>> 0;
        for (const x of under) {
          if (x.pid === pid && x.base === base) continue; // the direct case, above
          const there = x.base + (at & PAGE_MASK);
          const v = overlap(ranges, there, chunk);
          if (!v || !spec.watches(x.pid, machine.icount)) continue;
          const lo = Math.max(there, v.addr);
          report(kind, pid, lo, Math.min(there + chunk, v.addr + v.len) - lo, x.pid);
          return;
        }
      }
      at += chunk;
    }
  };

  function probedRun(this: Cpu, budget: number): StopReason {
    if (this !== cpu) return cpuRun.call(this, budget);
    const p = machine.kernel.current;
    if (!p || (spec.breakpoints.size === 0 && !stepAll)) return cpuRun.call(this, budget);
    const watched = spec.watches(p.pid, this.icount);
    if (stepAll) findAliases(this.icount);
    if (stepAll && !watched && !sharers.has(p.pid)) return cpuRun.call(this, budget);
    // With breakpoints every process runs armed, watched or not: they may share the pages
    // (and so the compiled code) of the watched ones, and must not leave a breakpoint compiled.
    const start = this.icount;
    const left = () => budget - (this.icount - start);
    const stepOne = (): StopReason | undefined => {
      if (watched && spec.breakpoints.has(this.pc) && this.icount !== spec.skipBreakpointAt) {
        if (hit({ kind: 'breakpoint', pid: p.pid, icount: this.icount, pc: this.pc })) return BUDGET_SPENT;
      }
      stepping = { pid: p.pid, icount: this.icount, pc: this.pc };
      const r = cpuRun.call(this, 1);
      stepping = undefined;
      // A trap (an ecall) goes to the kernel; a stop asked by a write takes effect after it.
      if (r.kind === 'trap') return r;
      if (stoppedBy) return BUDGET_SPENT;
      return undefined;
    };
    if (stepAll) {
      while (left() > 0) {
        const r = stepOne();
        if (r) return r;
      }
      return BUDGET_SPENT;
    }
    if (!prepared.has(p.mem)) {
      prepared.add(p.mem);
      dropBreakpointCode(p.mem);
    }
    while (left() > 0) {
      armed = p.mem;
      try {
        return cpuRun.call(this, left());
      } catch (e) {
        if (e !== AT_BREAKPOINT) throw e;
      } finally {
        armed = undefined;
      }
      // The next region would contain a breakpoint: step from its entry, then, if the steps
      // compiled a breakpoint's instruction, drop that code, and go fast again.
      compiledBreakpoint = false;
      let r: StopReason | undefined;
      for (let k = 0; k < STEP_SPAN && left() > 0 && !r; k++) r = stepOne();
      if (compiledBreakpoint) dropBreakpointCode(p.mem);
      if (r) return r;
    }
    return BUDGET_SPENT;
  }

  Cpu.prototype.run = probedRun;
  if (spec.breakpoints.size > 0 && !stepAll) {
    proto.fetchPage = function (this: AddressSpace, addr: number) {
      if (spec.breakpoints.has(addr >>> 0)) {
        if (this === armed) throw AT_BREAKPOINT;
        compiledBreakpoint = true;
      }
      return fetchPage.call(this, addr);
    };
  }
  if (spec.writes.length > 0) {
    proto.sw = function (this: AddressSpace, a: number, v: number) { storeMethods.sw.call(this, a, v); note('write', this, a >>> 0, 4); };
    proto.sh = function (this: AddressSpace, a: number, v: number) { storeMethods.sh.call(this, a, v); note('write', this, a >>> 0, 2); };
    proto.sb = function (this: AddressSpace, a: number, v: number) { storeMethods.sb.call(this, a, v); note('write', this, a >>> 0, 1); };
    proto.writeUser = function (this: AddressSpace, a: number, bytes: Uint8Array) {
      const ok = writeUser.call(this, a, bytes);
      if (ok) note('write', this, a >>> 0, bytes.length);
      return ok;
    };
    proto.poke = function (this: AddressSpace, a: number, bytes: Uint8Array) { poke.call(this, a, bytes); note('write', this, a >>> 0, bytes.length); };
  }
  if (reads.length > 0) {
    // A load that faults reads nothing: note it only once it returned.
    const load = (name: keyof typeof loadMethods, size: number) => function (this: AddressSpace, a: number): number {
      const v = loadMethods[name].call(this, a);
      note('read', this, a >>> 0, size);
      return v;
    };
    proto.lw = load('lw', 4);
    proto.lh = load('lh', 2);
    proto.lhu = load('lhu', 2);
    proto.lb = load('lb', 1);
    proto.lbu = load('lbu', 1);
    proto.readUser = function (this: AddressSpace, a: number, len: number) {
      const r = readUser.call(this, a, len);
      if (r) note('read', this, a >>> 0, len);
      return r;
    };
  }
  if (stepAll) findAliases(machine.icount);
  try {
    const end = target.advance(maxIcount, () => stoppedBy !== undefined);
    return { end, stoppedBy };
  } finally {
    Cpu.prototype.run = cpuRun;
    proto.fetchPage = fetchPage;
    proto.sw = storeMethods.sw;
    proto.sh = storeMethods.sh;
    proto.sb = storeMethods.sb;
    proto.writeUser = writeUser;
    proto.poke = poke;
    Object.assign(proto, loadMethods);
    proto.readUser = readUser;
  }
}
