/**
 * A timeline as JSON lines, one event a line, for scripts (jq, pandas): the event's fields with its
 * timeline position (`journalSeq`; a message's bytes as hex text, `wireHex` and `payloadHex`), a
 * `named` object with the names of its numbers (hex addresses, message types, signals:
 * number-names.ts), and with `decode` a `decoded` object: the one-line summary and, for IPC, the
 * message's fields opened with the recording's journaled keys.
 */
import { jsonOfEvent } from '../core/event-json.js';
import type { BranchId, JournalSeq } from '../journal/ids.js';
import type { JournalStore, StoredEvent } from '../journal/store.js';
import { EventDecoder } from './decode-event.js';
import { namedFields } from './number-names.js';

export interface JsonlOptions {
  readonly decode?: boolean;
}

/** The JSON object of one event (what one line holds). */
export function jsonlRecord(s: StoredEvent, decoder: EventDecoder | null): Record<string, unknown> {
  const line: Record<string, unknown> = { journalSeq: s.seq, pid: s.pid, ...jsonOfEvent(s.event) };
  // The numbers stay exact; their names (hex addresses, message types, signals) go beside them.
  const named = namedFields(s.event);
  if (Object.keys(named).length > 0) line['named'] = named;
  if (decoder) {
    const d = decoder.decode(s.event);
    line['decoded'] = {
      summary: d.summary,
      ...(d.message ? { message: { type: d.message.typeName, direction: d.message.direction, fields: d.message.fields, ...(d.message.error ? { error: d.message.error } : {}) } } : {}),
      ...(d.opened && !d.opened.ok ? { sealed: d.opened.error } : {}),
      ...(d.opened?.ok ? { party: d.opened.party, wireSeq: d.opened.wireSeq } : {}),
    };
  }
  return line;
}

/** Lines of the timeline, lazily (a recording may hold millions of events). */
export function* exportJsonl(store: JournalStore, branch: BranchId, options: JsonlOptions = {}): Generator<string> {
  const decoder = options.decode ? new EventDecoder(store, branch) : null;
  for (const s of store.iterateEvents(branch, { fromSeq: 0 as JournalSeq })) yield JSON.stringify(jsonlRecord(s, decoder));
}
