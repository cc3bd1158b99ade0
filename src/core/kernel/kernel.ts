/**
 * The XINIM microkernel, in TypeScript: it keeps only processes, scheduling, IPC and the
 * hardware, and delegates every file, process and memory call to the servers by message
 * (the seeds' design). A user process's ecall becomes a message to the VFS (2), the Process
 * Manager (3) or the Memory Manager (4) with m_source stamped by the kernel; the process
 * blocks until the server's reply comes out of the server's mailbox, and the kernel then
 * completes the call (copying results into user memory) from that reply.
 *
 * The kernel never reads the host clock or randomness: time is the CPU's instruction count.
 */
import { Cpu, TrapCause, type StopReason } from '../cpu.js';
import type { Fault, MachineEventBody } from '../events.js';
import type { OutputBus } from '../output-bus.js';
import { hexOf } from '../events.js';
import { alterHeader, corruptWire, encodeWire, type ChannelKeyEntry } from '../ipc/index.js';
import { capabilityDenial } from './capabilities.js';
import { envelope, LatticeLink, openEnvelope } from './lattice-link.js';
import { RS_PROTOCOL } from '../../protocol/rs-protocol.js';
import { AddressSpace, pageHash, SharedSegment, type AddressSpaceState, type Page } from '../memory.js';
import { SYSCALLS, syscallName } from '../syscall-numbers.js';
import { Tty } from '../tty.js';
import type { Entropy } from '../../hw/entropy.js';
import { ERRNO } from '../../protocol/errno.js';
import { MSG, RS_MSG, WELL_KNOWN_PID, type Message } from '../../protocol/message-types.js';
import { MM_PROTOCOL, MM_REGION_KIND, SHMID_DS } from '../../protocol/mm-protocol.js';
import { CTL_SIGNAL_FORCE, PROC_PROTOCOL, PS_ENTRY } from '../../protocol/proc-protocol.js';
import { VFS_IO_MAX, VFS_PROTOCOL } from '../../protocol/vfs-protocol.js';
import { STAT } from '../../protocol/guest-abi.js';
import type { Uart16550 } from '../../hw/uart16550.js';
import { IRQ, type InterruptController } from '../../hw/intc.js';
import type { Timer } from '../../hw/timer.js';
import type { VirtualClock } from '../../hw/clock.js';
import { NS_PER_INSTRUCTION } from '../../hw/clock.js';
import type { Rtc } from '../../hw/rtc.js';
import { buildImage, readStringVector, type Image } from './exec-image.js';
import { newProcess, type Process, type Wait } from './process.js';
import type { ConsoleOp, KernelEffect, ServerOutput, ServerPort } from './server-port.js';

const { VFS, PROC, MM, RS, KERNEL } = WELL_KNOWN_PID;

/** Timer deadline ids beyond any pid: a server's hang watchdog, its restart after backoff, a held-back message. */
const WATCHDOG_ID = 1_000_000;
const RESTART_ID = 2_000_000;
const DELAY_ID = 3_000_000;

export interface KernelOptions {
  /** A server that has not answered a message after this much virtual time is hung (default 100 ms). */
  readonly hangDeadlineNs?: number;
  /** When the Reincarnation Server gives up on a server: stop the machine, or leave the server down. */
  readonly onGiveUp?: 'halt' | 'leave-down';
}

/** How a server is doing, as the kernel sees it (plain data: part of the saved state). */
export interface Supervision {
  status: 'up' | 'hung' | 'restarting' | 'down';
  /** Messages that arrived while it was not up, in order (delivered when it comes back). */
  queue: { readonly m_source: number; readonly m_type: number; readonly payload: string }[];
  /** The message it hung on. */
  hungOn: { readonly m_source: number; readonly m_type: number; readonly payload: string } | null;
  restarts: number;
}

/** What happened to a message handed to `deliver`. */
export type DeliverStatus = 'ok' | 'denied' | 'rejected' | 'down' | 'crashed';

type Carried =
  | { readonly ok: true; readonly message: Message; readonly to: number }
  | { readonly ok: false; readonly why: 'denied' | 'rejected' | 'dropped' | 'delayed' };

/** Linux signal numbers the kernel raises itself. */
const SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGKILL = 9, SIGSEGV = 11;

/** Signal frame: magic, saved pc, saved signal mask, x1..x31; 16-byte aligned on the user stack. */
const FRAME_MAGIC = 0x5349_4746; // "FGIS"
const FRAME_REGS = 12;
const FRAME_WORDS = 3 + 31;
const FRAME_BYTES = (FRAME_WORDS * 4 + 15) & ~15;

/** ioctl requests on the console (Linux values). */
const TCGETS = 0x5401, TCSETS = 0x5402, TIOCGPGRP = 0x540f, TIOCSPGRP = 0x5410, TIOCGWINSZ = 0x5413;
const ISIG = 0o1, ICANON = 0o2, ECHO = 0o10;

