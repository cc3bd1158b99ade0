/** The Reincarnation Server behind the kernel's ServerPort. It is not restartable itself: its crash is final. */
import type { ServerOutput, ServerPort } from '../core/kernel/server-port.js';
import { WELL_KNOWN_PID, type Message } from '../protocol/message-types.js';
import { parseRsSnapshot, ReincarnationServer, type RsPolicy } from './rs/rs-server.js';
import type { RsStateView } from './server-views.js';

export class RsPort implements ServerPort {
  readonly pid = WELL_KNOWN_PID.RS;
  readonly name = 'rs';
  readonly server: ReincarnationServer;

  constructor(policy?: RsPolicy) {
    this.server = new ReincarnationServer(policy);
  }

  /** Policy and crash records as they are now, read-only (see server-views.ts). */
  view(): RsStateView {
    return this.server.getState();
  }

  receive(m: Message): ServerOutput[] {
    return this.server.receive(m);
  }

  getState(): unknown {
    return this.server.getState();
  }

  checkState(state: unknown): void {
    parseRsSnapshot(state);
  }

  setState(state: unknown): void {
    this.server.setState(state);
  }
}
