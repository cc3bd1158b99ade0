/**
 * One short line per event for the event list: the kind and what matters about it, IPC
 * messages by type name and decoded fields, console bytes as text, signals and trap causes by
 * name, addresses in hex, exits as what happened (`exited 1`, not the wait status 256). The text filter (`/`)
 * searches this line too, so what one sees is what one can find.
 */
import type { MachineEvent } from '../core/events.js';
import { syscallName } from '../core/syscall-numbers.js';
import { describeMessage } from '../protocol/describe-message.js';
import { messageTypeName } from '../protocol/message-types.js';
import type { IpcOpener } from './ipc-open.js';
import { signalName, trapCauseName, waitStatusText } from './signal-names.js';
import { bytesOfHex, hexAddr } from '../protocol/hex.js';

const arg = (n: number) => (Math.abs(n) < 4096 ? String(n) : hexAddr(n));

function text(data: readonly number[]): string {
  return JSON.stringify(Buffer.from(Uint8Array.from(data)).toString('latin1'));
}

export function eventSummary(e: MachineEvent, open?: IpcOpener): string {
  switch (e.kind) {
    case 'boot': return `boot ${e.machineVersion} seed ${e.seedHex.slice(0, 8)}`;
    case 'console-input': return `input ${text(e.data)}`;
    case 'console-output': return `output ${text(e.data)}`;
    case 'idle': return `idle ${e.skippedNs} ns (host wait)`;
    case 'timer-skip': return `timer-skip ${e.skippedNs} ns`;
    case 'irq': return `irq line ${e.line}`;
    case 'sched': return `sched ${e.from} -> ${e.to} (${e.reason})`;
    case 'syscall': return `syscall ${e.pid} ${e.name || syscallName(e.nr) || e.nr}(${e.args.slice(0, 3).map(arg).join(', ')})`;
    case 'syscall-return': return `sysret ${e.pid} ${syscallName(e.nr) ?? e.nr} = ${arg(e.result)}`;
    case 'ipc': {
      if (e.payloadHex !== undefined) {
        const v = describeMessage({ m_source: e.src, m_type: e.mType, payload: bytesOfHex(e.payloadHex) });
        return `ipc ${e.src}->${e.dst} ${v.summary.replace(/ from \d+/, '')}`;
      }
      const opened = e.wireHex !== undefined && open ? open(e.wireHex) : null;
      if (opened?.ok) {
        const v = describeMessage({ m_source: e.src, m_type: e.mType, payload: opened.payload });
        return `ipc ${e.src}->${e.dst} ${v.summary.replace(/ from \d+/, '')}`;
      }
      return `ipc ${e.src}->${e.dst} ${messageTypeName(e.mType) ?? e.mType} (sealed)`;
    }
    case 'ipc-reject': return `ipc-reject ${e.src}->${e.dst} ${messageTypeName(e.mType) ?? e.mType}: ${e.error}`;
    case 'ipc-denied': return `ipc-denied ${e.src}->${e.dst} ${messageTypeName(e.mType) ?? e.mType}: ${e.reason}`;
    case 'ipc-fault': return `ipc-fault ${e.fault} ${e.src}->${e.dst} ${messageTypeName(e.mType) ?? e.mType}`;
    case 'channel': return `channel ${e.initiator} <-> ${e.responder}`;
    case 'server-crash': return `SERVER CRASH ${e.name} (${e.cause}) on ${messageTypeName(e.mType) ?? e.mType} from ${e.source}: ${e.error}`;
    case 'server-restart': return `server-restart ${e.name} #${e.restarts}`;
    case 'server-down': return `SERVER DOWN ${e.name}: ${e.reason}`;
    case 'inject': return `inject ${JSON.stringify(e.fault)}`;
    case 'chaos': return e.seed === 0 ? 'chaos scheduling off' : `chaos scheduling, seed ${e.seed}`;
    case 'trap': return `TRAP pid ${e.pid} ${trapCauseName(e.cause)} pc ${hexAddr(e.pc)} tval ${hexAddr(e.tval)}`;
    case 'signal': return `signal pid ${e.pid} ${signalName(e.signo)} ${e.action}`;
    case 'fork': return `fork ${e.parent} -> ${e.child}`;
    case 'exec': return `exec ${e.pid} ${e.path}`;
    case 'exit': return `exit ${e.pid} ${waitStatusText(e.status)}`;
    case 'halt': return `HALT ${e.reason} status ${e.status}`;
    default: {
      // Kinds added after this file (the journal grows new ones) still get a line.
      const other = e as { kind: string };
      return other.kind;
    }
  }
}
