/**
 * `xrr export` checked against the formats it writes. Perfetto/Chrome trace-event JSON: the
 * required fields of every event, complete (X) slices that nest on their track and B/E pairs that
 * balance, every flow start finished once and bound to a slice at both ends, a named track for
 * every thread; and what a person looks for is there (syscalls, a request's arrow to its reply, the
 * crash, the fork point). JSON lines: one event a line, in order, decoded on request.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventDecoder } from '../src/export/decode-event.js';
import type { TraceEvent, TraceFile } from '../src/export/perfetto.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { forkWithInput, recordRun, xrr } from './diff-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'xrr-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'crash.db');
let forked = 0;

beforeAll(async () => {
  // The VFS's 54th message: the kernel's read of the console shell's image (the 213th when the
  // image's programs carried their DWARF: an exec reads the whole file).
  await recordRun(file, { input: 'ls /bin\n', faults: [{ kind: 'crash', server: 2, mType: -1, nth: 54 }] });
  forked = await forkWithInput(file, Number.MAX_SAFE_INTEGER, 'echo forked\n');
}, 120_000);

/** Any event the format allows (the exporter writes a subset: no B/E pairs, for one). */
type AnyEvent = Omit<TraceEvent, 'ph' | 's'> & { readonly ph: string; readonly s?: string };

/** Every problem with a trace, as the format defines it; [] when it is sound. */
function traceProblems(trace: TraceFile): string[] {
  const problems: string[] = [];
  const events: readonly AnyEvent[] = trace.traceEvents;
  if (!Array.isArray(events) || events.length === 0) return ['no traceEvents'];
  const named = new Set<string>();
  const used = new Set<string>();
  const slices = new Map<string, AnyEvent[]>();
  const open = new Map<string, AnyEvent[]>();
  const starts = new Map<number, AnyEvent>();
  const finishes = new Map<number, AnyEvent[]>();
  for (const e of events) {
    const where = JSON.stringify(e).slice(0, 120);
    if (typeof e.name !== 'string' || e.name === '') problems.push(`no name: ${where}`);
    if (!['X', 'B', 'E', 'i', 'I', 's', 't', 'f', 'M', 'C'].includes(e.ph)) problems.push(`unknown ph: ${where}`);
    if (typeof e.ts !== 'number' || !Number.isFinite(e.ts) || e.ts < 0) problems.push(`bad ts: ${where}`);
    if (!Number.isInteger(e.pid) || !Number.isInteger(e.tid)) problems.push(`bad pid/tid: ${where}`);
    const track = `${e.pid}:${e.tid}`;
    if (e.ph === 'M') {
      if (e.name === 'thread_name') named.add(track);
      if (typeof e.args?.['name'] !== 'string' && typeof e.args?.['sort_index'] !== 'number') problems.push(`metadata without args: ${where}`);
      continue;
    }
    used.add(track);
    if (e.ph === 'X') {
      if (typeof e.dur !== 'number' || e.dur < 0) problems.push(`complete event without dur >= 0: ${where}`);
      slices.set(track, [...(slices.get(track) ?? []), e]);
    }
    if (e.ph === 'B') open.set(track, [...(open.get(track) ?? []), e]);
    if (e.ph === 'E') {
      const stack = open.get(track) ?? [];
      if (stack.pop() === undefined) problems.push(`E without B: ${where}`);
    }
    if ((e.ph === 'i' || e.ph === 'I') && e.s !== undefined && !['t', 'p', 'g'].includes(e.s)) problems.push(`bad instant scope: ${where}`);
    if (e.ph === 's' || e.ph === 'f') {
      if (typeof e.id !== 'number') problems.push(`flow without id: ${where}`);
      else if (e.ph === 's') {
        if (starts.has(e.id)) problems.push(`flow ${e.id} started twice`);
        starts.set(e.id, e);
      } else finishes.set(e.id, [...(finishes.get(e.id) ?? []), e]);
    }
  }
  for (const [track, stack] of open) if (stack.length > 0) problems.push(`${stack.length} B without E on ${track}`);
  for (const track of used) if (!named.has(track)) problems.push(`track ${track} has no thread_name`);
  // Complete slices on one track nest: sorted by start (longest first), each ends inside its parent.
  for (const [track, list] of slices) {
    const sorted = [...list].sort((x, y) => x.ts - y.ts || y.dur! - x.dur!);
    const stack: AnyEvent[] = [];
    for (const s of sorted) {
      // A slice that ends where the next begins is its sibling (unless the next is zero-width: inside).
      const ends = (t: AnyEvent) => t.ts + t.dur!;
      while (stack.length > 0 && (ends(stack[stack.length - 1]!) < s.ts || (ends(stack[stack.length - 1]!) === s.ts && s.dur! > 0))) stack.pop();
      const parent = stack[stack.length - 1];
      if (parent && s.ts + s.dur! > parent.ts + parent.dur!) problems.push(`slice ${s.name}@${s.ts} overlaps ${parent.name}@${parent.ts} on ${track}`);
      stack.push(s);
    }
  }
  const enclosed = (f: AnyEvent) => (slices.get(`${f.pid}:${f.tid}`) ?? []).some((s) => s.ts <= f.ts && f.ts <= s.ts + s.dur!);
  for (const [id, s] of starts) {
    const fs = finishes.get(id) ?? [];
    if (fs.length !== 1) problems.push(`flow ${id} has ${fs.length} finishes`);
    else if (fs[0]!.ts < s.ts) problems.push(`flow ${id} finishes before it starts`);
    else if (!enclosed(fs[0]!)) problems.push(`flow ${id} finish is in no slice`);
    if (!enclosed(s)) problems.push(`flow ${id} start is in no slice`);
  }
  for (const id of finishes.keys()) if (!starts.has(id)) problems.push(`flow ${id} finishes without a start`);
  return problems;
}

