/**
 * Reverse and forward execution of a recorded timeline, as a debugger sees it: threads are
 * guest processes (the followed one and its descendants), a position is an icount at which a
 * thread is about to run its next instruction, and stepping and continuing move that position
 * either way. gdb's remote protocol (rsp-server.ts) is one face of it; tests drive it directly.
 *
 * Reverse semantics per thread, as rr's: reverse-stepi goes to the previous instruction that
 * thread retired (far back in icount when others ran in between); reverse-continue scans
 * backwards one snapshot interval at a time (restore, run forward recording every breakpoint
 * hit and watched write, keep the last one before the position) and goes there.
 */
import type { Machine } from '../core/machine.js';
import type { BranchId } from '../journal/ids.js';
import type { JournalStore } from '../journal/store.js';
import { backtrace, type StackFrame } from '../symbols/backtrace.js';
import type { SymbolTable } from '../symbols/elf-symbols.js';
import type { DebugFiles } from '../symbols/debug-files.js';
import { readGuestElf, SymbolCache } from '../symbols/guest-images.js';
import { recordingDebugFiles } from '../timeline/recording-debug-files.js';
import type { ProbeHit, ProbeSpec, WatchRange } from './execution-probe.js';
import { firstHitFrom, lastHitBefore } from './scan-back.js';
import { ProcessHistory } from './process-history.js';
import { openReplayTarget, type ReplayTarget } from './replay-target.js';

export type StopReason =
  /** A step or a seek ended normally. */
  | { readonly kind: 'step'; readonly pid: number }
  | { readonly kind: 'breakpoint'; readonly pid: number; readonly pc: number }
  | { readonly kind: 'watch'; readonly pid: number; readonly addr: number; readonly access: WatchKind }
  /** The beginning or the end of the recorded history (or of the followed process's life). */
  | { readonly kind: 'history-begin' | 'history-end'; readonly pid: number };

export type WatchKind = 'write' | 'read' | 'access';

export interface Watchpoint extends WatchRange {
  readonly kind: WatchKind;
}

export interface DebugSessionOptions {
  readonly branch: BranchId;
  /** The process to follow (default: the last program started in the recording). */
  readonly pid?: number;
}

/** How much further back each try looks for a thread's previous instruction (1, 64, 4096... instructions). */
const BACKOFF = 64;

export class DebugSession {
  readonly target: ReplayTarget;
  readonly history: ProcessHistory;
  readonly pid: number;
  /** The followed process and its descendants: the threads gdb sees. */
  readonly family: ReadonlySet<number>;
  /** The first position of the followed process's history (just after its exec, or its fork). */
  readonly beginIcount: number;
  /** The last position: the end of the recording, or just before the followed process's exit. */
  readonly endIcount: number;
  readonly breakpoints = new Set<number>();
  readonly watchpoints: Watchpoint[] = [];
  private readonly symbols: SymbolCache;
  /** The recording's debug files: the full ELFs of the stripped programs that ran. */
  private readonly debugFiles: DebugFiles;

  constructor(store: JournalStore, opts: DebugSessionOptions) {
    this.debugFiles = recordingDebugFiles(store);
    this.symbols = new SymbolCache(this.debugFiles);
    this.history = new ProcessHistory(store, opts.branch);
    const pid = opts.pid ?? this.history.lastExeced();
    if (pid === undefined) throw new Error('the recording runs no user program to debug (no exec event); name one with --pid');
    const life = this.history.get(pid);
    if (!life) throw new Error(`process ${pid} does not appear in the recording (pids: ${this.history.pids().join(', ')})`);
    this.pid = pid;
    this.family = this.history.family(pid);
    this.target = openReplayTarget(store, opts.branch);
    const lastExec = life.execs[life.execs.length - 1];
    this.beginIcount = Math.max(this.target.firstIcount, lastExec?.icount ?? life.forkedAt ?? this.target.firstIcount);
    this.endIcount = Math.min(this.target.lastIcount, life.exitedAt !== undefined ? life.exitedAt - 1 : Number.MAX_SAFE_INTEGER);
    this.target.seek(this.beginIcount);
    this.toThread(pid, this.endIcount);
  }

