/**
 * What the TUI knows about a recording, without React: the cursor (branch, icount, timeline
 * position), the machine at the cursor (cached, since a seek replays up to a snapshot
 * interval), windows of events queried by seq (never the whole journal), the console output
 * up to the cursor, the timeline's density and markers, and the moves (step, jump, continue).
 * Every method is synchronous; the view calls the slow ones (seeks) after a render.
 */
import type { MachineEvent, MachineEventKind } from '../core/events.js';
import type { Machine } from '../core/machine.js';
import { eventSummary } from './event-summary.js';
import { GuestSymbols } from './guest-symbols.js';
import { TIMELINE_MARK_KINDS, type Landmark } from './landmarks.js';
import type { IpcOpener } from './ipc-open.js';
import type { BranchId, Icount, JournalSeq } from '../journal/ids.js';
import { buildBranchTree, type BranchInfo, type BranchTreeNode, type Bookmark, type ChannelKey, type EventQuery, type JournalStore, type SnapshotRecord, type StoredEvent } from '../journal/store.js';
import { branchEndIcount } from '../timeline/branch-end.js';
import { DivergenceError } from '../timeline/divergence.js';
import type { DebugFiles } from '../symbols/debug-files.js';
import { forkAt, forkFromCopy } from '../timeline/fork.js';
import type { Positioned } from '../timeline/machines.js';
import { Replayer } from '../timeline/replayer.js';
import type { RunOutcome } from '../timeline/stop-condition.js';

export type { Positioned };

export interface Cursor {
  readonly branch: BranchId;
  readonly icount: number;
  /** Timeline position: events applied to reach the machine at the cursor (the next event's seq). */
  readonly seq: number;
}


export interface TextFilter {
  readonly kinds?: readonly MachineEventKind[];
  readonly pid?: number;
  /** IPC on one channel: src -> dst, or both ways. */
  readonly channel?: { readonly src: number; readonly dst: number; readonly bothWays: boolean };
  readonly text?: string;
}

/** The kinds that travel on a channel (each has src and dst). */
const CHANNEL_KINDS: readonly MachineEventKind[] = ['ipc', 'ipc-reject', 'ipc-denied', 'ipc-fault'];

/** `kind:syscall,ipc pid:8 chan:8->2 some text` -> a filter (`chan:0<->2` both ways); unknown words are text. */
export function parseFilter(spec: string): TextFilter {
  const kinds: MachineEventKind[] = [];
  let pid: number | undefined;
  let channel: TextFilter['channel'];
  const text: string[] = [];
  for (const w of spec.trim().split(/\s+/).filter(Boolean)) {
    const m = /^(kind|pid|chan):(.+)$/.exec(w);
    const ends = m?.[1] === 'chan' ? /^(\d+)(->|<->)(\d+)$/.exec(m[2]!) : null;
    if (m?.[1] === 'kind') kinds.push(...(m[2]!.split(',') as MachineEventKind[]));
    else if (m?.[1] === 'pid' && /^\d+$/.test(m[2]!)) pid = Number(m[2]);
    else if (ends) channel = { src: Number(ends[1]), dst: Number(ends[3]), bothWays: ends[2] === '<->' };
    else text.push(w);
  }
  return { kinds: kinds.length ? kinds : undefined, pid, channel, text: text.length ? text.join(' ') : undefined };
}

export function describeFilter(f: TextFilter): string {
  const parts: string[] = [];
  if (f.kinds) parts.push(`kind:${f.kinds.join(',')}`);
  if (f.pid !== undefined) parts.push(`pid:${f.pid}`);
  if (f.channel) parts.push(`chan:${f.channel.src}${f.channel.bothWays ? '<->' : '->'}${f.channel.dst}`);
  if (f.text) parts.push(JSON.stringify(f.text));
  return parts.join(' ') || '(any event)';
}

export function isEmptyFilter(f: TextFilter): boolean {
  return !f.kinds && f.pid === undefined && !f.channel && !f.text;
}

/** Whether an event passes the parts of a filter the store cannot check (channel, text). */
function passes(e: StoredEvent, f: TextFilter, needle: string | undefined): boolean {
  const c = f.channel;
  if (c) {
    const ev = e.event as { src?: number; dst?: number };
    const one = ev.src === c.src && ev.dst === c.dst;
    if (!one && !(c.bothWays && ev.src === c.dst && ev.dst === c.src)) return false;
  }
  return needle === undefined || eventText(e.event).toLowerCase().includes(needle);
}

