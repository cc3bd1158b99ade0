/**
 * The emulated XINIM machine: devices, the CPU, the kernel and its servers, and the run loop.
 *
 * Time is the instruction count. The loop gives the CPU a budget that ends exactly at the
 * next timer event, so ticks (100 Hz of virtual time, which preempt) and nanosleep deadlines
 * fire at exact icounts. When every process is blocked, the machine idles: it skips virtual
 * time to the next deadline if there is one (or, asked to hold such skips, stops there so that a
 * live driver waits for the deadline on the host clock), or stops and reports that it waits for
 * console input; when no process even waits for input, nothing can ever wake one: it emits
 * `deadlock` (who waits for what) and halts. Inputs from outside (console bytes, the virtual time that passed while a live run
 * waited) enter only through `input()` and are events, so a replay can feed them back.
 */
import { createHash } from 'node:crypto';
import { Cpu, type CpuState } from './cpu.js';
import { faultProblem, type EventSink } from './events.js';
import { hexOf } from '../protocol/hex.js';
import { OutputBus, type MachineOutputs } from './output-bus.js';
import { Kernel, type KernelState } from './kernel/kernel.js';
import { LatticeLink, type LatticeLinkState } from './kernel/lattice-link.js';
import type { ChannelKeys, LatticeSecretState } from './ipc/index.js';
import { schedulePolicyProblem, type DeadlockWait, type Fault, type MachineEvent, type SchedulePolicySpec } from './events.js';
import { syscallName } from './syscall-numbers.js';
import type { Wait } from './kernel/process.js';
import { newProcess } from './kernel/process.js';
import type { ServerPort } from './kernel/server-port.js';
import { AddressSpace } from './memory.js';
import { StateValue } from './state-check.js';
import { Tty } from './tty.js';
import { VirtualClock } from '../hw/clock.js';
import { Entropy } from '../hw/entropy.js';
import { Rtc } from '../hw/rtc.js';
import { Timer } from '../hw/timer.js';
import { IER_RDA, UART_REG, Uart16550 } from '../hw/uart16550.js';
import { IRQ, InterruptController } from '../hw/intc.js';
import { SERVER_NAMES, WELL_KNOWN_PID } from '../protocol/message-types.js';
import { PROC_PROTOCOL } from '../protocol/proc-protocol.js';
import { PROC_NEW_CONSOLE } from '../protocol/vfs-protocol.js';

export { faultProblem } from './events.js';

/**
 * The machine's behaviour, as recordings depend on it: a change that alters any derived event of
 * some run bumps it, so a recording made by another version is refused rather than diverging.
 * 3: buffers checked before delegating, NULL is EFAULT, mailbox limit, deaths by signal are
 * signal events, odd pc traps, chaos scheduling and getrandom.
 * 4: server-crash events hold no host stack (server, message type and error text only, the text
 * cleaned of host source locations), so moving code cannot make a recording diverge.
 * 5: scheduling policies as an input (`schedule`: round robin, chaos, PCT), `sched` events say why
 * (timer, yield, chaos, pct-change, priority, block, exit, start), and a machine that can never
 * go on (every process blocked, no deadline, no console reader) emits `deadlock` and halts. And
 * hostile guests: a write whose buffer turns unreadable returns its partial count; a path
 * running into unmapped memory is EFAULT; no room for a signal frame (or a forged one) is death
 * by SIGSEGV; the machine's memory (mmap, brk) is ENOMEM past 256 MiB of mappings and 65530
 * regions; the ramfs is ENOSPC past 512 MiB of files or 65536 inodes.
 * 6: a sealed message's nonce is a function of its header (src, dst, sequence number) rather
 * than 24 DRBG bytes, so the journal stores wires without their nonces; the DRBG's stream after
 * the first message (keys, getrandom, chaos) differs from machine 5's.
 * 7: stacks grow on demand: an image maps its arguments and 128 KiB below them of its 1 MiB stack reserve, and a
 * fault below that grows it (an MM_PROC_GROW_STACK request, SIGSEGV when the machine's memory
 * cannot back it), so a process's stack counts against the machine's memory only as far as it
 * has grown. MM_PROC_EXEC carries the smaller stack, sysinfo reports more memory free, and
 * a process like fillfs maps 216 KiB rather than 1.1 MiB: over a thousand would fit the 256 MiB
 * where 236 did, so the Process Manager's limit of 256 comes first. The Memory Manager's count is
 * the only one: the kernel asks it before a fork (MM_PROC_CAN_FORK) and for sysinfo (MM_MEM_INFO),
 * two more messages on record, where it summed its own page tables.
 */
