/**
 * The hand-over of events from the machine's thread to the journal writer (row-batch.ts): rows
 * packed into typed arrays, moved through a real MessageChannel with their buffers transferred,
 * come out as exactly the rows the store makes of the events themselves (rowOf), names sent once
 * and used by later batches, byte data, bodies and odd shapes included; messages (their wire and
 * payload bytes) packed as rows like every other kind, a malformed wire verbatim; a store appending the
 * batches holds the same rows and hash chain as one appending the events; an event no row can
 * hold is refused where it is packed.
 */
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { MachineEvent } from '../src/core/events.js';
import { rowOf } from '../src/journal/event-row.js';
import { ROOT_BRANCH, type BranchId } from '../src/journal/ids.js';
import { RowBatchReader, RowBatchWriter, type RowBatch } from '../src/journal/row-batch.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';
import type { RawEventRow } from '../src/journal/store.js';
import { eventStream, META } from './journal-fixtures.js';

const bytes = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
const WIRE = '01000000' + '00000000' + '02000000' + '67000000' + '05000000' + '00000000' + 'ab'.repeat(24) + '14000000' + 'cd'.repeat(20);

/** Kinds whose rows use every column type: names, data, bodies, a wire kept verbatim, a shape kept whole. */
function oddEvents(icount: number): MachineEvent[] {
  return [
    { kind: 'boot', seedHex: 'ab'.repeat(32), bootEpochNs: '1750000000000000000', machineVersion: 'm', icount, seq: 0 },
    { kind: 'console-output', data: Uint8Array.of(0, 255, 7), icount, seq: 1 },
    { kind: 'ipc', src: 8, dst: 2, mType: 103, wire: bytes(WIRE), icount, seq: 2 },
    // A malformed wire (kept verbatim), an empty plaintext payload.
    { kind: 'ipc', src: 8, dst: 2, mType: 103, wire: bytes('ff00'), icount, seq: 3 },
    { kind: 'ipc', src: 8, dst: 2, mType: 103, payload: bytes(''), icount, seq: 4 },
    { kind: 'server-restart', server: 2, name: 'vfs', restarts: 1, lost: ['1 pending request(s)'], icount, seq: 5 },
    { kind: 'sched', from: -1, to: 8, reason: 'timer', icount, seq: 6 },
    // Not the shape the kernel emits (an extra field): stored whole in body, kind negated.
    { kind: 'exit', pid: 9, status: 256, extra: true, icount, seq: 7 } as unknown as MachineEvent,
    { kind: 'ipc-reject', src: 0, dst: 3, mType: 205, error: 'auth', wire: bytes(WIRE), icount, seq: 8 },
    { kind: 'ipc-reject', src: 0, dst: 3, mType: 205, error: 'malformed', wire: bytes('01000000ab'), icount, seq: 9 },
    { kind: 'ipc', src: 0, dst: 2, mType: 100, payload: bytes('00ff10'), icount, seq: 10 },
    // A message of an unexpected shape (wire and payload both): whole, its bytes as hex text in body.
    { kind: 'ipc', src: 8, dst: 2, mType: 103, wire: bytes(WIRE), payload: bytes('aa'), icount, seq: 11 },
  ];
}

/** Packs `events` in batches of `size`, sends each through a MessageChannel with its buffers transferred, and unpacks them. */
function throughChannel(events: readonly MachineEvent[], size: number, branch: BranchId = ROOT_BRANCH): RawEventRow[] {
  const { port1, port2 } = new MessageChannel();
  const writer = new RowBatchWriter(size);
  const reader = new RowBatchReader();
  const out: RawEventRow[] = [];
  const send = () => {
    const batch = writer.take();
    port1.postMessage(batch);
    // Copied, never transferred (a detach would slow every typed array of the machine's thread): the writer's arrays stay whole.
    expect(batch.numbers.buffer.byteLength).toBeGreaterThan(0);
    const got = receiveMessageOnPort(port2)!.message as RowBatch;
    // What was received is a copy: the writer's next rows go into the same arrays.
    expect(got.numbers.buffer).not.toBe(batch.numbers.buffer);
    const rowAt = reader.rows(got);
    for (let i = 0; i < got.count; i++) out.push(rowAt(i, branch, out.length));
  };
  for (const e of events) {
    writer.add(e);
    if (writer.full) send();
  }
  if (writer.count > 0) send();
  port1.close();
  port2.close();
  return out;
}

const normalized = (r: RawEventRow) => ({ ...r, data: r.data === null ? null : Buffer.from(r.data) });

