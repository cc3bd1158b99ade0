/**
 * Carrying messages: every message crosses a Lattice channel (capability check, injected channel
 * faults, seal, open), then lands in a server's mailbox or with a process. A server handles a
 * message when it is delivered, at the sender's icount, and what it returns (replies, console
 * operations, signals, effects) is carried out here in order. Replies to the kernel's own requests
 * (m_source 0) are kept for `kcall`.
 */
import { alterHeader, corruptWire, encodeWire } from '../ipc/index.js';
import { bytesOfHex } from '../../protocol/hex.js';
import { ERRNO } from '../../protocol/errno.js';
import { MSG, RS_MSG, WELL_KNOWN_PID, type Message } from '../../protocol/message-types.js';
import { MM_PROTOCOL } from '../../protocol/mm-protocol.js';
import { PROC_PROTOCOL } from '../../protocol/proc-protocol.js';
import { RS_PROTOCOL } from '../../protocol/rs-protocol.js';
import { VFS_PROTOCOL } from '../../protocol/vfs-protocol.js';
import { capabilityDenial } from './capabilities.js';
import type { ChannelFault } from './fault-injector.js';
import type { Kernel } from './kernel.js';
import { envelope, openEnvelope } from './lattice-link.js';
import type { ServerContext, ServerOutput } from './server-port.js';

const { VFS, PROC, MM, RS, KERNEL } = WELL_KNOWN_PID;

/** What happened to a message handed to `deliver`. */
export type DeliverStatus = 'ok' | 'denied' | 'rejected' | 'down' | 'crashed';

type Carried =
  | { readonly ok: true; readonly message: Message; readonly to: number }
  | { readonly ok: false; readonly why: 'denied' | 'rejected' | 'dropped' | 'delayed' };

export class IpcRouter {
  /** Replies addressed to the kernel itself (pid 0), consumed by kcall. */
  kernelReplies: Message[] = [];
  private readonly isServer = (pid: number) => this.k.servers.has(pid);

  constructor(private readonly k: Kernel) {}

  /** At boot: the kernel's and every server's key pair, and the kernel <-> server channels. */
  connectServers(): void {
    const link = this.k.link;
    if (!link.encrypted) return;
    for (const pid of [...this.k.servers.keys()].sort((a, b) => a - b)) {
      if (link.connect(KERNEL, pid)) this.channelUp(KERNEL, pid);
    }
  }

  channelUp(initiator: number, responder: number): void {
    this.k.emit({ kind: 'channel', initiator, responder });
    const directions = this.k.link.channelKeys().directions.filter(
      (d) => (d.from === initiator && d.to === responder) || (d.from === responder && d.to === initiator),
    );
    this.k.bus.channelKeys({ icount: this.k.dev.cpu.icount, initiator, responder, directions });
  }