  get icount(): number {
    return this.target.icount;
  }
  get seq(): number {
    return this.target.seq;
  }
  get machine(): Machine {
    return this.target.machine;
  }

  /** The family's processes alive at the position. */
  threads(): number[] {
    const out: number[] = [];
    for (const pid of [...this.family].sort((a, b) => a - b)) {
      const p = this.machine.kernel.procs.get(pid);
      if (p && p.state !== 'zombie') out.push(pid);
    }
    return out;
  }

  /** Registers x0..x31 and pc of a thread (undefined if it is not alive here). */
  registers(pid: number): { x: readonly number[]; pc: number } | undefined {
    const p = this.machine.kernel.procs.get(pid);
    if (!p || p.state === 'zombie') return undefined;
    return { x: Array.from(p.regs, (v) => v >>> 0), pc: p.pc >>> 0 };
  }

  /** Bytes of a thread's memory; undefined where any is unmapped. */
  readMemory(pid: number, addr: number, len: number): Uint8Array | undefined {
    const p = this.machine.kernel.procs.get(pid);
    return p?.mem.peek(addr >>> 0, len);
  }

  /** Instructions a thread has retired at the position. */
  retired(pid: number): number | undefined {
    return this.machine.kernel.procs.get(pid)?.icount;
  }

  symbolsOf(pid: number): SymbolTable {
    const path = this.history.imagePathAt(pid, this.icount) ?? '';
    return this.symbols.forPath(this.machine, path);
  }

  /**
   * A file of the recording's filesystem at the position (the images gdb loads): for a stripped
   * program the recording holds a debug file for, that full ELF instead (the same loaded bytes,
   * with its DWARF), so gdb shows source lines and variables.
   */
  readGuestFile(path: string): Uint8Array | undefined {
    return readGuestElf(this.machine, path, this.debugFiles);
  }

  imagePath(pid: number): string | undefined {
    return this.history.imagePathAt(pid, this.icount);
  }