/** Header of a message as lattice_recv writes it: m_source, m_type, payload length. */
const LATTICE_HEADER = 12;
const LATTICE_NONBLOCK = 1;

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
  readonly procs = new Map<number, Process>();
  private runQueue: number[] = [];
  /** The process on the CPU, if any. */
  current: Process | undefined = undefined;
  private seq = 0;
  private lastIcount = -1;
  /** Replies addressed to the kernel itself (pid 0), consumed by kcall. */
  private kernelReplies: Message[] = [];
  /** Pids blocked in a console read, in arrival order. */
  private consoleReaders: number[] = [];
  /** Set when the machine must stop (init exited). */
  halted: { reason: string; status: number } | undefined = undefined;
  readonly servers = new Map<number, ServerPort>();
  private supervision = new Map<number, Supervision>();
  /** Injected faults still waiting for their Nth message; `seen` counts the matches so far. */
  private faults: { fault: Fault; seen: number }[] = [];
  /** Messages held back by a 'delay' fault, by deadline id. */
  private delayed: { id: number; from: number; to: number; m_type: number; payload: string }[] = [];
  private nextDelayId = DELAY_ID;
  private readonly hangDeadlineNs: number;
  private readonly onGiveUp: 'halt' | 'leave-down';
  private readonly isServer = (pid: number) => this.servers.has(pid);

  constructor(
    readonly dev: KernelDevices,
    /** Where events, console bytes and channel keys go (a fork reroutes them to another branch). */
    readonly bus: OutputBus,
    servers: readonly ServerPort[],
    readonly link: LatticeLink,
    options: KernelOptions = {},
  ) {
    for (const s of servers) this.servers.set(s.pid, s);
    for (const s of servers) this.supervision.set(s.pid, { status: 'up', queue: [], hungOn: null, restarts: 0 });
    this.hangDeadlineNs = options.hangDeadlineNs ?? 100_000_000;
    this.onGiveUp = options.onGiveUp ?? 'halt';
  }

  /** At boot: the kernel's and every server's key pair, and the kernel <-> server channels. */
  connectServers(): void {
    if (!this.link.encrypted) return;
    for (const pid of [...this.servers.keys()].sort((a, b) => a - b)) {
      if (this.link.connect(KERNEL, pid)) this.channelUp(KERNEL, pid);
    }
  }

  private channelUp(initiator: number, responder: number): void {
    this.emit({ kind: 'channel', initiator, responder });
    const directions = this.link.channelKeys().directions.filter(
      (d) => (d.from === initiator && d.to === responder) || (d.from === responder && d.to === initiator),
    );
    this.bus.channelKeys({ icount: this.dev.cpu.icount, initiator, responder, directions });
  }

  /** Arm a fault (an input: the machine records it). */
  inject(fault: Fault): void {
    this.faults.push({ fault, seen: 0 });
  }

  restartsOf(pid: number): number {
    return this.supervision.get(pid)?.restarts ?? 0;
  }

  serverStatus(pid: number): Supervision['status'] | undefined {
    return this.supervision.get(pid)?.status;
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
    this.bus.event(body as never);
  }

  /** Events this kernel object has emitted (not machine state: a restored machine counts from 0). */
  emitted = 0;

  nowNs(): number {
    return this.dev.clock.nowNs(this.dev.cpu.icount);
  }

  // ---- IPC -----------------------------------------------------------------------------------

  /**
   * Carry one message from `from` to `to` over its Lattice channel: capability check, injected
   * channel faults, seal, open. m_source and the recipient come out of the opened message (the
   * authenticated header, and for a kernel channel the sealed party field), never from the caller.
   *
   * Channels: a process's request to a server and the server's reply travel on the kernel <->
   * server channel with the process as the party (the kernel acts for it); the kernel's own
   * requests likewise with party 0; server to server and process to process on their own channel.
   */
  private carry(from: number, to: number, m_type: number, payload: Uint8Array, withFaults = true): Carried {
    const denial = capabilityDenial(from, to, m_type, this.isServer);
    if (denial !== undefined) {
      this.emit({ kind: 'ipc-denied', src: from, dst: to, mType: m_type, reason: denial });
      return { ok: false, why: 'denied' };
    }
    const fromServer = this.servers.has(from);
    const toServer = this.servers.has(to);
    const viaKernel = from === KERNEL || to === KERNEL || fromServer !== toServer;
    const cs = viaKernel && !fromServer ? KERNEL : from;
    const cd = viaKernel && !toServer ? KERNEL : to;
    const party = cs === KERNEL ? from : cd === KERNEL ? to : 0;
    let tamper: Extract<Fault, { kind: 'corrupt' | 'replay' | 'alter' }> | undefined;
    if (withFaults && this.faults.length > 0) {
      const f = this.channelFault(cs, cd);
      if (f?.kind === 'drop' || f?.kind === 'delay') {
        this.emit({ kind: 'ipc-fault', src: from, dst: to, mType: m_type, fault: f.kind });
        if (f.kind === 'delay') {
          const id = this.nextDelayId++;
          this.delayed.push({ id, from, to, m_type, payload: hexOf(payload) });
          this.dev.timer.addDeadline(id, this.nowNs() + f.ns);
          return { ok: false, why: 'delayed' };
        }
        return { ok: false, why: 'dropped' };
      }
      if (f?.kind === 'corrupt' || f?.kind === 'replay' || f?.kind === 'alter') tamper = f;
    }
    if (!this.link.encrypted) {
      let plain = payload;
      // Without encryption nothing detects tampering: a corrupted payload arrives as it is (and a
      // replayed or retyped one is not simulated), which is what running without it means.
      if (tamper?.kind === 'corrupt') {
        this.emit({ kind: 'ipc-fault', src: from, dst: to, mType: m_type, fault: 'corrupt' });
        plain = Uint8Array.from(payload);
        if (plain.length > 0) plain[(tamper.byteIndex ?? 0) % plain.length]! ^= 1;
      }
      this.emit({ kind: 'ipc', src: from, dst: to, mType: m_type, payloadHex: hexOf(plain) });
      return { ok: true, message: { m_source: from, m_type, payload: plain }, to };
    }
    if (!this.link.hasChannel(cs, cd) && this.link.connect(cs, cd)) this.channelUp(cs, cd);
    let wire = this.link.seal(cs, cd, m_type, cs === KERNEL || cd === KERNEL ? envelope(party, payload) : payload);
    if (tamper?.kind === 'corrupt') wire = corruptWire(wire, tamper.byteIndex ?? 0);
    if (tamper?.kind === 'alter') wire = alterHeader(wire);
    // (A corrupted wire shows as the receiver's ipc-reject alone, as recordings have it since corrupt came first.)
    if (tamper && tamper.kind !== 'corrupt') this.emit({ kind: 'ipc-fault', src: from, dst: to, mType: m_type, fault: tamper.kind });
    const wireHex = wireHexOf(encodeWire(wire));
    const opened = this.link.open(wire);
    if (opened.ok && tamper?.kind === 'replay') {
      // The attacker's copy arrives after the original: the receiver has accepted its sequence number.
      const again = this.link.open(wire);
      this.emit({ kind: 'ipc-reject', src: from, dst: to, mType: m_type, error: again.ok ? 'accepted' : again.error, wireHex });
    }
    const env = opened.ok && (opened.message.src === KERNEL || opened.message.dst === KERNEL) ? openEnvelope(opened.message.payload) : undefined;
    if (!opened.ok || ((opened.message.src === KERNEL || opened.message.dst === KERNEL) && !env)) {
      this.emit({ kind: 'ipc-reject', src: from, dst: to, mType: m_type, error: opened.ok ? 'malformed' : opened.error, wireHex });
      return { ok: false, why: 'rejected' };
    }
    const o = opened.message;
    const m_source = o.src === KERNEL ? env!.party : o.src;
    const dest = o.dst === KERNEL ? env!.party : o.dst;
    this.emit({ kind: 'ipc', src: m_source, dst: dest, mType: o.m_type, wireHex });
    return { ok: true, message: { m_source, m_type: o.m_type, payload: env ? env.payload : o.payload }, to: dest };
  }

  /** The channel fault this message triggers, if any (a fault fires once, at its Nth match). */
  private channelFault(cs: number, cd: number): Fault | undefined {
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i]!;
      const k = f.fault;
      const onWire = k.kind === 'corrupt' || k.kind === 'drop' || k.kind === 'delay' || k.kind === 'replay' || k.kind === 'alter';
      if (onWire && k.src === cs && k.dst === cd && ++f.seen === k.nth) {
        this.faults.splice(i, 1);
        return k;
      }
    }
    return undefined;
  }

  /** The server fault (crash or hang) this message triggers in `server`, if any. */
  private serverFault(server: number, m_type: number): 'crash' | 'hang' | undefined {
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i]!;
      const k = f.fault;
      if ((k.kind === 'crash' || k.kind === 'hang') && k.server === server && (k.mType === -1 || k.mType === m_type) && ++f.seen === k.nth) {
        this.faults.splice(i, 1);
        return k.kind;
      }
    }
    return undefined;
  }

  /** Put a message into a server's mailbox and carry out what comes out. */
  deliver(dst: number, m: Message, withFaults = true): DeliverStatus {
    if (!this.servers.has(dst)) throw new Error(`no server at pid ${dst}`);
    const sup = this.supervision.get(dst)!;
    if (sup.status === 'down') return 'down';
    const c = this.carry(m.m_source, dst, m.m_type, m.payload, withFaults);
    if (!c.ok) return c.why === 'denied' || c.why === 'rejected' ? c.why : 'ok';
    return this.serve(dst, c.message, withFaults);
  }

  /** The server takes the (opened) message off its mailbox, unless it is hung or restarting. */
  private serve(dst: number, m: Message, withFaults = true): DeliverStatus {
    const server = this.servers.get(dst)!;
    const sup = this.supervision.get(dst)!;
    if (sup.status === 'down') return 'down';
    if (sup.status !== 'up') {
      sup.queue.push({ m_source: m.m_source, m_type: m.m_type, payload: hexOf(m.payload) });
      return 'ok';
    }
    const fault = withFaults && this.faults.length > 0 ? this.serverFault(dst, m.m_type) : undefined;
    if (fault === 'hang') {
      sup.status = 'hung';
      sup.hungOn = { m_source: m.m_source, m_type: m.m_type, payload: hexOf(m.payload) };
      this.dev.timer.addDeadline(WATCHDOG_ID + dst, this.nowNs() + this.hangDeadlineNs);
      return 'ok';
    }
    let outputs: ServerOutput[];
    try {
      if (fault === 'crash') injectedCrash(server.name, m.m_type);
      outputs = server.receive(m, { now: this.dev.rtc.nowNs(this.dev.cpu.icount), procFacts: this.procFacts });
    } catch (e) {
      this.crashed(dst, m, e, 'threw');
      return 'crashed';
    }
    for (const o of outputs) this.route(o);
    return 'ok';
  }

  /** A request from the kernel itself (m_source 0) that servers answer at once; EIO when one cannot. */
  kcall(dst: number, m_type: number, payload: Uint8Array): Uint8Array {
    const before = this.kernelReplies.length;
    this.deliver(dst, { m_source: WELL_KNOWN_PID.KERNEL, m_type, payload });
    const reply = this.kernelReplies.splice(before, 1)[0];
    return reply ? reply.payload : errorReply(dst, m_type, ERRNO.EIO);
  }

  vfsCall(req: Parameters<typeof VFS_PROTOCOL.encodeRequest>[0]): ReturnType<typeof VFS_PROTOCOL.decodeReply> {
    const { m_type, payload } = VFS_PROTOCOL.encodeRequest(req);
    return VFS_PROTOCOL.decodeReply(this.kcall(VFS, m_type, payload));
  }

  private route(o: ServerOutput): void {
    switch (o.kind) {
      case 'reply': this.onReply(o.to, o.message); break;
      case 'console': this.consoleOp(o.op); break;
      case 'signal': this.postSignal(o.pid, o.signo); break;
      case 'effect': this.applyEffect(o.effect); break;
      default: {
        const _exhaustive: never = o;
        throw new Error(`unknown server output ${String(_exhaustive)}`);
      }
    }
  }

  private readonly procFacts = (pid: number) => {
    const p = this.procs.get(pid);
    return p && { icount: p.icount, rssPages: p.mem.pageCount, state: p.state === 'blocked' ? ('S' as const) : ('R' as const) };
  };

  private onReply(to: number, m: Message, withFaults = true): void {
    if (this.servers.has(to)) {
      // A server's notification to another server (the PM's credentials update to the VFS).
      this.deliver(to, m, withFaults);
      return;
    }
    const c = this.carry(m.m_source, to, m.m_type, m.payload, withFaults);
    if (!c.ok) {
      // The reply never arrives: a caller waiting for it gets the error instead of waiting forever.
      const p = this.procs.get(to);
      const w = p?.wait;
      if (p && w?.kind === 'reply' && w.server === m.m_source && (c.why === 'rejected' || c.why === 'denied')) this.failDelegated(p, w, ERRNO.EBADMSG);
      return;
    }
    const got = c.message;
    if (c.to === WELL_KNOWN_PID.KERNEL) {
      this.kernelReplies.push(got);
      return;
    }
    const p = this.procs.get(c.to);
    if (!p) return; // the process died while its request was pending
    const w = p.wait;
    if (w?.kind === 'reply' && w.server === got.m_source) {
      this.completeDelegated(p, w, got.payload);
      return;
    }
    // Not a syscall reply: a message for lattice_recv.
    this.enqueueMessage(p, got);
  }

  /** p's delegated call fails with -errno (as if the server had answered so). */
  private failDelegated(p: Process, w: Extract<Wait, { kind: 'reply' }>, errno: number): void {
    if (w.nr === SYSCALLS.write && w.done > 0) this.finish(p, w.nr, w.done);
    else if (w.nr === SYSCALLS.sigreturn) this.resumeAfterSigreturn(p);
    else this.finish(p, w.nr, -errno);
  }

  // ---- crashes and the Reincarnation Server ----------------------------------------------------

  /**
   * Server `pid` crashed handling `m` (it threw, or hung on it). Record it, fail what it held with
   * EIO (the request, its pending requests, requests queued while it hung: every process waiting
   * for its reply), and ask the Reincarnation Server what next. Requests the kernel itself queued
   * (notifications: fork, exit, exec, signals) are kept and delivered to the fresh instance.
   */
  private crashed(pid: number, m: Message, error: unknown, cause: 'threw' | 'hung'): void {
    const server = this.servers.get(pid)!;
    const sup = this.supervision.get(pid)!;
    const err = error instanceof Error ? error : new Error(String(error));
    this.emit({
      kind: 'server-crash', server: pid, name: server.name, cause, mType: m.m_type, source: m.m_source,
      error: err.message, stack: stackFrames(err),
    });
    this.dev.timer.cancelDeadline(WATCHDOG_ID + pid);
    sup.status = 'restarting';
    sup.hungOn = null;
    sup.queue = sup.queue.filter((q) => q.m_source === KERNEL);
    // A notification of the kernel's (a process forked, exec'd, exited) the instance died on is the
    // kernel's view of processes, which the fresh instance must have: it goes first in its queue.
    // If it is what kills the server, the restart limit ends the loop.
    if (m.m_source === KERNEL && KERNEL_NOTIFICATIONS.has(m.m_type)) sup.queue.unshift({ m_source: KERNEL, m_type: m.m_type, payload: hexOf(m.payload) });
    this.failWaitersOf(pid);
    if (!server.reincarnate || pid === RS || !this.servers.has(RS) || this.supervision.get(RS)!.status !== 'up') {
      this.giveUp(pid, sup.restarts + 1, server.reincarnate ? 'the Reincarnation Server is not running' : 'it cannot be restarted');
      return;
    }
    const req = RS_PROTOCOL.encodeRequest({ kind: 'crashed', server: pid, cause, nowNs: this.nowNs() });
    const decision = RS_PROTOCOL.decodeReply(this.kcall(RS, req.m_type, req.payload))?.decision;
    if (decision?.action === 'restart') {
      sup.restarts = decision.restarts;
      this.dev.timer.addDeadline(RESTART_ID + pid, this.nowNs() + decision.delayNs);
    } else {
      this.giveUp(pid, decision?.action === 'give-up' ? decision.crashes : sup.restarts + 1, decision ? 'restart limit reached' : 'no answer from the Reincarnation Server');
    }
  }

  private failWaitersOf(server: number): void {
    for (const p of [...this.procs.values()].sort((a, b) => a.pid - b.pid)) {
      const w = p.wait;
      if (w?.kind === 'reply' && w.server === server) this.failDelegated(p, w, ERRNO.EIO);
    }
  }

  private giveUp(pid: number, crashes: number, reason: string): void {
    const server = this.servers.get(pid)!;
    const sup = this.supervision.get(pid)!;
    sup.status = 'down';
    sup.queue = [];
    this.failWaitersOf(pid);
    this.emit({ kind: 'server-down', server: pid, name: server.name, crashes, reason });
    this.transmit(new TextEncoder().encode(`\r\nxrr: server ${server.name} (pid ${pid}) crashed ${crashes} time(s): ${reason}; it stays down\r\n`));
    if (this.onGiveUp === 'halt' && !this.halted) {
      this.halted = { reason: `server ${server.name} is down`, status: 70 };
      this.emit({ kind: 'halt', reason: this.halted.reason, status: 70 });
    }
  }

  /** The backoff is over: a fresh instance from what the old one persisted, new keys, then its queue. */
  private restart(pid: number): void {
    const server = this.servers.get(pid)!;
    const sup = this.supervision.get(pid)!;
    if (sup.status !== 'restarting') return;
    const lost = server.reincarnate!();
    if (this.link.encrypted) {
      this.link.renew(pid);
      if (this.link.connect(KERNEL, pid)) this.channelUp(KERNEL, pid);
    }
    sup.status = 'up';
    this.emit({ kind: 'server-restart', server: pid, name: server.name, restarts: sup.restarts, lost });
    const keep = this.kernelReplies.length;
    const req = RS_PROTOCOL.encodeRequest({ kind: 'restarted', server: pid, nowNs: this.nowNs() });
    this.kcall(RS, req.m_type, req.payload);
    const queued = sup.queue;
    sup.queue = [];
    for (const q of queued) this.serve(pid, { m_source: q.m_source, m_type: q.m_type, payload: bytesOfHex(q.payload) });
    // Answers to the kernel's queued notifications: nobody waits for them any more.
    this.kernelReplies.length = keep;
  }

  /** A timer deadline fired: a nanosleep (id = pid), a hang watchdog, a restart, a held-back message. */
  timerDeadline(id: number): void {
    if (id < WATCHDOG_ID) {
      this.wakeSleeper(id);
    } else if (id < RESTART_ID) {
      const pid = id - WATCHDOG_ID;
      const sup = this.supervision.get(pid);
      if (sup?.status === 'hung') {
        const on = sup.hungOn ?? { m_source: KERNEL, m_type: 0, payload: '' };
        this.crashed(pid, { m_source: on.m_source, m_type: on.m_type, payload: bytesOfHex(on.payload) }, new Error(`no reply within ${this.hangDeadlineNs} ns of virtual time`), 'hung');
      }
    } else if (id < DELAY_ID) {
      this.restart(id - RESTART_ID);
    } else {
      const i = this.delayed.findIndex((d) => d.id === id);
      if (i < 0) return;
      const d = this.delayed.splice(i, 1)[0]!;
      const m = { m_source: d.from, m_type: d.m_type, payload: bytesOfHex(d.payload) };
      if (this.servers.has(d.to)) this.deliver(d.to, m, false);
      else this.onReply(d.to, m, false);
    }
  }

  // ---- processes and scheduling ----------------------------------------------------------------

  addProcess(p: Process): void {
    this.procs.set(p.pid, p);
    p.state = 'ready';
    this.runQueue.push(p.pid);
  }

  /**
   * A blocked process may run again. The current process (its call completed without waiting,
   * the usual case for a server round trip) keeps the CPU; any other goes to the queue's end.
   */
  private makeReady(p: Process): void {
    if (p.state !== 'blocked') return;
    if (p === this.current) {
      p.state = 'running';
    } else {
      p.state = 'ready';
      this.runQueue.push(p.pid);
    }
  }

  private block(p: Process, wait: Wait): void {
    p.wait = wait;
    p.state = 'blocked';
  }

  /** Finish p's system call with `result` (a0) and let it run again. */
  finish(p: Process, nr: number, result: number): void {
    p.regs[10] = result | 0;
    p.wait = undefined;
    this.emit({ kind: 'syscall-return', pid: p.pid, nr, result: result | 0 });
    this.makeReady(p);
  }

  /** The next process to run: the current one until it blocks or is preempted, then round robin. */
  pickNext(): Process | undefined {
    if (this.current?.state === 'running') return this.current;
    while (this.runQueue.length > 0) {
      // Chaos: any ready process may go next, not only the one queued longest.
      const at = this.chaosState && this.runQueue.length > 1 ? this.chaosDraw() % this.runQueue.length : 0;
      const pid = this.runQueue.splice(at, 1)[0]!;
      const p = this.procs.get(pid);
      if (!p || p.state !== 'ready') continue;
      const from = this.current?.pid ?? -1;
      p.state = 'running';
      this.current = p;
      if (from !== pid) this.emit({ kind: 'sched', from, to: pid, reason: 'switch' });
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
      this.emit({ kind: 'sched', from: p.pid, to: -1, reason: 'preempt' });
    }
  }

  // ---- chaos scheduling -----------------------------------------------------------------------

  /** xorshift32 state of the chaos scheduler and the icount of its next preemption point; null: plain round robin. */
  chaosState: { s: number; nextAt: number } | null = null;

  setChaos(seed: number): void {
    this.chaosState = seed === 0 ? null : { s: seed >>> 0, nextAt: 0 };
    if (this.chaosState) this.chaosState.nextAt = this.dev.cpu.icount + this.chaosInterval();
  }

  private chaosDraw(): number {
    const c = this.chaosState!;
    let x = c.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    c.s = x >>> 0;
    return c.s;
  }

  /** Instructions to the next chaos preemption point: from a few to 20,000 (a tick is 1,000,000). */
  private chaosInterval(): number {
    return 1 + (this.chaosDraw() % 20_000);
  }

  /** The chaos point is reached: preempt the running process one time in two, and draw the next point. */
  chaosPoint(): void {
    if (!this.chaosState) return;
    if (this.chaosDraw() % 2 === 0) this.preempt();
    this.chaosState.nextAt = this.dev.cpu.icount + this.chaosInterval();
  }

  /** Run the current process on the CPU for at most `budget` instructions. */
  runSlice(p: Process, budget: number): void {
    const cpu = this.dev.cpu;
    cpu.x.set(p.regs);
    cpu.pc = p.pc;
    if (cpu.mem !== p.mem) cpu.setAddressSpace(p.mem);
    const start = cpu.icount;
    const stop = cpu.run(budget);
    p.icount += cpu.icount - start;
    if (stop.kind === 'trap' && stop.cause === TrapCause.EcallFromU) cpu.completeEcall();
    p.regs.set(cpu.x);
    p.pc = cpu.pc;
    if (stop.kind === 'trap') this.onTrap(p, stop);
    // Chaos: a syscall or fault is a preemption point too, one time in four.
    if (stop.kind === 'trap' && this.chaosState && this.chaosDraw() % 4 === 0) this.preempt();
  }

  private onTrap(p: Process, t: Extract<StopReason, { kind: 'trap' }>): void {
    if (t.cause === TrapCause.EcallFromU) {
      this.syscall(p);
      return;
    }
    this.emit({ kind: 'trap', pid: p.pid, cause: t.cause, pc: t.pc, tval: t.tval });
    const signo =
      t.cause === TrapCause.IllegalInstruction ? SIGILL
        : t.cause === TrapCause.Breakpoint ? SIGTRAP
          : t.cause === TrapCause.LoadAddressMisaligned || t.cause === TrapCause.StoreAddressMisaligned || t.cause === TrapCause.InstructionAddressMisaligned ? SIGBUS
            : SIGSEGV;
    // A fault signal that is blocked or ignored would refault forever: force the default.
    this.postSignal(p.pid, signo, CTL_SIGNAL_FORCE);
  }

  /** Ask the Process Manager to post a signal (pid < -1: a process group). */
  postSignal(pid: number, signo: number, flags = 0): void {
    const { m_type, payload } = PROC_PROTOCOL.encodeRequest({ kind: 'ctlSignal', pid, signo, flags });
    this.kcall(PROC, m_type, payload);
  }

  /** The process cannot go on (no room for a signal frame, a forged frame): SIGKILL. */
  private forceKill(p: Process, signo: number): void {
    this.emit({ kind: 'signal', pid: p.pid, signo, action: 'terminate' });
    this.postSignal(p.pid, SIGKILL, CTL_SIGNAL_FORCE);
  }

  // ---- effects from the Process Manager and Memory Manager --------------------------------------

  private applyEffect(e: KernelEffect): void {
    switch (e.kind) {
      case 'fork': {
        const parent = this.procs.get(e.parent);
        if (!parent) return;
        const child = newProcess(e.child, parent.name, parent.mem.clone());
        child.regs.set(parent.regs);
        child.regs[10] = 0;
        child.pc = parent.pc;
        this.emit({ kind: 'fork', parent: e.parent, child: e.child });
        this.addProcess(child);
        const attached = this.shmAttachments.get(e.parent);
        if (attached) this.shmAttachments.set(e.child, [...attached]);
        this.vfsCall({ kind: 'procFork', parent: e.parent, child: e.child });
        const mm = MM_PROTOCOL.encodeRequest({ kind: 'procFork', parent: e.parent, child: e.child });
        this.kcall(MM, mm.m_type, mm.payload);
        break;
      }
      case 'exited': {
        const p = this.procs.get(e.pid);
        if (!p) return;
        // A death by signal (the wait status's low 7 bits) is a signal event too, so "what killed
        // it" is one query (v_crashes) rather than a decoding of exit statuses.
        const killedBy = e.status & 0x7f;
        if (killedBy !== 0 && killedBy !== 0x7f) this.emit({ kind: 'signal', pid: e.pid, signo: killedBy, action: 'terminate' });
        this.emit({ kind: 'exit', pid: e.pid, status: e.status });
        p.state = 'zombie';
        p.wait = undefined;
        if (this.current === p) this.current = undefined;
        this.procs.delete(e.pid);
        this.consoleReaders = this.consoleReaders.filter((x) => x !== e.pid);
        this.dev.timer.cancelDeadline(e.pid);
        p.mem.release();
        this.shmAttachments.delete(e.pid);
        this.link.renew(e.pid); // a reused pid gets new keys
        this.vfsCall({ kind: 'procExit', pid: e.pid });
        const mm = MM_PROTOCOL.encodeRequest({ kind: 'procExit', pid: e.pid });
        this.kcall(MM, mm.m_type, mm.payload);
        if (e.pid === WELL_KNOWN_PID.INIT) {
          const code = (e.status & 0x7f) === 0 ? (e.status >> 8) & 0xff : 128 + (e.status & 0x7f);
          this.halted = { reason: 'init exited', status: code };
          this.emit({ kind: 'halt', reason: 'init exited', status: code });
        }
        break;
      }
      case 'interrupt': this.interrupt(e.pid); break;
      case 'deliver': this.deliverSignal(e); break;
      case 'map': this.procs.get(e.pid)?.mem.map(e.addr, e.length, e.perm); break;
      case 'unmap': this.procs.get(e.pid)?.mem.unmap(e.addr, e.length); break;
      case 'protect': this.procs.get(e.pid)?.mem.protect(e.addr, e.length, e.perm); break;
      case 'shm-attach': case 'shm-detach': case 'shm-destroy':
        this.shmEffect(e);
        break;
      default: {
        const _exhaustive: never = e;
        throw new Error(`unknown kernel effect ${String(_exhaustive)}`);
      }
    }
  }

  /** System V shared memory: segments are pages shared (not copy-on-write) between attachers. */
  private shmSegments = new Map<number, SharedSegment>();
  /** Where each process has segments attached (to re-attach them after a restore). */
  private shmAttachments = new Map<number, ShmAttachment[]>();

  private shmEffect(e: Extract<KernelEffect, { kind: 'shm-attach' | 'shm-detach' | 'shm-destroy' }>): void {
    switch (e.kind) {
      case 'shm-attach': {
        const p = this.procs.get(e.pid);
        if (!p) return;
        let seg = this.shmSegments.get(e.segment);
        if (!seg) {
          seg = new SharedSegment(e.length);
          this.shmSegments.set(e.segment, seg);
        }
        p.mem.attachShared(e.addr, seg, e.perm);
        this.shmAttachments.set(e.pid, [...(this.shmAttachments.get(e.pid) ?? []), { addr: e.addr, segment: e.segment, perm: e.perm }]);
        break;
      }
      case 'shm-detach':
        this.procs.get(e.pid)?.mem.unmap(e.addr, e.length);
        this.shmAttachments.set(e.pid, (this.shmAttachments.get(e.pid) ?? []).filter((a) => a.addr !== e.addr));
        break;
      case 'shm-destroy': this.shmSegments.delete(e.segment); break;
    }
  }

  /** A signal interrupts p's blocking call: it returns EINTR. */
  private interrupt(pid: number): void {
    const p = this.procs.get(pid);
    if (!p || p.state !== 'blocked' || !p.wait) return;
    const w = p.wait;
    this.emit({ kind: 'signal', pid, signo: 0, action: 'interrupt' });
    switch (w.kind) {
      case 'reply':
        if (w.server === VFS) {
          // The VFS answers the pending request with -EINTR, which completes the call.
          this.vfsCall({ kind: 'procCancel', pid });
          if (p.wait?.kind === 'reply') this.finish(p, w.nr, -ERRNO.EINTR);
        } else {
          this.finish(p, w.nr, -ERRNO.EINTR);
        }
        break;
      case 'console-read':
        this.consoleReaders = this.consoleReaders.filter((x) => x !== pid);
        this.finish(p, w.nr, -ERRNO.EINTR);
        break;
      case 'sleep': {
        this.dev.timer.cancelDeadline(pid);
        const left = Math.max(0, w.untilNs - this.nowNs());
        if (w.remPtr) p.mem.writeUser(w.remPtr, timespecBytes(left));
        this.finish(p, SYSCALLS.nanosleep, -ERRNO.EINTR);
        break;
      }
      case 'recv':
        this.finish(p, SYSCALLS.lattice_recv, -ERRNO.EINTR);
        break;
    }
  }

  /** Push a signal frame and enter the handler (a0 = signo, ra = restorer). */
  private deliverSignal(e: Extract<KernelEffect, { kind: 'deliver' }>): void {
    const p = this.procs.get(e.pid);
    if (!p) return;
    this.emit({ kind: 'signal', pid: e.pid, signo: e.signo, action: 'deliver' });
    const frame = ((p.regs[2]! >>> 0) - FRAME_BYTES) & ~15;
    const words = new DataView(new ArrayBuffer(FRAME_BYTES));
    words.setUint32(0, FRAME_MAGIC, true);
    words.setUint32(4, p.pc >>> 0, true);
    words.setUint32(8, e.savedMask >>> 0, true);
    for (let r = 1; r < 32; r++) words.setInt32(FRAME_REGS + (r - 1) * 4, p.regs[r]!, true);
    if (!p.mem.writeUser(frame >>> 0, new Uint8Array(words.buffer))) {
      this.forceKill(p, SIGSEGV); // no room for the frame: the process cannot take the signal
      return;
    }
    p.regs[1] = e.restorer | 0;
    p.regs[2] = frame | 0;
    p.regs[10] = e.signo;
    p.regs[11] = 0;
    p.regs[12] = 0;
    p.pc = e.handler >>> 0;
    this.makeReady(p);
  }

  // ---- console -------------------------------------------------------------------------------------

  /** Bytes typed on the host terminal arrive through the UART's receive FIFO, one at a time. */
  consoleInput(bytes: Uint8Array): void {
    const { uart, intc } = this.dev;
    for (const b of bytes) {
      uart.receive(b);
      intc.setLevel(IRQ.UART, uart.irqPending());
      this.serviceInterrupts();
    }
  }

  /** The timer line fired: latch it and take the interrupt. */
  timerInterrupt(): void {
    this.dev.intc.raise(IRQ.TIMER);
    this.serviceInterrupts();
  }

  /** Take every pending interrupt, highest priority first: claim, handle, complete. */
  private serviceInterrupts(): void {
    const { intc, uart } = this.dev;
    for (let line = intc.claim(); line !== null; line = intc.claim()) {
      this.emit({ kind: 'irq', line });
      if (line === IRQ.TIMER) this.preempt();
      else if (line === IRQ.UART) this.uartInterrupt();
      intc.complete(line);
      intc.setLevel(IRQ.UART, uart.irqPending());
    }
  }

  /** The UART's receive interrupt: drain the FIFO into the line discipline. */
  private uartInterrupt(): void {
    const { uart, tty } = this.dev;
    const got: number[] = [];
    while (uart.readReg(5) & 1) got.push(uart.readReg(0)); // LSR.DR: data ready; RBR
    if (got.length === 0) return;
    const r = tty.input(got);
    if (r.echo.length > 0) this.transmit(r.echo);
    for (const sig of r.signals) {
      const target = sig.pgrp ?? this.current?.pid ?? WELL_KNOWN_PID.INIT;
      this.postSignal(-target, sig.signal);
    }
    if (r.readable) this.wakeConsoleReaders();
  }

  private transmit(bytes: Uint8Array): void {
    const { uart } = this.dev;
    let i = 0;
    while (i < bytes.length) {
      const n = Math.min(uart.txSpace, bytes.length - i);
      for (let k = 0; k < n; k++) uart.writeReg(0, bytes[i + k]!);
      i += n;
      uart.drainTx();
    }
    this.emit({ kind: 'console-output', data: Array.from(bytes) });
    this.bus.console(bytes);
  }

  private consoleOp(op: ConsoleOp): void {
    const p = this.procs.get(op.pid);
    if (!p) return;
    const w = p.wait;
    const nr = w?.kind === 'reply' ? w.nr : 0;
    const args = w?.kind === 'reply' ? w.args : [];
    switch (op.kind) {
      case 'console-write':
        this.transmit(this.dev.tty.output(op.data));
        this.completeConsole(p, 'write', op.data.length);
        break;
      case 'console-read': {
        p.wait = { kind: 'console-read', nr, args, count: op.count };
        if (!this.tryConsoleRead(p)) {
          if (op.nonblocking) this.finish(p, nr, -ERRNO.EAGAIN);
          else this.consoleReaders.push(p.pid);
        }
        break;
      }
      case 'console-ioctl':
        this.completeConsole(p, 'ioctl', this.consoleIoctl(p, op.request, op.arg));
        break;
    }
  }

  /** Complete a console call as the VFS would have: the same reply path as any delegated call. */
  private completeConsole(p: Process, kind: 'write' | 'ioctl', result: number): void {
    const w = p.wait;
    if (w?.kind !== 'reply') return;
    this.completeDelegated(p, w, VFS_PROTOCOL.encodeReply(kind, result));
  }

  private tryConsoleRead(p: Process): boolean {
    const w = p.wait;
    if (w?.kind !== 'console-read') return false;
    const r = this.dev.tty.read(w.count);
    if (r.kind === 'wouldBlock') return false;
    const data = r.kind === 'eof' ? new Uint8Array(0) : r.bytes;
    const buf = w.args[1]! >>> 0;
    if (data.length > 0 && !p.mem.writeUser(buf, data)) {
      this.finish(p, w.nr, -ERRNO.EFAULT);
      return true;
    }
    this.finish(p, w.nr, data.length);
    return true;
  }

  private wakeConsoleReaders(): void {
    const waiting = this.consoleReaders;
    this.consoleReaders = [];
    for (const pid of waiting) {
      const p = this.procs.get(pid);
      if (p && !this.tryConsoleRead(p)) this.consoleReaders.push(pid);
    }
  }

  private consoleIoctl(p: Process, request: number, arg: number): number {
    const { tty } = this.dev;
    switch (request) {
      case TIOCGPGRP: {
        const b = new Uint8Array(4);
        new DataView(b.buffer).setInt32(0, tty.foreground ?? 0, true);
        return p.mem.writeUser(arg >>> 0, b) ? 0 : -ERRNO.EFAULT;
      }
      case TIOCSPGRP: {
        const b = p.mem.readUser(arg >>> 0, 4);
        if (!b) return -ERRNO.EFAULT;
        const pgrp = new DataView(b.buffer, b.byteOffset).getInt32(0, true);
        if (pgrp <= 0) return -ERRNO.EINVAL;
        tty.setForeground(pgrp);
        return 0;
      }
      case TCGETS: {
        const t = new Uint8Array(36);
        const m = tty.getMode();
        const lflag = (m.isig ? ISIG : 0) | (m.canonical ? ICANON : 0) | (m.echo ? ECHO : 0);
        new DataView(t.buffer).setUint32(12, lflag, true);
        t.set([3, 28, 127, 21, 4], 17); // VINTR ^C, VQUIT ^\, VERASE DEL, VKILL ^U, VEOF ^D
        return p.mem.writeUser(arg >>> 0, t) ? 0 : -ERRNO.EFAULT;
      }
      case TCSETS: {
        const t = p.mem.readUser(arg >>> 0, 36);
        if (!t) return -ERRNO.EFAULT;
        const lflag = new DataView(t.buffer, t.byteOffset).getUint32(12, true);
        tty.setMode({ isig: !!(lflag & ISIG), canonical: !!(lflag & ICANON), echo: !!(lflag & ECHO) });
        return 0;
      }
      case TIOCGWINSZ: {
        const b = new Uint8Array(8);
        const v = new DataView(b.buffer);
        v.setUint16(0, 24, true);
        v.setUint16(2, 80, true);
        return p.mem.writeUser(arg >>> 0, b) ? 0 : -ERRNO.EFAULT;
      }
      default:
        return -ERRNO.ENOTTY;
    }
  }

  // ---- timers -------------------------------------------------------------------------------------

  /** A nanosleep deadline (id = pid) has passed. */
  wakeSleeper(pid: number): void {
    const p = this.procs.get(pid);
    if (p?.wait?.kind === 'sleep') this.finish(p, SYSCALLS.nanosleep, 0);
  }

  // ---- system calls ------------------------------------------------------------------------------

  private syscall(p: Process): void {
    const nr = p.regs[17]!;
    const args = [p.regs[10]!, p.regs[11]!, p.regs[12]!, p.regs[13]!, p.regs[14]!, p.regs[15]!];
    const name = syscallName(nr) ?? 'unknown';
    this.emit({ kind: 'syscall', pid: p.pid, nr, name, args });
    let outcome: SyscallOutcome;
    try {
      outcome = this.dispatch(p, nr, args);
    } catch (e) {
      if (e instanceof GuestFault) outcome = -ERRNO.EFAULT;
      else throw e;
    }
    if (typeof outcome === 'number') this.finish(p, nr, outcome);
  }

  /** Copy a NUL-terminated path from user memory (EFAULT / ENAMETOOLONG as values). */
  private path(p: Process, ptr: number): string | number {
    const s = p.mem.readCString(ptr >>> 0, 4096);
    if (!s) return p.mem.readUser(ptr >>> 0, 1) ? -ERRNO.ENAMETOOLONG : -ERRNO.EFAULT;
    return new TextDecoder().decode(s);
  }

  /** Send a request for p to a server; p blocks until the reply. */
  private send(p: Process, server: number, m_type: number, payload: Uint8Array, nr: number, args: readonly number[], done = 0): 'blocked' {
    const wait = { kind: 'reply', server, nr, args, done } as const;
    this.block(p, wait);
    const status = this.deliver(server, { m_source: p.pid, m_type, payload });
    // A crash already failed every caller of the server; the other failures are this caller's alone.
    if (status !== 'ok' && status !== 'crashed' && p.wait === wait) {
      this.failDelegated(p, wait, status === 'denied' ? ERRNO.EPERM : status === 'rejected' ? ERRNO.EBADMSG : ERRNO.EIO);
    }
    return 'blocked';
  }

  private vfs(p: Process, req: Parameters<typeof VFS_PROTOCOL.encodeRequest>[0], nr: number, args: readonly number[], done = 0): 'blocked' {
    const { m_type, payload } = VFS_PROTOCOL.encodeRequest(req);
    return this.send(p, VFS, m_type, payload, nr, args, done);
  }

  private pm(p: Process, req: Parameters<typeof PROC_PROTOCOL.encodeRequest>[0], nr: number, args: readonly number[]): 'blocked' {
    const { m_type, payload } = PROC_PROTOCOL.encodeRequest(req);
    return this.send(p, PROC, m_type, payload, nr, args);
  }

  private mm(p: Process, req: Parameters<typeof MM_PROTOCOL.encodeRequest>[0], nr: number, args: readonly number[]): 'blocked' {
    const { m_type, payload } = MM_PROTOCOL.encodeRequest(req);
    return this.send(p, MM, m_type, payload, nr, args);
  }

  private dispatch(p: Process, nr: number, a: readonly number[]): SyscallOutcome {
    const S = SYSCALLS;
    const u = (i: number) => a[i]! >>> 0;
    // The buffers a call's results go to are checked before anything acts on it, so a bad pointer
    // fails cleanly: no data consumed, no child reaped, no fds made, no entropy drawn.
    const out = RESULT_BUFFERS.get(nr)?.(u);
    if (out && !(out.optional && out.ptr === 0) && !p.mem.canWriteUser(out.ptr, out.len)) return -ERRNO.EFAULT;
    const withPath = (ptr: number, f: (path: string) => SyscallOutcome): SyscallOutcome => {
      const path = this.path(p, ptr);
      return typeof path === 'number' ? path : f(path);
    };
    switch (nr) {
      // -- kernel-local calls
      case S.debug_write: {
        const data = p.mem.readUser(u(0), Math.min(u(1), 1 << 16));
        if (!data) return -ERRNO.EFAULT;
        this.transmit(data);
        return data.length;
      }
      case S.monotonic_ns: {
        const ns = this.nowNs();
        p.regs[11] = Math.floor(ns / 0x1_0000_0000) | 0;
        return ns | 0;
      }
      case S.time: {
        const sec = this.dev.rtc.timespec(this.dev.cpu.icount).sec;
        if (u(0) && !p.mem.writeUser(u(0), i64Bytes(sec))) return -ERRNO.EFAULT;
        return sec | 0;
      }
      case S.clock_gettime: {
        const clock = a[0]!;
        if (clock !== 0 && clock !== 1) return -ERRNO.EINVAL;
        const bytes = clock === 0 ? rtcTimespec(this.dev.rtc.timespec(this.dev.cpu.icount)) : timespecBytes(this.nowNs());
        return p.mem.writeUser(u(1), bytes) ? 0 : -ERRNO.EFAULT;
      }
      case S.gettimeofday: {
        const tv = this.dev.rtc.timeval(this.dev.cpu.icount);
        const b = new Uint8Array(16);
        const v = new DataView(b.buffer);
        v.setBigInt64(0, BigInt(tv.sec), true);
        v.setInt32(8, tv.usec, true);
        return p.mem.writeUser(u(0), b) ? 0 : -ERRNO.EFAULT;
      }
      case S.nanosleep: {
        const req = p.mem.readUser(u(0), 16);
        if (!req) return -ERRNO.EFAULT;
        const v = new DataView(req.buffer, req.byteOffset);
        const sec = Number(v.getBigInt64(0, true));
        const nsec = v.getInt32(8, true);
        if (sec < 0 || nsec < 0 || nsec >= 1e9) return -ERRNO.EINVAL;
        const untilNs = this.nowNs() + sec * 1e9 + nsec;
        this.block(p, { kind: 'sleep', untilNs, remPtr: u(1) });
        this.dev.timer.addDeadline(p.pid, untilNs);
        return 'blocked';
      }
      case S.sched_yield:
        this.finish(p, nr, 0);
        this.preempt();
        return 'no-return';
      case S.uname: {
        const b = new Uint8Array(390);
        const put = (off: number, s: string) => b.set(new TextEncoder().encode(s), off);
        put(0, 'XINIM');
        put(65, 'xrr');
        put(130, '0.1.0');
        put(195, 'xrr emulated XINIM');
        put(260, 'riscv32');
        put(325, '(none)');
        return p.mem.writeUser(u(0), b) ? 0 : -ERRNO.EFAULT;
      }
      case S.sysinfo: return this.sysinfo(p, u(0), u(1));
      case S.getrandom: {
        const n = Math.min(u(1), GETRANDOM_MAX);
        return p.mem.writeUser(u(0), this.dev.entropy.bytes(n)) ? n : -ERRNO.EFAULT; // checked first: no bytes drawn for a bad buffer
      }
      case S.sigreturn: return this.sigreturn(p);
      case S.execve: return this.execve(p, a);
      case S.lattice_connect: {
        const dst = a[0]!;
        if (this.servers.has(dst)) return this.supervision.get(dst)!.status === 'down' ? -ERRNO.EIO : 0; // the kernel's channel serves it
        if (!this.procs.has(dst) || dst === p.pid) return this.procs.has(dst) ? -ERRNO.EINVAL : -ERRNO.ESRCH;
        if (this.link.encrypted && this.link.connect(p.pid, dst)) this.channelUp(p.pid, dst);
        return 0;
      }
      case S.lattice_close:
        return this.servers.has(a[0]!) || this.procs.has(a[0]!) ? 0 : -ERRNO.ESRCH;
      case S.lattice_send: return this.latticeSend(p, a);
      case S.lattice_recv: return this.latticeRecv(p, a);

      // -- the VFS
      case S.open: return withPath(a[0]!, (path) => this.vfs(p, { kind: 'open', path, flags: u(1), mode: u(2) }, nr, a));
      case S.close: return this.vfs(p, { kind: 'close', fd: a[0]! }, nr, a);
      case S.read: return this.vfs(p, { kind: 'read', fd: a[0]!, count: Math.min(u(2), VFS_IO_MAX) }, nr, a);
      case S.write: return this.writeChunk(p, a, 0);
      case S.lseek: return this.vfs(p, { kind: 'lseek', fd: a[0]!, offset: a[1]!, whence: u(2) }, nr, a);
      case S.stat: return withPath(a[0]!, (path) => this.vfs(p, { kind: 'stat', path }, nr, a));
      case S.fstat: return this.vfs(p, { kind: 'fstat', fd: a[0]! }, nr, a);
      case S.access: return withPath(a[0]!, (path) => this.vfs(p, { kind: 'access', path, mode: u(1) }, nr, a));
      case S.dup: return this.vfs(p, { kind: 'dup', fd: a[0]! }, nr, a);
      case S.dup2: return this.vfs(p, { kind: 'dup2', oldfd: a[0]!, newfd: a[1]! }, nr, a);
      case S.pipe: return this.vfs(p, { kind: 'pipe', flags: 0 }, nr, a);
      case S.ioctl: return this.vfs(p, { kind: 'ioctl', fd: a[0]!, request: u(1), arg: u(2) }, nr, a);
      case S.fcntl: return this.vfs(p, { kind: 'fcntl', fd: a[0]!, cmd: u(1), arg: a[2]! }, nr, a);
      case S.mkdir: return withPath(a[0]!, (path) => this.vfs(p, { kind: 'mkdir', path, mode: u(1) }, nr, a));
      case S.rmdir: return withPath(a[0]!, (path) => this.vfs(p, { kind: 'rmdir', path }, nr, a));
      case S.chdir: return withPath(a[0]!, (path) => this.vfs(p, { kind: 'chdir', path }, nr, a));
      case S.getcwd: return this.vfs(p, { kind: 'getcwd', size: u(1) }, nr, a);
      case S.link: case S.rename: {
        const oldPath = this.path(p, a[0]!);
        if (typeof oldPath === 'number') return oldPath;
        return withPath(a[1]!, (newPath) => this.vfs(p, { kind: nr === S.link ? 'link' : 'rename', oldPath, newPath }, nr, a));
      }
      case S.unlink: return withPath(a[0]!, (path) => this.vfs(p, { kind: 'unlink', path }, nr, a));
      case S.chmod: return withPath(a[0]!, (path) => this.vfs(p, { kind: 'chmod', path, mode: u(1) }, nr, a));
      case S.chown: return withPath(a[0]!, (path) => this.vfs(p, { kind: 'chown', path, uid: u(1), gid: u(2) }, nr, a));
      case S.getdents: return this.vfs(p, { kind: 'getdents', fd: a[0]!, count: Math.min(u(2), VFS_IO_MAX) }, nr, a);

      // -- the Process Manager
      case S.exit: this.pm(p, { kind: 'exit', status: a[0]! }, nr, a); return 'no-return';
      case S.fork: return this.pm(p, { kind: 'fork' }, nr, a);
      case S.wait4: return this.pm(p, { kind: 'wait4', pid: a[0]!, options: u(2) }, nr, a);
      case S.getpid: return this.pm(p, { kind: 'getpid' }, nr, a);
      case S.getppid: return this.pm(p, { kind: 'getppid' }, nr, a);
      case S.kill: return this.pm(p, { kind: 'kill', pid: a[0]!, signo: u(1) }, nr, a);
      case S.signal: return this.pm(p, { kind: 'signal', signo: u(0), handler: u(1) }, nr, a);
      case S.sigaction: {
        let act = { hasAct: 0, handler: 0, flags: 0, restorer: 0, mask: 0 };
        if (u(1)) {
          const b = p.mem.readUser(u(1), 16);
          if (!b) return -ERRNO.EFAULT;
          const v = new DataView(b.buffer, b.byteOffset);
          act = { hasAct: 1, handler: v.getUint32(0, true), flags: v.getUint32(4, true), restorer: v.getUint32(8, true), mask: v.getUint32(12, true) };
        }
        return this.pm(p, { kind: 'sigaction', signo: u(0), ...act }, nr, a);
      }
      case S.sigprocmask: {
        let set = 0;
        if (u(1)) {
          const b = p.mem.readUser(u(1), 4);
          if (!b) return -ERRNO.EFAULT;
          set = new DataView(b.buffer, b.byteOffset).getUint32(0, true);
        }
        return this.pm(p, { kind: 'sigprocmask', how: u(0), set, hasSet: u(1) ? 1 : 0 }, nr, a);
      }
      case S.sigsuspend: {
        const b = p.mem.readUser(u(0), 4);
        if (!b) return -ERRNO.EFAULT;
        return this.pm(p, { kind: 'sigsuspend', mask: new DataView(b.buffer, b.byteOffset).getUint32(0, true) }, nr, a);
      }
      case S.setpgid: return this.pm(p, { kind: 'setpgid', pid: a[0]!, pgid: a[1]! }, nr, a);
      case S.getpgid: return this.pm(p, { kind: 'getpgid', pid: a[0]! }, nr, a);
      case S.getuid: return this.pm(p, { kind: 'getuid' }, nr, a);
      case S.geteuid: return this.pm(p, { kind: 'geteuid' }, nr, a);
      case S.getgid: return this.pm(p, { kind: 'getgid' }, nr, a);
      case S.getegid: return this.pm(p, { kind: 'getegid' }, nr, a);
      case S.setuid: return this.pm(p, { kind: 'setuid', uid: u(0) }, nr, a);
      case S.setgid: return this.pm(p, { kind: 'setgid', gid: u(0) }, nr, a);
      case S.ps_list: return this.pm(p, { kind: 'psList', startPid: 0 }, nr, a);

      // -- the Memory Manager
      case S.brk: return this.mm(p, { kind: 'brk', addr: u(0) }, nr, a);
      case S.mmap: return this.mm(p, { kind: 'mmap', addr: u(0), length: u(1), prot: u(2), flags: u(3), fd: a[4]!, offset: a[5]! }, nr, a);
      case S.munmap: return this.mm(p, { kind: 'munmap', addr: u(0), length: u(1) }, nr, a);
      case S.mprotect: return this.mm(p, { kind: 'mprotect', addr: u(0), length: u(1), prot: u(2) }, nr, a);
      case S.shmget: return this.mm(p, { kind: 'shmget', key: a[0]!, size: u(1), flags: u(2) }, nr, a);
      case S.shmat: return this.mm(p, { kind: 'shmat', shmid: a[0]!, addr: u(1), flags: u(2) }, nr, a);
      case S.shmdt: return this.mm(p, { kind: 'shmdt', addr: u(0) }, nr, a);
      case S.shmctl: {
        let mode = 0, uid = 0;
        if (a[1] === 1 && u(2)) {
          const b = p.mem.readUser(u(2), 32);
          if (!b) return -ERRNO.EFAULT;
          const v = new DataView(b.buffer, b.byteOffset);
          mode = v.getUint32(16, true);
          uid = v.getUint32(20, true);
        }
        return this.mm(p, { kind: 'shmctl', shmid: a[0]!, cmd: u(1), mode, uid }, nr, a);
      }
      default:
        return -ERRNO.ENOSYS;
    }
  }

  /** write(2) in chunks of VFS_IO_MAX: the call completes when every chunk is written. */
  private writeChunk(p: Process, a: readonly number[], done: number): SyscallOutcome {
    const total = a[2]! >>> 0;
    const n = Math.min(total - done, VFS_IO_MAX);
    const data = n > 0 ? p.mem.readUser(((a[1]! >>> 0) + done) >>> 0, n) : new Uint8Array(0);
    if (!data) return done > 0 ? done : -ERRNO.EFAULT;
    return this.vfs(p, { kind: 'write', fd: a[0]!, data }, SYSCALLS.write, a, done);
  }

  /** The server's reply to p's delegated call has arrived: copy results out and finish. */
  private completeDelegated(p: Process, w: Extract<Wait, { kind: 'reply' }>, payload: Uint8Array): void {
    const S = SYSCALLS;
    const { nr, args } = w;
    const u = (i: number) => args[i]! >>> 0;
    const proto = w.server === VFS ? VFS_PROTOCOL : w.server === PROC ? PROC_PROTOCOL : MM_PROTOCOL;
    const decoded = proto.decodeReply(payload);
    if (!decoded.ok) {
      this.finish(p, nr, -ERRNO.EIO);
      return;
    }
    const { result, body } = decoded.value as { result: number; body: Record<string, unknown> | null };
    if (result < 0 || !body) {
      if (nr === S.write && w.done > 0) this.finish(p, nr, w.done);
      else if (nr === S.sigreturn) this.resumeAfterSigreturn(p);
      else this.finish(p, nr, result);
      return;
    }
    // dispatch() checked these buffers (RESULT_BUFFERS) before the call was delegated; only a change
    // of the process's own mappings, which it cannot make while blocked in the call, could make
    // these writes fail.
    const out = (ptr: number, bytes: Uint8Array): boolean => p.mem.writeUser(ptr, bytes);
    /** For a pointer the ABI lets be NULL (wait4's status, the old action or mask). */
    const optionalOut = (ptr: number, bytes: Uint8Array): boolean => ptr === 0 || p.mem.writeUser(ptr, bytes);
    switch (nr) {
      case S.read: case S.getdents: {
        const data = body.data as Uint8Array;
        this.finish(p, nr, out(u(1), data) ? data.length : -ERRNO.EFAULT);
        return;
      }
      case S.write: {
        const done = w.done + result;
        if (result > 0 && done < u(2)) {
          this.writeChunk(p, args, done);
          return;
        }
        this.finish(p, nr, done);
        return;
      }
      case S.stat: case S.fstat:
        this.finish(p, nr, out(u(1), STAT.encode(body as never)) ? 0 : -ERRNO.EFAULT);
        return;
      case S.pipe: {
        const b = new Uint8Array(8);
        const v = new DataView(b.buffer);
        v.setInt32(0, body.readFd as number, true);
        v.setInt32(4, body.writeFd as number, true);
        this.finish(p, nr, out(u(0), b) ? 0 : -ERRNO.EFAULT);
        return;
      }
      case S.lseek: {
        const off = body.offset as number;
        this.finish(p, nr, off > 0x7fffffff ? -ERRNO.EOVERFLOW : off);
        return;
      }
      case S.getcwd: {
        const path = new TextEncoder().encode(`${body.path as string}\0`);
        this.finish(p, nr, out(u(0), path) ? path.length : -ERRNO.EFAULT);
        return;
      }
      case S.wait4: {
        const b = new Uint8Array(4);
        new DataView(b.buffer).setInt32(0, body.status as number, true);
        this.finish(p, nr, result > 0 && !optionalOut(u(1), b) ? -ERRNO.EFAULT : result);
        return;
      }
      case S.signal: this.finish(p, nr, result < 0 ? result : (body.oldHandler as number)); return;
      case S.sigaction: {
        const b = new Uint8Array(16);
        const v = new DataView(b.buffer);
        v.setUint32(0, body.handler as number, true);
        v.setUint32(4, body.flags as number, true);
        v.setUint32(8, body.restorer as number, true);
        v.setUint32(12, body.mask as number, true);
        this.finish(p, nr, optionalOut(u(2), b) ? 0 : -ERRNO.EFAULT);
        return;
      }
      case S.sigprocmask: {
        const b = new Uint8Array(4);
        new DataView(b.buffer).setUint32(0, body.oldMask as number, true);
        this.finish(p, nr, optionalOut(u(2), b) ? 0 : -ERRNO.EFAULT);
        return;
      }
      case S.sigreturn: this.resumeAfterSigreturn(p); return;
      case S.ps_list: {
        const entries = body.entries as unknown[];
        const max = Math.min(entries.length, u(1));
        const bytes = new Uint8Array(max * 64);
        for (let i = 0; i < max; i++) bytes.set(PS_ENTRY.encode(entries[i] as never), i * 64);
        this.finish(p, nr, out(u(0), bytes) ? entries.length : -ERRNO.EFAULT);
        return;
      }
      case S.brk: case S.mmap: case S.shmat:
        this.finish(p, nr, (body.addr as number) | 0);
        return;
      case S.shmctl: {
        if (u(1) === 2 && !out(u(2), SHMID_DS.encode(body as never))) {
          this.finish(p, nr, -ERRNO.EFAULT);
          return;
        }
        this.finish(p, nr, result);
        return;
      }
      default:
        this.finish(p, nr, result);
    }
  }

  // ---- signals: sigreturn ----------------------------------------------------------------------

  private sigreturn(p: Process): SyscallOutcome {
    const frame = p.regs[2]! >>> 0;
    const b = p.mem.readUser(frame, FRAME_BYTES);
    const v = b && new DataView(b.buffer, b.byteOffset);
    if (!v || v.getUint32(0, true) !== FRAME_MAGIC) {
      this.forceKill(p, SIGSEGV);
      return 'no-return';
    }
    p.pc = v.getUint32(4, true);
    const mask = v.getUint32(8, true);
    for (let r = 1; r < 32; r++) p.regs[r] = v.getInt32(FRAME_REGS + (r - 1) * 4, true);
    const { m_type, payload } = PROC_PROTOCOL.encodeRequest({ kind: 'sigreturn', mask });
    return this.send(p, PROC, m_type, payload, SYSCALLS.sigreturn, []);
  }

  /** After sigreturn the registers are the restored ones: a0 is not the call's result. */
  private resumeAfterSigreturn(p: Process): void {
    p.wait = undefined;
    this.emit({ kind: 'syscall-return', pid: p.pid, nr: SYSCALLS.sigreturn, result: 0 });
    this.makeReady(p);
  }

  // ---- exec ----------------------------------------------------------------------------------------

  /** Load a new image into p: read the file through the VFS, then tell the servers. */
  private execve(p: Process, a: readonly number[]): SyscallOutcome {
    const path = this.path(p, a[0]!);
    if (typeof path === 'number') return path;
    const argv = readStringVector(p.mem, a[1]! >>> 0);
    const envp = readStringVector(p.mem, a[2]! >>> 0);
    if (argv === undefined || envp === undefined) return -ERRNO.EFAULT;
    if (argv === 'E2BIG' || envp === 'E2BIG') return -ERRNO.E2BIG;
    const loaded = this.loadImage(p.pid, path, argv, envp);
    if (typeof loaded === 'number') return loaded;
    this.emit({ kind: 'exec', pid: p.pid, path });
    p.mem.release();
    p.mem = loaded.mem;
    this.shmAttachments.delete(p.pid);
    p.name = path.slice(path.lastIndexOf('/') + 1);
    p.regs.fill(0);
    p.regs[2] = loaded.sp;
    p.pc = loaded.entry;
    if (this.current === p) this.dev.cpu.setAddressSpace(p.mem);
    this.vfsCall({ kind: 'procExec', pid: p.pid });
    this.announceImage(p.pid, p.name, loaded);
    return 0;
  }

  /** Tell the Process Manager (name, handlers reset) and Memory Manager (regions) of a new image. */
  announceImage(pid: number, name: string, image: Image): void {
    const pm = PROC_PROTOCOL.encodeRequest({ kind: 'ctlExec', pid, name: name.slice(0, 31) });
    this.kcall(PROC, pm.m_type, pm.payload);
    const regions = image.regions.map((r) => ({ addr: r.addr, length: r.length, perm: r.perm, kind: MM_REGION_KIND[r.kind === 'text' ? 'TEXT' : r.kind === 'data' ? 'DATA' : 'STACK'] }));
    const mm = MM_PROTOCOL.encodeRequest({ kind: 'procExec', pid, brkBase: image.brk, regions });
    this.kcall(MM, mm.m_type, mm.payload);
  }

  /** Read an executable through the VFS (as `pid`, with its permissions) and build its image. */
  loadImage(pid: number, path: string, argv: Uint8Array[], envp: Uint8Array[]): Image | number {
    const opened = this.vfsCall({ kind: 'procOpenexec', pid, path });
    if (!opened.ok) return -ERRNO.EIO;
    if (opened.value.result < 0) return opened.value.result;
    const { ino, size } = opened.value.body as { ino: number; size: number };
    const bytes = new Uint8Array(size);
    for (let off = 0; off < size; ) {
      const r = this.vfsCall({ kind: 'procReadino', ino, offset: off, count: Math.min(VFS_IO_MAX, size - off) });
      if (!r.ok || r.value.result <= 0) return -ERRNO.EIO;
      const data = (r.value.body as { data: Uint8Array }).data;
      bytes.set(data, off);
      off += data.length;
    }
    const image = buildImage(bytes, argv, envp);
    if (!image.ok) return -ERRNO.ENOEXEC;
    return image.value;
  }

  // ---- lattice IPC between processes ---------------------------------------------------------------

  private latticeSend(p: Process, a: readonly number[]): SyscallOutcome {
    const dst = a[0]!;
    const len = a[3]! >>> 0;
    if (len > 4096) return -ERRNO.EINVAL;
    const payload = len === 0 ? new Uint8Array(0) : p.mem.readUser(a[2]! >>> 0, len);
    if (!payload) return -ERRNO.EFAULT;
    const m: Message = { m_source: p.pid, m_type: a[1]! & 0xffff, payload };
    // Messages wait in mailboxes (and in every snapshot) until received: a process that never
    // receives cannot make the machine hold an unbounded number, whether the sender floods
    // another process or asks a server again and again without reading its replies.
    if (this.servers.has(dst)) {
      if (p.mailbox.length >= MAILBOX_MAX) return -ERRNO.EAGAIN; // its replies would pile up there
      // The reply comes back as a message for lattice_recv.
      const status = this.deliver(dst, m);
      if (status === 'denied') {
        // Refused by the capability table: the kernel answers for the server, as the server itself
        // answers a request it refuses (an error reply), so a caller waiting in lattice_recv gets it.
        this.enqueueMessage(p, { m_source: dst, m_type: REPLY_TYPE_OF.get(dst) ?? 0, payload: errorReply(dst, m.m_type, ERRNO.EPERM) });
        return 0;
      }
      return status === 'rejected' ? -ERRNO.EBADMSG : status === 'down' ? -ERRNO.EIO : 0;
    }
    const target = this.procs.get(dst);
    if (!target || dst === p.pid) return target ? -ERRNO.EINVAL : -ERRNO.ESRCH;
    if (target.mailbox.length >= MAILBOX_MAX) return -ERRNO.EAGAIN;
    const c = this.carry(p.pid, dst, m.m_type, payload);
    if (!c.ok) return c.why === 'denied' ? -ERRNO.EPERM : c.why === 'rejected' ? -ERRNO.EBADMSG : 0;
    this.enqueueMessage(target, c.message);
    return 0;
  }

  private enqueueMessage(p: Process, m: Message): void {
    p.mailbox.push(m);
    if (p.wait?.kind === 'recv') this.tryRecv(p);
  }

  private latticeRecv(p: Process, a: readonly number[]): SyscallOutcome {
    this.block(p, { kind: 'recv', from: a[0]!, bufPtr: a[1]! >>> 0, bufLen: a[2]! >>> 0 });
    if (!this.tryRecv(p) && a[3]! & LATTICE_NONBLOCK) this.finish(p, SYSCALLS.lattice_recv, -ERRNO.EAGAIN);
    return 'blocked';
  }

  private tryRecv(p: Process): boolean {
    const w = p.wait;
    if (w?.kind !== 'recv') return false;
    const i = p.mailbox.findIndex((m) => w.from === -1 || m.m_source === w.from);
    if (i < 0) return false;
    const m = p.mailbox.splice(i, 1)[0]!;
    const n = Math.min(m.payload.length, Math.max(0, w.bufLen - LATTICE_HEADER));
    const b = new Uint8Array(LATTICE_HEADER + n);
    const v = new DataView(b.buffer);
    v.setInt32(0, m.m_source, true);
    v.setInt32(4, m.m_type, true);
    v.setUint32(8, m.payload.length, true);
    b.set(m.payload.subarray(0, n), LATTICE_HEADER);
    const ok = w.bufLen >= LATTICE_HEADER && p.mem.writeUser(w.bufPtr, b);
    this.finish(p, SYSCALLS.lattice_recv, ok ? b.length : -ERRNO.EFAULT);
    return true;
  }

  // ---- state -----------------------------------------------------------------------------------------

  /** Everything the kernel and its servers hold; page bytes go to `store` by content hash. */
  getState(store: (hash: string, bytes: Uint8Array) => void): KernelState {
    const blobs = (bytes: Uint8Array): string => {
      const hash = pageHash(bytes);
      store(hash, bytes);
      return hash;
    };
    const hashOf = (page: { u8: Uint8Array; hash: string | undefined }) => {
      page.hash ??= pageHash(page.u8);
      store(page.hash, page.u8);
      return page.hash;
    };
    return {
      version: 1,
      procs: [...this.procs.values()].sort((a, b) => a.pid - b.pid).map((p) => ({
        pid: p.pid,
        name: p.name,
        state: p.state,
        wait: p.wait ?? null,
        regs: Array.from(p.regs),
        pc: p.pc,
        icount: p.icount,
        mailbox: p.mailbox.map((m) => ({ m_source: m.m_source, m_type: m.m_type, payload: hexOf(m.payload) })),
        mem: p.mem.getState(store),
      })),
      runQueue: [...this.runQueue],
      current: this.current && this.procs.get(this.current.pid) === this.current ? this.current.pid : null,
      consoleReaders: [...this.consoleReaders],
      halted: this.halted ?? null,
      seq: this.seq,
      lastIcount: this.lastIcount,
      shm: [...this.shmSegments].sort((a, b) => a[0] - b[0]).map(([id, seg]) => ({ id, pages: seg.pages.map(hashOf) })),
      shmAttachments: [...this.shmAttachments].sort((a, b) => a[0] - b[0]).map(([pid, list]) => ({ pid, list })),
      servers: [...this.servers.values()].sort((a, b) => a.pid - b.pid).map((srv) => ({ pid: srv.pid, state: srv.getState(blobs) })),
      supervision: [...this.supervision].sort((a, b) => a[0] - b[0]).map(([pid, sup]) => ({ pid, ...sup, queue: [...sup.queue] })),
      faults: this.faults.map((f) => ({ fault: f.fault, seen: f.seen })),
      delayed: [...this.delayed],
      nextDelayId: this.nextDelayId,
      chaos: this.chaosState ? { ...this.chaosState } : null,
    };
  }

  setState(s: KernelState, load: (hash: string) => Uint8Array | undefined): void {
    if (s.version !== 1) throw new Error(`kernel state version ${String(s.version)} is not supported`);
    const pool = new Map<string, Page>();
    this.procs.clear();
    for (const ps of s.procs) {
      const mem = new AddressSpace();
      mem.setState(ps.mem, load, pool);
      const p = newProcess(ps.pid, ps.name, mem);
      p.state = ps.state;
      p.wait = ps.wait ?? undefined;
      p.regs.set(ps.regs);
      p.pc = ps.pc;
      p.icount = ps.icount;
      p.mailbox = ps.mailbox.map((m) => ({ m_source: m.m_source, m_type: m.m_type, payload: bytesOfHex(m.payload) }));
      this.procs.set(p.pid, p);
    }
    this.shmSegments = new Map(s.shm.map(({ id, pages }) => {
      const seg = new SharedSegment(pages.length * 4096);
      pages.forEach((h, i) => {
        const bytes = load(h);
        if (!bytes) throw new Error(`shared memory page ${h} is missing from the page store`);
        seg.pages[i]!.u8.set(bytes);
      });
      return [id, seg];
    }));
    this.shmAttachments = new Map(s.shmAttachments.map(({ pid, list }) => [pid, [...list]]));
    for (const [pid, list] of this.shmAttachments) {
      for (const a of list) {
        const seg = this.shmSegments.get(a.segment);
        if (seg) this.procs.get(pid)?.mem.attachShared(a.addr, seg, a.perm);
      }
    }
    this.runQueue = [...s.runQueue];
    this.current = s.current === null ? undefined : this.procs.get(s.current);
    this.consoleReaders = [...s.consoleReaders];
    this.halted = s.halted ?? undefined;
    this.seq = s.seq;
    this.lastIcount = s.lastIcount;
    this.kernelReplies = [];
    for (const srv of s.servers) {
      const server = this.servers.get(srv.pid);
      if (!server) throw new Error(`the saved state has a server at pid ${srv.pid} this machine does not`);
      server.setState(srv.state, load);
    }
    for (const sup of s.supervision ?? []) {
      this.supervision.set(sup.pid, { status: sup.status, queue: [...sup.queue], hungOn: sup.hungOn, restarts: sup.restarts });
    }
    this.faults = (s.faults ?? []).map((f) => ({ fault: f.fault, seen: f.seen }));
    this.delayed = [...(s.delayed ?? [])];
    this.nextDelayId = s.nextDelayId ?? DELAY_ID;
    this.chaosState = s.chaos ? { s: s.chaos.s, nextAt: s.chaos.nextAt } : null;
    const cpu = this.dev.cpu;
    if (this.current) cpu.setAddressSpace(this.current.mem);
  }

  // ---- sysinfo -------------------------------------------------------------------------------------

  sysinfoFacts: { seedId: bigint; bootEpochSec: number; serverRestarts: (pid: number) => number } = {
    seedId: 0n,
    bootEpochSec: 0,
    serverRestarts: () => 0,
  };

  private sysinfo(p: Process, ptr: number, size: number): number {
    const b = new Uint8Array(320);
    const v = new DataView(b.buffer);
    v.setUint32(0, 1, true);
    v.setUint32(4, 320, true);
    v.setBigUint64(8, BigInt(this.nowNs()), true);
    v.setBigInt64(16, BigInt(this.sysinfoFacts.bootEpochSec), true);
    v.setBigUint64(24, BigInt(this.dev.cpu.icount), true);
    v.setBigUint64(32, this.sysinfoFacts.seedId, true);
    v.setUint32(40, this.procs.size, true);
    const servers = [...this.servers.values()].sort((x, y) => x.pid - y.pid);
    v.setUint32(44, servers.length, true);
    let pages = 0;
    for (const q of this.procs.values()) pages += q.mem.pageCount;
    v.setUint32(48, 65536, true);
    v.setUint32(52, Math.max(0, 65536 - pages), true);
    v.setUint32(56, NS_PER_INSTRUCTION, true);
    servers.slice(0, 8).forEach((s, i) => {
      const o = 64 + i * 32;
      v.setInt32(o, s.pid, true);
      b[o + 4] = this.supervision.get(s.pid)?.status === 'up' ? 1 : 0;
      v.setUint32(o + 8, this.sysinfoFacts.serverRestarts(s.pid), true);
      b.set(new TextEncoder().encode(s.name.slice(0, 19)), o + 12);
    });
    const n = Math.min(size, 320);
    return p.mem.writeUser(ptr, b.subarray(0, n)) ? 320 : -ERRNO.EFAULT;
  }
}