describe('xrr export --format perfetto', () => {
  it('writes a trace the format accepts, with syscalls, request-to-reply arrows, the crash and tracks by process', () => {
    const out = join(dir, 'trace.json');
    const r = xrr('export', file, '--format', 'perfetto', '--decode', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const trace = JSON.parse(readFileSync(out, 'utf8')) as TraceFile;
    expect(traceProblems(trace)).toEqual([]);
    const ev = trace.traceEvents;
    const threadNames = ev.filter((e) => e.name === 'thread_name').map((e) => e.args!['name']);
    expect(threadNames).toEqual(expect.arrayContaining(['cpu', 'machine', 'vfs (2)', 'pm (3)', 'mm (4)']));
    expect(threadNames.some((n) => /^pid \d+ ls$/.test(String(n)))).toBe(true);
    // A getdents call of ls is a slice with its result; the IPC inside it is decoded.
    expect(ev.some((e) => e.ph === 'X' && e.cat === 'syscall' && e.name === 'getdents' && typeof e.args!['result'] === 'number')).toBe(true);
    expect(ev.some((e) => e.ph === 'X' && e.cat === 'ipc' && e.name === 'VFS_GETDENTS' && typeof e.args!['summary'] === 'string')).toBe(true);
    // Flows go from a process's request to the server's reply.
    const vfsTid = ev.find((e) => e.name === 'thread_name' && e.args!['name'] === 'vfs (2)')!.tid;
    const finishesOnVfs = ev.filter((e) => e.ph === 'f' && e.tid === vfsTid);
    expect(finishesOnVfs.length).toBeGreaterThan(50);
    const crash = ev.filter((e) => e.ph === 'i' && e.cat === 'crash');
    expect(crash.map((e) => e.name)).toEqual([expect.stringMatching(/^SERVER CRASH vfs/)]);
    expect(crash[0]!.tid).toBe(vfsTid);
    expect(ev.some((e) => e.ph === 'i' && e.cat === 'interrupt')).toBe(true);
    expect(trace.otherData['clock']).toMatch(/icount/);
  }, 60_000);

  it('marks where a branch diverges from its parent, and exports the branch', () => {
    const r = xrr('export', file, '--branch', String(forked), '--format', 'perfetto');
    expect(r.status, r.stderr).toBe(0);
    const trace = JSON.parse(r.stdout) as TraceFile;
    expect(traceProblems(trace)).toEqual([]);
    const divergence = trace.traceEvents.filter((e) => e.cat === 'divergence');
    expect(divergence).toHaveLength(1);
    expect(divergence[0]!.s).toBe('g');
    expect(trace.traceEvents.some((e) => e.cat === 'console' && e.ph === 'i')).toBe(true);
  }, 60_000);

  it('refuses what it cannot do with a usage error', () => {
    expect(xrr('export', file).status).toBe(2);
    expect(xrr('export', file, '--format', 'svg').status).toBe(2);
    expect(xrr('export', file, '--format', 'jsonl', '--branch', '99').status).toBe(2);
  }, 60_000);
});

describe('xrr export --format jsonl', () => {
  it('one event a line, in timeline order; --decode opens and decodes IPC as the decoder does', async () => {
    const plain = xrr('export', file, '--format', 'jsonl');
    const decoded = xrr('export', file, '--format', 'jsonl', '--decode');
    expect(plain.status).toBe(0);
    const lines = plain.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const dlines = decoded.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown> & { decoded: { summary: string; message?: { fields: unknown[] } } });
    const store = await SqliteJournalStore.open(file, { readonly: true, create: false });
    try {
      expect(lines).toHaveLength(store.branchLength(ROOT_BRANCH));
      expect(lines.map((l) => l['journalSeq'])).toEqual(lines.map((_, i) => i));
      expect(lines.every((l) => !('decoded' in l))).toBe(true);
      const decoder = new EventDecoder(store, ROOT_BRANCH);
      const ipc = store.events(ROOT_BRANCH, { kinds: ['ipc'], limit: 50 });
      for (const s of ipc) {
        const line = dlines[s.seq]!;
        expect(line.decoded.summary).toBe(decoder.decode(s.event).summary);
        expect(line.decoded.message?.fields.length ?? 0).toBeGreaterThanOrEqual(0);
      }
      // Every sealed message of the recording opens with its journaled keys.
      expect(dlines.filter((l) => l['kind'] === 'ipc' && !('message' in l.decoded))).toEqual([]);
    } finally {
      store.close();
    }
  }, 60_000);

  it('a copy shared without its keys still exports, its wires marked sealed', () => {
    const copy = join(dir, 'shared.db');
    expect(xrr('share', file, '--out', copy).status).toBe(0);
    const r = xrr('export', copy, '--format', 'jsonl', '--decode');
    expect(r.status).toBe(0);
    const ipc = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { kind: string; decoded: { summary: string; sealed?: string } }).filter((l) => l.kind === 'ipc');
    expect(ipc.length).toBeGreaterThan(100);
    expect(ipc.every((l) => l.decoded.sealed === 'no-keys' && l.decoded.summary.includes('(sealed: no-keys)'))).toBe(true);
  }, 60_000);
});