  /**
   * Carry one message from `from` to `to` over its Lattice channel: capability check, injected
   * channel faults, seal, open. m_source and the recipient come out of the opened message (the
   * authenticated header, and for a kernel channel the sealed party field), never from the caller.
   *
   * Channels: a process's request to a server and the server's reply travel on the kernel <->
   * server channel with the process as the party (the kernel acts for it); the kernel's own
   * requests likewise with party 0; server to server and process to process on their own channel.
   */
  carry(from: number, to: number, m_type: number, payload: Uint8Array, withFaults = true): Carried {
    const k = this.k;
    const denial = capabilityDenial(from, to, m_type, this.isServer);
    if (denial !== undefined) {
      k.emit({ kind: 'ipc-denied', src: from, dst: to, mType: m_type, reason: denial });
      return { ok: false, why: 'denied' };
    }
    const fromServer = k.servers.has(from);
    const toServer = k.servers.has(to);
    const viaKernel = from === KERNEL || to === KERNEL || fromServer !== toServer;
    const cs = viaKernel && !fromServer ? KERNEL : from;
    const cd = viaKernel && !toServer ? KERNEL : to;
    const party = cs === KERNEL ? from : cd === KERNEL ? to : 0;
    let tamper: Exclude<ChannelFault, { kind: 'drop' | 'delay' }> | undefined;
    if (withFaults && k.faults.armed.length > 0) {
      const f = k.faults.channelFault(cs, cd);
      if (f?.kind === 'drop' || f?.kind === 'delay') {
        k.emit({ kind: 'ipc-fault', src: from, dst: to, mType: m_type, fault: f.kind });
        if (f.kind === 'delay') {
          k.faults.holdBack(from, to, m_type, payload, f.ns);
          return { ok: false, why: 'delayed' };
        }
        return { ok: false, why: 'dropped' };
      }
      tamper = f;
    }
    const link = k.link;
    if (!link.encrypted) {
      let plain = payload;
      // Without encryption nothing detects tampering: a corrupted payload arrives as it is (and a
      // replayed or retyped one is not simulated), which is what running without it means.
      if (tamper?.kind === 'corrupt') {
        k.emit({ kind: 'ipc-fault', src: from, dst: to, mType: m_type, fault: 'corrupt' });
        plain = Uint8Array.from(payload);
        const at = (tamper.byteIndex ?? 0) % plain.length;
        const b = plain[at];
        if (b !== undefined) plain[at] = b ^ 1;
      }
      // A copy: the payload goes on to its receiver, and the event must keep what was sent.
      k.emit({ kind: 'ipc', src: from, dst: to, mType: m_type, payload: new Uint8Array(plain) });
      return { ok: true, message: { m_source: from, m_type, payload: plain }, to };
    }
    if (!link.hasChannel(cs, cd) && link.connect(cs, cd)) this.channelUp(cs, cd);
    let wire = link.seal(cs, cd, m_type, cs === KERNEL || cd === KERNEL ? envelope(party, payload) : payload);
    if (tamper?.kind === 'corrupt') wire = corruptWire(wire, tamper.byteIndex ?? 0);
    if (tamper?.kind === 'alter') wire = alterHeader(wire);
    // (A corrupted wire shows as the receiver's ipc-reject alone, as recordings have it since corrupt came first.)
    if (tamper && tamper.kind !== 'corrupt') k.emit({ kind: 'ipc-fault', src: from, dst: to, mType: m_type, fault: tamper.kind });
    // Fresh bytes (encodeWire copies the wire into a new array), shared by this message's events
    // and never written to again: the journal packs them into its rows as they are.
    const wireBytes = encodeWire(wire);
    const opened = link.open(wire);
    if (opened.ok && tamper?.kind === 'replay') {
      // The attacker's copy arrives after the original: the receiver has accepted its sequence number.
      const again = link.open(wire);
      k.emit({ kind: 'ipc-reject', src: from, dst: to, mType: m_type, error: again.ok ? 'accepted' : again.error, wire: wireBytes });
    }
    if (!opened.ok) {
      k.emit({ kind: 'ipc-reject', src: from, dst: to, mType: m_type, error: opened.error, wire: wireBytes });
      return { ok: false, why: 'rejected' };
    }
    const o = opened.message;
    // On a kernel channel the sealed envelope names the process the kernel acts for.
    let m_source = o.src;
    let dest = o.dst;
    let body = o.payload;
    if (o.src === KERNEL || o.dst === KERNEL) {
      const env = openEnvelope(o.payload);
      if (!env) {
        k.emit({ kind: 'ipc-reject', src: from, dst: to, mType: m_type, error: 'malformed', wire: wireBytes });
        return { ok: false, why: 'rejected' };
      }
      if (o.src === KERNEL) m_source = env.party;
      if (o.dst === KERNEL) dest = env.party;
      body = env.payload;
    }
    k.emit({ kind: 'ipc', src: m_source, dst: dest, mType: o.m_type, wire: wireBytes });
    return { ok: true, message: { m_source, m_type: o.m_type, payload: body }, to: dest };
  }

  /** Put a message into a server's mailbox and carry out what comes out. */
  deliver(dst: number, m: Message, withFaults = true): DeliverStatus {
    if (!this.k.servers.has(dst)) throw new Error(`no server at pid ${dst}`);
    if (this.k.supervisor.statusOf(dst) === 'down') return 'down';
    const c = this.carry(m.m_source, dst, m.m_type, m.payload, withFaults);
    if (!c.ok) return c.why === 'denied' || c.why === 'rejected' ? c.why : 'ok';
    return this.serve(dst, c.message, withFaults);
  }

