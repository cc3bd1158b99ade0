/**
 * Faults a user injects (recorded inputs): each waits for its Nth matching message and fires once.
 * Channel faults (corrupt, drop, delay, replay, alter) match the channel's ends as on the wire;
 * server faults (crash, hang) match the server and message type. A 'delay' holds its message back
 * until a timer deadline, kept here as plain data so a snapshot holds it.
 */
import type { Fault } from '../events.js';
import { hexOf } from '../../protocol/hex.js';
import { DELAY_ID } from './deadline-ids.js';
import type { Kernel } from './kernel.js';

export interface ArmedFault {
  readonly fault: Fault;
  /** Matches so far. */
  seen: number;
}

/** A message a 'delay' fault holds back until timer deadline `id`. */
export interface DelayedMessage {
  readonly id: number;
  readonly from: number;
  readonly to: number;
  readonly m_type: number;
  readonly payload: string;
}

export type ChannelFault = Extract<Fault, { kind: 'corrupt' | 'drop' | 'delay' | 'replay' | 'alter' }>;

export class FaultInjector {
  armed: ArmedFault[] = [];
  delayed: DelayedMessage[] = [];
  nextDelayId = DELAY_ID;

  constructor(private readonly k: Kernel) {}

  inject(fault: Fault): void {
    this.armed.push({ fault, seen: 0 });
  }

  /** The channel fault this message triggers, if any (a fault fires once, at its Nth match). */
  channelFault(cs: number, cd: number): ChannelFault | undefined {
    for (let i = 0; i < this.armed.length; i++) {
      const f = this.armed[i];
      if (!f) continue;
      const k = f.fault;
      if (k.kind === 'crash' || k.kind === 'hang') continue;
      if (k.src === cs && k.dst === cd && ++f.seen === k.nth) {
        this.armed.splice(i, 1);
        return k;
      }
    }
    return undefined;
  }

  /** The server fault (crash or hang) this message triggers in `server`, if any. */
  serverFault(server: number, m_type: number): 'crash' | 'hang' | undefined {
    for (let i = 0; i < this.armed.length; i++) {
      const f = this.armed[i];
      if (!f) continue;
      const k = f.fault;
      if ((k.kind === 'crash' || k.kind === 'hang') && k.server === server && (k.mType === -1 || k.mType === m_type) && ++f.seen === k.nth) {
        this.armed.splice(i, 1);
        return k.kind;
      }
    }
    return undefined;
  }

  /** Hold a message back `ns` of virtual time. */
  holdBack(from: number, to: number, m_type: number, payload: Uint8Array, ns: number): void {
    const id = this.nextDelayId++;
    this.delayed.push({ id, from, to, m_type, payload: hexOf(payload) });
    this.k.dev.timer.addDeadline(id, this.k.nowNs() + ns);
  }

  /** The message held back until deadline `id` (and forget it), if any. */
  release(id: number): DelayedMessage | undefined {
    const i = this.delayed.findIndex((d) => d.id === id);
    return i < 0 ? undefined : this.delayed.splice(i, 1)[0];
  }
}
