/** The Process Manager behind the kernel's ServerPort. */
import type { ServerContext, ServerOutput, ServerPort } from '../core/kernel/server-port.js';
import { WELL_KNOWN_PID, type Message } from '../protocol/message-types.js';
import { ProcessManager } from './pm/pm-server.js';
import { parsePmSnapshot } from './pm/pm-snapshot.js';
import type { PmStateView } from './server-views.js';

export class PmPort implements ServerPort {
  readonly pid = WELL_KNOWN_PID.PROC;
  readonly name = 'pm';
  server = new ProcessManager();

  /** The process table as it is now, read-only (see server-views.ts). */
  view(): PmStateView {
    return this.server.state;
  }

  receive(m: Message, ctx: ServerContext): ServerOutput[] {
    return this.server.receive(m, { now: ctx.now, procFacts: ctx.procFacts });
  }

  getState(): unknown {
    return this.server.getState();
  }

  checkState(state: unknown): void {
    parsePmSnapshot(state);
  }

  setState(state: unknown): void {
    this.server.setState(state);
  }

  /**
   * The process table (pids, parents, groups, credentials, signal actions and masks, zombies) is
   * kept: the kernel's processes go on existing and only the PM knows these facts. Lost: the blocked
   * wait4 and sigsuspend calls (failed with EIO; a sigsuspend's mask is put back as it was).
   */
  reincarnate(): readonly string[] {
    const saved = this.server.getState();
    const waiting = saved.procs.filter((p) => p.waiter !== null);
    const fresh = new ProcessManager();
    fresh.setState({
      ...saved,
      procs: saved.procs.map((p) => (p.waiter === null ? p : { ...p, waiter: null, blocked: p.waiter.kind === 'sigsuspend' ? p.waiter.oldMask : p.blocked })),
    });
    this.server = fresh;
    return waiting.map((p) => `pid ${p.pid}'s ${p.waiter!.kind}, failed with EIO`);
  }
}
