/**
 * The detail pane's text for one event: every field, one a line, an IPC payload decoded field by
 * field (opened with the channel keys when it was sealed). Numbers follow one convention: hex for
 * addresses and instruction bits, names for message types, signals and trap causes (with the
 * number beside them), wait statuses as what happened.
 */
import type { MachineEvent } from '../core/events.js';
import { describeMessage } from '../protocol/describe-message.js';
import { bytesOfHex } from '../protocol/hex.js';
import { fieldText } from '../export/number-names.js';
import type { IpcOpener } from './ipc-open.js';

/** Every field of an event, one a line; IPC payloads decoded field by field. */
export function eventDetailLines(e: MachineEvent, journalSeq: number, open?: IpcOpener): string[] {
  const head = `event ${journalSeq}: ${e.kind} at icount ${e.icount} (seq in icount ${e.seq})`;
  const fields: string[] = [];
  for (const [k, v] of Object.entries(e)) {
    if (k === 'kind' || k === 'icount' || k === 'seq') continue;
    if (k === 'data' && Array.isArray(v)) {
      const bytes = Uint8Array.from(v.filter((b): b is number => typeof b === 'number'));
      fields.push(`  data (${bytes.length} bytes): ${JSON.stringify(Buffer.from(bytes).toString('latin1'))}`);
      continue;
    }
    if (typeof v === 'string' && v.length > 64 && /^[0-9a-f]+$/.test(v)) {
      fields.push(`  ${k} (${v.length / 2} bytes):`);
      for (let i = 0; i < v.length; i += 32) fields.push(`    ${v.slice(i, i + 32).replace(/(..)/g, '$1 ').trimEnd()}`);
      continue;
    }
    fields.push(`  ${k}: ${fieldText(e, k, v)}`);
  }
  // The decoded message first: the raw fields (the sealed wire in hex) are below it.
  return [head, ...ipcLines(e, open), ...fields];
}

function ipcLines(e: MachineEvent, open: IpcOpener | undefined): string[] {
  if (e.kind !== 'ipc' && e.kind !== 'ipc-reject') return [];
  const out: string[] = [];
  let payload: Uint8Array | null = null;
  if (e.kind === 'ipc' && e.payloadHex !== undefined) payload = bytesOfHex(e.payloadHex);
  else if (e.wireHex !== undefined) {
    const opened = open?.(e.wireHex);
    if (opened?.ok) {
      payload = opened.payload;
      out.push(`  opened with ${opened.via === 'cursor' ? 'the channel keys at the cursor' : 'a journaled channel key (channel_key)'}: ${payload.length} bytes${opened.party !== undefined ? `, kernel channel for pid ${opened.party}` : ''}`);
    } else out.push(`  sealed wire: ${opened ? opened.error : 'seek to see it decrypted (needs the machine at the cursor)'}`);
  }
  if (payload) {
    const view = describeMessage({ m_source: e.src, m_type: e.mType, payload });
    out.push(`  decoded: ${view.typeName} (${view.direction}, ${view.size} bytes)`);
    if (view.error) out.push(`    malformed: ${view.error}`);
    for (const f of view.fields) out.push(`    ${f.name.padEnd(10)} ${f.layout.padEnd(12)} ${f.value}`);
  }
  return out;
}
