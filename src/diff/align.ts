/**
 * The aligned diff after a divergence. Aligning two event streams position by position fails as
 * soon as one side has an event more: everything after is off by one, and an earlier fault that
 * shifts every later event by a few instructions makes all of them look changed. So events are
 * aligned per track (a process: its syscalls, the messages it sent or was answered, its signals;
 * a server's crashes and restarts; the machine's own events) by their content without the icount,
 * each track on its own: a difference in one process does not misalign another. Where two tracks
 * disagree, the aligner looks ahead for the nearest place where they agree again for a few events
 * running (resynchronises) and reports what lies between as events only one side has; same-kind
 * events facing each other there are reported as changed.
 */
import type { MachineEvent } from '../core/events.js';
import type { StoredEvent } from '../journal/store.js';
import type { JournalWires } from '../export/journal-wires.js';
import { contentKey } from './event-meaning.js';
import { KERNEL_AND_SERVER_NAMES } from '../protocol/message-types.js';

export type Change = 'only-a' | 'only-b' | 'changed';

export interface AlignedDifference {
  readonly change: Change;
  readonly track: string;
  readonly a: StoredEvent | null;
  readonly b: StoredEvent | null;
}

export interface Tally {
  readonly key: string;
  onlyA: number;
  onlyB: number;
  changed: number;
  /** Paired equal, at another icount. */
  shifted: number;
}

export interface AlignedDiff {
  /** Events aligned on each side (from the divergence on). */
  readonly eventsA: number;
  readonly eventsB: number;
  /** Pairs equal in content; of them, at another icount. */
  readonly matched: number;
  readonly shifted: number;
  readonly onlyA: number;
  readonly onlyB: number;
  readonly changed: number;
  /** Times two tracks agreed again after disagreeing. */
  readonly resyncs: number;
  readonly byProcess: readonly Tally[];
  readonly byKind: readonly Tally[];
  readonly byServer: readonly Tally[];
  /** Every difference, by icount. */
  readonly differences: readonly AlignedDifference[];
}

const isServer = (pid: number) => pid in KERNEL_AND_SERVER_NAMES;

/** The track an event belongs to: the process it concerns, a server's own events, or the machine. */
export function trackOf(e: MachineEvent): string {
  switch (e.kind) {
    case 'syscall': case 'syscall-return': case 'trap': case 'signal': case 'exec': case 'exit':
      return `pid ${e.pid}`;
    case 'fork':
      return `pid ${e.parent}`;
    case 'ipc': case 'ipc-reject': case 'ipc-denied': case 'ipc-fault':
      // A delegated call and its reply both go to the caller's track.
      return `pid ${!isServer(e.src) ? e.src : !isServer(e.dst) ? e.dst : e.src}`;
    case 'server-crash': case 'server-restart': case 'server-down':
      return `server ${KERNEL_AND_SERVER_NAMES[e.server] ?? e.server}`;
    default:
      return 'machine';
  }
}

/** The server an event concerns, if any. */
export function serverOf(e: MachineEvent): string | null {
  switch (e.kind) {
    case 'ipc': case 'ipc-reject': case 'ipc-denied': case 'ipc-fault': {
      const s = isServer(e.dst) && e.dst !== 0 ? e.dst : isServer(e.src) && e.src !== 0 ? e.src : null;
      return s === null ? null : (KERNEL_AND_SERVER_NAMES[s] ?? String(s));
    }
    case 'server-crash': case 'server-restart': case 'server-down':
      return KERNEL_AND_SERVER_NAMES[e.server] ?? String(e.server);
    default:
      return null;
  }
}

/** How far ahead (events, per side) the aligner looks for the two tracks to agree again. */
const LOOKAHEAD = 256;
/** Events that must agree in a row for a resynchronisation. */
const AGREE = 3;

interface Item {
  readonly e: StoredEvent;
  readonly key: string;
}

