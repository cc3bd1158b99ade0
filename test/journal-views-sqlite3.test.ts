/**
 * The views answer with the sqlite3 shell alone (the real `sqlite3` binary, not the library the
 * store links): schema 9 keeps byte data in event_data segments, the JSON of rare kinds in
 * `data`, and most syscall names in syscall_name, and v_event, v_ipc (wire_hex byte for byte),
 * v_console, v_syscalls and v_crashes must still give every event back as the store does.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MachineEvent } from '../src/core/events.js';
import { jsonOfEvent } from '../src/core/event-json.js';
import { icount, journalSeq, ROOT_BRANCH, SqliteJournalStore, type BranchId, type StoredEvent } from '../src/journal/index.js';
import { eventStream, META } from './journal-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'xrr-views-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = join(dir, 'views.db');

/** Rows of `sql` as the sqlite3 shell prints them in JSON mode. */
function sqlite3(sql: string): Record<string, unknown>[] {
  const out = execFileSync('sqlite3', ['-readonly', '-json', path, sql], { encoding: 'utf8', maxBuffer: 256 << 20 });
  return out.trim() === '' ? [] : (JSON.parse(out) as Record<string, unknown>[]);
}

const bytes = (n: number, from: number): number[] => Array.from({ length: n }, (_, i) => (from + i * 7) % 256);

/** Events the stream does not make: large plaintext and console data, odd syscall names, rare kinds. */
function extras(at: number): MachineEvent[] {
  return [
    { kind: 'console-output', data: Uint8Array.from(bytes(300, 32).map((b) => 32 + (b % 90))), icount: at, seq: 0 },
    { kind: 'ipc', src: 0, dst: 2, mType: 106, payload: Uint8Array.from(bytes(200, 1)), icount: at, seq: 1 },
    { kind: 'ipc', src: 2, dst: 0, mType: 150, payload: new Uint8Array(0), icount: at, seq: 2 },
    // The same number under another name than the first recorded for it: kept in the row.
    { kind: 'syscall', pid: 8, nr: 6, name: 'write-renamed', args: [1, 2, 3, 4, 5, 6], icount: at, seq: 3 },
    { kind: 'syscall-return', pid: 8, nr: 6, result: -9, icount: at, seq: 4 },
    { kind: 'server-crash', server: 2, name: 'vfs', cause: 'threw', mType: 103, source: 0, error: 'injected crash', icount: at, seq: 5 },
    { kind: 'deadlock', waiting: [{ pid: 8, name: 'sh', wait: 'receive from 2' }], icount: at, seq: 6 } as unknown as MachineEvent,
    { kind: 'console-output', data: new Uint8Array(0), icount: at, seq: 7 },
    { kind: 'halt', reason: 'init exited', status: 3, icount: at + 1, seq: 0 },
  ];
}

let events: Map<number, StoredEvent[]>;

beforeAll(async () => {
  const s = await SqliteJournalStore.open(path, { flushEvery: 500 });
  s.createRecording(META);
  // Sealed wires of 600 and 4,000 bytes: in segments, across several commits.
  const main = eventStream(7, { startIcount: 10, ipcBytes: 600 }).next(1500);
  const big = eventStream(8, { startIcount: main[main.length - 1]!.icount + 1, ipcBytes: 4000 }).next(300);
  s.append(ROOT_BRANCH, main);
  s.append(ROOT_BRANCH, big);
  s.append(ROOT_BRANCH, extras(big[big.length - 1]!.icount + 1));
  const fork = s.createBranch({ parent: ROOT_BRANCH, forkIcount: icount(main[999]!.icount), forkSeq: journalSeq(1000), label: 'fork' });
  const own = eventStream(9, { startIcount: main[999]!.icount + 1, ipcBytes: 900 }).next(400);
  s.append(fork.id, own);
  s.append(fork.id, extras(own[own.length - 1]!.icount + 1));
  s.flush();
  events = new Map([
    [1, s.events(ROOT_BRANCH)],
    [2, s.events(fork.id as BranchId).filter((e) => e.seq >= 1000)],
  ]);
  const segments = s.database.prepare('SELECT count(*) AS n, max(length(bytes)) AS max FROM event_data').get() as { n: number; max: number };
  expect(segments.n).toBeGreaterThan(3);
  s.close();
}, 60_000);