  /** The server takes the (opened) message off its mailbox, unless it is hung or restarting. */
  serve(dst: number, m: Message, withFaults = true): DeliverStatus {
    const k = this.k;
    const server = k.servers.get(dst);
    if (!server) throw new Error(`no server at pid ${dst}`);
    const status = k.supervisor.statusOf(dst);
    if (status === 'down') return 'down';
    if (status !== 'up') {
      k.supervisor.hold(dst, m);
      return 'ok';
    }
    const fault = withFaults && k.faults.armed.length > 0 ? k.faults.serverFault(dst, m.m_type) : undefined;
    if (fault === 'hang') {
      k.supervisor.hang(dst, m);
      return 'ok';
    }
    let outputs: ServerOutput[];
    try {
      if (fault === 'crash') throw new InjectedCrash(server.name, m.m_type);
      outputs = server.receive(m, { now: k.dev.rtc.nowNs(k.dev.cpu.icount), procFacts: this.procFacts });
    } catch (e) {
      k.supervisor.crashed(dst, m, e, 'threw');
      return 'crashed';
    }
    for (const o of outputs) this.route(o);
    return 'ok';
  }

  /** A request from the kernel itself (m_source 0) that servers answer at once; EIO when one cannot. */
  kcall(dst: number, m_type: number, payload: Uint8Array): Uint8Array {
    const before = this.kernelReplies.length;
    this.deliver(dst, { m_source: KERNEL, m_type, payload });
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
      case 'console': this.k.console.op(o.op); break;
      case 'signal': this.k.signals.post(o.pid, o.signo); break;
      case 'effect': this.k.effects.apply(o.effect); break;
      default: {
        const _exhaustive: never = o;
        throw new Error(`unknown server output ${String(_exhaustive)}`);
      }
    }
  }

  private readonly procFacts: ServerContext['procFacts'] = (pid) => {
    const p = this.k.procs.get(pid);
    return p && { icount: p.icount, rssPages: p.mem.pageCount, state: p.state === 'blocked' ? ('S' as const) : ('R' as const) };
  };

  onReply(to: number, m: Message, withFaults = true): void {
    const k = this.k;
    if (k.servers.has(to)) {
      // A server's notification to another server (the PM's credentials update to the VFS).
      this.deliver(to, m, withFaults);
      return;
    }
    const c = this.carry(m.m_source, to, m.m_type, m.payload, withFaults);
    if (!c.ok) {
      // The reply never arrives: a caller waiting for it gets the error instead of waiting forever.
      const p = k.procs.get(to);
      const w = p?.wait;
      if (p && w?.kind === 'reply' && w.server === m.m_source && (c.why === 'rejected' || c.why === 'denied')) k.calls.fail(p, w, ERRNO.EBADMSG);
      return;
    }
    const got = c.message;
    if (c.to === KERNEL) {
      this.kernelReplies.push(got);
      return;
    }
    const p = k.procs.get(c.to);
    if (!p) return; // the process died while its request was pending
    const w = p.wait;
    if (w?.kind === 'reply' && w.server === got.m_source) {
      k.replies.complete(p, w, got.payload);
      return;
    }
    // Not a syscall reply: a message for lattice_recv.
    k.lattice.enqueue(p, got);
  }

  /** A held-back message's deadline came: it goes on its way (no fault can catch it twice). */
  releaseDelayed(id: number): void {
    const d = this.k.faults.release(id);
    if (!d) return;
    const m = { m_source: d.from, m_type: d.m_type, payload: bytesOfHex(d.payload) };
    if (this.k.servers.has(d.to)) this.deliver(d.to, m, false);
    else this.onReply(d.to, m, false);
  }
}

/**
 * An injected crash, thrown where the server would have handled the message. Its message names
 * the server and the message type only: the crash event holds it, and replay compares it.
 */
export class InjectedCrash extends Error {
  constructor(server: string, m_type: number) {
    super(`injected crash: ${server} handling type ${m_type}`);
    this.name = 'InjectedCrash';
  }
}

const REPLY_TYPE_OF: ReadonlyMap<number, number> = new Map([[VFS, MSG.VFS_REPLY], [PROC, MSG.PROC_REPLY], [MM, MSG.MM_REPLY], [RS, RS_MSG.RS_REPLY]]);

/** The reply message type of `server`'s protocol. */
export function replyTypeOf(server: number): number {
  return REPLY_TYPE_OF.get(server) ?? 0;
}

/** The error reply `server` would have sent for a request of `m_type`. */
export function errorReply(server: number, m_type: number, errno: number): Uint8Array {
  switch (server) {
    case VFS: return VFS_PROTOCOL.encodeErrorReply(m_type, errno);
    case PROC: return PROC_PROTOCOL.encodeErrorReply(m_type, errno);
    case MM: return MM_PROTOCOL.encodeErrorReply(m_type, errno);
    default: return RS_PROTOCOL.encodeErrorReply(errno);
  }
}
