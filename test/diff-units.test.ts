/**
 * The diff's parts on streams built for the purpose: the first divergence reads a logarithmic
 * number of rows of a long shared prefix (bisection, not a scan); the aligner keeps a process's
 * events paired when another process gains an event and when everything shifts in time; the
 * console diff is diff -u's.
 */
import { describe, expect, it } from 'vitest';
import type { MachineEvent } from '../src/core/events.js';
import { alignEvents } from '../src/diff/align.js';
import { editScript, unifiedDiff } from '../src/diff/console-diff.js';
import { firstDivergence, sharedPrefix } from '../src/diff/first-divergence.js';
import { sideOf, type DiffSide } from '../src/diff/side.js';
import { JournalWires } from '../src/export/journal-wires.js';
import { ROOT_BRANCH, type JournalSeq } from '../src/journal/ids.js';
import { MemoryJournalStore } from '../src/journal/memory-store.js';
import type { JournalStore, StoredEvent } from '../src/journal/store.js';
import { eventStream, META } from './journal-fixtures.js';

async function storeWith(events: readonly MachineEvent[]): Promise<MemoryJournalStore> {
  const store = await MemoryJournalStore.create({ flushEvery: 1 << 16 });
  store.createRecording(META);
  for (let i = 0; i < events.length; i += 4096) store.append(ROOT_BRANCH, events.slice(i, i + 4096));
  store.flush();
  return store;
}

/** Counts the chain-block and row-page reads the bisection makes. */
function counting(store: JournalStore): { store: JournalStore; reads: () => number } {
  let n = 0;
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if ((prop === 'timelineBlock' || prop === 'timelineRows') && typeof v === 'function') return (...args: unknown[]) => (n++, (v as (...a: unknown[]) => unknown).apply(target, args));
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { store: proxy, reads: () => n };
}

const side = (store: JournalStore): DiffSide => sideOf(store, { file: 'mem', branch: ROOT_BRANCH, branchNamed: false });

describe('first divergence', () => {
  it('finds the end of a long shared prefix by bisection over the hash chains: O(log n) row reads', async () => {
    const events = eventStream(7).next(60_000);
    const changed = [...events];
    // One derived event differs (a call's result), near the end.
    const at = changed.findIndex((e, i) => i >= 58_765 && e.kind === 'syscall-return');
    const victim = changed[at]!;
    if (victim.kind !== 'syscall-return') throw new Error('fixture');
    changed[at] = { ...victim, result: victim.result + 1 };
    const a = counting(await storeWith(events));
    const b = counting(await storeWith(changed));
    expect(sharedPrefix(side(a.store), side(b.store))).toBe(at);
    expect(a.reads()).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(60_000 / 256)));
    const wa = new JournalWires(a.store, ROOT_BRANCH);
    const r = firstDivergence(side(a.store), wa, side(b.store), new JournalWires(b.store, ROOT_BRANCH));
    expect(r.equal).toBe(false);
    if (r.equal) return;
    expect(r.foundBy).toBe('hash');
    expect([r.a?.seq, r.b?.seq]).toEqual([at, at]);
  });

  it('equal streams are identical after one comparison of the last hashes', async () => {
    const events = eventStream(3).next(10_000);
    const a = counting(await storeWith(events));
    const b = counting(await storeWith(events));
    const r = firstDivergence(side(a.store), new JournalWires(a.store, ROOT_BRANCH), side(b.store), new JournalWires(b.store, ROOT_BRANCH));
    expect(r).toMatchObject({ equal: true, identical: true, sharedPrefix: 10_000 });
    expect(a.reads()).toBe(1);
  });

  it('input events are compared apart: an extra injected fault is not the divergence', async () => {
    const events = eventStream(5).next(2_000).filter((e) => e.kind !== 'console-input' && e.kind !== 'idle');
    const extra: MachineEvent = { kind: 'inject', fault: { kind: 'crash', server: 2, mType: -1, nth: 9 }, icount: events[100]!.icount, seq: 99 };
    const withFault = [...events.slice(0, 101), extra, ...events.slice(101)];
    const a = await storeWith(events);
    const b = await storeWith(withFault);
    const r = firstDivergence(side(a), new JournalWires(a, ROOT_BRANCH), side(b), new JournalWires(b, ROOT_BRANCH));
    expect(r).toMatchObject({ equal: true, identical: false, sharedPrefix: 101 });
  });
});