export const MACHINE_VERSION = 'xrr-machine/7';

/** The status a deadlocked machine halts with (its `halt` event's reason is 'deadlock'). */
export const DEADLOCK_STATUS = 1;

export interface MachineConfig {
  /** 32 bytes: the one source of randomness (recorded). */
  readonly seed: Uint8Array;
  /** Wall-clock time at boot, ns since the Unix epoch (recorded). */
  readonly bootEpochNs: bigint;
  /** The servers, already holding their initial state (the root filesystem...). */
  readonly servers: readonly ServerPort[];
  /** Where events go; nowhere by default. */
  readonly sink?: EventSink;
  /** What init runs: argv[0] is the path. */
  readonly initArgv?: readonly string[];
  readonly initEnv?: readonly string[];
  /** Seal every IPC message (default true); off only to measure what encryption costs. */
  readonly encryptIpc?: boolean;
  /**
   * 32 bytes: the seed of the IPC key material (recorded apart, with the channel keys). Without
   * it the key material comes from the entropy seed, which every recording and snapshot holds,
   * so whoever has a recording could derive its keys.
   */
  readonly keySeed?: Uint8Array;
  /** A server that has not answered after this much virtual time is hung (default 100 ms). */
  readonly hangDeadlineNs?: number;
  /** When the Reincarnation Server gives up on a server: halt the machine (default) or leave it down. */
  readonly onServerGiveUp?: 'halt' | 'leave-down';
}

/** The whole machine at an instant between two instructions (a snapshot, minus page bytes). */
export interface MachineState {
  readonly version: 1;
  readonly machineVersion: string;
  readonly cpu: CpuState;
  readonly clock: unknown;
  readonly timer: unknown;
  readonly uart: unknown;
  readonly intc: unknown;
  readonly tty: unknown;
  readonly rtc: unknown;
  readonly entropy: unknown;
  readonly kernel: KernelState;
  /** The public half of the IPC channel state; the secret half is `getSecretState()`. */
  readonly lattice: LatticeLinkState;
}

export type RunStop =
  | { readonly kind: 'halted'; readonly status: number; readonly reason: string }
  /** Every process is blocked and one of them waits for console input. */
  | { readonly kind: 'idle' }
  | { readonly kind: 'limit' };

/** Where a run with `holdIdleSkips` may also stop: every process is blocked and a timer deadline is `ns` of virtual time away. */
export interface IdleUntil {
  readonly kind: 'idle-until';
  readonly ns: number;
}

export interface RunOptions {
  /**
   * When every process is blocked until a timer deadline, stop ('idle-until') instead of skipping
   * virtual time to it; skipIdle() then skips. A live driver waits that long on the host clock
   * first (a key typed meanwhile goes in before the skip, after an idle input for the time
   * waited), and a replay puts back the inputs such a run recorded before its skip.
   */
  readonly holdIdleSkips?: boolean;
}

export class Machine {
  readonly cpu = new Cpu(new AddressSpace());
  readonly clock = new VirtualClock();
  readonly timer = new Timer(this.clock);
  readonly uart = new Uart16550();
  readonly intc = new InterruptController();
  readonly tty = new Tty();
  readonly rtc: Rtc;
  readonly entropy: Entropy;
  readonly kernel: Kernel;
  /** Where the machine's events, console bytes and channel keys go: connect listeners here. */
  readonly bus: OutputBus;

  constructor(private readonly config: MachineConfig) {
    if (config.seed.length !== 32) throw new RangeError('the machine seed must be 32 bytes');
    this.bus = new OutputBus(config.sink ? { events: config.sink } : {});
    this.rtc = new Rtc(this.clock, config.bootEpochNs);
    this.entropy = new Entropy(config.seed);
    this.intc.enable(IRQ.TIMER);
    this.intc.enable(IRQ.UART);
    this.uart.writeReg(UART_REG.IER, IER_RDA); // the console driver takes receive-data interrupts
    this.cpu.timeAt = (icount) => Math.floor(this.clock.nowNs(icount) / 100); // time CSR: 10 MHz
    const seedId = new DataView(createHash('sha256').update(config.seed).digest().buffer).getBigUint64(0, true);
    this.kernel = new Kernel(
      { cpu: this.cpu, intc: this.intc, clock: this.clock, timer: this.timer, rtc: this.rtc, uart: this.uart, tty: this.tty, entropy: this.entropy },
      this.bus,
      config.servers,
      // The Lattice key material: the key seed, else the first 32 bytes of the DRBG (drawn either
      // way, and whether or not encryption is on, so every machine sees the same DRBG stream after).
      new LatticeLink(keyMaterial(this.entropy.bytes(32), config.keySeed), this.entropy, config.encryptIpc ?? true),
      { hangDeadlineNs: config.hangDeadlineNs, onGiveUp: config.onServerGiveUp },
    );
    this.kernel.sysinfoFacts = {
      seedId,
      bootEpochSec: Number(config.bootEpochNs / 1_000_000_000n),
      serverRestarts: (pid) => this.kernel.restartsOf(pid),
    };
  }