  backtrace(pid: number): StackFrame[] {
    const regs = this.registers(pid);
    if (!regs) return [];
    const read = (a: number) => {
      const b = this.readMemory(pid, a, 4);
      return b ? (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0 : undefined;
    };
    return backtrace(regs.pc, regs.x, read, this.symbolsOf(pid));
  }

  // ---- moving ----------------------------------------------------------------------------------

  /** Go to an icount (within the history), stopping where `pid` is about to run if it can. */
  goto(icount: number, pid = this.pid): StopReason {
    const t = Math.max(this.beginIcount, Math.min(icount, this.endIcount));
    this.target.seek(t);
    return { kind: t === this.beginIcount && icount <= t ? 'history-begin' : t === this.endIcount && icount >= t ? 'history-end' : 'step', pid };
  }

  /** One instruction of `pid` forward. */
  stepi(pid: number): StopReason {
    const n = this.retired(pid);
    if (n === undefined) return { kind: 'history-end', pid };
    if (this.icount >= this.endIcount) return { kind: 'history-end', pid };
    return this.runToRetired(pid, n + 1, this.endIcount) ? { kind: 'step', pid } : { kind: 'history-end', pid };
  }

  /** Back to the previous instruction `pid` retired. */
  reverseStepi(pid: number): StopReason {
    const n = this.retired(pid);
    if (n === undefined || this.icount <= this.beginIcount) return this.atBegin(pid);
    const from = this.icount;
    for (let back = 1; ; back *= BACKOFF) {
      const at = Math.max(this.beginIcount, from - back);
      this.target.seek(at);
      // A child not forked yet at `at` has retired nothing there.
      const m = this.retired(pid) ?? 0;
      if (m <= n - 1) {
        if (this.runToRetired(pid, n - 1, from)) return { kind: 'step', pid };
        break;
      }
      if (at === this.beginIcount) break;
    }
    return this.atBegin(pid);
  }

  /** Forward to the next breakpoint hit or watched write of the family, or the end. */
  continueForward(): StopReason {
    if (this.icount >= this.endIcount) return { kind: 'history-end', pid: this.pid };
    const start = this.icount;
    const hit = firstHitFrom(this.target, this.probeSpec(start), this.endIcount);
    if (hit) return this.stopOf(hit);
    return { kind: 'history-end', pid: this.pid };
  }

  /** Back to the latest breakpoint hit or watched write before the position, or the beginning. */
  reverseContinue(): StopReason {
    const from = this.icount;
    const hit = lastHitBefore(this.target, this.probeSpec(undefined), from, this.beginIcount);
    if (!hit) return this.atBegin(this.pid);
    // A watchpoint is reported just after the access, as hardware reports it going forward:
    // gdb then steps back over the instruction itself, and shows the state before it.
    this.target.seek(hit.kind === 'breakpoint' ? hit.icount : hit.at);
    return this.stopOf(hit);
  }

  // ---- internals -------------------------------------------------------------------------------

  private probeSpec(skipAt: number | undefined): ProbeSpec {
    return {
      watches: (pid: number) => this.family.has(pid),
      breakpoints: this.breakpoints,
      writes: this.watchpoints.filter((w) => w.kind !== 'read'),
      reads: this.watchpoints.filter((w) => w.kind !== 'write'),
      skipBreakpointAt: skipAt,
    };
  }

  private stopOf(h: ProbeHit): StopReason {
    if (h.kind === 'breakpoint') return { kind: 'breakpoint', pid: h.pid, pc: h.pc };
    // Report the watchpoint as set (gdb matches the address it asked for), and which kind it was.
    const w = this.watchpoints.find((w) => h.addr < w.addr + w.len && w.addr < h.addr + h.len && (w.kind === 'access' || w.kind === h.kind));
    // A process outside the family that wrote through shared memory is no thread of gdb's: the
    // stop is the watched process's, whose bytes changed.
    const pid = h.watched !== undefined && !this.family.has(h.pid) ? h.watched : h.pid;
    return { kind: 'watch', pid, addr: w?.addr ?? h.addr, access: w?.kind ?? h.kind };
  }

  private atBegin(pid: number): StopReason {
    this.target.seek(this.beginIcount);
    this.toThread(this.pid, this.endIcount);
    return { kind: 'history-begin', pid };
  }

  /**
   * Run forward until `pid` has retired `n` instructions and is about to run its next one
   * (or is blocked with nothing more to run before `limit`). False if it cannot get there.
   */
  private runToRetired(pid: number, n: number, limit: number): boolean {
    const k = this.machine.kernel;
    for (let guard = 0; guard < 1_000_000; guard++) {
      const p = k.procs.get(pid);
      if (!p) {
        // Not forked yet: run on to its fork.
        if (this.target.advance(limit, () => k.procs.has(pid)) !== 'stopped') return false;
        continue;
      }
      if (p.state === 'zombie') return false;
      const d = n - p.icount;
      if (d < 0) return false;
      if (d === 0) {
        if (k.current === p) return true;
        return this.toThread(pid, limit);
      }
      const end = k.current === p
        ? this.target.advance(this.icount + d, () => k.current !== p)
        : this.target.advance(limit, () => k.current === p);
      if (end === 'end' || this.icount >= limit) return k.procs.get(pid)?.icount === n;
    }
    return false;
  }

  /** Run on until `pid` is the process about to run (no further than `limit`). */
  private toThread(pid: number, limit: number): boolean {
    const k = this.machine.kernel;
    if (k.current?.pid === pid) return true;
    const end = this.target.advance(limit, () => k.current?.pid === pid);
    return end === 'stopped';
  }
}