let nextSeq = 0;
function stored(e: MachineEvent): StoredEvent {
  return { branch: ROOT_BRANCH, seq: nextSeq++ as JournalSeq, icount: e.icount as never, kind: e.kind, pid: null, event: e };
}
const call = (pid: number, nr: number, icount: number, result = 0): MachineEvent[] => [
  { kind: 'syscall', pid, nr, name: `sys${nr}`, args: [nr], icount, seq: 0 },
  { kind: 'syscall-return', pid, nr, result, icount, seq: 1 },
];

describe('aligned diff', () => {
  it('pairs each process with itself: an extra call in one process and a time shift leave the rest matched', async () => {
    const store = await storeWith([]);
    const wires = new JournalWires(store, ROOT_BRANCH);
    const a: MachineEvent[] = [];
    const b: MachineEvent[] = [];
    for (let i = 0; i < 50; i++) {
      a.push(...call(8, 20 + (i % 7), 1000 + i * 100), ...call(9, 40 + (i % 5), 1050 + i * 100));
      // B: process 8 makes one call more at i = 10; every later event is 16 instructions later.
      if (i === 10) b.push(...call(8, 99, 1000 + i * 100 - 8));
      const shift = i >= 10 ? 16 : 0;
      b.push(...call(8, 20 + (i % 7), 1000 + i * 100 + shift, i === 30 ? -5 : 0), ...call(9, 40 + (i % 5), 1050 + i * 100 + shift));
    }
    const r = alignEvents(a.map(stored), wires, b.map(stored), wires);
    expect(r.onlyB).toBe(2);
    expect(r.onlyA).toBe(0);
    expect(r.changed).toBe(1);
    expect(r.matched).toBe(199);
    expect(r.shifted).toBe(160 - 1);
    const changed = r.differences.find((d) => d.change === 'changed')!;
    expect(changed.track).toBe('pid 8');
    expect(changed.b!.event).toMatchObject({ kind: 'syscall-return', result: -5 });
    expect(r.differences.filter((d) => d.change === 'only-b').map((d) => d.b!.event.kind)).toEqual(['syscall', 'syscall-return']);
    expect(r.byProcess.find((t) => t.key === 'pid 9')).toMatchObject({ onlyA: 0, onlyB: 0, changed: 0, shifted: 80 });
  });

  it('agrees again after a long stretch only one side has (a whole command more), beyond the lookahead', async () => {
    const store = await storeWith([]);
    const wires = new JournalWires(store, ROOT_BRANCH);
    const a: MachineEvent[] = [];
    const b: MachineEvent[] = [];
    for (let i = 0; i < 40; i++) a.push(...call(8, 20 + (i % 6), 1000 + i * 10));
    for (let i = 0; i < 20; i++) b.push(...call(8, 20 + (i % 6), 1000 + i * 10));
    // 700 calls only B made, as many distinct as the pattern allows, then the same tail as A.
    for (let k = 0; k < 700; k++) b.push(...call(8, 60 + (k % 9), 5000 + k));
    for (let i = 20; i < 40; i++) b.push(...call(8, 20 + (i % 6), 9000 + i * 10));
    const r = alignEvents(a.map(stored), wires, b.map(stored), wires);
    expect(r).toMatchObject({ onlyA: 0, onlyB: 1400, changed: 0, matched: 80, resyncs: 1 });
    expect(r.shifted).toBe(40);
  });
});

describe('console diff', () => {
  it('is a shortest edit script, printed as diff -u prints it', () => {
    expect(editScript(['a', 'b', 'c'], ['a', 'c']).map((e) => e.op + e.line)).toEqual([' a', '-b', ' c']);
    expect(unifiedDiff('x\ny\n', 'x\ny\n', 'A', 'B')).toEqual([]);
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`);
    const other = [...lines.slice(0, 9), ...lines.slice(10), 'line 20'];
    expect(unifiedDiff(lines.join('\r\n') + '\r\n', other.join('\n') + '\n', 'A', 'B')).toEqual([
      '--- A', '+++ B',
      '@@ -7,7 +7,6 @@', ' line 6', ' line 7', ' line 8', '-line 9', ' line 10', ' line 11', ' line 12',
      '@@ -18,3 +17,4 @@', ' line 17', ' line 18', ' line 19', '+line 20',
    ]);
  });
});