describe('the views, read with the sqlite3 shell', () => {
  it('v_event gives every event back as the store does', () => {
    const rows = sqlite3('SELECT branch, seq, kind, icount, seq_in_icount, payload FROM v_event ORDER BY branch, seq');
    for (const b of [1, 2]) {
      const viaSql = rows.filter((r) => r.branch === b).map((r) => ({ seq: r.seq, event: { ...(JSON.parse(r.payload as string) as object), kind: r.kind, icount: r.icount, seq: r.seq_in_icount } }));
      // The view's JSON is the event's JSON form: a message's bytes as wireHex, payloadHex text.
      expect(viaSql).toEqual(events.get(b)!.map((e) => ({ seq: e.seq, event: jsonOfEvent(e.event) })));
    }
  });

  it('v_ipc rebuilds every wire byte for byte, and the plaintext payloads', () => {
    const rows = sqlite3('SELECT branch, seq, src, dst, m_type, sealed, bytes, payload_hex, wire_hex FROM v_ipc ORDER BY branch, seq');
    const want = [1, 2].flatMap((b) =>
      events.get(b)!.flatMap((e) => {
        const m = e.event;
        if (m.kind !== 'ipc') return [];
        const sealed = m.wire !== undefined;
        const n = sealed ? m.wire!.length - 68 : (m.payload?.length ?? 0);
        const hexOf = (b: Uint8Array | undefined) => (b === undefined ? null : Buffer.from(b).toString('hex'));
        return [{ branch: b, seq: e.seq, src: m.src, dst: m.dst, m_type: m.mType, sealed: sealed ? 1 : 0, bytes: n, payload_hex: sealed ? null : hexOf(m.payload), wire_hex: sealed ? hexOf(m.wire) : null }];
      }),
    );
    expect(rows.length).toBeGreaterThan(500);
    expect(rows).toEqual(want);
  });

  it('v_console, v_syscalls and v_crashes answer from the new layout', () => {
    const consoleRows = sqlite3("SELECT branch, seq, bytes, text FROM v_console WHERE kind = 'console-output' ORDER BY branch, seq");
    const wantConsole = [1, 2].flatMap((b) =>
      events.get(b)!.flatMap((e) => (e.event.kind === 'console-output' ? [{ branch: b, seq: e.seq, bytes: e.event.data.length, text: Buffer.from(e.event.data).toString('latin1') }] : [])),
    );
    expect(consoleRows).toEqual(wantConsole);
    expect(consoleRows.some((r) => r.bytes === 300)).toBe(true);
    const calls = sqlite3('SELECT branch, seq, pid, nr, name, args FROM v_syscalls ORDER BY branch, seq');
    const wantCalls = [1, 2].flatMap((b) =>
      events.get(b)!.flatMap((e) => (e.event.kind === 'syscall' ? [{ branch: b, seq: e.seq, pid: e.event.pid, nr: e.event.nr, name: e.event.name, args: JSON.stringify(e.event.args) }] : [])),
    );
    expect(calls).toEqual(wantCalls);
    expect(calls.filter((c) => c.name === 'write-renamed')).toHaveLength(2);
    const renamed = sqlite3("SELECT result FROM v_syscalls WHERE name = 'write-renamed'");
    expect(renamed).toEqual([{ result: -9 }, { result: -9 }]);
    const crashes = sqlite3("SELECT branch, kind, what FROM v_crashes WHERE kind IN ('server-crash', 'deadlock', 'halt') ORDER BY branch, seq");
    expect(crashes).toEqual(
      [1, 2].flatMap((branch) => [
        { branch, kind: 'server-crash', what: 'server vfs crashed (threw): injected crash' },
        { branch, kind: 'deadlock', what: 'deadlock: 8 sh: receive from 2' },
        { branch, kind: 'halt', what: 'halt: init exited (status 3)' },
      ]),
    );
  });
});
