/**
 * Supervising the servers: how each is doing (up, hung, restarting, down), the messages held for
 * it while it is not up, the hang watchdog, and what happens when one crashes: the crash event,
 * EIO for every caller waiting on it, the Reincarnation Server's decision (restart after a backoff
 * in virtual time, or give up), and the restart itself.
 *
 * What a crash event holds is what replay compares, so it holds no host detail: the server, the
 * message it died on and the error's text, cleaned of host source locations (DESIGN.md 6).
 */
import { bytesOfHex, hexOf } from '../../protocol/hex.js';
import { ERRNO } from '../../protocol/errno.js';
import { MSG, WELL_KNOWN_PID, type Message } from '../../protocol/message-types.js';
import { RS_PROTOCOL } from '../../protocol/rs-protocol.js';
import { RESTART_ID, WATCHDOG_ID } from './deadline-ids.js';
import type { Kernel } from './kernel.js';

const { RS, KERNEL } = WELL_KNOWN_PID;

/** A message kept as plain data (part of the saved state). */
export interface HeldMessage {
  readonly m_source: number;
  readonly m_type: number;
  readonly payload: string;
}

/** How a server is doing, as the kernel sees it (plain data: part of the saved state). */
export interface Supervision {
  status: 'up' | 'hung' | 'restarting' | 'down';
  /** Messages that arrived while it was not up, in order (delivered when it comes back). */
  queue: HeldMessage[];
  /** The message it hung on. */
  hungOn: HeldMessage | null;
  restarts: number;
}

/** What the kernel tells servers about processes (no caller waits on them; a fresh instance needs them). */
const KERNEL_NOTIFICATIONS: ReadonlySet<number> = new Set([
  MSG.VFS_PROC_NEW, MSG.VFS_PROC_FORK, MSG.VFS_PROC_EXEC, MSG.VFS_PROC_EXIT,
  MSG.PROC_CTL_INIT, MSG.PROC_CTL_EXEC,
  MSG.MM_PROC_EXEC, MSG.MM_PROC_FORK, MSG.MM_PROC_EXIT,
]);

const held = (m: Message): HeldMessage => ({ m_source: m.m_source, m_type: m.m_type, payload: hexOf(m.payload) });

export class Supervisor {
  supervision = new Map<number, Supervision>();

  constructor(
    private readonly k: Kernel,
    serverPids: readonly number[],
    readonly hangDeadlineNs: number,
    private readonly onGiveUp: 'halt' | 'leave-down',
  ) {
    for (const pid of serverPids) this.supervision.set(pid, { status: 'up', queue: [], hungOn: null, restarts: 0 });
  }

  private of(pid: number): Supervision {
    const sup = this.supervision.get(pid);
    if (!sup) throw new Error(`no server at pid ${pid}`);
    return sup;
  }

  statusOf(pid: number): Supervision['status'] | undefined {
    return this.supervision.get(pid)?.status;
  }

  restartsOf(pid: number): number {
    return this.supervision.get(pid)?.restarts ?? 0;
  }

  /** The server is not up: keep the message for when it is. */
  hold(pid: number, m: Message): void {
    this.of(pid).queue.push(held(m));
  }

  /** The server stops answering at `m` (an injected hang): the watchdog will notice. */
  hang(pid: number, m: Message): void {
    const sup = this.of(pid);
    sup.status = 'hung';
    sup.hungOn = held(m);
    this.k.dev.timer.addDeadline(WATCHDOG_ID + pid, this.k.nowNs() + this.hangDeadlineNs);
  }

  /** The watchdog's deadline came: a server still hung has crashed on the message it hung on. */
  watchdogFired(pid: number): void {
    const sup = this.supervision.get(pid);
    if (sup?.status !== 'hung') return;
    const on = sup.hungOn ?? { m_source: KERNEL, m_type: 0, payload: '' };
    const m = { m_source: on.m_source, m_type: on.m_type, payload: bytesOfHex(on.payload) };
    this.crashed(pid, m, new Error(`no reply within ${this.hangDeadlineNs} ns of virtual time`), 'hung');
  }