  get icount(): number {
    return this.cpu.icount;
  }

  /** Route the named outputs (events, console, channel keys) to `listeners`; returns a function that undoes it. */
  connect(listeners: Partial<MachineOutputs>): () => void {
    return this.bus.connect(listeners);
  }

  /** The argv init (pid 1) starts with at boot: argv[0] is its path. */
  get initArgv(): readonly string[] {
    return this.config.initArgv ?? ['/sbin/init'];
  }

  /** Start init (pid 1) from the root filesystem. Returns an error message if it cannot. */
  boot(): string | undefined {
    const k = this.kernel;
    const argv = this.initArgv;
    const path = argv[0];
    if (path === undefined) return 'cannot start init: its argv is empty (argv[0] is the path)';
    k.emit({ kind: 'boot', seedHex: hexOf(this.config.seed), bootEpochNs: this.config.bootEpochNs.toString(), machineVersion: MACHINE_VERSION });
    k.connectServers();
    const env = this.config.initEnv ?? ['PATH=/bin:/sbin', 'HOME=/', 'TERM=vt100'];
    const enc = (s: string) => new TextEncoder().encode(s);
    const { m_type, payload } = PROC_PROTOCOL.encodeRequest({ kind: 'ctlInit', uid: 0, gid: 0, name: 'init' });
    k.kcall(WELL_KNOWN_PID.PROC, m_type, payload);
    k.vfsCall({ kind: 'procNew', pid: WELL_KNOWN_PID.INIT, uid: 0, gid: 0, flags: PROC_NEW_CONSOLE });
    const image = k.loadImage(WELL_KNOWN_PID.INIT, path, argv.map(enc), env.map(enc));
    if (typeof image === 'number') return `cannot start ${path}: error ${-image}`;
    const init = newProcess(WELL_KNOWN_PID.INIT, 'init', image.mem);
    init.regs[2] = image.sp;
    init.pc = image.entry;
    k.addProcess(init);
    k.announceImage(WELL_KNOWN_PID.INIT, 'init', image);
    return undefined;
  }

  /** Console bytes typed on the host, arriving now. */
  input(bytes: Uint8Array): void {
    this.kernel.emit({ kind: 'console-input', data: new Uint8Array(bytes) });
    this.kernel.consoleInput(bytes);
  }

  /** A live run waited `ns` of host time for input: virtual time moves on by as much. */
  idle(ns: number): void {
    if (ns <= 0) return;
    this.clock.addIdleNs(ns);
    this.kernel.emit({ kind: 'idle', skippedNs: ns });
  }

  /** Arm a fault now (an input, recorded like typed input, so a replay injects it at the same icount). */
  inject(fault: Fault): void {
    const bad = faultProblem(fault);
    if (bad !== undefined) throw new RangeError(`bad fault ${JSON.stringify(fault)}: ${bad}`);
    this.kernel.emit({ kind: 'inject', fault });
    this.kernel.inject(fault);
  }

  /**
   * Chaos scheduling from now on (rr's chaos mode): the scheduler picks among ready processes
   * and preempts at points drawn from `seed`, so a race that one schedule hides shows under
   * another. An input, recorded like typed input; seed 0 turns it off.
   */
  chaos(seed: number): void {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new RangeError(`chaos seed must be a u32, got ${seed}`);
    this.kernel.emit({ kind: 'chaos', seed });
    this.kernel.setSchedulePolicy(seed === 0 ? { kind: 'round-robin' } : { kind: 'chaos', seed });
  }