export interface ShmAttachment {
  readonly addr: number;
  readonly segment: number;
  readonly perm: number;
}

export interface ProcessState {
  readonly pid: number;
  readonly name: string;
  readonly state: Process['state'];
  readonly wait: Wait | null;
  readonly regs: readonly number[];
  readonly pc: number;
  readonly icount: number;
  readonly mailbox: readonly { readonly m_source: number; readonly m_type: number; readonly payload: string }[];
  readonly mem: AddressSpaceState;
}

export interface KernelState {
  readonly version: 1;
  readonly procs: readonly ProcessState[];
  readonly runQueue: readonly number[];
  readonly current: number | null;
  readonly consoleReaders: readonly number[];
  readonly halted: { readonly reason: string; readonly status: number } | null;
  readonly seq: number;
  readonly lastIcount: number;
  readonly shm: readonly { readonly id: number; readonly pages: readonly string[] }[];
  readonly shmAttachments: readonly { readonly pid: number; readonly list: readonly ShmAttachment[] }[];
  readonly servers: readonly { readonly pid: number; readonly state: unknown }[];
  readonly supervision: readonly (Readonly<Supervision> & { readonly pid: number })[];
  readonly faults: readonly { readonly fault: Fault; readonly seen: number }[];
  readonly delayed: readonly { readonly id: number; readonly from: number; readonly to: number; readonly m_type: number; readonly payload: string }[];
  readonly nextDelayId: number;
  /** Chaos scheduling (absent in snapshots from before it existed: off). */
  readonly chaos?: { readonly s: number; readonly nextAt: number } | null;
}