  /**
   * Server `pid` crashed handling `m` (it threw, or hung on it). Record it, fail what it held with
   * EIO (the request, its pending requests, requests queued while it hung: every process waiting
   * for its reply), and ask the Reincarnation Server what next. Requests the kernel itself queued
   * (notifications: fork, exit, exec, signals) are kept and delivered to the fresh instance.
   */
  crashed(pid: number, m: Message, error: unknown, cause: 'threw' | 'hung'): void {
    const k = this.k;
    const server = k.servers.get(pid);
    if (!server) throw new Error(`no server at pid ${pid}`);
    const sup = this.of(pid);
    k.emit({ kind: 'server-crash', server: pid, name: server.name, cause, mType: m.m_type, source: m.m_source, error: crashErrorText(error) });
    k.dev.timer.cancelDeadline(WATCHDOG_ID + pid);
    sup.status = 'restarting';
    sup.hungOn = null;
    sup.queue = sup.queue.filter((q) => q.m_source === KERNEL);
    // A notification of the kernel's (a process forked, exec'd, exited) the instance died on is the
    // kernel's view of processes, which the fresh instance must have: it goes first in its queue.
    // If it is what kills the server, the restart limit ends the loop.
    if (m.m_source === KERNEL && KERNEL_NOTIFICATIONS.has(m.m_type)) sup.queue.unshift(held(m));
    this.failWaitersOf(pid);
    if (!server.reincarnate || pid === RS || !k.servers.has(RS) || this.statusOf(RS) !== 'up') {
      this.giveUp(pid, sup.restarts + 1, server.reincarnate ? 'the Reincarnation Server is not running' : 'it cannot be restarted');
      return;
    }
    const req = RS_PROTOCOL.encodeRequest({ kind: 'crashed', server: pid, cause, nowNs: k.nowNs() });
    const decision = RS_PROTOCOL.decodeReply(k.kcall(RS, req.m_type, req.payload))?.decision;
    if (decision?.action === 'restart') {
      sup.restarts = decision.restarts;
      k.dev.timer.addDeadline(RESTART_ID + pid, k.nowNs() + decision.delayNs);
    } else {
      this.giveUp(pid, decision?.action === 'give-up' ? decision.crashes : sup.restarts + 1, decision ? 'restart limit reached' : 'no answer from the Reincarnation Server');
    }
  }

  private failWaitersOf(server: number): void {
    for (const p of [...this.k.procs.values()].sort((a, b) => a.pid - b.pid)) {
      const w = p.wait;
      if (w?.kind === 'reply' && w.server === server) this.k.calls.fail(p, w, ERRNO.EIO);
    }
  }

  private giveUp(pid: number, crashes: number, reason: string): void {
    const k = this.k;
    const name = k.servers.get(pid)?.name ?? String(pid);
    const sup = this.of(pid);
    sup.status = 'down';
    sup.queue = [];
    this.failWaitersOf(pid);
    k.emit({ kind: 'server-down', server: pid, name, crashes, reason });
    k.console.transmit(new TextEncoder().encode(`\r\nxrr: server ${name} (pid ${pid}) crashed ${crashes} time(s): ${reason}; it stays down\r\n`));
    if (this.onGiveUp === 'halt' && !k.halted) {
      k.halted = { reason: `server ${name} is down`, status: 70 };
      k.emit({ kind: 'halt', reason: k.halted.reason, status: 70 });
    }
  }

  /** The backoff is over: a fresh instance from what the old one persisted, new keys, then its queue. */
  restart(pid: number): void {
    const k = this.k;
    const server = k.servers.get(pid);
    const sup = this.supervision.get(pid);
    if (!server?.reincarnate || sup?.status !== 'restarting') return;
    const lost = server.reincarnate();
    if (k.link.encrypted) {
      k.link.renew(pid);
      if (k.link.connect(KERNEL, pid)) k.router.channelUp(KERNEL, pid);
    }
    sup.status = 'up';
    k.emit({ kind: 'server-restart', server: pid, name: server.name, restarts: sup.restarts, lost });
    const replies = k.router.kernelReplies;
    const keep = replies.length;
    const req = RS_PROTOCOL.encodeRequest({ kind: 'restarted', server: pid, nowNs: k.nowNs() });
    k.kcall(RS, req.m_type, req.payload);
    const queued = sup.queue;
    sup.queue = [];
    for (const q of queued) k.router.serve(pid, { m_source: q.m_source, m_type: q.m_type, payload: bytesOfHex(q.payload) });
    // Answers to the kernel's queued notifications: nobody waits for them any more.
    k.router.kernelReplies.length = keep;
  }
}

/**
 * The text a crash event keeps of what a server threw: the error's message, with any host source
 * location (a file path or URL with line and column, as some engines put in messages) cut out, so
 * the event is the same on every host and build. The stack is not kept: its function names and
 * lines move whenever the code does, and replay compares the event byte for byte.
 */
export function crashErrorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(HOST_LOCATION, '<host code>');
}

/** `file:///a/b.ts:12:3`, `/a/b/c.js:12`, `C:\a\b.ts:4:1`, `node:internal/x:3:9`. */
const HOST_LOCATION = /(?:file:\/\/|node:)?(?:[A-Za-z]:)?(?:[\\/][\w.@+-]+)+\.(?:[cm]?[jt]sx?|node)(?::\d+){0,2}|node:[\w/]+(?::\d+){0,2}/g;