  /**
   * The scheduling policy from now on: round robin, chaos (as `chaos(seed)`), or PCT with its
   * seed, depth and step horizon. An input, recorded like typed input.
   */
  schedule(policy: SchedulePolicySpec): void {
    const bad = schedulePolicyProblem(policy);
    if (bad !== undefined) throw new RangeError(`bad schedule policy ${JSON.stringify(policy)}: ${bad}`);
    this.kernel.emit({ kind: 'schedule', policy });
    this.kernel.setSchedulePolicy(policy);
  }

  /** What each blocked process waits for, by pid (the particulars of a deadlock). */
  waiting(): DeadlockWait[] {
    const out: DeadlockWait[] = [];
    for (const p of [...this.kernel.procs.values()].sort((a, b) => a.pid - b.pid)) {
      if (p.state === 'blocked' && p.wait) out.push({ pid: p.pid, name: p.name, wait: waitText(p.wait) });
    }
    return out;
  }

  /** Feed a recorded input event back (replay): the machine emits the same event again. */
  applyInput(e: MachineEvent): void {
    switch (e.kind) {
      case 'console-input': this.input(Uint8Array.from(e.data)); break;
      case 'idle': this.idle(e.skippedNs); break;
      case 'inject': this.inject(e.fault); break;
      case 'chaos': this.chaos(e.seed); break;
      case 'schedule': this.schedule(e.policy); break;
      case 'boot': break;
      default: throw new Error(`not an input event: ${e.kind}`);
    }
  }

  /** The secret half of the IPC channel state (key pairs, channel keys): keep it apart from getState(). */
  getSecretState(): LatticeSecretState {
    return this.kernel.link.getSecretState();
  }

  /** The channel keys alone: enough to decrypt the journaled wires (src/core/ipc decryptWire). */
  channelKeys(): ChannelKeys {
    return this.kernel.link.channelKeys();
  }

  /**
   * Run until init exits, every process waits for input, or `maxIcount` is reached; or, when
   * `stopEarly` answers true (asked between slices once one has run: after each syscall, trap
   * and timer tick), stop there as if `maxIcount` were the icount reached. A caller that must keep its thread
   * responsive (the TUI replaying syscall-dense code) bounds a run by its own clock this way;
   * the machine reads no clock, and a run split anywhere gives the same events.
   */
  run(maxIcount?: number, stopEarly?: () => boolean): RunStop;
  run(maxIcount: number, stopEarly: (() => boolean) | undefined, opts: RunOptions): RunStop | IdleUntil;
  run(maxIcount = Number.MAX_SAFE_INTEGER, stopEarly?: () => boolean, opts: RunOptions = {}): RunStop | IdleUntil {
    const k = this.kernel;
    let ran = false;
    for (;;) {
      if (k.halted) return { kind: 'halted', status: k.halted.status, reason: k.halted.reason };
      // Everything due at this icount (interrupts, scheduling, skips over idle time) happens
      // before the limit is checked; the limit stops only the next instruction. So a run split
      // anywhere, and a replay fed its inputs between runs, see the same order of events.
      this.serviceTimer();
      if (k.halted) continue;
      const p = k.pickNext();
      if (!p) {
        const deadline = opts.holdIdleSkips ? this.timer.nextOneShotNs() : null;
        if (deadline !== null) return { kind: 'idle-until', ns: Math.max(0, deadline - this.clock.nowNs(this.cpu.icount)) };
        if (!this.skipToDeadline()) {
          // No process at all (not booted yet) is not a deadlock; a console reader may still be woken.
          if (k.procs.size === 0 || this.awaitsConsole()) return { kind: 'idle' };
          // Nothing can ever wake a process: say who waits for what, and stop for good.
          k.emit({ kind: 'deadlock', waiting: this.waiting() });
          k.halted = { reason: 'deadlock', status: DEADLOCK_STATUS };
          k.emit({ kind: 'halt', reason: 'deadlock', status: DEADLOCK_STATUS });
        }
        continue;
      }
      const now = this.cpu.icount;
      if (now >= maxIcount || (ran && stopEarly?.())) return { kind: 'limit' };
      const untilTimer = this.timer.nextDeadlineIcount(now) - now;
      // Chaos decision points are absolute icounts, so a run split anywhere meets them alike.
      const chaos = k.chaosState;
      const untilChaos = chaos ? chaos.nextAt - now : Number.MAX_SAFE_INTEGER;
      const budget = Math.max(1, Math.min(untilTimer, maxIcount - now, untilChaos));
      k.runSlice(p, budget);
      if (k.chaosState && this.cpu.icount >= k.chaosState.nextAt) k.chaosPoint();
      ran = true;
    }
  }