describe('row batches', () => {
  it('give back exactly the rows of the events, across batches, names sent once', () => {
    const stream = eventStream(5, { ipcBytes: 200 });
    const events = [...oddEvents(0), ...stream.next(3000)];
    const rows = throughChannel(events, 256);
    expect(rows).toHaveLength(events.length);
    for (let i = 0; i < events.length; i++) expect(normalized(rows[i]!), `event ${i} (${events[i]!.kind})`).toEqual(normalized(rowOf(ROOT_BRANCH, i, events[i]!)));
    // The fixture's syscall names repeat: each went over once, in the batch that first used it.
    expect(rows.filter((r) => r.name === 'write').length).toBeGreaterThan(1);
  });

  it('a store appending the batches holds the rows, blocks and head of one appending the events', async () => {
    const events = [...oddEvents(0), ...eventStream(9, { startIcount: 1, ipcBytes: 64 }).next(2000)];
    const byEvents = await SqliteJournalStore.open(':memory:');
    const byBatches = await SqliteJournalStore.open(':memory:');
    for (const s of [byEvents, byBatches]) s.createRecording(META);
    byEvents.append(ROOT_BRANCH, events);
    byEvents.flush();
    const writer = new RowBatchWriter(512);
    const reader = new RowBatchReader();
    const appendTaken = () => {
      const batch = writer.take();
      byBatches.appendRows(ROOT_BRANCH, batch.count, reader.rows(batch));
      byBatches.flush();
    };
    for (const e of events) {
      writer.add(e);
      if (writer.full) appendTaken();
    }
    appendTaken();
    expect(byBatches.branchLength(ROOT_BRANCH)).toBe(events.length);
    expect(byBatches.rawEvents(ROOT_BRANCH, 0, events.length).map(normalized)).toEqual(byEvents.rawEvents(ROOT_BRANCH, 0, events.length).map(normalized));
    expect(byBatches.eventBlocks(ROOT_BRANCH, 0, 100)).toEqual(byEvents.eventBlocks(ROOT_BRANCH, 0, 100));
    expect(byBatches.recordedHead(ROOT_BRANCH)).toEqual(byEvents.recordedHead(ROOT_BRANCH));
    expect(byBatches.events(ROOT_BRANCH).map((s) => s.event)).toEqual(events);
    byEvents.close();
    byBatches.close();
  });

  it('pack messages as rows on the machine\'s thread: their bytes in data, no event objects in the batch', () => {
    const events = oddEvents(0);
    const writer = new RowBatchWriter(64);
    for (const e of events) writer.add(e);
    const batch = writer.take();
    // Only typed arrays, names and bodies cross to the writer thread.
    expect(Object.keys(batch).sort()).toEqual(['bodies', 'count', 'data', 'dataLengths', 'names', 'newNames', 'numbers']);
    const rows = throughChannel(events, 64);
    const hex = (r: RawEventRow) => (r.data === null ? null : Buffer.from(r.data).toString('hex'));
    // seq 2: the wire's nonce and ciphertext (form 1); 3: the malformed wire as it was (form 2);
    // 4, 10: the plaintext (form 0); 9: a malformed rejected wire verbatim; 11: kept whole.
    expect([2, 3, 4, 8, 9, 10].map((i) => [rows[i]!.kind, rows[i]!.a1])).toEqual([[3, 1], [3, 2], [3, 0], [11, 1], [11, 2], [3, 0]]);
    expect(hex(rows[2]!)).toBe('ab'.repeat(24) + 'cd'.repeat(20));
    expect(hex(rows[3]!)).toBe('ff00');
    expect(hex(rows[4]!)).toBe('');
    expect(hex(rows[9]!)).toBe('01000000ab');
    expect(hex(rows[10]!)).toBe('00ff10');
    expect(rows[11]!.kind).toBe(-3);
    expect(rows[11]!.body).toBe(`{"dst":2,"mType":103,"payloadHex":"aa","src":8,"wireHex":"${WIRE}"}`);
  });

  it('refuse an event no row can hold where it is packed, and the store refuses rows out of order', async () => {
    const writer = new RowBatchWriter(16);
    expect(() => writer.add({ kind: 'irq', line: 1, icount: -1, seq: 0 })).toThrow(/INVALID_EVENT|non-negative integers/);
    expect(() => writer.add({ kind: 'irq', line: 1, icount: '5' as unknown as number, seq: 0 })).toThrow(/non-negative integers/);
    expect(() => writer.add({ kind: 'boot', seedHex: 'x', bootEpochNs: '1', machineVersion: String(NaN), icount: 1, seq: 0, extra: NaN } as unknown as MachineEvent)).toThrow(/JSON cannot hold/);
    expect(writer.count).toBe(0);
    writer.add({ kind: 'irq', line: 1, icount: 10, seq: 0 });
    writer.add({ kind: 'irq', line: 2, icount: 9, seq: 0 });
    const store = await SqliteJournalStore.open(':memory:');
    store.createRecording(META);
    const batch = writer.take();
    expect(() => store.appendRows(ROOT_BRANCH, batch.count, new RowBatchReader().rows(batch))).toThrow(/irq event at \(icount 9, seq 0\) does not come after \(icount 10, seq 0\)/);
    expect(store.branchLength(ROOT_BRANCH)).toBe(0);
    store.close();
  });
});
