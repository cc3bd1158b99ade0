/**
 * One stored event decoded for printing: a one-line summary (IPC by message type and decoded
 * fields, console bytes as text) and, for a sealed IPC message, what opening it gave. The line is
 * the one `xrr diff` shows; `xrr export --decode` and `xrr events --decode` print it too.
 */
import { deadlockText, schedulePolicyText, type MachineEvent } from '../core/events.js';
import { syscallName } from '../core/syscall-numbers.js';
import type { BranchId } from '../journal/ids.js';
import type { JournalStore } from '../journal/store.js';
import { describeMessage, type MessageView } from '../protocol/describe-message.js';
import { hexAddr } from '../protocol/hex.js';
import { messageTypeName } from '../protocol/message-types.js';
import { JournalWires, type OpenedWire } from './journal-wires.js';
import { signalName, trapCauseName, waitStatusText } from './number-names.js';

export interface DecodedEvent {
  readonly summary: string;
  /** IPC only: the message decoded field by field (from the plaintext, or the opened wire). */
  readonly message?: MessageView;
  /** IPC only, sealed: how opening the wire went. */
  readonly opened?: OpenedWire;
}

const arg = (n: number) => (Math.abs(n) < 4096 ? String(n) : hexAddr(n));

/** Console bytes as a JSON string of their Latin-1 text (every byte shows, none is lost). */
export function consoleText(data: Uint8Array): string {
  return JSON.stringify(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1'));
}

function typeName(mType: number): string {
  return messageTypeName(mType) ?? `type ${mType}`;
}

/** Decodes the events of one timeline; keeps its journaled keys. */
export class EventDecoder {
  readonly wires: JournalWires;

  constructor(store: JournalStore, branch: BranchId) {
    this.wires = new JournalWires(store, branch);
  }

  /** The message an IPC event carried, decoded; undefined for other kinds or a wire that does not open. */
  message(e: MachineEvent): { readonly view?: MessageView; readonly opened?: OpenedWire } {
    if (e.kind !== 'ipc' && e.kind !== 'ipc-reject') return {};
    const payload = e.kind === 'ipc' ? e.payload : undefined;
    if (payload !== undefined) return { view: describeMessage({ m_source: e.src, m_type: e.mType, payload }) };
    if (e.wire === undefined) return {};
    const opened = this.wires.open(e.wire, e.icount);
    if (!opened.ok) return { opened };
    return { opened, view: describeMessage({ m_source: e.src, m_type: e.mType, payload: opened.payload }) };
  }

  decode(e: MachineEvent): DecodedEvent {
    if (e.kind === 'ipc' || e.kind === 'ipc-reject') {
      const { view, opened } = this.message(e);
      const body = view ? view.summary.replace(/ from \d+/, '') : `${typeName(e.mType)} (sealed${opened && !opened.ok ? `: ${opened.error}` : ''})`;
      const line = e.kind === 'ipc' ? `ipc ${e.src}->${e.dst} ${body}` : `ipc-reject ${e.src}->${e.dst} ${body}: ${e.error}`;
      return { summary: line, message: view, opened };
    }
    return { summary: summaryOf(e) };
  }
}

/** The one-line summary of any event but IPC (which needs keys: EventDecoder.decode). */
export function summaryOf(e: MachineEvent): string {
  switch (e.kind) {
    case 'boot': return `boot ${e.machineVersion} seed ${e.seedHex.slice(0, 8)} epoch ${e.bootEpochNs}`;
    case 'console-input': return `input ${consoleText(e.data)}`;
    case 'console-output': return `output ${consoleText(e.data)}`;
    case 'idle': return `idle ${e.skippedNs} ns (host wait)`;
    case 'timer-skip': return `timer-skip ${e.skippedNs} ns`;
    case 'irq': return `irq line ${e.line}`;
    case 'sched': return `sched ${e.from} -> ${e.to} (${e.reason})`;
    case 'syscall': return `syscall ${e.pid} ${e.name || syscallName(e.nr) || e.nr}(${e.args.slice(0, 3).map(arg).join(', ')})`;
    case 'syscall-return': return `sysret ${e.pid} ${syscallName(e.nr) ?? e.nr} = ${arg(e.result)}`;
    case 'ipc': return `ipc ${e.src}->${e.dst} ${typeName(e.mType)}${e.wire !== undefined ? ' (sealed)' : ''}`;
    case 'ipc-reject': return `ipc-reject ${e.src}->${e.dst} ${typeName(e.mType)}: ${e.error}`;
    case 'ipc-denied': return `ipc-denied ${e.src}->${e.dst} ${typeName(e.mType)}: ${e.reason}`;
    case 'ipc-fault': return `ipc-fault ${e.fault} ${e.src}->${e.dst} ${typeName(e.mType)}`;
    case 'channel': return `channel ${e.initiator} <-> ${e.responder}`;
    case 'server-crash': return `SERVER CRASH ${e.name} (${e.cause}) on ${typeName(e.mType)} from ${e.source}: ${e.error}`;
    case 'server-restart': return `server-restart ${e.name} #${e.restarts}${e.lost.length > 0 ? ` (lost: ${e.lost.join('; ')})` : ''}`;
    case 'server-down': return `SERVER DOWN ${e.name}: ${e.reason}`;
    case 'inject': return `inject ${JSON.stringify(e.fault)}`;
    case 'chaos': return e.seed === 0 ? 'chaos scheduling off' : `chaos scheduling, seed ${e.seed}`;
    case 'trap': return `TRAP pid ${e.pid} ${trapCauseName(e.cause)} pc ${hexAddr(e.pc)} tval ${hexAddr(e.tval)}`;
    case 'signal': return `signal pid ${e.pid} ${signalName(e.signo)} ${e.action}`;
    case 'fork': return `fork ${e.parent} -> ${e.child}`;
    case 'exec': return `exec ${e.pid} ${e.path}`;
    case 'exit': return `exit ${e.pid} ${waitStatusText(e.status)}`;
    case 'halt': return `HALT ${e.reason} status ${e.status}`;
    case 'schedule': return `scheduling: ${schedulePolicyText(e.policy)}`;
    case 'deadlock': return `DEADLOCK ${deadlockText(e.waiting)}`;
    default: {
      const _exhaustive: never = e;
      return (_exhaustive as { kind: string }).kind;
    }
  }
}
