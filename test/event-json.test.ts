/**
 * A message event holds its wire and payload as bytes; everything that shows an event as JSON or
 * text shows them as hex text under the names they always had (`wireHex`, `payloadHex`):
 * `xrr events --json` and the JSON lines export, `xrr events`, divergence messages, explore's
 * timeline comparison, the TUI's detail pane, and the diff's comparison of meaning. A recording
 * written when events held hex text (the committed schema-3 fixture) exports, line for line, the
 * fields its rows held.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { eventFieldsOfJson, eventJsonText, jsonOfEvent } from '../src/core/event-json.js';
import type { MachineEvent } from '../src/core/events.js';
import { formatEvent } from '../src/cli/commands/events.js';
import { contentKey, sameMeaning } from '../src/diff/event-meaning.js';
import { exportJsonl, jsonlRecord } from '../src/export/jsonl.js';
import { JournalWires } from '../src/export/journal-wires.js';
import { eventKey } from '../src/explore/timeline-compare.js';
import { MemoryJournalStore, ROOT_BRANCH, SqliteJournalStore, type StoredEvent } from '../src/journal/index.js';
import { describeDivergence } from '../src/timeline/divergence.js';
import { eventDetailLines } from '../src/tui/event-detail.js';
import { META } from './journal-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'xrr-event-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
const WIRE_HEX = '01000000' + '00000000' + '02000000' + '67000000' + '05000000' + '00000000' + 'ab'.repeat(24) + '14000000' + 'cd'.repeat(20);

const sealed: MachineEvent = { kind: 'ipc', src: 8, dst: 2, mType: 103, wire: bytes(WIRE_HEX), icount: 7, seq: 2 };
const plain: MachineEvent = { kind: 'ipc', src: 0, dst: 2, mType: 100, payload: bytes('00ff10'), icount: 9, seq: 0 };
const reject: MachineEvent = { kind: 'ipc-reject', src: 0, dst: 3, mType: 205, error: 'auth', wire: bytes('01000000ab'), icount: 8, seq: 0 };

describe('events as JSON', () => {
  it('byte fields are hex text under their JSON names, the other fields as they are, in their order', () => {
    expect(eventJsonText(sealed)).toBe(`{"kind":"ipc","src":8,"dst":2,"mType":103,"wireHex":"${WIRE_HEX}","icount":7,"seq":2}`);
    expect(eventJsonText(plain)).toBe('{"kind":"ipc","src":0,"dst":2,"mType":100,"payloadHex":"00ff10","icount":9,"seq":0}');
    expect(eventJsonText(reject)).toBe('{"kind":"ipc-reject","src":0,"dst":3,"mType":205,"error":"auth","wireHex":"01000000ab","icount":8,"seq":0}');
    expect(eventJsonText(null)).toBe('null');
    // An event without bytes is given back as it is.
    const exit: MachineEvent = { kind: 'exit', pid: 9, status: 0, icount: 1, seq: 0 };
    expect(jsonOfEvent(exit)).toBe(exit);
    // And back: hex text becomes bytes again; text that is not lowercase hex stays text.
    expect(eventFieldsOfJson('ipc', JSON.parse(eventJsonText(sealed)) as Record<string, unknown>)).toEqual(sealed);
    expect(eventFieldsOfJson('ipc', { wireHex: 'AB', payloadHex: 'abc' })).toEqual({ wireHex: 'AB', payloadHex: 'abc' });
    // Console bytes: an array of numbers, as always.
    const out: MachineEvent = { kind: 'console-output', data: bytes('68690a'), icount: 3, seq: 0 };
    expect(eventJsonText(out)).toBe('{"kind":"console-output","data":[104,105,10],"icount":3,"seq":0}');
    expect(eventFieldsOfJson('console-output', JSON.parse(eventJsonText(out)) as Record<string, unknown>)).toEqual(out);
    expect(eventFieldsOfJson('console-input', { data: [1, 300] })).toEqual({ data: [1, 300] });
    // A field named like an Object.prototype member is just a field.
    expect(eventFieldsOfJson('ipc', { constructor: 'ab', wireHex: 'ab' })).toEqual({ constructor: 'ab', wire: bytes('ab') });
    // Only the kinds whose fields they are.
    expect(eventFieldsOfJson('exit', { data: [1], wireHex: 'ab' })).toEqual({ data: [1], wireHex: 'ab' });
  });

  it('a divergence message shows the wire as hex text, not an object of indexes', () => {
    const text = describeDivergence({ seq: 12, expected: sealed, actual: { ...sealed, wire: bytes('ff') }, icount: 7 });
    expect(text).toBe(`replay diverged at event 12: expected {"kind":"ipc","src":8,"dst":2,"mType":103,"wireHex":"${WIRE_HEX}","icount":7,"seq":2}, got {"kind":"ipc","src":8,"dst":2,"mType":103,"wireHex":"ff","icount":7,"seq":2}`);
    expect(text).not.toContain('"0":');
  });

  it('xrr events lines and the JSON lines export name the fields as before', async () => {
    expect(formatEvent(sealed)).toBe(`           7:2   ipc             src=8 dst=2 mType=VFS_WRITE wireHex=${WIRE_HEX.slice(0, 48)}...`);
    expect(formatEvent(plain)).toContain('payloadHex="00ff10"');
    const store = await MemoryJournalStore.create();
    store.createRecording(META);
    store.append(ROOT_BRANCH, [sealed, plain, reject].sort((a, b) => a.icount - b.icount));
    store.flush();
    const lines = [...exportJsonl(store, ROOT_BRANCH)].map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l['kind'], l['wireHex'], l['payloadHex']])).toEqual([
      ['ipc', WIRE_HEX, undefined],
      ['ipc-reject', '01000000ab', undefined],
      ['ipc', undefined, '00ff10'],
    ]);
    for (const l of lines) expect(l).not.toHaveProperty('wire');
    const s: StoredEvent = store.events(ROOT_BRANCH)[0]!;
    expect(JSON.stringify(jsonlRecord(s, null))).toBe(`{"journalSeq":0,"pid":8,"src":8,"dst":2,"mType":103,"wireHex":"${WIRE_HEX}","kind":"ipc","icount":7,"seq":2,"named":{"mType":"VFS_WRITE"}}`);
    store.close();
  });

  it('explore\'s timeline comparison and the detail pane show hex text; equal bytes compare equal', () => {
    const copy: MachineEvent = { ...sealed, wire: bytes(WIRE_HEX) };
    expect(eventKey(sealed)).toBe(`{"dst":2,"icount":7,"kind":"ipc","mType":103,"src":8,"wireHex":"${WIRE_HEX}"}`);
    expect(eventKey(copy)).toBe(eventKey(sealed));
    expect(eventKey({ ...sealed, wire: bytes('ff') })).not.toBe(eventKey(sealed));
    const lines = eventDetailLines(sealed, 3);
    expect(lines).toContain(`  wireHex (${WIRE_HEX.length / 2} bytes):`);
    expect(lines).toContain(`    ${WIRE_HEX.slice(0, 32).replace(/(..)/g, '$1 ').trimEnd()}`);
    expect(eventDetailLines(plain, 4)).toContain('  payloadHex: 00ff10');
  });

  it('the diff compares plaintext by its hex text and wires by what they open to', async () => {
    const store = await MemoryJournalStore.create();
    store.createRecording(META);
    const wires = new JournalWires(store, ROOT_BRANCH);
    expect(contentKey(plain, wires)).toBe('{"dst":2,"kind":"ipc","mType":100,"payloadHex":"00ff10","src":0,}');
    expect(contentKey(reject, wires)).toBe('{"dst":3,"error":"auth","kind":"ipc-reject","mType":205,"src":0,"sealed":{"error":"malformed","wire":"01000000ab"}}');
    expect(sameMeaning(plain, wires, { ...plain, payload: bytes('00ff10') }, wires, true)).toBe(true);
    expect(sameMeaning(plain, wires, { ...plain, payload: bytes('00ff11') }, wires, true)).toBe(false);
    store.close();
  });

  it('a recording written when events held hex text exports the fields its rows held, text for text', async () => {
    // test/fixtures/schema3-recording.db: every event's fields as the JSON payload xrr wrote then.
    const path = join(dir, 'schema3.db');
    copyFileSync(new URL('./fixtures/schema3-recording.db', import.meta.url).pathname, path);
    const db = new Database(path, { readonly: true });
    const payloads = db.prepare('SELECT kind, payload FROM event WHERE branch = 1 ORDER BY seq').all() as { kind: string; payload: string }[];
    db.close();
    const store = await SqliteJournalStore.open(path);
    const lines = [...exportJsonl(store, ROOT_BRANCH)].map((l) => JSON.parse(l) as Record<string, unknown>);
    store.close();
    expect(lines).toHaveLength(payloads.length);
    let messages = 0;
    for (const [i, p] of payloads.entries()) {
      const fields = JSON.parse(p.payload) as Record<string, unknown>;
      if ('wireHex' in fields) messages++;
      expect(lines[i], `event ${i}`).toMatchObject({ ...fields, kind: p.kind });
    }
    expect(messages).toBeGreaterThan(100);
  });
});
