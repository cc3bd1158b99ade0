/** The Process Manager behind the kernel's ServerPort. */
import type { ServerContext, ServerOutput, ServerPort } from '../core/kernel/server-port.js';
import { WELL_KNOWN_PID, type Message } from './protocol/message-types.js';
import { ProcessManager } from './pm/pm-server.js';
import type { PmSnapshot } from './pm/pm-snapshot.js';

export class PmPort implements ServerPort {
  readonly pid = WELL_KNOWN_PID.PROC;
  readonly name = 'pm';
  readonly server = new ProcessManager();

  receive(m: Message, ctx: ServerContext): ServerOutput[] {
    return this.server.receive(m, { now: ctx.now, procFacts: ctx.procFacts });
  }

  getState(): unknown {
    return this.server.getState();
  }

  setState(state: unknown): void {
    this.server.setState(state as PmSnapshot);
  }
}