export interface TimelineMarks {
  /** One character per column: the event-density sparkline. */
  readonly spark: string;
  /** One character per column: S snapshot, B bookmark, F fork, X crash/halt, T trap, D divergence (the cursor is drawn by the view). */
  readonly marks: string;
  readonly end: number;
}

const SPARK = ' ▁▂▃▄▅▆▇█';
/** Host time a seek runs between two turns of the event loop (keys, redraws, Esc). */
const TURN_MS = 25;

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
  }
}
/** How many events a text filter scans before giving up (keeps a key press bounded). */
const TEXT_SCAN_LIMIT = 200_000;
/** The same for the filtered event list, each way from the cursor: it is redrawn as the selection moves. */
const LIST_SCAN_LIMIT = 20_000;

export class TuiSession {
  private readonly machines = new Map<string, Positioned>();
  private readonly timelines = new Map<string, { marks: TimelineMarks; at: number; end: number }>();
  /** Where replay found the recording and the machine disagree, per branch (marked D on the timeline). */
  readonly divergences = new Map<BranchId, { seq: number; icount: number }>();
  /** A machine that is not in the cache because it was not replayed: the live fork's. */
  live: { branch: BranchId; machine: Machine } | null = null;
  /** Function names of the guest programs (cpu pane, trap and crash details, backtraces). */
  readonly symbols: GuestSymbols;

  constructor(
    readonly store: JournalStore,
    readonly file: string,
    /** Host time a seek runs between two turns of the event loop (tests make it 0: a turn a machine slice). */
    private readonly turnMs = TURN_MS,
    /**
     * The guest image's debug files (GuestImage.debugFiles): forks and live runs store the one of
     * each program they exec, and a program the recording holds none for is symbolized from it.
     */
    readonly imageDebugFiles?: DebugFiles,
  ) {
    this.symbols = new GuestSymbols(store, imageDebugFiles);
  }

  branches(): readonly BranchInfo[] {
    return this.store.listBranches();
  }

  branchInfo(b: BranchId): BranchInfo | null {
    return this.store.getBranch(b);
  }

  lastEvent(branch: BranchId): StoredEvent | null {
    return this.store.events(branch, { order: 'desc', limit: 1 })[0] ?? null;
  }

  endIcount(branch: BranchId): number {
    return branchEndIcount(this.store, branch);
  }

  length(branch: BranchId): number {
    return this.store.branchLength(branch);
  }

  /**
   * The machine at `icount`: from the cache (the last few positions visited), else one run of
   * the timeline's Replayer from the nearest cached machine before it when that is closer than
   * the nearest snapshot, else from the snapshot (a seek). Throws DivergenceError where the
   * machine and the recording disagree. Synchronous: the UI uses machineAtAsync.
   */
  machineAt(branch: BranchId, icount: number): Positioned {
    const hit = this.fromCache(branch, icount);
    if (hit) return hit;
    const r = this.replayerNear(branch, icount);
    return this.landed(branch, icount, r, r.runUntil({ kind: 'icount', icount }));
  }

  /**
   * machineAt in turns of about TURN_MS of host time with a turn of the event loop between
   * them, so keys and redraws get through; `progress` gets (done, total) instructions; an
   * aborted `signal` stops it with a CancelledError. Turns are bounded by time, not by an
   * instruction count: syscall-dense code (an event every instruction or two, each compared
   * with the journal) replays a thousand times fewer instructions per millisecond than compute.
   */
  async machineAtAsync(branch: BranchId, icount: number, signal?: AbortSignal, progress?: (done: number, total: number) => void): Promise<Positioned> {
    const hit = this.fromCache(branch, icount);
    if (hit) return hit;
    const r = this.replayerNear(branch, icount);
    for (;;) {
      const turnEnd = performance.now() + this.turnMs;
      const out = r.runUntil({ kind: 'icount', icount }, { stopEarly: () => performance.now() > turnEnd });
      if (out.kind !== 'paused') return this.landed(branch, icount, r, out);
      progress?.(r.icount - r.startIcount, icount - r.startIcount);
      await new Promise((res) => setImmediate(res));
      if (signal?.aborted) throw new CancelledError();
    }
  }