function agreeFrom(a: readonly Item[], i: number, b: readonly Item[], j: number): boolean {
  for (let k = 0; k < AGREE; k++) {
    const x = a[i + k];
    const y = b[j + k];
    if (x === undefined || y === undefined) return x === undefined && y === undefined && k > 0;
    if (x.key !== y.key) return false;
  }
  return true;
}

/** Positions of each key in a track, ascending: where a far resynchronisation can look. */
type KeyIndex = Map<string, number[]>;

function indexOf(items: readonly Item[]): KeyIndex {
  const index: KeyIndex = new Map();
  for (let p = 0; p < items.length; p++) {
    const k = items[p]!.key;
    const list = index.get(k);
    if (list) list.push(p);
    else index.set(k, [p]);
  }
  return index;
}

/** The first element of the ascending list that is >= from (binary search). */
function firstFrom(list: readonly number[], from: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Occurrences of a key tried per far search (a key that recurs everywhere is a poor anchor). */
const FAR_TRIES = 64;

/**
 * The nearest (di, dj) from (i, j) where the tracks agree again, by di + dj: first within the
 * lookahead on both sides; failing that, one side within the lookahead against anywhere later on
 * the other (a whole command one run made and the other did not), through the key indexes.
 */
function resync(a: readonly Item[], i: number, b: readonly Item[], j: number, index: { readonly a: () => KeyIndex; readonly b: () => KeyIndex }): { di: number; dj: number } | null {
  const where = new Map<string, number[]>();
  for (let dj = 0; dj < LOOKAHEAD && j + dj < b.length; dj++) {
    const k = b[j + dj]!.key;
    const list = where.get(k);
    if (list) list.push(dj);
    else where.set(k, [dj]);
  }
  let best: { di: number; dj: number } | null = null;
  for (let di = 0; di < LOOKAHEAD && i + di < a.length; di++) {
    if (best && di >= best.di + best.dj) break;
    for (const dj of where.get(a[i + di]!.key) ?? []) {
      if (best && di + dj >= best.di + best.dj) break;
      if ((di > 0 || dj > 0) && agreeFrom(a, i + di, b, j + dj)) best = { di, dj };
    }
  }
  if (best) return best;
  const far = (xs: readonly Item[], x: number, ys: readonly Item[], y: number, ysIndex: KeyIndex): { near: number; far: number } | null => {
    let found: { near: number; far: number } | null = null;
    for (let d = 0; d < LOOKAHEAD && x + d < xs.length; d++) {
      if (found && d >= found.near + found.far) break;
      const list = ysIndex.get(xs[x + d]!.key) ?? [];
      const end = Math.min(list.length, firstFrom(list, y + LOOKAHEAD) + FAR_TRIES);
      for (let n = firstFrom(list, y + LOOKAHEAD); n < end; n++) {
        const p = list[n]!;
        if (found && d + (p - y) >= found.near + found.far) break;
        if (agreeFrom(xs, x + d, ys, p)) {
          found = { near: d, far: p - y };
          break;
        }
      }
    }
    return found;
  };
  const inB = far(a, i, b, j, index.b());
  const inA = far(b, j, a, i, index.a());
  const fromB = inB && { di: inB.near, dj: inB.far };
  const fromA = inA && { di: inA.far, dj: inA.near };
  if (fromB && fromA) return fromB.di + fromB.dj <= fromA.di + fromA.dj ? fromB : fromA;
  return fromB ?? fromA;
}

function tally(map: Map<string, Tally>, key: string): Tally {
  let t = map.get(key);
  if (!t) map.set(key, (t = { key, onlyA: 0, onlyB: 0, changed: 0, shifted: 0 }));
  return t;
}

export function alignEvents(as: readonly StoredEvent[], wa: JournalWires, bs: readonly StoredEvent[], wb: JournalWires): AlignedDiff {
  const tracks = new Map<string, { a: Item[]; b: Item[] }>();
  const put = (side: 'a' | 'b', e: StoredEvent, wires: JournalWires) => {
    const t = trackOf(e.event);
    let entry = tracks.get(t);
    if (!entry) tracks.set(t, (entry = { a: [], b: [] }));
    entry[side].push({ e, key: contentKey(e.event, wires) });
  };
  for (const e of as) put('a', e, wa);
  for (const e of bs) put('b', e, wb);

  const differences: AlignedDifference[] = [];
  const byProcess = new Map<string, Tally>();
  const byKind = new Map<string, Tally>();
  const byServer = new Map<string, Tally>();
  let matched = 0;
  let shifted = 0;
  let resyncs = 0;
  const counts = { onlyA: 0, onlyB: 0, changed: 0 };

  const record = (d: AlignedDifference) => {
    differences.push(d);
    const field = d.change === 'only-a' ? 'onlyA' : d.change === 'only-b' ? 'onlyB' : 'changed';
    counts[field]++;
    const ev = (d.a ?? d.b)!.event;
    tally(byProcess, d.track)[field]++;
    tally(byKind, ev.kind)[field]++;
    const server = serverOf(ev);
    if (server !== null) tally(byServer, server)[field]++;
  };
  const matchedPair = (track: string, x: StoredEvent, y: StoredEvent) => {
    matched++;
    if (x.icount !== y.icount) {
      shifted++;
      tally(byProcess, track).shifted++;
      tally(byKind, x.kind).shifted++;
    }
  };
  /** What lies between two agreements: same-kind events facing each other changed, the rest one-sided. */
  const between = (track: string, xs: readonly Item[], ys: readonly Item[]) => {
    let k = 0;
    for (; k < Math.min(xs.length, ys.length) && xs[k]!.e.kind === ys[k]!.e.kind; k++) {
      if (xs[k]!.key === ys[k]!.key) matchedPair(track, xs[k]!.e, ys[k]!.e);
      else record({ change: 'changed', track, a: xs[k]!.e, b: ys[k]!.e });
    }
    for (const x of xs.slice(k)) record({ change: 'only-a', track, a: x.e, b: null });
    for (const y of ys.slice(k)) record({ change: 'only-b', track, a: null, b: y.e });
  };

  for (const [track, { a, b }] of tracks) {
    let i = 0;
    let j = 0;
    // Built on the first far search only: most tracks agree again within the lookahead.
    let ia: KeyIndex | undefined;
    let ib: KeyIndex | undefined;
    const index = { a: () => (ia ??= indexOf(a)), b: () => (ib ??= indexOf(b)) };
    while (i < a.length && j < b.length) {
      if (a[i]!.key === b[j]!.key) {
        matchedPair(track, a[i]!.e, b[j]!.e);
        i++;
        j++;
        continue;
      }
      const r = resync(a, i, b, j, index);
      if (r) {
        between(track, a.slice(i, i + r.di), b.slice(j, j + r.dj));
        i += r.di;
        j += r.dj;
        resyncs++;
      } else {
        between(track, a.slice(i, i + 1), b.slice(j, j + 1));
        i++;
        j++;
      }
    }
    between(track, a.slice(i), b.slice(j));
  }

  const at = (d: AlignedDifference) => Math.min(d.a?.icount ?? Infinity, d.b?.icount ?? Infinity);
  const seqOf = (d: AlignedDifference) => Math.min(d.a?.seq ?? Infinity, d.b?.seq ?? Infinity);
  differences.sort((x, y) => at(x) - at(y) || seqOf(x) - seqOf(y));
  const sorted = (m: Map<string, Tally>) =>
    [...m.values()].sort((x, y) => y.onlyA + y.onlyB + y.changed - (x.onlyA + x.onlyB + x.changed) || y.shifted - x.shifted || x.key.localeCompare(y.key));
  return {
    eventsA: as.length,
    eventsB: bs.length,
    matched,
    shifted,
    ...counts,
    resyncs,
    byProcess: sorted(byProcess),
    byKind: sorted(byKind),
    byServer: sorted(byServer),
    differences,
  };
}