/** A guest pointer was bad while the kernel copied arguments. */
export class GuestFault extends Error {}

/** What the kernel tells servers about processes (no caller waits on them; a fresh instance needs them). */
const KERNEL_NOTIFICATIONS: ReadonlySet<number> = new Set([
  MSG.VFS_PROC_NEW, MSG.VFS_PROC_FORK, MSG.VFS_PROC_EXEC, MSG.VFS_PROC_EXIT,
  MSG.PROC_CTL_INIT, MSG.PROC_CTL_EXEC,
  MSG.MM_PROC_EXEC, MSG.MM_PROC_FORK, MSG.MM_PROC_EXIT,
]);

/**
 * For each call that writes results to user memory: where, how many bytes, and whether the ABI
 * lets the pointer be NULL (then nothing is written). `u(i)` is argument i as an unsigned number.
 */
const RESULT_BUFFERS: ReadonlyMap<number, (u: (i: number) => number) => { readonly ptr: number; readonly len: number; readonly optional?: boolean }> = new Map([
  [SYSCALLS.read, (u) => ({ ptr: u(1), len: Math.min(u(2), VFS_IO_MAX) })],
  [SYSCALLS.getdents, (u) => ({ ptr: u(1), len: Math.min(u(2), VFS_IO_MAX) })],
  [SYSCALLS.stat, (u) => ({ ptr: u(1), len: STAT.fixedSize })],
  [SYSCALLS.fstat, (u) => ({ ptr: u(1), len: STAT.fixedSize })],
  [SYSCALLS.pipe, (u) => ({ ptr: u(0), len: 8 })],
  [SYSCALLS.getcwd, (u) => ({ ptr: u(0), len: u(1) })],
  [SYSCALLS.wait4, (u) => ({ ptr: u(1), len: 4, optional: true })],
  [SYSCALLS.sigaction, (u) => ({ ptr: u(2), len: 16, optional: true })],
  [SYSCALLS.sigprocmask, (u) => ({ ptr: u(2), len: 4, optional: true })],
  [SYSCALLS.ps_list, (u) => ({ ptr: u(0), len: Math.min(u(1), 4096) * PS_ENTRY.fixedSize })],
  [SYSCALLS.shmctl, (u) => ({ ptr: u(2), len: u(1) === 2 ? SHMID_DS.fixedSize : 0 })],
  [SYSCALLS.getrandom, (u) => ({ ptr: u(0), len: Math.min(u(1), GETRANDOM_MAX) })],
]);

