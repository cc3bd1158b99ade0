/**
 * The JournalStore contract (STYLE.md 6): one suite, run against the SQLite adapter (':memory:')
 * and the in-memory adapter. Queries are checked against a plain array model of each timeline
 * (a differential test: the model is the obvious implementation, the stores the fast ones).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { MachineEvent, MachineEventKind } from '../src/core/events.js';
import {
  buildBranchTree,
  icount,
  isJournalError,
  journalSeq,
  MemoryJournalStore,
  pidOf,
  ROOT_BRANCH,
  SqliteJournalStore,
  verify,
  BLOCK_EVENTS,
  type BranchId,
  type EventQuery,
  type JournalErrorCode,
  type JournalStore,
  type PageHash,
} from '../src/journal/index.js';
import { RowBytesWriter } from '../src/journal/block-chain.js';
import { eventStream as anyEventStream, META, rng } from './journal-fixtures.js';

/** The fixtures' events with calls that return at once, which the SQLite store folds into one row with their return. */
const eventStream = (seed: number, opts: Parameters<typeof anyEventStream>[1] = {}): ReturnType<typeof anyEventStream> => anyEventStream(seed, { quickCalls: true, ...opts });

type Factory = (opts?: { flushEvery?: number }) => Promise<JournalStore>;

const ADAPTERS: [string, Factory][] = [
  ['sqlite', (opts) => SqliteJournalStore.open(':memory:', opts)],
  ['memory', (opts) => MemoryJournalStore.create(opts)],
];