  private fromCache(branch: BranchId, icount: number): Positioned | null {
    const key = `${branch}:${icount}`;
    const hit = this.machines.get(key);
    if (!hit) return null;
    this.machines.delete(key);
    this.machines.set(key, hit);
    return hit;
  }

  private replayerNear(branch: BranchId, icount: number): Replayer {
    const cached = [...this.machines].filter(([k]) => k.startsWith(`${branch}:`)).map(([, v]) => v);
    return Replayer.near(this.store, branch, icount, cached);
  }

  /** Where a run to `icount` ended: the machine there (or at the recording's end), or the divergence. */
  private landed(branch: BranchId, icount: number, r: Replayer, out: RunOutcome): Positioned {
    if (out.kind === 'divergence') throw new DivergenceError(out.divergence);
    const p = r.position();
    this.machines.set(`${branch}:${icount}`, p);
    // Also under where it landed (the end of the recording can be short of the target).
    this.machines.set(`${branch}:${p.machine.icount}`, p);
    while (this.machines.size > 8) this.machines.delete(this.machines.keys().next().value!);
    return p;
  }

  cachedMachine(c: Cursor): Machine | null {
    if (this.live && this.live.branch === c.branch && this.live.machine.icount === c.icount) return this.live.machine;
    return this.machines.get(`${c.branch}:${c.icount}`)?.machine ?? null;
  }

  /** Seek and return the cursor there. */
  cursorAt(branch: BranchId, icount: number): Cursor {
    const r = this.machineAt(branch, Math.max(0, icount));
    return { branch, icount: r.machine.icount, seq: r.seq };
  }

  async cursorAtAsync(branch: BranchId, icount: number, signal?: AbortSignal, progress?: (done: number, total: number) => void): Promise<Cursor> {
    const r = await this.machineAtAsync(branch, Math.max(0, icount), signal, progress);
    return { branch, icount: r.machine.icount, seq: r.seq };
  }

  /** Up to `n` events starting at seq `from` (clamped so the window is full near the end). */
  window(branch: BranchId, center: number, n: number): StoredEvent[] {
    const len = this.length(branch);
    const from = Math.max(0, Math.min(center - Math.floor(n / 2), len - n));
    return this.store.events(branch, { fromSeq: from as JournalSeq, limit: n });
  }

  eventAt(branch: BranchId, seq: number): StoredEvent | null {
    if (seq < 0) return null;
    return this.store.eventAt(branch, seq as JournalSeq);
  }

  private consoleCache: { key: string; text: string } | null = null;

  /** The console output before timeline position `seq` (its last `maxChunks` writes). */
  consoleBefore(branch: BranchId, seq: number, maxChunks = 400): string {
    if (seq <= 0) return '';
    const key = `${branch}:${seq}:${this.length(branch)}`;
    if (this.consoleCache?.key === key) return this.consoleCache.text;
    // Bounded by icount as well as seq, so SQLite uses its (kind, branch, icount) index.
    const last = this.store.eventAt(branch, (seq - 1) as JournalSeq);
    const chunks = this.store
      .events(branch, { kinds: ['console-output'], fromIcount: 0 as Icount, toIcount: (last?.icount ?? 0) as Icount, order: 'desc', limit: maxChunks + 64 })
      .filter((e) => e.seq < seq)
      .slice(0, maxChunks);
    let text = '';
    for (let i = chunks.length - 1; i >= 0; i--) {
      const e = chunks[i]!.event;
      if (e.kind === 'console-output') text += Buffer.from(e.data).toString('latin1');
    }
    this.consoleCache = { key, text };
    return text;
  }

  private keys: { at: number; keys: readonly ChannelKey[] } | null = null;

  /**
   * Every channel key the recorders journaled (the IPC opener's fallback). Asked at every redraw,
   * so read at most once a second: a live run adds keys only when a channel is set up.
   */
  journaledKeys(): readonly ChannelKey[] {
    const now = Date.now();
    if (!this.keys || now - this.keys.at > 1000) {
      const all = this.store.channelKeys();
      // The same array while nothing changed: the opener caches its key rings by it.
      this.keys = { at: now, keys: this.keys && this.keys.keys.length === all.length ? this.keys.keys : all };
    }
    return this.keys.keys;
  }

  snapshots(branch: BranchId): SnapshotRecord[] {
    return this.store.listSnapshots(branch);
  }

  bookmarks(branch: BranchId): Bookmark[] {
    return this.store.bookmarks(branch);
  }

