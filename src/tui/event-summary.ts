/**
 * One short line per event for the event list: the line `xrr events --decode` and `xrr diff` print
 * (src/export/decode-event.ts: IPC by type name and decoded fields, console bytes as text, signals
 * and trap causes by name, addresses in hex, exits as what happened), except that a sealed IPC
 * message is opened with the keys at the TUI's cursor. The text filter (`/`) searches this line
 * too, so what one sees is what one can find.
 */
import type { MachineEvent } from '../core/events.js';
import { summaryOf } from '../export/decode-event.js';
import { describeMessage } from '../protocol/describe-message.js';
import type { IpcOpener } from './ipc-open.js';

export function eventSummary(e: MachineEvent, open?: IpcOpener): string {
  if (e.kind !== 'ipc') return summaryOf(e);
  const payload = payloadOf(e, open);
  if (payload === null) return summaryOf(e);
  const v = describeMessage({ m_source: e.src, m_type: e.mType, payload });
  return `ipc ${e.src}->${e.dst} ${v.summary.replace(/ from \d+/, '')}`;
}

/** The message's bytes: its plaintext, or its wire opened with the keys at the cursor; null while sealed. */
function payloadOf(e: Extract<MachineEvent, { kind: 'ipc' }>, open: IpcOpener | undefined): Uint8Array | null {
  if (e.payload !== undefined) return e.payload;
  if (e.wire === undefined || !open) return null;
  const opened = open(e.wire);
  return opened.ok ? opened.payload : null;
}
