/**
 * Which process runs: the process table, the run queue and the scheduling policy. Round robin
 * preempts at timer ticks; chaos scheduling (rr's chaos mode) draws which ready process goes
 * next and where extra preemption points fall from a seeded xorshift32; PCT (Burckhardt et al.,
 * ASPLOS 2010) gives every process a random priority, always runs the highest-priority ready
 * one, and at depth-1 change points (system call numbers drawn from the seed) drops the caller
 * below every other. The policy is an input and its state plain data, so one recorded policy
 * gives one schedule. Running a slice of the current process on the CPU, and sending its trap
 * on (a system call to the syscall table, a fault to a signal), is here too.
 */
import { TrapCause } from '../cpu.js';
import type { SchedReason, SchedulePolicySpec } from '../events.js';
import type { Kernel } from './kernel.js';
import type { Process, Wait } from './process.js';
import { handleSyscall } from './syscall-table.js';
import { growsStack } from './stack-growth.js';

/** xorshift32 state and the icount of the next chaos preemption point. */
export interface ChaosState {
  s: number;
  nextAt: number;
}

/** PCT's state: plain data (saved in snapshots, checked on restore). */
export interface PctState {
  /** xorshift32 state (never 0). */
  s: number;
  readonly depth: number;
  readonly steps: number;
  /** System calls made since the policy was set. */
  step: number;
  /** The steps still to come at which the caller's priority drops, ascending. */
  changePoints: number[];
  /** Change points passed: the next drop gives priority depth - lowered - 1. */
  lowered: number;
  /** Each live process's priority (distinct; higher runs first), by pid ascending. */
  priorities: { pid: number; priority: number }[];
}

export type PolicyState =
  | { readonly kind: 'round-robin' }
  | ({ readonly kind: 'chaos' } & ChaosState)
  | ({ readonly kind: 'pct' } & PctState);

/** Why a preemption happens (a `sched` event's reason with `to` -1). */
export type PreemptReason = Extract<SchedReason, 'timer' | 'yield' | 'chaos' | 'pct-change' | 'priority'>;

function xorshift(st: { s: number }): number {
  let x = st.s;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  st.s = x >>> 0;
  return st.s;
}

/** Priorities above every change point's (depth - 1 .. 1) and distinct: depth + a 30-bit draw, ties moved up. */
function drawPriority(pct: PctState): number {
  const taken = new Set(pct.priorities.map((x) => x.priority));
  let prio = pct.depth + (xorshift(pct) & 0x3fff_ffff);
  while (taken.has(prio)) prio++;
  return prio;
}

function setPriority(pct: PctState, pid: number, priority: number): void {
  const at = pct.priorities.findIndex((x) => x.pid === pid);
  if (at >= 0) pct.priorities[at] = { pid, priority };
  else {
    pct.priorities.push({ pid, priority });
    pct.priorities.sort((a, b) => a.pid - b.pid);
  }
}

function priorityOf(pct: PctState, pid: number): number {
  return pct.priorities.find((x) => x.pid === pid)?.priority ?? 0;
}

export class Scheduler {
  readonly procs = new Map<number, Process>();
  runQueue: number[] = [];
  /** The process on the CPU, if any. */
  current: Process | undefined = undefined;
  policy: PolicyState = { kind: 'round-robin' };
  /** Why the CPU will change hands at the next switch (set when the current process leaves it). */
  switchReason: SchedReason = 'start';

  constructor(private readonly k: Kernel) {}

  /** The chaos policy's state, when chaos scheduling is on. */
  get chaos(): ChaosState | null {
    return this.policy.kind === 'chaos' ? this.policy : null;
  }

  addProcess(p: Process): void {
    this.procs.set(p.pid, p);
    p.state = 'ready';
    this.runQueue.push(p.pid);
    if (this.policy.kind === 'pct') setPriority(this.policy, p.pid, drawPriority(this.policy));
  }

  /**
   * A blocked process may run again. The current process (its call completed without waiting,
   * the usual case for a server round trip) keeps the CPU; any other goes to the queue's end.
   */
  makeReady(p: Process): void {
    if (p.state !== 'blocked') return;
    if (p === this.current) {
      p.state = 'running';
    } else {
      p.state = 'ready';
      this.runQueue.push(p.pid);
    }
  }

  block(p: Process, wait: Wait): void {
    p.wait = wait;
    p.state = 'blocked';
    if (p === this.current) this.switchReason = 'block';
  }

  /** Finish p's system call with `result` (a0) and let it run again. */
  finish(p: Process, nr: number, result: number): void {
    p.regs[10] = result | 0;
    p.wait = undefined;
    this.k.emit({ kind: 'syscall-return', pid: p.pid, nr, result: result | 0 });
    this.makeReady(p);
  }

  /** The process is gone: it leaves the CPU (its pid may stay in the queue; pickNext skips it). */
  remove(p: Process): void {
    if (this.current === p) {
      this.current = undefined;
      this.switchReason = 'exit';
    }
    this.procs.delete(p.pid);
    if (this.policy.kind === 'pct') this.policy.priorities = this.policy.priorities.filter((x) => x.pid !== p.pid);
  }

  /**
   * The next process to run: the current one until it blocks or is preempted (under PCT, until
   * a ready process has a higher priority), then round robin, a chaos draw, or PCT's highest.
   */
  pickNext(): Process | undefined {
    const pol = this.policy;
    if (pol.kind === 'pct') return this.pickPct(pol);
    if (this.current?.state === 'running') return this.current;
    while (this.runQueue.length > 0) {
      // Chaos: any ready process may go next, not only the one queued longest.
      const at = pol.kind === 'chaos' && this.runQueue.length > 1 ? xorshift(pol) % this.runQueue.length : 0;
      const pid = this.runQueue.splice(at, 1)[0];
      const p = pid === undefined ? undefined : this.procs.get(pid);
      if (!p || p.state !== 'ready') continue;
      return this.switchTo(p);
    }
    return undefined;
  }