  /** Density and markers across [0, end] in `width` columns; cached per branch and width. */
  timeline(branch: BranchId, width: number): TimelineMarks {
    const end = Math.max(1, this.endIcount(branch));
    const key = `${branch}:${width}:${this.bookmarks(branch).length}:${this.branches().length}:${this.divergences.get(branch)?.seq ?? ''}`;
    const hit = this.timelines.get(key);
    // A growing (live) branch is recounted at most once a second: a column is one count query.
    if (hit && (hit.end === end || Date.now() - hit.at < 1000)) return hit.marks;
    const col = (icount: number) => Math.min(width - 1, Math.max(0, Math.floor((icount / end) * width)));
    // Events per column from the timeline positions at the column edges: one index lookup per
    // edge instead of a count over every event (the first draw of a recording of millions).
    const len = this.length(branch);
    const seqAtIcount = (i: number) => this.store.events(branch, { fromIcount: i as Icount, limit: 1 })[0]?.seq ?? len;
    const edges: number[] = [];
    for (let c = 0; c <= width; c++) edges.push(c === width ? len : seqAtIcount(Math.ceil((c * end) / width)));
    const counts: number[] = [];
    for (let c = 0; c < width; c++) counts.push(edges[c + 1]! - edges[c]!);
    const max = Math.max(1, ...counts);
    const spark = counts.map((n) => (n === 0 ? ' ' : SPARK[Math.max(1, Math.ceil((n / max) * 8))]!)).join('');
    const marks = new Array<string>(width).fill(' ');
    const put = (icount: number, ch: string, rank: string) => {
      const c = col(icount);
      if (rank.indexOf(marks[c]!) < rank.indexOf(ch)) marks[c] = ch;
    };
    const RANK = ' SFBTXD';
    for (const s of this.snapshots(branch)) put(s.icount, 'S', RANK);
    for (const b of this.branches()) if (b.parent === branch) put(b.forkIcount, 'F', RANK);
    for (const b of this.bookmarks(branch)) put(b.icount, 'B', RANK);
    // One kind at a time, with an icount range: SQLite then uses its (kind, branch, icount) index
    // (a query for several kinds at once scans every event).
    for (const e of TIMELINE_MARK_KINDS.flatMap((k) => this.store.events(branch, { kinds: [k], fromIcount: 0 as Icount, toIcount: end as Icount, limit: 500 }))) put(e.icount, e.kind === 'trap' ? 'T' : 'X', RANK);
    const d = this.divergences.get(branch);
    if (d) put(d.icount, 'D', RANK);
    const t = { spark, marks: marks.join(''), end };
    this.timelines.set(key, { marks: t, at: Date.now(), end });
    return t;
  }

  /**
   * The next (dir 1) or previous (dir -1) event matching the filter strictly after / before
   * timeline position `seq`. A text or channel filter scans at most TEXT_SCAN_LIMIT events.
   */
  findEvent(branch: BranchId, seq: number, dir: 1 | -1, f: TextFilter): StoredEvent | null {
    return this.findEvents(branch, seq, dir, f, 1)[0] ?? null;
  }

