/**
 * The Reincarnation Server (pid 7): decides what happens to a server that crashed. It keeps, per
 * server, the virtual times of its recent crashes and its restart count, and answers the kernel's
 * RS_CRASHED with a decision:
 *   - restart after a backoff that doubles with each crash inside the window (base, 2 base, 4 base...);
 *   - give up once `limit` crashes fall inside `windowNs` of virtual time: the server stays down.
 * The kernel carries the decision out (it owns the servers' mailboxes and the timer) and reports
 * RS_RESTARTED when the fresh instance is up. Pure state, plain data, no clock of its own: the kernel
 * passes virtual time in the messages.
 */
import { ERRNO } from '../../protocol/errno.js';
import { RS_MSG, WELL_KNOWN_PID, type Message } from '../../protocol/message-types.js';
import { RS_PROTOCOL, type RsDecision } from '../../protocol/rs-protocol.js';
import { StateValue, uniqueBy } from '../../core/state-check.js';

export interface RsPolicy {
  /** Crashes inside the window that make the RS give up. */
  readonly limit: number;
  readonly windowNs: number;
  /** Backoff before the first restart; doubles with each further crash inside the window. */
  readonly backoffNs: number;
}

export const DEFAULT_RS_POLICY: RsPolicy = { limit: 3, windowNs: 10_000_000_000, backoffNs: 10_000_000 };

export interface RsServerRecord {
  readonly server: number;
  /** Virtual ns of the crashes still inside the window, oldest first. */
  readonly crashesNs: readonly number[];
  readonly restarts: number;
  readonly state: 'up' | 'restarting' | 'down';
}

export interface RsSnapshot {
  readonly version: 1;
  readonly policy: RsPolicy;
  readonly servers: readonly RsServerRecord[];
}

/** Reads and checks a saved Reincarnation Server state; a bad field is a StateError naming it. */
export function parseRsSnapshot(raw: unknown, root = 'rs'): RsSnapshot {
  const s = StateValue.root(raw, root);
  s.version(1);
  const p = s.at('policy');
  const policy: RsPolicy = { limit: p.at('limit').int(1, 1_000_000), windowNs: p.at('windowNs').count(), backoffNs: p.at('backoffNs').count() };
  const servers = s.at('servers').array().map((v): RsServerRecord => ({
    server: v.at('server').pid(),
    crashesNs: v.at('crashesNs').array().map((t) => t.count()),
    restarts: v.at('restarts').count(),
    state: v.at('state').oneOf(['up', 'restarting', 'down'] as const),
  }));
  uniqueBy(servers, (r) => r.server, `${root}.servers`, 'server');
  return { version: 1, policy, servers };
}

export type RsOutput = { readonly kind: 'reply'; readonly to: number; readonly message: Message };

export class ReincarnationServer {
  readonly pid = WELL_KNOWN_PID.RS;
  readonly name = 'rs';
  private records = new Map<number, RsServerRecord>();

  constructor(private policy: RsPolicy = DEFAULT_RS_POLICY) {}

  /** The decision for a crash at `nowNs` (pure in the record; updates it). */
  crashed(server: number, nowNs: number): RsDecision {
    const old = this.records.get(server) ?? { server, crashesNs: [], restarts: 0, state: 'up' as const };
    const crashesNs = [...old.crashesNs.filter((t) => nowNs - t < this.policy.windowNs), nowNs];
    if (crashesNs.length >= this.policy.limit) {
      this.records.set(server, { ...old, crashesNs, state: 'down' });
      return { action: 'give-up', restarts: old.restarts, crashes: crashesNs.length };
    }
    const restarts = old.restarts + 1;
    this.records.set(server, { ...old, crashesNs, restarts, state: 'restarting' });
    return { action: 'restart', delayNs: this.policy.backoffNs * 2 ** (crashesNs.length - 1), restarts, crashes: crashesNs.length };
  }

  restarted(server: number): void {
    const r = this.records.get(server);
    if (r) this.records.set(server, { ...r, state: 'up' });
  }

  restartsOf(server: number): number {
    return this.records.get(server)?.restarts ?? 0;
  }

  stateOf(server: number): RsServerRecord['state'] {
    return this.records.get(server)?.state ?? 'up';
  }

  receive(m: Message): RsOutput[] {
    const reply = (payload: Uint8Array): RsOutput[] => [{ kind: 'reply', to: m.m_source, message: { m_source: this.pid, m_type: RS_MSG.RS_REPLY, payload } }];
    // Only the kernel reports crashes; the capability table already refuses anyone else.
    if (m.m_source !== WELL_KNOWN_PID.KERNEL) return reply(RS_PROTOCOL.encodeErrorReply(ERRNO.EPERM));
    const req = RS_PROTOCOL.decodeRequest(m.m_type, m.payload);
    if (typeof req === 'number') return reply(RS_PROTOCOL.encodeErrorReply(req));
    if (req.kind === 'crashed') return reply(RS_PROTOCOL.encodeReply({ result: 0, decision: this.crashed(req.server, req.nowNs) }));
    this.restarted(req.server);
    return reply(RS_PROTOCOL.encodeReply({ result: 0, decision: { action: 'none' } }));
  }

  getState(): RsSnapshot {
    return { version: 1, policy: this.policy, servers: [...this.records.values()].sort((a, b) => a.server - b.server) };
  }

  /** Restores a saved state after checking every field (a StateError names a bad one). */
  setState(raw: unknown): void {
    const s = parseRsSnapshot(raw);
    this.policy = { ...s.policy };
    this.records = new Map(s.servers.map((r) => [r.server, { ...r, crashesNs: [...r.crashesNs] }]));
  }
}
