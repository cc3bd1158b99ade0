/**
 * Whether each server is up at a timeline position, read from the supervision events before it
 * (server-crash, server-restart, server-down): a server is down from its crash until the
 * Reincarnation Server restarts it, or for good once it gives up. Read from the journal, so the
 * answer needs no machine (it shows while a seek runs) and holds for any recording.
 */
import type { MachineEvent } from '../core/events.js';
import type { BranchId, Icount, JournalSeq } from '../journal/ids.js';
import type { JournalStore } from '../journal/store.js';
import { messageTypeName, WELL_KNOWN_PID } from '../protocol/message-types.js';
import { fmt } from './text.js';

const SUPERVISION = ['server-crash', 'server-restart', 'server-down'] as const;
type Supervision = Extract<MachineEvent, { kind: (typeof SUPERVISION)[number] }>;

/** The supervised servers, by the name their events carry. */
const SERVERS: readonly (readonly [string, number])[] = [
  ['vfs', WELL_KNOWN_PID.VFS],
  ['pm', WELL_KNOWN_PID.PROC],
  ['mm', WELL_KNOWN_PID.MM],
  ['rs', WELL_KNOWN_PID.RS],
];

/** Supervision events looked at per kind: a server crashes at most a few times before it is given up. */
const LOOKBACK = 64;

export interface ServerStatus {
  readonly name: string;
  readonly pid: number;
  readonly up: boolean;
  /** `vfs  DOWN since icount 14,516 (event 273): ...`, as the servers pane shows it. */
  readonly line: string;
}

function isSupervision(e: MachineEvent): e is Supervision {
  return e.kind === 'server-crash' || e.kind === 'server-restart' || e.kind === 'server-down';
}

/** Each server's state after the events before timeline position `seq` of `branch`. */
export function serverStatuses(store: JournalStore, branch: BranchId, seq: number): ServerStatus[] {
  const last = new Map<string, { seq: number; event: Supervision }>();
  const at = seq > 0 ? store.eventAt(branch, (seq - 1) as JournalSeq) : null;
  if (at) {
    // One kind at a time with an icount range: the store's (kind, branch, icount) index answers it.
    for (const kind of SUPERVISION) {
      for (const e of store.events(branch, { kinds: [kind], fromIcount: 0 as Icount, toIcount: at.icount as Icount, order: 'desc', limit: LOOKBACK })) {
        if (e.seq >= seq || !isSupervision(e.event)) continue;
        const seen = last.get(e.event.name);
        if (!seen || seen.seq < e.seq) last.set(e.event.name, { seq: e.seq, event: e.event });
      }
    }
  }
  return SERVERS.map(([name, pid]) => {
    const l = last.get(name);
    const label = name.padEnd(4);
    if (!l) return { name, pid, up: true, line: `${label} up` };
    const e = l.event;
    const since = `since icount ${fmt(e.icount)} (event ${l.seq})`;
    switch (e.kind) {
      case 'server-crash':
        return { name, pid, up: false, line: `${label} DOWN ${since}: ${e.cause} on ${messageTypeName(e.mType) ?? `message type ${e.mType}`} from ${e.source} (${e.error}); restart pending` };
      case 'server-down':
        return { name, pid, up: false, line: `${label} DOWN for good ${since}: ${e.reason}` };
      case 'server-restart':
        return { name, pid, up: true, line: `${label} up, restarted ${e.restarts} time${e.restarts === 1 ? '' : 's'} (last at icount ${fmt(e.icount)})` };
      default: {
        const _exhaustive: never = e;
        return _exhaustive;
      }
    }
  });
}