function expectCode(fn: () => unknown, code: JournalErrorCode): void {
  try {
    fn();
  } catch (e) {
    if (isJournalError(e, code)) return;
    throw new Error(`expected JournalError ${code}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  throw new Error(`expected JournalError ${code}, nothing was thrown`);
}

async function recorded(make: Factory, opts?: { flushEvery?: number }): Promise<JournalStore> {
  const s = await make(opts);
  s.createRecording(META);
  return s;
}

/** The obvious implementation of a timeline query, over the full list of a branch's events. */
function model(view: readonly MachineEvent[], q: EventQuery): { seq: number; event: MachineEvent }[] {
  let out = view.map((event, seq) => ({ seq, event }));
  out = out.filter(
    ({ seq, event }) =>
      (q.pid === undefined || pidOf(event) === q.pid) &&
      (q.kinds === undefined || q.kinds.includes(event.kind)) &&
      (q.fromIcount === undefined || event.icount >= q.fromIcount) &&
      (q.toIcount === undefined || event.icount <= q.toIcount) &&
      (q.fromSeq === undefined || seq >= q.fromSeq) &&
      (q.toSeq === undefined || seq <= q.toSeq),
  );
  if (q.order === 'desc') out.reverse();
  return q.limit === undefined ? out : out.slice(0, q.limit);
}

const KINDS: MachineEventKind[] = ['syscall', 'syscall-return', 'ipc', 'sched', 'irq', 'console-output', 'console-input', 'idle', 'trap'];

function randomQuery(r: () => number, view: readonly MachineEvent[]): EventQuery {
  const maxIcount = view.length > 0 ? view[view.length - 1]!.icount : 100;
  const q: { -readonly [K in keyof EventQuery]: EventQuery[K] } = {};
  if (r() < 0.4) q.pid = 8 + ((r() * 6) | 0);
  if (r() < 0.3) q.kinds = KINDS.filter(() => r() < 0.3);
  if (r() < 0.4) q.fromIcount = icount((r() * maxIcount) | 0);
  if (r() < 0.4) q.toIcount = icount((r() * maxIcount) | 0);
  if (r() < 0.3) q.fromSeq = journalSeq((r() * view.length) | 0);
  if (r() < 0.3) q.toSeq = journalSeq((r() * view.length) | 0);
  if (r() < 0.5) q.limit = (r() * 20) | 0;
  if (r() < 0.5) q.order = 'desc';
  return q;
}

const page = (fill: number, size = 4096): Uint8Array => {
  const p = new Uint8Array(size);
  for (let i = 0; i < size; i++) p[i] = (fill * 31 + i * (fill | 1)) & 0xff;
  return p;
};

describe.each(ADAPTERS)('JournalStore contract: %s', (_name, make) => {
  describe('recording', () => {
    it('starts empty, then holds the recording and a root branch', async () => {
      const s = await make();
      expect(s.getRecording()).toBeNull();
      expect(s.listBranches()).toEqual([]);
      const meta = s.createRecording(META);
      expect(meta).toEqual(META);
      expect(s.getRecording()).toEqual(META);
      expect(s.listBranches()).toEqual([{ id: ROOT_BRANCH, parent: null, forkIcount: 0, forkSeq: 0, createdAt: META.createdAt, label: 'main' }]);
      expect(s.branchLength(ROOT_BRANCH)).toBe(0);
    });

    it('refuses a second recording, and a fork before the recording exists', async () => {
      const s = await make();
      expectCode(() => s.createBranch({ parent: ROOT_BRANCH, forkIcount: icount(0), forkSeq: journalSeq(0) }), 'NO_RECORDING');
      s.createRecording(META);
      expectCode(() => s.createRecording(META), 'RECORDING_EXISTS');
    });

    it('defaults createdAt to the host time', async () => {
      const s = await make();
      const { createdAt: _drop, ...rest } = META;
      const meta = s.createRecording(rest);
      expect(Date.parse(meta.createdAt)).toBeGreaterThan(Date.parse('2020-01-01'));
    });
  });

  describe('appending', () => {
    it('numbers events from 0 and gives them back exactly as emitted', async () => {
      const s = await recorded(make);
      const evs = eventStream(1).next(500);
      s.append(ROOT_BRANCH, evs);
      const got = s.events(ROOT_BRANCH);
      expect(got.map((e) => e.seq)).toEqual(evs.map((_, i) => i));
      expect(got.map((e) => e.event)).toEqual(evs);
      expect(got.every((e) => e.branch === ROOT_BRANCH)).toBe(true);
      expect(got.map((e) => e.pid)).toEqual(evs.map(pidOf));
      expect(s.branchLength(ROOT_BRANCH)).toBe(500);
    });

    it('buffers until flush or flushEvery, and reads see buffered events', async () => {
      const s = await recorded(make, { flushEvery: 100 });
      const stream = eventStream(2);
      s.append(ROOT_BRANCH, stream.next(60));
      expect(s.pendingCount).toBe(60);
      s.append(ROOT_BRANCH, stream.next(60));
      expect(s.pendingCount).toBe(0); // 120 >= 100: committed by append itself
      s.append(ROOT_BRANCH, stream.next(10));
      expect(s.pendingCount).toBe(10);
      expect(s.countEvents(ROOT_BRANCH)).toBe(130);
      expect(s.pendingCount).toBe(0);
      s.append(ROOT_BRANCH, stream.next(5));
      s.flush();
      expect(s.pendingCount).toBe(0);
      expect(s.stats().events).toBe(135);
    });

    it('refuses events out of (icount, seq) order, leaving the buffer untouched', async () => {
      const s = await recorded(make);
      s.append(ROOT_BRANCH, [{ kind: 'irq', line: 1, icount: 10, seq: 0 }]);
      expectCode(() => s.append(ROOT_BRANCH, [{ kind: 'irq', line: 1, icount: 9, seq: 5 }]), 'OUT_OF_ORDER');
      expectCode(() => s.append(ROOT_BRANCH, [{ kind: 'irq', line: 1, icount: 10, seq: 0 }]), 'OUT_OF_ORDER');
      expectCode(
        () =>
          s.append(ROOT_BRANCH, [
            { kind: 'irq', line: 2, icount: 11, seq: 0 },
            { kind: 'irq', line: 3, icount: 11, seq: 0 },
          ]),
        'OUT_OF_ORDER',
      );
      expect(s.pendingCount).toBe(1);
      s.append(ROOT_BRANCH, [
        { kind: 'irq', line: 2, icount: 10, seq: 1 },
        { kind: 'irq', line: 3, icount: 12, seq: 0 },
      ]);
      expect(s.events(ROOT_BRANCH).map((e) => [e.seq, e.icount])).toEqual([
        [0, 10],
        [1, 10],
        [2, 12],
      ]);
      expect(verify(s).ok).toBe(true);
    });

    it('refuses events JSON cannot hold and unknown branches', async () => {
      const s = await recorded(make);
      expectCode(() => s.append(ROOT_BRANCH, [{ kind: 'idle', skippedNs: NaN, icount: 1, seq: 0 }]), 'INVALID_EVENT');
      expectCode(() => s.append(ROOT_BRANCH, [{ kind: 'idle', skippedNs: 1, icount: -1, seq: 0 }]), 'INVALID_EVENT');
      expectCode(() => s.append(ROOT_BRANCH, [{ kind: 'idle', skippedNs: 1, icount: 1.5, seq: 0 }]), 'INVALID_EVENT');
      expectCode(() => s.append(99 as BranchId, [{ kind: 'irq', line: 1, icount: 1, seq: 0 }]), 'UNKNOWN_BRANCH');
      expect(s.countEvents(ROOT_BRANCH)).toBe(0);
    });

    it('chains one hash per block of 256 events: sha256(previous block hash || rows), whatever the flushes', async () => {
      const s = await recorded(make, { flushEvery: 100 });
      const evs = eventStream(2).next(300);
      for (let i = 0; i < evs.length; i += 77) s.append(ROOT_BRANCH, evs.slice(i, i + 77));
      const rows = s.rawEvents(ROOT_BRANCH, 0, 1000);
      const bytesOf = (from: number, to: number): Buffer => {
        const w = new RowBytesWriter();
        for (const r of rows.slice(from, to)) w.row(r);
        return w.take();
      };
      const block0 = createHash('sha256').update(new Uint8Array(32)).update(bytesOf(0, 256)).digest();
      const block1 = createHash('sha256').update(block0).update(bytesOf(256, 300)).digest();
      expect(s.eventBlocks(ROOT_BRANCH, 0, 10).map((b) => [b.index, b.count, Buffer.from(b.hash).toString('hex')])).toEqual([
        [0, 256, block0.toString('hex')],
        [1, 44, block1.toString('hex')],
      ]);
      expect(Buffer.from(s.recordedHead(ROOT_BRANCH).hash!).equals(block1)).toBe(true);
      expect(BLOCK_EVENTS).toBe(256);
    });
  });

  describe('querying one timeline', () => {
    it('matches the array model for random filters, orders and limits', async () => {
      const s = await recorded(make, { flushEvery: 300 });
      const evs = eventStream(3).next(2000);
      for (let i = 0; i < evs.length; i += 137) s.append(ROOT_BRANCH, evs.slice(i, i + 137));
      const r = rng(33);
      for (let i = 0; i < 300; i++) {
        const q = randomQuery(r, evs);
        const want = model(evs, q);
        const got = s.events(ROOT_BRANCH, q);
        expect(got.map((e) => ({ seq: e.seq, event: e.event })), JSON.stringify(q)).toEqual(want);
        const { limit: _l, order: _o, ...filter } = q;
        expect(s.countEvents(ROOT_BRANCH, filter), JSON.stringify(filter)).toBe(model(evs, filter).length);
      }
    });

    it('finds the previous and next match (reverse-continue, continue)', async () => {
      const s = await recorded(make);
      const evs = eventStream(4).next(1000);
      s.append(ROOT_BRANCH, evs);
      const r = rng(44);
      for (let i = 0; i < 100; i++) {
        const at = (r() * 1000) | 0;
        const filter = { pid: 8 + ((r() * 6) | 0), kinds: ['syscall' as const] };
        const prev = model(evs, { ...filter, toSeq: journalSeq(Math.max(0, at - 1)), order: 'desc', limit: 1 }).filter((e) => e.seq < at)[0];
        expect(s.previousEvent(ROOT_BRANCH, journalSeq(at), filter)?.seq ?? null).toBe(prev?.seq ?? null);
        const next = model(evs, { ...filter, fromSeq: journalSeq(at + 1), limit: 1 })[0];
        expect(s.nextEvent(ROOT_BRANCH, journalSeq(at), filter)?.seq ?? null).toBe(next?.seq ?? null);
      }
      expect(s.previousEvent(ROOT_BRANCH, journalSeq(0))).toBeNull();
      expect(s.nextEvent(ROOT_BRANCH, journalSeq(999))).toBeNull();
      expect(s.eventAt(ROOT_BRANCH, journalSeq(1000))).toBeNull();
    });

    it('iterates in pages across page boundaries, both ways, with a limit', async () => {
      const s = await recorded(make);
      const evs = eventStream(5).next(2500);
      s.append(ROOT_BRANCH, evs);
      expect([...s.iterateEvents(ROOT_BRANCH)].map((e) => e.seq)).toEqual(evs.map((_, i) => i));
      expect([...s.iterateEvents(ROOT_BRANCH, { order: 'desc', limit: 2100 })].map((e) => e.seq)).toEqual(evs.map((_, i) => i).reverse().slice(0, 2100));
      const q = { pid: 9, order: 'desc' as const };
      expect([...s.iterateEvents(ROOT_BRANCH, q)].map((e) => e.seq)).toEqual(model(evs, q).map((e) => e.seq));
    });

    it('returns nothing for empty kind lists and empty ranges', async () => {
      const s = await recorded(make);
      s.append(ROOT_BRANCH, eventStream(6).next(50));
      expect(s.events(ROOT_BRANCH, { kinds: [] })).toEqual([]);
      expect(s.events(ROOT_BRANCH, { fromIcount: icount(10), toIcount: icount(5) })).toEqual([]);
      expect(s.countEvents(ROOT_BRANCH, { fromSeq: journalSeq(40), toSeq: journalSeq(30) })).toBe(0);
      expect(s.events(ROOT_BRANCH, { limit: 0 })).toEqual([]);
    });
  });

  describe('branches', () => {
    it('a fork sees its parent up to the fork point, then its own events; the parent is unchanged', async () => {
      const s = await recorded(make);
      const evs = eventStream(7).next(100);
      s.append(ROOT_BRANCH, evs);
      const fork = evs[59]!;
      const child = s.createBranch({ parent: ROOT_BRANCH, forkIcount: icount(fork.icount), forkSeq: journalSeq(60), label: 'what if' });
      expect(child).toMatchObject({ parent: ROOT_BRANCH, forkIcount: fork.icount, forkSeq: 60, label: 'what if' });
      const own = eventStream(8, { startIcount: fork.icount + 1 }).next(30);
      s.append(child.id, own);
      const view = s.events(child.id);
      expect(view.map((e) => e.event)).toEqual([...evs.slice(0, 60), ...own]);
      expect(view.map((e) => e.seq)).toEqual([...Array(90).keys()]);
      expect(view.map((e) => e.branch)).toEqual([...Array(60).fill(ROOT_BRANCH), ...Array(30).fill(child.id)]);
      expect(s.branchLength(child.id)).toBe(90);
      expect(s.events(ROOT_BRANCH).map((e) => e.event)).toEqual(evs);
      // The chain continues the parent's: a timeline with the same events has the same block hashes.
      const same = await recorded(make);
      same.append(ROOT_BRANCH, [...evs.slice(0, 60), ...own]);
      expect(s.timelineBlock(child.id, 0)).toMatchObject({ branch: child.id, index: 0, count: 90, hash: same.timelineBlock(ROOT_BRANCH, 0)!.hash });
      expect(s.recordedHead(child.id)).toEqual(same.recordedHead(ROOT_BRANCH));
      expect(s.timelineBlock(ROOT_BRANCH, 0)!.count).toBe(s.branchLength(ROOT_BRANCH));
      expect(verify(s).ok).toBe(true);
    });

    it('a fork point must lie in the parent timeline', async () => {
      const s = await recorded(make);
      s.append(ROOT_BRANCH, [
        { kind: 'irq', line: 0, icount: 100, seq: 0 },
        { kind: 'irq', line: 0, icount: 200, seq: 0 },
      ]);
      expectCode(() => s.createBranch({ parent: ROOT_BRANCH, forkIcount: icount(300), forkSeq: journalSeq(3) }), 'BAD_FORK_POINT');
      expectCode(() => s.createBranch({ parent: ROOT_BRANCH, forkIcount: icount(150), forkSeq: journalSeq(2) }), 'BAD_FORK_POINT');
      expectCode(() => s.createBranch({ parent: ROOT_BRANCH, forkIcount: icount(250), forkSeq: journalSeq(1) }), 'BAD_FORK_POINT');
      expectCode(() => s.createBranch({ parent: 7 as BranchId, forkIcount: icount(0), forkSeq: journalSeq(0) }), 'UNKNOWN_BRANCH');
      const b = s.createBranch({ parent: ROOT_BRANCH, forkIcount: icount(200), forkSeq: journalSeq(1) });
      expect(b.forkSeq).toBe(1);
      // Its first event cannot precede the fork icount nor the last inherited event.
      expectCode(() => s.append(b.id, [{ kind: 'irq', line: 1, icount: 199, seq: 0 }]), 'OUT_OF_ORDER');
      s.append(b.id, [{ kind: 'irq', line: 1, icount: 200, seq: 0 }]);
      expect(s.events(b.id).map((e) => [e.branch, e.seq, e.icount])).toEqual([
        [ROOT_BRANCH, 0, 100],
        [b.id, 1, 200],
      ]);
    });

    it('forks of forks, including forks inside inherited events, match the model', async () => {
      const s = await recorded(make, { flushEvery: 64 });
      const r = rng(9);
      const views = new Map<number, MachineEvent[]>([[ROOT_BRANCH, []]]);
      const ends = new Map<number, number>([[ROOT_BRANCH, 0]]);
      let seed = 100;
      const grow = (b: BranchId, n: number): void => {
        const evs = eventStream(seed++, { startIcount: ends.get(b)! + 1 }).next(n);
        s.append(b, evs);
        views.get(b)!.push(...evs);
        ends.set(b, evs[evs.length - 1]!.icount);
      };
      grow(ROOT_BRANCH, 300);
      for (let i = 0; i < 12; i++) {
        const ids = [...views.keys()];
        const parent = ids[(r() * ids.length) | 0]! as BranchId;
        const pview = views.get(parent)!;
        const at = (r() * (pview.length + 1)) | 0;
        const forkIcount = at === 0 ? 0 : pview[at - 1]!.icount;
        const b = s.createBranch({ parent, forkIcount: icount(forkIcount), forkSeq: journalSeq(at), label: `b${i}` });
        views.set(b.id, pview.slice(0, at));
        ends.set(b.id, forkIcount);
        grow(b.id, 1 + ((r() * 200) | 0));
        if (r() < 0.5) grow(parent, 1 + ((r() * 50) | 0));
      }
      for (const [id, view] of views) {
        expect(s.branchLength(id as BranchId)).toBe(view.length);
        for (let i = 0; i < 40; i++) {
          const q = randomQuery(r, view);
          expect(
            s.events(id as BranchId, q).map((e) => ({ seq: e.seq, event: e.event })),
            `branch ${id} ${JSON.stringify(q)}`,
          ).toEqual(model(view, q));
        }
        expect(s.countEvents(id as BranchId)).toBe(view.length);
      }
      const tree = buildBranchTree(s.listBranches());
      expect(tree).toHaveLength(1);
      const count = (n: (typeof tree)[number]): number => 1 + n.children.reduce((a, c) => a + count(c), 0);
      expect(count(tree[0]!)).toBe(13);
      expect(verify(s)).toMatchObject({ ok: true, branches: 13 });
    });
  });

  describe('snapshots and pages', () => {
    it('stores pages by content, once', async () => {
      const s = await recorded(make);
      const a = page(1);
      const h = s.putPage(a);
      expect(h).toBe(createHash('sha256').update(a).digest('hex'));
      expect(s.putPage(Uint8Array.from(a))).toBe(h);
      expect(s.putPages([page(2), page(1), page(2), new Uint8Array(4096)])).toEqual([
        createHash('sha256').update(page(2)).digest('hex'),
        h,
        createHash('sha256').update(page(2)).digest('hex'),
        createHash('sha256').update(new Uint8Array(4096)).digest('hex'),
      ]);
      expect(s.stats().pages).toBe(3);
      expect(s.getPage(h)).toEqual(a);
      expect(s.hasPage(h)).toBe(true);
      const unknown = '0'.repeat(64) as PageHash;
      expect(s.hasPage(unknown)).toBe(false);
      expect(s.getPage(unknown)).toBeNull();
      expect(s.stats().pageBytes).toBeLessThan(3 * 4096);
      // Each stored page once, in the store's order, resumable after any of them.
      const all = s.pageHashes(null, 10);
      expect([...all].sort()).toEqual([h, createHash('sha256').update(page(2)).digest('hex'), createHash('sha256').update(new Uint8Array(4096)).digest('hex')].sort());
      expect([...s.pageHashes(null, 2), ...s.pageHashes(all[1]!, 10)]).toEqual(all);
    });

    it('finds the nearest snapshot at or before an icount', async () => {
      const s = await recorded(make);
      const evs = eventStream(10, { startIcount: 1000 }).next(300);
      s.append(ROOT_BRANCH, evs);
      const p = s.putPages([page(1), page(2)]);
      const state = (n: number) => new TextEncoder().encode(JSON.stringify({ snapshot: n, regs: Array(64).fill(n) }));
      const at = [0, 100, 200].map((i) => s.putSnapshot({ branch: ROOT_BRANCH, icount: icount(evs[i]!.icount), seq: journalSeq(i + 1), state: state(i), pages: p }));
      expect(s.nearestSnapshot(ROOT_BRANCH, icount(evs[0]!.icount - 1))).toBeNull();
      expect(s.nearestSnapshot(ROOT_BRANCH, icount(evs[0]!.icount))?.id).toBe(at[0]!.id);
      expect(s.nearestSnapshot(ROOT_BRANCH, icount(evs[150]!.icount))?.id).toBe(at[1]!.id);
      expect(s.nearestSnapshot(ROOT_BRANCH, icount(evs[299]!.icount + 10))?.id).toBe(at[2]!.id);
      expect(s.loadSnapshotState(at[1]!.id)).toEqual(state(100));
      expect(s.snapshotPages(at[1]!.id)).toEqual(p);
      expect(s.getSnapshot(at[2]!.id)).toEqual(at[2]);
      expect(at[1]).toMatchObject({ branch: ROOT_BRANCH, seq: 101, pageCount: 2, stateBytes: state(100).length });
      expect(at[1]!.compressedBytes).toBeLessThan(at[1]!.stateBytes);
      expect(s.listSnapshots(ROOT_BRANCH).map((x) => x.id)).toEqual(at.map((x) => x.id));
      expect(s.allSnapshots()).toEqual(at);
      expectCode(() => s.loadSnapshotState(99 as never), 'UNKNOWN_SNAPSHOT');
      expect(s.getSnapshot(99 as never)).toBeNull();
    });

    it('refuses snapshots naming missing pages or lying outside their branch', async () => {
      const s = await recorded(make);
      s.append(ROOT_BRANCH, eventStream(11).next(10));
      expectCode(
        () => s.putSnapshot({ branch: ROOT_BRANCH, icount: icount(1), seq: journalSeq(0), state: new Uint8Array(4), pages: ['ab'.repeat(32) as PageHash] }),
        'MISSING_PAGE',
      );
      expectCode(() => s.putSnapshot({ branch: ROOT_BRANCH, icount: icount(1), seq: journalSeq(11), state: new Uint8Array(4), pages: [] }), 'BAD_ARGUMENT');
      const b = s.createBranch({ parent: ROOT_BRANCH, forkIcount: icount(s.eventAt(ROOT_BRANCH, journalSeq(4))!.icount), forkSeq: journalSeq(5) });
      expectCode(() => s.putSnapshot({ branch: b.id, icount: icount(0), seq: journalSeq(5), state: new Uint8Array(4), pages: [] }), 'BAD_ARGUMENT');
      expectCode(() => s.putSnapshot({ branch: b.id, icount: b.forkIcount, seq: journalSeq(4), state: new Uint8Array(4), pages: [] }), 'BAD_ARGUMENT');
      expect(s.putSnapshot({ branch: b.id, icount: b.forkIcount, seq: journalSeq(5), state: new Uint8Array(0), pages: [] }).stateBytes).toBe(0);
      expect(s.loadSnapshotState(s.nearestSnapshot(b.id, b.forkIcount)!.id)).toEqual(new Uint8Array(0));
    });

    it('a fork sees its ancestors\' snapshots up to the fork point only', async () => {
      const s = await recorded(make);
      const evs = eventStream(12).next(100);
      s.append(ROOT_BRANCH, evs);
      const snap = (branch: BranchId, i: number, seq: number) => s.putSnapshot({ branch, icount: icount(i), seq: journalSeq(seq), state: Uint8Array.of(branch, seq), pages: [] });
      const r10 = snap(ROOT_BRANCH, evs[9]!.icount, 10);
      const r50 = snap(ROOT_BRANCH, evs[49]!.icount, 50);
      const r90 = snap(ROOT_BRANCH, evs[89]!.icount, 90);
      const forkIcount = evs[59]!.icount;
      const child = s.createBranch({ parent: ROOT_BRANCH, forkIcount: icount(forkIcount), forkSeq: journalSeq(60) });
      expect(s.nearestSnapshot(child.id, icount(evs[99]!.icount))?.id).toBe(r50.id);
      expect(s.nearestSnapshot(child.id, icount(evs[20]!.icount))?.id).toBe(r10.id);
      const own = eventStream(13, { startIcount: forkIcount + 1 }).next(50);
      s.append(child.id, own);
      const c1 = snap(child.id, own[19]!.icount, 80);
      expect(s.nearestSnapshot(child.id, icount(own[49]!.icount))?.id).toBe(c1.id);
      expect(s.nearestSnapshot(child.id, icount(own[10]!.icount))?.id).toBe(r50.id);
      // A grandchild forked inside the inherited part sees only the root's early snapshots.
      const grand = s.createBranch({ parent: child.id, forkIcount: icount(evs[29]!.icount), forkSeq: journalSeq(30) });
      expect(s.nearestSnapshot(grand.id, icount(Number.MAX_SAFE_INTEGER))?.id).toBe(r10.id);
      expect(s.listSnapshots(child.id).map((x) => x.id)).toEqual([r10.id, r50.id, c1.id]);
      expect(s.listSnapshots(ROOT_BRANCH).map((x) => x.id)).toEqual([r10.id, r50.id, r90.id]);
      // A state exactly at the fork point belongs to both timelines.
      const atFork = snap(ROOT_BRANCH, forkIcount, 60);
      expect(s.nearestSnapshot(child.id, icount(own[10]!.icount))?.id).toBe(atFork.id);
    });
  });

  describe('channel keys and bookmarks', () => {
    it('stores, filters, replaces and deletes channel keys', async () => {
      const s = await recorded(make);
      const key = (n: number) => new Uint8Array(32).fill(n);
      s.putChannelKey({ branch: ROOT_BRANCH, src: 8, dst: 2, direction: 'forward', icount: icount(10), key: key(1) });
      s.putChannelKey({ branch: ROOT_BRANCH, src: 8, dst: 2, direction: 'reverse', icount: icount(10), key: key(2) });
      s.putChannelKey({ branch: ROOT_BRANCH, src: 9, dst: 3, direction: 'forward', icount: icount(20), key: key(3) });
      const k = key(4);
      s.putChannelKey({ branch: ROOT_BRANCH, src: 9, dst: 3, direction: 'forward', icount: icount(20), key: k });
      k.fill(0); // the store keeps its own copy
      expect(s.channelKeys().map((x) => [x.src, x.dst, x.direction, x.key[0]])).toEqual([
        [8, 2, 'forward', 1],
        [8, 2, 'reverse', 2],
        [9, 3, 'forward', 4],
      ]);
      expect(s.channelKeys({ src: 8 }).length).toBe(2);
      expect(s.channelKeys({ dst: 3 })[0]).toEqual({ branch: ROOT_BRANCH, src: 9, dst: 3, direction: 'forward', icount: 20, key: key(4) });
      expectCode(() => s.putChannelKey({ branch: 5 as BranchId, src: 1, dst: 2, direction: 'forward', icount: icount(0), key: key(0) }), 'UNKNOWN_BRANCH');
      expect(s.deleteChannelKeys()).toBe(3);
      expect(s.channelKeys()).toEqual([]);
    });

    it('adds, replaces, lists and deletes bookmarks', async () => {
      const s = await recorded(make);
      const b = s.createBranch({ parent: ROOT_BRANCH, forkIcount: icount(0), forkSeq: journalSeq(0) });
      s.putBookmark({ branch: ROOT_BRANCH, icount: icount(500), name: 'crash', note: 'vfs dies' });
      s.putBookmark({ branch: ROOT_BRANCH, icount: icount(100), name: 'login', note: '' });
      s.putBookmark({ branch: b.id, icount: icount(7), name: 'crash', note: 'elsewhere' });
      s.putBookmark({ branch: ROOT_BRANCH, icount: icount(400), name: 'crash', note: 'moved' });
      expect(s.bookmarks(ROOT_BRANCH)).toEqual([
        { branch: ROOT_BRANCH, icount: 100, name: 'login', note: '' },
        { branch: ROOT_BRANCH, icount: 400, name: 'crash', note: 'moved' },
      ]);
      expect(s.bookmarks()).toHaveLength(3);
      expect(s.deleteBookmark(ROOT_BRANCH, 'crash')).toBe(true);
      expect(s.deleteBookmark(ROOT_BRANCH, 'crash')).toBe(false);
      expect(s.bookmarks().map((x) => x.name)).toEqual(['login', 'crash']);
    });
  });

  describe('debug files', () => {
    it('stores a debug file once under its key, reads it back, lists the keys, and refuses a key that is not a sha256', async () => {
      const s = await recorded(make);
      const elf = new Uint8Array(70_000).map((_, i) => (i * 13) >> 3);
      const other = new Uint8Array(10).fill(1);
      const [a, b] = ['c'.repeat(64), '0'.repeat(64)];
      expect(s.debugFile(a)).toBeNull();
      expect(s.putDebugFile(a, elf)).toBe(true);
      expect(s.putDebugFile(a, other)).toBe(false); // a program's debug file never changes
      expect(s.putDebugFile(b, other)).toBe(true);
      expect(Buffer.from(s.debugFile(a)!).equals(Buffer.from(elf))).toBe(true);
      // The second is stored against the first (a dictionary) and reads back whole.
      const like = elf.slice(0, 60_000);
      like[100] = like[100]! ^ 1;
      expect(s.putDebugFile('1'.repeat(64), like)).toBe(true);
      expect(Buffer.from(s.debugFile('1'.repeat(64))!).equals(Buffer.from(like))).toBe(true);
      expect(Buffer.from(s.debugFile(b)!).equals(Buffer.from(other))).toBe(true);
      expect(s.debugFileKeys()).toEqual([b, '1'.repeat(64), a]);
      expect(s.debugFile('not hex')).toBeNull();
      expectCode(() => s.putDebugFile('C'.repeat(64), elf), 'BAD_ARGUMENT');
      expectCode(() => s.putDebugFile('c'.repeat(63), elf), 'BAD_ARGUMENT');
      expect(verify(s)).toMatchObject({ ok: true, debugFiles: 3 });
    });
  });

  describe('verify and lifecycle', () => {
    it('passes on a store with events, forks, snapshots and pages', async () => {
      const s = await recorded(make, { flushEvery: 50 });
      const evs = eventStream(14).next(400);
      s.append(ROOT_BRANCH, evs);
      const pages = s.putPages([page(1), page(2), page(3)]);
      s.putSnapshot({ branch: ROOT_BRANCH, icount: icount(evs[199]!.icount), seq: journalSeq(200), state: page(9, 1000), pages });
      const b = s.createBranch({ parent: ROOT_BRANCH, forkIcount: icount(evs[99]!.icount), forkSeq: journalSeq(100) });
      s.append(b.id, eventStream(15, { startIcount: evs[99]!.icount + 1 }).next(77));
      const report = verify(s);
      expect(report).toMatchObject({ ok: true, firstBrokenEvent: null, problems: [], branches: 2, events: 477, snapshots: 1, pages: 3 });
    });

    it('flushes on close, and refuses use afterwards', async () => {
      const s = await recorded(make);
      s.append(ROOT_BRANCH, eventStream(16).next(10));
      s.close();
      s.close();
      expectCode(() => s.countEvents(ROOT_BRANCH), 'CLOSED');
      expectCode(() => s.append(ROOT_BRANCH, []), 'CLOSED');
    });
  });
});

describe('JournalStore adapters agree', () => {
  it('the same events give the same rows and hashes in both stores', async () => {
    const stores = await Promise.all(ADAPTERS.map(([, make]) => recorded(make)));
    const evs = eventStream(17).next(700);
    for (const s of stores) {
      s.append(ROOT_BRANCH, evs);
      const b = s.createBranch({ parent: ROOT_BRANCH, forkIcount: icount(evs[299]!.icount), forkSeq: journalSeq(300) });
      s.append(b.id, eventStream(18, { startIcount: evs[299]!.icount }).next(100));
    }
    const rows = stores.map((s) => [...s.rawEvents(ROOT_BRANCH, 0, 10_000), ...s.rawEvents(2 as BranchId, 0, 10_000)]);
    expect(rows[0]).toEqual(rows[1]);
    expect(rows[0]).toHaveLength(800);
    expect(stores.map((s) => s.recordedHead(2 as BranchId))).toEqual([stores[1]!.recordedHead(2 as BranchId), stores[0]!.recordedHead(2 as BranchId)]);
  });
});

describe('verify on the in-memory store', () => {
  it("reports the first altered row's block, a missing row and a damaged page", async () => {
    const s = (await recorded(ADAPTERS[1]![1])) as MemoryJournalStore;
    const evs = eventStream(19).next(700);
    s.append(ROOT_BRANCH, evs);
    s.flush();
    expect(verify(s).ok).toBe(true);
    const r = s.rawEvents(ROOT_BRANCH, 300, 1)[0]!;
    s.tamperRow(ROOT_BRANCH, 300, { a0: (r.a0 ?? 0) + 1 });
    s.tamperRow(ROOT_BRANCH, 600, { icount: 0 });
    const report = verify(s);
    expect(report.ok).toBe(false);
    // Row 300 is in block 1 (events 256..511): the report names that block by its first event.
    expect(report.firstBrokenEvent).toMatchObject({ branch: ROOT_BRANCH, seq: 256 });
    expect(report.firstBrokenEvent!.message).toMatch(/block 1 \(events 256\.\.511\)/);
    const h = s.putPage(page(5));
    s.tamperPage(h, s.eventBlocks(ROOT_BRANCH, 0, 1)[0]!.hash);
    expect(verify(s).problems.some((p) => p.kind === 'page' && p.hash === h)).toBe(true);
  });
});
