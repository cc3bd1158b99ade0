/**
 * Breakpoints and read/write watchpoints over a replaying machine, without changing it: the
 * machine runs the recorded instructions exactly as in a plain replay (every event is still
 * held to the journal), and the probe observes, through the debug hooks of src/core attached
 * for the duration of one forward run and to this machine alone:
 * - the CPU's (CpuDebugHook): at each CPU run, the breakpoints of the process about to run
 *   when it is watched. The CPU keeps them out of translated code and stops at each before it
 *   executes, so hot code away from them keeps its full speed;
 * - the address spaces' (MemoryWatch): the watched processes' spaces watch the watched ranges,
 *   so their loads and stores are seen with the exact icount and pc of the instruction (the CPU
 *   steps just the instructions that touch a watched page), and the kernel's accesses for a
 *   process (a `read` filling a buffer, a signal frame, a `write` reading one) as the kernel's.
 *   A watched range on System V shared memory is watched wherever its pages are: the processes
 *   that have its segment attached watch the pages where they have them, and their accesses
 *   through their own mappings (at any address) count as accesses to the watched bytes.
 * A hit may stop the run: the CPU's run returns early as if its budget were spent (a run split
 * anywhere gives the same events), and the between-slices check of `advance` ends it.
 */
import type { CpuDebugHook } from '../core/cpu-debug.js';
import { PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, type AccessKind, type AddressSpace, type InstructionRef, type MemoryWatch, type Page, type WatchRange } from '../core/memory.js';
import type { AdvanceEnd, ReplayTarget } from './replay-target.js';

export type { WatchRange } from '../core/memory.js';

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

/**
 * Run `target` forward to `maxIcount` under the probes; `onHit` decides for each hit. A run
 * stopped at a breakpoint is at the breakpoint's instruction (not executed); one stopped at a
 * write is just after it.
 */