  /**
   * Up to `limit` events matching the filter after (dir 1) or before (dir -1) `seq`, nearest
   * first; a text or channel filter looks at `scanLimit` events at most.
   */
  findEvents(branch: BranchId, seq: number, dir: 1 | -1, f: TextFilter, limit: number, scanLimit = TEXT_SCAN_LIMIT): StoredEvent[] {
    if (limit <= 0 || (dir === -1 && seq <= 0)) return [];
    // A channel one way is its sender's events (the pid column of an IPC row is its src).
    const kinds = f.kinds ?? (f.channel ? CHANNEL_KINDS : undefined);
    const pid = f.pid ?? (f.channel && !f.channel.bothWays ? f.channel.src : undefined);
    // Bounding the icount on both sides lets SQLite use its kind and pid indexes (one bound does not).
    const at = this.store.eventAt(branch, Math.max(0, Math.min(seq, this.length(branch) - 1)) as JournalSeq)?.icount ?? 0;
    const base: EventQuery = {
      kinds,
      pid,
      ...(dir === 1
        ? { fromIcount: at as Icount, toIcount: Number.MAX_SAFE_INTEGER as Icount, fromSeq: (seq + 1) as JournalSeq }
        : { fromIcount: 0 as Icount, toIcount: at as Icount, toSeq: Math.max(0, seq - 1) as JournalSeq, order: 'desc' as const }),
    };
    if (!f.text && !f.channel) {
      if (!kinds) return this.store.events(branch, { ...base, limit });
      // One kind at a time (the store's index is per kind), merged nearest first.
      const all = kinds.flatMap((k) => this.store.events(branch, { ...base, kinds: [k], limit }));
      return all.sort((a, b) => (a.seq - b.seq) * dir).slice(0, limit);
    }
    const needle = f.text?.toLowerCase();
    const out: StoredEvent[] = [];
    for (const e of this.store.iterateEvents(branch, { ...base, limit: scanLimit })) {
      if (!passes(e, f, needle)) continue;
      out.push(e);
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * The nearest landmark (crash, deadlock, trap: landmarks.ts) after (dir 1) or before (dir -1)
   * `seq`. Candidates come by kind from the store's index a few at a time, nearest first, and
   * are checked one by one (a halt is a landmark only when it was a deadlock).
   */
  findLandmark(branch: BranchId, seq: number, dir: 1 | -1, landmark: Landmark): StoredEvent | null {
    const BATCH = 16;
    let from = seq;
    for (let guard = 0; guard < 1000; guard++) {
      const batch = this.findEvents(branch, from, dir, { kinds: landmark.kinds }, BATCH);
      const hit = batch.find((e) => landmark.accepts(e.event));
      if (hit) return hit;
      const last = batch[batch.length - 1];
      if (!last || batch.length < BATCH) return null;
      from = last.seq;
    }
    return null;
  }

  private matchCache: { key: string; events: StoredEvent[] } | null = null;

  /** Up to `n` events matching `f` around `center` (those before it, it if it matches, those after), in seq order. */
  matchingWindow(branch: BranchId, center: number, n: number, f: TextFilter): StoredEvent[] {
    const key = `${branch}:${center}:${n}:${describeFilter(f)}:${this.length(branch)}`;
    if (this.matchCache?.key === key) return this.matchCache.events;
    let before = this.findEvents(branch, center + 1, -1, f, Math.ceil(n / 2), LIST_SCAN_LIMIT); // center itself included
    const after = this.findEvents(branch, center, 1, f, n - before.length, LIST_SCAN_LIMIT);
    if (before.length + after.length < n && before.length === Math.ceil(n / 2)) before = this.findEvents(branch, center + 1, -1, f, n - after.length, LIST_SCAN_LIMIT);
    const events = [...before.reverse(), ...after];
    this.matchCache = { key, events };
    return events;
  }

  /**
   * A new branch from the machine at the cursor, recorded live by the timeline's Recorder: the
   * cached machine is copied (no seek). Seeks when the cursor's machine is not at hand.
   */
  fork(c: Cursor, label: string): { branch: BranchId; machine: Machine } {
    const at = this.machines.get(`${c.branch}:${c.icount}`);
    if (!at || at.machine.icount !== c.icount) return forkAt(this.store, c.branch, c.icount, label, { debugFiles: this.imageDebugFiles });
    return forkFromCopy(this.store, c.branch, at, label, this.imageDebugFiles);
  }

  /** The branch tree, one line a branch (`*` marks `current`), with each branch's bookmarks. */
  branchLines(current: BranchId): string[] {
    const lines: string[] = [];
    const walk = (n: BranchTreeNode, depth: number) => {
      const b = n.branch;
      const marks = this.bookmarks(b.id);
      lines.push(
        `${b.id === current ? '*' : ' '} ${'  '.repeat(depth)}${b.id} ${b.label || '(unnamed)'}: ${this.length(b.id)} events to icount ${this.endIcount(b.id)}` +
          (b.parent === null ? '' : `, from ${b.parent}@${b.forkIcount}`),
      );
      for (const m of marks) lines.push(`  ${'  '.repeat(depth)}  bookmark ${m.name} @${m.icount}${m.note ? ` ${m.note}` : ''}`);
      for (const c of n.children) walk(c, depth + 1);
    };
    for (const root of buildBranchTree(this.branches())) walk(root, 0);
    return lines;
  }

  putBookmark(c: Cursor, name: string, note = ''): void {
    this.store.putBookmark({ branch: c.branch, icount: c.icount as Icount, name, note });
  }
}

/** The event list's line for an event (what the text filter searches). */
export function eventText(e: MachineEvent, open?: IpcOpener): string {
  return eventSummary(e, open);
}