  private pickPct(pct: PctState): Process | undefined {
    this.runQueue = this.runQueue.filter((pid) => this.procs.get(pid)?.state === 'ready');
    let best: Process | undefined;
    for (const pid of this.runQueue) {
      const p = this.procs.get(pid);
      if (p && (!best || priorityOf(pct, p.pid) > priorityOf(pct, best.pid))) best = p;
    }
    const cur = this.current;
    if (cur?.state === 'running') {
      if (!best || priorityOf(pct, cur.pid) > priorityOf(pct, best.pid)) return cur;
      this.preempt('priority');
    }
    if (!best) return undefined;
    this.runQueue.splice(this.runQueue.indexOf(best.pid), 1);
    return this.switchTo(best);
  }

  private switchTo(p: Process): Process {
    const from = this.current?.pid ?? -1;
    p.state = 'running';
    this.current = p;
    if (from !== p.pid) this.k.emit({ kind: 'sched', from, to: p.pid, reason: this.switchReason });
    return p;
  }

  /**
   * The running process goes to the back of the queue (a timer tick, sched_yield, a chaos point,
   * PCT). Under PCT only priorities decide, so ticks, yields and chaos points preempt nobody.
   */
  preempt(reason: PreemptReason): void {
    if (this.policy.kind === 'pct' && reason !== 'priority' && reason !== 'pct-change') return;
    const p = this.current;
    if (p && p.state === 'running' && this.runQueue.length > 0) {
      p.state = 'ready';
      this.runQueue.push(p.pid);
      this.switchReason = reason;
      this.k.emit({ kind: 'sched', from: p.pid, to: -1, reason });
    }
  }

  // ---- policies ---------------------------------------------------------------------------------

  setPolicy(spec: SchedulePolicySpec): void {
    switch (spec.kind) {
      case 'round-robin':
        this.policy = { kind: 'round-robin' };
        return;
      case 'chaos': {
        const c: ChaosState = { s: spec.seed >>> 0, nextAt: 0 };
        c.nextAt = this.k.dev.cpu.icount + this.chaosInterval(c);
        this.policy = { kind: 'chaos', ...c };
        return;
      }
      case 'pct': {
        // xorshift32 must not start at 0: the seed is mixed with a constant (0 stays usable).
        const pct: PctState = { s: (spec.seed ^ 0x9e37_79b9) >>> 0 || 1, depth: spec.depth, steps: spec.steps, step: 0, changePoints: [], lowered: 0, priorities: [] };
        for (let i = 1; i < spec.depth; i++) pct.changePoints.push(1 + (xorshift(pct) % spec.steps));
        pct.changePoints.sort((a, b) => a - b);
        for (const pid of [...this.procs.keys()].sort((a, b) => a - b)) setPriority(pct, pid, drawPriority(pct));
        this.policy = { kind: 'pct', ...pct };
        return;
      }
      default: {
        const _exhaustive: never = spec;
        throw new Error(`unknown schedule policy ${String(_exhaustive)}`);
      }
    }
  }

  /** Instructions to the next chaos preemption point: from a few to 20,000 (a tick is 1,000,000). */
  private chaosInterval(c: ChaosState): number {
    return 1 + (xorshift(c) % 20_000);
  }

  /** The chaos point is reached: preempt the running process one time in two, and draw the next point. */
  chaosPoint(): void {
    const c = this.chaos;
    if (!c) return;
    if (xorshift(c) % 2 === 0) this.preempt('chaos');
    c.nextAt = this.k.dev.cpu.icount + this.chaosInterval(c);
  }

  /** PCT counts system calls; at a change point the caller drops below every other process. */
  private pctStep(pct: PctState, caller: Process): void {
    pct.step++;
    let changed = false;
    while (pct.changePoints[0] === pct.step) {
      pct.changePoints.shift();
      pct.lowered++;
      changed = true;
    }
    if (!changed || !this.procs.has(caller.pid)) return;
    setPriority(pct, caller.pid, pct.depth - pct.lowered);
    this.preempt('pct-change');
  }

  // ---- running ----------------------------------------------------------------------------------

  /** Run the current process on the CPU for at most `budget` instructions. */
  runSlice(p: Process, budget: number): void {
    const cpu = this.k.dev.cpu;
    cpu.x.set(p.regs);
    cpu.pc = p.pc;
    if (cpu.mem !== p.mem) cpu.setAddressSpace(p.mem);
    const start = cpu.icount;
    const stop = cpu.run(budget);
    p.icount += cpu.icount - start;
    if (stop.kind === 'trap' && stop.cause === TrapCause.EcallFromU) cpu.completeEcall();
    p.regs.set(cpu.x);
    p.pc = cpu.pc;
    if (stop.kind !== 'trap') return;
    if (stop.cause === TrapCause.EcallFromU) handleSyscall(this.k, p);
    else if (!growsStack(this.k, p, stop.cause, stop.tval)) this.k.signals.trap(p, stop);
    const pol = this.policy;
    // Chaos: a syscall or fault is a preemption point too, one time in four.
    if (pol.kind === 'chaos' && xorshift(pol) % 4 === 0) this.preempt('chaos');
    if (pol.kind === 'pct' && stop.cause === TrapCause.EcallFromU) this.pctStep(pol, p);
  }
}
