/**
 * The XINIM microkernel, in TypeScript: it keeps only processes, scheduling, IPC and the
 * hardware, and delegates every file, process and memory call to the servers by message
 * (the seeds' design). A user process's ecall becomes a message to the VFS (2), the Process
 * Manager (3) or the Memory Manager (4) with m_source stamped by the kernel; the process
 * blocks until the server's reply comes out of the server's mailbox, and the kernel then
 * completes the call (copying results into user memory) from that reply.
 *
 * This class is the facade the machine drives: it owns the event stamping and the halt flag and
 * composes the parts, one concern a file, which reach each other through it:
 *   scheduler.ts        processes, run queue, scheduling policies (round robin, chaos, PCT), running a slice on the CPU
 *   ipc-router.ts       carrying messages over Lattice channels, server mailboxes, kernel calls
 *   fault-injector.ts   injected faults and the messages they hold back
 *   supervisor.ts       server crashes, the hang watchdog, the Reincarnation Server's decisions
 *   syscall-table.ts    the system calls as a table (number -> handler, result buffer)
 *   delegated-calls.ts  requests made for a process and their failures
 *   replies.ts          completing a call from a server's typed reply
 *   console.ts          the UART, the line discipline, termios
 *   signals.ts          signal frames, sigreturn, EINTR, fault signals
 *   exec.ts             execve and image loading
 *   shm.ts              System V shared memory segments
 *   process-effects.ts  what the PM and MM ask of the kernel (fork, exit, mappings)
 *   lattice-calls.ts    lattice_send / lattice_recv between processes
 *   kernel-state.ts     getState / setState, validated
 *   stack-growth.ts     stacks that grow on a fault, through the Memory Manager
 *   machine-memory.ts   the fork check and sysinfo's memory, asked of the Memory Manager
 *
 * The kernel never reads the host clock or randomness: time is the CPU's instruction count.
 */
import type { Cpu } from '../cpu.js';
import type { Fault, MachineEvent, MachineEventBody, SchedulePolicySpec } from '../events.js';
import type { OutputBus } from '../output-bus.js';
import type { Tty } from '../tty.js';
import type { Entropy } from '../../hw/entropy.js';
import { IRQ, type InterruptController } from '../../hw/intc.js';
import type { Timer } from '../../hw/timer.js';
import type { VirtualClock } from '../../hw/clock.js';
import type { Rtc } from '../../hw/rtc.js';
import type { Uart16550 } from '../../hw/uart16550.js';
import { SYSCALLS } from '../syscall-numbers.js';
import type { VFS_PROTOCOL } from '../../protocol/vfs-protocol.js';
import { KernelConsole } from './console.js';
import { DELAY_ID, RESTART_ID, WATCHDOG_ID } from './deadline-ids.js';
import { DelegatedCalls } from './delegated-calls.js';
import { Exec } from './exec.js';
import type { Image } from './exec-image.js';
import { FaultInjector } from './fault-injector.js';
import { IpcRouter } from './ipc-router.js';
import { kernelStateOf, parseKernelState, restoreKernelState, type KernelState } from './kernel-state.js';
import { LatticeCalls } from './lattice-calls.js';
import type { LatticeLink } from './lattice-link.js';
import type { Process } from './process.js';
import { ProcessEffects } from './process-effects.js';
import { Replies } from './replies.js';
import { Scheduler, type ChaosState, type PolicyState } from './scheduler.js';
import type { ServerPort } from './server-port.js';
import { SharedMemory } from './shm.js';
import { Signals } from './signals.js';
import { Supervisor, type Supervision } from './supervisor.js';
import type { SysinfoFacts } from './sysinfo.js';
import { adoptAddressSpace } from './stack-growth.js';

export type { KernelState } from './kernel-state.js';
export type { DeliverStatus } from './ipc-router.js';
export type { Supervision } from './supervisor.js';
export { MAILBOX_MAX } from './lattice-calls.js';

export interface KernelOptions {
  /** A server that has not answered a message after this much virtual time is hung (default 100 ms). */
  readonly hangDeadlineNs?: number;
  /** When the Reincarnation Server gives up on a server: stop the machine, or leave the server down. */
  readonly onGiveUp?: 'halt' | 'leave-down';
}