export function runProbed(target: ReplayTarget, spec: ProbeSpec, maxIcount: number, onHit: (hit: ProbeHit) => HitAction): ProbedRun {
  const machine = target.machine;
  const cpu = machine.cpu;
  if (cpu.debugHook !== undefined) throw new Error('this machine is already under a probe (runProbed is not re-entrant on one machine)');
  const reads = spec.reads ?? [];
  const watching = spec.writes.length > 0 || reads.length > 0;
  let stoppedBy: ProbeHit | undefined;

  const hit = (h: ProbeHit): void => {
    if (stoppedBy) return;
    if (onHit(h) === 'stop') stoppedBy = h;
  };
  const overlap = (ranges: readonly WatchRange[], a: number, n: number): WatchRange | undefined =>
    ranges.find((w) => a < w.addr + w.len && w.addr < a + n);
  const ownerOf = (mem: AddressSpace): number | undefined => {
    for (const p of machine.kernel.procs.values()) if (p.mem === mem) return p.pid;
    return undefined;
  };
  /**
   * The shared memory pages under a watch range of a watched process, each with where it lies
   * there, and the processes that have one of their segments attached. Found again at each CPU
   * run: attachments change only at system calls, between runs.
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
  const report = (kind: AccessKind, pid: number, addr: number, len: number, watched: number | undefined, by: InstructionRef | undefined): void => {
    const through = watched === undefined ? {} : { watched };
    if (by) {
      hit({ kind, pid, icount: by.icount, pc: by.pc, addr, len, by: 'store', at: by.icount + 1, ...through });
    } else {
      const p = machine.kernel.procs.get(pid);
      // The kernel writes for a process that is in (or has just completed) an ecall.
      hit({ kind, pid, icount: machine.icount - 1, pc: ((p?.pc ?? 4) - 4) >>> 0, addr, len, by: 'kernel', at: machine.icount, ...through });
    }
  };
  /** A watched access in `mem`: by the instruction `by` of the running process, or by the kernel. */
  const note = (mem: AddressSpace, kind: AccessKind, a: number, n: number, by: InstructionRef | undefined): void => {
    const ranges = kind === 'write' ? spec.writes : reads;
    const pid = by ? machine.kernel.current?.pid : ownerOf(mem);
    if (pid === undefined) return;
    const w = overlap(ranges, a, n);
    if (w && spec.watches(pid, machine.icount)) {
      const lo = Math.max(a, w.addr);
      report(kind, pid, lo, Math.min(a + n, w.addr + w.len) - lo, undefined, by);
      return;
    }
    if (aliases.size === 0) return;
    // Through shared memory: the same page under a watch range of a watched process, at its
    // address there.
    for (let at = a; at < a + n; ) {
      const chunk = Math.min(a + n, ((at >>> PAGE_SHIFT) + 1) * PAGE_SIZE) - at;
      const page = mem.sharedPageAt(at);
      const under = page && aliases.get(page);
      if (under) {
        const base = ((at >>> PAGE_SHIFT) << PAGE_SHIFT) >>> 0;
        for (const x of under) {
          if (x.pid === pid && x.base === base) continue; // the direct case, above
          const there = x.base + (at & PAGE_MASK);
          const v = overlap(ranges, there, chunk);
          if (!v || !spec.watches(x.pid, machine.icount)) continue;
          const lo = Math.max(there, v.addr);
          report(kind, pid, lo, Math.min(there + chunk, v.addr + v.len) - lo, x.pid, by);
          return;
        }
      }
      at += chunk;
    }
  };

  /** The address spaces watching, with a key of the ranges each watches. */
  const installed = new Map<AddressSpace, string>();
  /**
   * Set each process's watch: the watched ranges for a watched process, and for a process with
   * an aliased shared page attached, that whole page where it has it (`note` picks the bytes).
   */
  const refreshWatches = (icount: number): void => {
    findAliases(icount);
    const k = machine.kernel;
    const wanted = new Map<AddressSpace, { writes: WatchRange[]; reads: WatchRange[] }>();
    for (const p of k.procs.values()) {
      const writes: WatchRange[] = [];
      const rs: WatchRange[] = [];
      if (spec.watches(p.pid, icount)) {
        writes.push(...spec.writes);
        rs.push(...reads);
      }
      if (sharers.has(p.pid)) {
        for (const at of k.shm.attachments.get(p.pid) ?? []) {
          const seg = k.shm.segments.get(at.segment);
          seg?.pages.forEach((page, i) => {
            if (!aliases.has(page)) return;
            const whole = { addr: (at.addr + i * PAGE_SIZE) >>> 0, len: PAGE_SIZE };
            if (spec.writes.length > 0) writes.push(whole);
            if (reads.length > 0) rs.push(whole);
          });
        }
      }
      if (writes.length > 0 || rs.length > 0) wanted.set(p.mem, { writes, reads: rs });
    }
    for (const mem of installed.keys()) {
      if (wanted.has(mem)) continue;
      mem.setWatch(undefined);
      installed.delete(mem);
    }
    for (const [mem, ranges] of wanted) {
      const key = JSON.stringify(ranges);
      if (installed.get(mem) === key) continue;
      const watch: MemoryWatch = { ...ranges, accessed: note };
      mem.setWatch(watch);
      installed.set(mem, key);
    }
  };

  const hook: CpuDebugHook = {
    beginRun() {
      if (watching) refreshWatches(cpu.icount);
      const p = machine.kernel.current;
      if (!p || spec.breakpoints.size === 0 || !spec.watches(p.pid, cpu.icount)) return undefined;
      return spec.breakpoints;
    },
    atBreakpoint(pc, icount) {
      const p = machine.kernel.current;
      if (p && icount !== spec.skipBreakpointAt) hit({ kind: 'breakpoint', pid: p.pid, icount, pc });
    },
    stopRequested: () => stoppedBy !== undefined,
  };

  cpu.setDebugHook(hook);
  try {
    // The kernel may touch watched bytes before the first CPU run (an input delivered to a reader).
    if (watching) refreshWatches(machine.icount);
    const end = target.advance(maxIcount, () => stoppedBy !== undefined);
    return { end, stoppedBy };
  } finally {
    cpu.setDebugHook(undefined);
    for (const mem of installed.keys()) mem.setWatch(undefined);
  }
}
