/** The Memory Manager behind the kernel's ServerPort. */
import type { ServerContext, ServerOutput, ServerPort } from '../core/kernel/server-port.js';
import { WELL_KNOWN_PID, type Message } from '../protocol/message-types.js';
import { MemoryManager } from './mm/mm-server.js';
import { parseMmSnapshot } from './mm/mm-snapshot.js';
import type { MmStateView } from './server-views.js';

export class MmPort implements ServerPort {
  readonly pid = WELL_KNOWN_PID.MM;
  readonly name = 'mm';
  server = new MemoryManager();

  /** Regions and segments as they are now, read-only (see server-views.ts). */
  view(): MmStateView {
    return this.server.state;
  }

  receive(m: Message, ctx: ServerContext): ServerOutput[] {
    return this.server.receive(m, { now: ctx.now });
  }

  getState(): unknown {
    return this.server.getState();
  }

  checkState(state: unknown): void {
    parseMmSnapshot(state);
  }

  setState(state: unknown): void {
    this.server.setState(state);
  }

  /** Region tables, brk and shared segments are kept (the kernel's page tables agree with them); nothing is held between requests. */
  reincarnate(): readonly string[] {
    const saved = this.server.getState();
    const fresh = new MemoryManager();
    fresh.setState(saved);
    this.server = fresh;
    return [];
  }
}