export interface KernelDevices {
  readonly cpu: Cpu;
  readonly intc: InterruptController;
  readonly clock: VirtualClock;
  readonly timer: Timer;
  readonly rtc: Rtc;
  readonly uart: Uart16550;
  readonly tty: Tty;
  /** The machine's DRBG (getrandom). */
  readonly entropy: Entropy;
}

export type SyscallOutcome = number | 'blocked' | 'no-return';

export class Kernel {
  readonly servers = new Map<number, ServerPort>();
  /** Set when the machine must stop (init exited, a server is down for good). */
  halted: { reason: string; status: number } | undefined = undefined;
  /** Events this kernel object has emitted (not machine state: a restored machine counts from 0). */
  emitted = 0;
  sysinfoFacts: SysinfoFacts = { seedId: 0n, bootEpochSec: 0, serverRestarts: () => 0 };

  /** (icount, seq) of the last event: seq orders the events of one icount. */
  seq = 0;
  lastIcount = -1;

  readonly sched: Scheduler;
  readonly faults: FaultInjector;
  readonly router: IpcRouter;
  readonly supervisor: Supervisor;
  readonly calls: DelegatedCalls;
  readonly replies: Replies;
  readonly console: KernelConsole;
  readonly signals: Signals;
  readonly exec: Exec;
  readonly shm: SharedMemory;
  readonly effects: ProcessEffects;
  readonly lattice: LatticeCalls;

  constructor(
    readonly dev: KernelDevices,
    /** Where events, console bytes and channel keys go (a fork reroutes them to another branch). */
    readonly bus: OutputBus,
    servers: readonly ServerPort[],
    readonly link: LatticeLink,
    options: KernelOptions = {},
  ) {
    for (const s of servers) this.servers.set(s.pid, s);
    this.sched = new Scheduler(this);
    this.faults = new FaultInjector(this);
    this.router = new IpcRouter(this);
    this.supervisor = new Supervisor(this, servers.map((s) => s.pid), options.hangDeadlineNs ?? 100_000_000, options.onGiveUp ?? 'halt');
    this.calls = new DelegatedCalls(this);
    this.replies = new Replies(this);
    this.console = new KernelConsole(this);
    this.signals = new Signals(this);
    this.exec = new Exec(this);
    this.shm = new SharedMemory();
    this.effects = new ProcessEffects(this);
    this.lattice = new LatticeCalls(this);
  }

  // ---- what the machine and the views read --------------------------------------------------

  get procs(): Map<number, Process> {
    return this.sched.procs;
  }

  /** The process on the CPU, if any. */
  get current(): Process | undefined {
    return this.sched.current;
  }

  /** xorshift32 state of the chaos scheduler and the icount of its next preemption point; null: plain round robin. */
  get chaosState(): ChaosState | null {
    return this.sched.chaos;
  }

  restartsOf(pid: number): number {
    return this.supervisor.restartsOf(pid);
  }

  serverStatus(pid: number): Supervision['status'] | undefined {
    return this.supervisor.statusOf(pid);
  }

  nowNs(): number {
    return this.dev.clock.nowNs(this.dev.cpu.icount);
  }

  // ---- events ------------------------------------------------------------------------------

  /** Emit an event; the kernel takes `body` over and completes it with (icount, seq): pass a fresh object. */
  emit(body: MachineEventBody): void {
    const icount = this.dev.cpu.icount;
    if (icount !== this.lastIcount) {
      this.lastIcount = icount;
      this.seq = 0;
    }
    // The body is always a fresh literal: completing it in place (keys in the same order as a
    // spread would give) spares a copy per event, two of which come with every IPC message.
    const e = body as { icount?: number; seq?: number };
    e.icount = icount;
    e.seq = this.seq++;
    this.emitted++;
    this.bus.event(body as MachineEvent);
  }

  // ---- what the machine drives --------------------------------------------------------------

  /** At boot: the kernel's and every server's key pair, and the kernel <-> server channels. */
  connectServers(): void {
    this.router.connectServers();
  }

  /** Arm a fault (an input: the machine records it). */
  inject(fault: Fault): void {
    this.faults.inject(fault);
  }

  /** The scheduling policy from now on (an input: the machine records it). */
  setSchedulePolicy(spec: SchedulePolicySpec): void {
    this.sched.setPolicy(spec);
  }

  /** The scheduling policy's state (plain data). */
  get schedulePolicy(): Readonly<PolicyState> {
    return this.sched.policy;
  }