/** Bytes one getrandom call returns at most (as Linux's getrandom for more than 256 with GRND_RANDOM). */
const GETRANDOM_MAX = 256;

/** Messages a process's mailbox holds at most (lattice_send beyond it is EAGAIN). */
export const MAILBOX_MAX = 64;

const REPLY_TYPE_OF: ReadonlyMap<number, number> = new Map([[VFS, MSG.VFS_REPLY], [PROC, MSG.PROC_REPLY], [MM, MSG.MM_REPLY], [RS, RS_MSG.RS_REPLY]]);

/** Hex of wire bytes (Node's encoder: this runs twice per delegated call). */
function wireHexOf(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Throws from a frame named after the fault, so the crash event's stack says it was injected. */
function injectedCrash(server: string, m_type: number): never {
  throw new Error(`injected crash: ${server} handling type ${m_type}`);
}

/** The error reply `server` would have sent for a request of `m_type`. */
function errorReply(server: number, m_type: number, errno: number): Uint8Array {
  switch (server) {
    case VFS: return VFS_PROTOCOL.encodeErrorReply(m_type, errno);
    case PROC: return PROC_PROTOCOL.encodeErrorReply(m_type, errno);
    case MM: return MM_PROTOCOL.encodeErrorReply(m_type, errno);
    default: return RS_PROTOCOL.encodeErrorReply(errno);
  }
}

/**
 * The stack of a crash as function names only: file paths and line numbers depend on the host and
 * the build, and the crash event must be the same in a replay on another machine.
 */
function stackFrames(e: Error): string[] {
  const lines = (e.stack ?? '').split('\n').filter((l) => l.trimStart().startsWith('at '));
  return lines.slice(0, 8).map((l) => {
    const m = /^\s*at (?:new )?([^\s(]+) \(/.exec(l);
    return m ? m[1]! : '<anonymous>';
  });
}

function bytesOfHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
}

function i64Bytes(v: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, BigInt(v), true);
  return b;
}

function timespecBytes(ns: number): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, BigInt(Math.floor(ns / 1e9)), true);
  v.setInt32(8, ns % 1e9, true);
  return b;
}

function rtcTimespec(t: { sec: number; nsec: number }): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, BigInt(t.sec), true);
  v.setInt32(8, t.nsec, true);
  return b;
}