  /**
   * Where run() stopped with 'idle-until': skip virtual time to the deadline (a derived event,
   * which a replay recomputes), then run what that makes due at this icount (the timer fires, a
   * process is picked) as a run would, so that an input given next goes in where a replay puts it.
   * Returns where that stopped (another 'idle-until' when the deadline woke nobody).
   */
  skipIdle(): RunStop | IdleUntil {
    this.skipToDeadline();
    return this.run(this.cpu.icount, undefined, { holdIdleSkips: true });
  }

  /** Every process is blocked: skip virtual time to the next timer deadline; false when none is armed. */
  private skipToDeadline(): boolean {
    const skipped = this.timer.skipToNextDeadline(this.cpu.icount);
    if (skipped === null) return false;
    this.kernel.emit({ kind: 'timer-skip', skippedNs: skipped });
    return true;
  }

  /**
   * The machine's state. Call between runs (the CPU's registers then live in the process
   * records). Page bytes go to `store` by content hash; unchanged pages hash the same in
   * every snapshot, so a store keeps each once.
   */
  getState(store: (hash: string, bytes: Uint8Array) => void = () => undefined): MachineState {
    return {
      version: 1,
      machineVersion: MACHINE_VERSION,
      cpu: this.cpu.getState(),
      clock: this.clock.getState(),
      timer: this.timer.getState(),
      uart: this.uart.getState(),
      intc: this.intc.getState(),
      tty: this.tty.getState(),
      rtc: this.rtc.getState(),
      entropy: this.entropy.getState(),
      kernel: this.kernel.getState(store),
      lattice: this.kernel.link.getState(),
    };
  }

  /**
   * Restore a state. `secret` is getSecretState() of the same instant; without it the channel keys
   * are derived again from the seed (slower: one key generation per endpoint and channel).
   */
  setState(s: MachineState, load: (hash: string) => Uint8Array | undefined, secret?: LatticeSecretState): void {
    const saved = StateValue.root(s, 'machine');
    saved.version(1);
    const by = saved.at('machineVersion').string(64);
    if (by !== MACHINE_VERSION) throw new Error(`the state was saved by machine ${by}; this is ${MACHINE_VERSION}`);
    // The kernel and servers are checked before any device changes: a corrupt snapshot is refused
    // with the path of its bad field (the devices check their own fields the same way).
    const kernel = this.kernel.checkState(s.kernel);
    this.clock.setState(s.clock);
    this.timer.setState(s.timer);
    this.uart.setState(s.uart);
    this.intc.setState(s.intc);
    this.tty.setState(s.tty);
    this.rtc.setState(s.rtc);
    this.entropy.setState(s.entropy);
    this.kernel.restoreChecked(kernel, load);
    this.kernel.link.setState(s.lattice, secret);
    this.cpu.setState(s.cpu);
  }

  /** Whether a process waits for console input (typed bytes could still wake it). */
  private awaitsConsole(): boolean {
    for (const p of this.kernel.procs.values()) if (p.state === 'blocked' && p.wait?.kind === 'console-read') return true;
    return false;
  }

  private serviceTimer(): void {
    for (const e of this.timer.expire(this.cpu.icount)) {
      if (e.kind === 'tick') {
        this.kernel.timerInterrupt();
      } else {
        this.kernel.timerDeadline(e.id);
      }
    }
  }
}

/** A wait as a deadlock names it: "wait4: reply from pm", "recv from pid 9", "console input". */
function waitText(w: Wait): string {
  switch (w.kind) {
    case 'reply': return `${syscallName(w.nr) ?? `syscall ${w.nr}`}: reply from ${SERVER_NAMES[w.server] ?? `pid ${w.server}`}`;
    case 'console-read': return 'console input';
    case 'recv': return w.from < 0 ? 'recv from anyone' : `recv from pid ${w.from}`;
    case 'sleep': return 'sleep';
    default: {
      const _exhaustive: never = w;
      return String(_exhaustive);
    }
  }
}

function keyMaterial(drawn: Uint8Array, keySeed: Uint8Array | undefined): Uint8Array {
  if (keySeed === undefined) return drawn;
  if (keySeed.length !== 32) throw new RangeError(`the key seed must be 32 bytes, got ${keySeed.length}`);
  return keySeed;
}