  /** The chaos point is reached: preempt the running process one time in two, and draw the next point. */
  chaosPoint(): void {
    this.sched.chaosPoint();
  }

  /** A process the machine starts with (init at boot): scheduled, its stack able to grow. */
  addProcess(p: Process): void {
    adoptAddressSpace(this, p);
    this.sched.addProcess(p);
  }

  /** The next process to run: the current one until it blocks or is preempted, then round robin. */
  pickNext(): Process | undefined {
    return this.sched.pickNext();
  }

  /** Run the current process on the CPU for at most `budget` instructions. */
  runSlice(p: Process, budget: number): void {
    this.sched.runSlice(p, budget);
  }

  /** Finish p's system call with `result` (a0) and let it run again. */
  finish(p: Process, nr: number, result: number): void {
    this.sched.finish(p, nr, result);
  }

  /** A request from the kernel itself (m_source 0) that servers answer at once; EIO when one cannot. */
  kcall(dst: number, m_type: number, payload: Uint8Array): Uint8Array {
    return this.router.kcall(dst, m_type, payload);
  }

  vfsCall(req: Parameters<typeof VFS_PROTOCOL.encodeRequest>[0]): ReturnType<typeof VFS_PROTOCOL.decodeReply> {
    return this.router.vfsCall(req);
  }

  /** Read an executable through the VFS (as `pid`, with its permissions) and build its image. */
  loadImage(pid: number, path: string, argv: Uint8Array[], envp: Uint8Array[]): Image | number {
    return this.exec.loadImage(pid, path, argv, envp);
  }

  /** Tell the Process Manager (name, handlers reset) and Memory Manager (regions) of a new image. */
  announceImage(pid: number, name: string, image: Image): void {
    this.exec.announceImage(pid, name, image);
  }

  /** Bytes typed on the host terminal arrive through the UART's receive FIFO, one at a time. */
  consoleInput(bytes: Uint8Array): void {
    this.console.input(bytes);
  }

  /** The timer line fired: latch it and take the interrupt. */
  timerInterrupt(): void {
    this.dev.intc.raise(IRQ.TIMER);
    this.serviceInterrupts();
  }

  /** Take every pending interrupt, highest priority first: claim, handle, complete. */
  serviceInterrupts(): void {
    const { intc, uart } = this.dev;
    for (let line = intc.claim(); line !== null; line = intc.claim()) {
      this.emit({ kind: 'irq', line });
      if (line === IRQ.TIMER) this.sched.preempt('timer');
      else if (line === IRQ.UART) this.console.uartInterrupt();
      intc.complete(line);
      intc.setLevel(IRQ.UART, uart.irqPending());
    }
  }

  /** A timer deadline fired: a nanosleep (id = pid), a hang watchdog, a restart, a held-back message. */
  timerDeadline(id: number): void {
    if (id < WATCHDOG_ID) this.wakeSleeper(id);
    else if (id < RESTART_ID) this.supervisor.watchdogFired(id - WATCHDOG_ID);
    else if (id < DELAY_ID) this.supervisor.restart(id - RESTART_ID);
    else this.router.releaseDelayed(id);
  }

  /** A nanosleep deadline (id = pid) has passed. */
  private wakeSleeper(pid: number): void {
    const p = this.procs.get(pid);
    if (p?.wait?.kind === 'sleep') this.finish(p, SYSCALLS.nanosleep, 0);
  }

  // ---- state -----------------------------------------------------------------------------------

  /** Everything the kernel and its servers hold; page bytes go to `store` by content hash. */
  getState(store: (hash: string, bytes: Uint8Array) => void): KernelState {
    return kernelStateOf(this, store);
  }

  /**
   * Check a saved state, the kernel's and every server's, changing nothing: a StateError names the
   * first bad field. Returns it typed, for restoreChecked.
   */
  checkState(s: unknown): KernelState {
    const parsed = parseKernelState(s, [...this.servers.keys()]);
    for (const srv of parsed.servers) this.servers.get(srv.pid)?.checkState?.(srv.state);
    return parsed;
  }

  /** Restore a state that checkState accepted. */
  restoreChecked(s: KernelState, load: (hash: string) => Uint8Array | undefined): void {
    restoreKernelState(this, s, load);
  }

  /** Restore a state; nothing changes when it is refused. */
  setState(s: unknown, load: (hash: string) => Uint8Array | undefined): void {
    this.restoreChecked(this.checkState(s), load);
  }
}
