/**
 * The Memory Manager's state as plain, versioned data (STYLE.md 4): processes by pid, regions in
 * address order, segments by id.
 */
import { StateValue, uniqueBy } from '../../core/state-check.js';
import { mappedBytes } from './regions.js';
import { MAX_MAP_COUNT, PAGE_SIZE, SHMMAX, USER_TOP, type MmProc, type MmState, type Region, type RegionKind, type ShmSegment } from './mm-state.js';

export interface MmSnapshot {
  readonly version: 1;
  readonly nextShmId: number;
  readonly nextAttachId: number;
  readonly procs: readonly { readonly pid: number; readonly brkBase: number; readonly brk: number; readonly regions: readonly Region[] }[];
  readonly segments: readonly ShmSegment[];
}

export function snapshotMm(state: MmState): MmSnapshot {
  return {
    version: 1,
    nextShmId: state.nextShmId,
    nextAttachId: state.nextAttachId,
    procs: [...state.procs.values()]
      .sort((a, b) => a.pid - b.pid)
      .map((p) => ({ pid: p.pid, brkBase: p.brkBase, brk: p.brk, regions: p.regions.map((r) => ({ ...r })) })),
    segments: [...state.segments.values()].sort((a, b) => a.id - b.id).map((s) => ({ ...s })),
  };
}

const REGION_KINDS: readonly RegionKind[] = ['text', 'data', 'stack', 'other', 'heap', 'anon', 'shm'];
const U32_MAX = 0xffff_ffff;

function region(v: StateValue): Region {
  const start = v.at('start').int(0, USER_TOP - PAGE_SIZE, 'a page-aligned address below the user top');
  if (start % PAGE_SIZE !== 0) v.at('start').fail('a page-aligned address');
  const end = v.at('end').int(start + PAGE_SIZE, USER_TOP, `a page-aligned end above start (${start}) and at most the user top`);
  if (end % PAGE_SIZE !== 0) v.at('end').fail('a page-aligned address');
  return {
    start,
    end,
    perm: v.at('perm').int(0, 7, 'a permission (0..7)'),
    maxPerm: v.at('maxPerm').int(0, 7, 'a permission (0..7)'),
    kind: v.at('kind').oneOf(REGION_KINDS),
    // -1: not a shared memory region.
    segment: v.at('segment').int(-1, U32_MAX),
    attach: v.at('attach').int(-1, Number.MAX_SAFE_INTEGER),
    attachStart: v.at('attachStart').int(-1, U32_MAX),
  };
}

/** A process's regions: sorted by address and not overlapping (the searches rely on it), at most MAX_MAP_COUNT. */
function sortedRegions(v: StateValue): Region[] {
  const list = v.array(MAX_MAP_COUNT);
  const regions = list.map(region);
  for (let i = 1; i < regions.length; i++) {
    if (regions[i]!.start < regions[i - 1]!.end) list[i]!.fail(`a region starting at or above the previous one's end (${regions[i - 1]!.end})`);
  }
  return regions;
}

function segment(v: StateValue): ShmSegment {
  return {
    id: v.at('id').u32(),
    key: v.at('key').i32(),
    size: v.at('size').int(0, SHMMAX),
    mode: v.at('mode').int(0, 0o777, 'permission bits (0..0o777)'),
    uid: v.at('uid').u32(),
    gid: v.at('gid').u32(),
    cuid: v.at('cuid').u32(),
    cpid: v.at('cpid').pid(),
    lpid: v.at('lpid').pid(),
    nattch: v.at('nattch').count(),
    removed: v.at('removed').bool(),
    hidden: v.at('hidden').bool(),
  };
}

/**
 * Reads and checks a saved Memory Manager state: every field present, typed and in range (regions
 * page-aligned inside the user space); a bad one is a StateError naming it.
 */
export function parseMmSnapshot(raw: unknown, root = 'mm'): MmSnapshot {
  const s = StateValue.root(raw, root);
  s.version(1);
  const procs = s.at('procs').array().map((v) => ({
    pid: v.at('pid').pid(),
    brkBase: v.at('brkBase').u32(),
    brk: v.at('brk').u32(),
    regions: sortedRegions(v.at('regions')),
  }));
  uniqueBy(procs, (p) => p.pid, `${root}.procs`, 'pid');
  const segments = s.at('segments').array().map(segment);
  uniqueBy(segments, (x) => x.id, `${root}.segments`, 'segment');
  return {
    version: 1,
    nextShmId: s.at('nextShmId').u32(),
    nextAttachId: s.at('nextAttachId').count(),
    procs,
    segments,
  };
}

/** Rebuilds the state from a checked snapshot (parseMmSnapshot). */
export function restoreMm(s: MmSnapshot): MmState {
  const procs = new Map<number, MmProc>();
  for (const p of s.procs) {
    procs.set(p.pid, { pid: p.pid, brkBase: p.brkBase, brk: p.brk, regions: p.regions.map((r) => ({ ...r })) });
  }
  const segments = new Map<number, ShmSegment>();
  for (const seg of s.segments) segments.set(seg.id, { ...seg });
  let mappedPages = 0;
  for (const p of procs.values()) mappedPages += mappedBytes(p.regions) / PAGE_SIZE;
  return { procs, segments, nextShmId: s.nextShmId, nextAttachId: s.nextAttachId, mappedPages };
}
