/**
 * Which process runs: the process table, the run queue, round robin with preemption at timer
 * ticks, and chaos scheduling (rr's chaos mode) that draws which ready process goes next and
 * where extra preemption points fall from a seeded xorshift32, so one recorded seed gives one
 * schedule. Running a slice of the current process on the CPU, and sending its trap on (a system
 * call to the syscall table, a fault to a signal), is here too.
 */
import { TrapCause } from '../cpu.js';
import type { Kernel } from './kernel.js';
import type { Process, Wait } from './process.js';
import { handleSyscall } from './syscall-table.js';

/** xorshift32 state and the icount of the next chaos preemption point. */
export interface ChaosState {
  s: number;
  nextAt: number;
}

export class Scheduler {
  readonly procs = new Map<number, Process>();
  runQueue: number[] = [];
  /** The process on the CPU, if any. */
  current: Process | undefined = undefined;
  /** Null: plain round robin. */
  chaos: ChaosState | null = null;

  constructor(private readonly k: Kernel) {}

  addProcess(p: Process): void {
    this.procs.set(p.pid, p);
    p.state = 'ready';
    this.runQueue.push(p.pid);
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
    if (this.current === p) this.current = undefined;
    this.procs.delete(p.pid);
  }

  /** The next process to run: the current one until it blocks or is preempted, then round robin. */
  pickNext(): Process | undefined {
    if (this.current?.state === 'running') return this.current;
    while (this.runQueue.length > 0) {
      // Chaos: any ready process may go next, not only the one queued longest.
      const at = this.chaos && this.runQueue.length > 1 ? this.chaosDraw(this.chaos) % this.runQueue.length : 0;
      const pid = this.runQueue.splice(at, 1)[0];
      const p = pid === undefined ? undefined : this.procs.get(pid);
      if (!p || p.state !== 'ready') continue;
      const from = this.current?.pid ?? -1;
      p.state = 'running';
      this.current = p;
      if (from !== p.pid) this.k.emit({ kind: 'sched', from, to: p.pid, reason: 'switch' });
      return p;
    }
    return undefined;
  }

  /** The timer tick (or sched_yield): the running process goes to the back of the queue. */
  preempt(): void {
    const p = this.current;
    if (p && p.state === 'running' && this.runQueue.length > 0) {
      p.state = 'ready';
      this.runQueue.push(p.pid);
      this.k.emit({ kind: 'sched', from: p.pid, to: -1, reason: 'preempt' });
    }
  }

  // ---- chaos scheduling -----------------------------------------------------------------------

  setChaos(seed: number): void {
    this.chaos = seed === 0 ? null : { s: seed >>> 0, nextAt: 0 };
    if (this.chaos) this.chaos.nextAt = this.k.dev.cpu.icount + this.chaosInterval(this.chaos);
  }

  private chaosDraw(c: ChaosState): number {
    let x = c.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    c.s = x >>> 0;
    return c.s;
  }

  /** Instructions to the next chaos preemption point: from a few to 20,000 (a tick is 1,000,000). */
  private chaosInterval(c: ChaosState): number {
    return 1 + (this.chaosDraw(c) % 20_000);
  }

  /** The chaos point is reached: preempt the running process one time in two, and draw the next point. */
  chaosPoint(): void {
    const c = this.chaos;
    if (!c) return;
    if (this.chaosDraw(c) % 2 === 0) this.preempt();
    c.nextAt = this.k.dev.cpu.icount + this.chaosInterval(c);
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
    else this.k.signals.trap(p, stop);
    // Chaos: a syscall or fault is a preemption point too, one time in four.
    if (this.chaos && this.chaosDraw(this.chaos) % 4 === 0) this.preempt();
  }
}
