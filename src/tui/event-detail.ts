/**
 * The detail pane's text for one event: every field, one a line, an IPC payload decoded field by
 * field (opened with the channel keys when it was sealed). Numbers follow one convention: hex for
 * addresses and instruction bits, names for message types, signals and trap causes (with the
 * number beside them), wait statuses as what happened.
 */
import type { MachineEvent } from '../core/events.js';
import { describeMessage } from '../protocol/describe-message.js';
import { hexAddr } from '../protocol/hex.js';
import { jsonOfEvent } from '../core/event-json.js';
import { fieldText } from '../export/number-names.js';
import type { IpcOpener } from './ipc-open.js';

/**
 * Function names for the detail pane (guest-symbols.ts at the cursor): a pc of a process's
 * image, and a process's call stack when the machine at the cursor is at the event.
 */
export interface DetailSymbols {
  /** `function+0x1c` for `pc` in what `pid` ran at `icount`, when a function holds it. */
  at(pid: number, icount: number, pc: number): string | undefined;
  /** `pid`'s call stack, one frame a line, when the machine at the cursor is at `icount`. */
  stackAt(pid: number, icount: number): readonly string[] | undefined;
}

/** A field as the shared convention writes it, and a trap's pc with the function that holds it. */
function detailFieldText(e: MachineEvent, key: string, v: unknown, symbols: DetailSymbols | undefined): string {
  if (key === 'pc' && e.kind === 'trap' && typeof v === 'number') {
    const fn = symbols?.at(e.pid, e.icount, v);
    if (fn) return `${hexAddr(v)} (${fn})`;
  }
  return fieldText(e, key, v);
}

/** Every field of an event, one a line; IPC payloads decoded field by field. */
export function eventDetailLines(e: MachineEvent, journalSeq: number, open?: IpcOpener, symbols?: DetailSymbols): string[] {
  const head = `event ${journalSeq}: ${e.kind} at icount ${e.icount} (seq in icount ${e.seq})`;
  const fields: string[] = [];
  // The fields as JSON has them: a message's bytes as hex text (wireHex, payloadHex), shown as a dump.
  for (const [k, v] of Object.entries(jsonOfEvent(e))) {
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
    fields.push(`  ${k}: ${detailFieldText(e, k, v, symbols)}`);
  }
  // The decoded message first: the raw fields (the sealed wire in hex) are below it.
  return [head, ...ipcLines(e, open), ...guestStackLines(e, symbols), ...fields];
}

/** Where the guest was: the trapping process's stack, or the stack of the process whose request crashed a server. */
function guestStackLines(e: MachineEvent, symbols: DetailSymbols | undefined): string[] {
  const who = e.kind === 'trap' ? { pid: e.pid, what: 'trapped in' } : e.kind === 'server-crash' ? { pid: e.source, what: 'request sent from' } : null;
  if (!who || !symbols) return [];
  const stack = symbols.stackAt(who.pid, e.icount);
  if (!stack || stack.length === 0) return [];
  return [`  pid ${who.pid} ${who.what}:`, ...stack.map((l) => `    ${l}`)];
}

function ipcLines(e: MachineEvent, open: IpcOpener | undefined): string[] {
  if (e.kind !== 'ipc' && e.kind !== 'ipc-reject') return [];
  const out: string[] = [];
  let payload: Uint8Array | null = null;
  if (e.kind === 'ipc' && e.payload !== undefined) payload = e.payload;
  else if (e.wire !== undefined) {
    const opened = open?.(e.wire);
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
