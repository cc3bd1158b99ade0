/**
 * Operations on a process's sorted region list, in place: find free space, cut a range out
 * (splitting regions at its edges), insert with merging of equal neighbours, change permissions
 * over a range. Lookups are binary searches and an insertion or a cut moves only the entries
 * after it, never copying or re-sorting the list, so thousands of mappings stay cheap (up to
 * MAX_MAP_COUNT of them).
 */
import { MMAP_MIN, type MmProc, type Region } from './mm-state.js';

/** Index of the first region that ends above `addr` (regions.length when none). */
export function firstEndingAbove(regions: readonly Region[], addr: number): number {
  let lo = 0, hi = regions.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (regions[mid]!.end <= addr) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function overlaps(regions: readonly Region[], start: number, end: number): boolean {
  const r = regions[firstEndingAbove(regions, start)];
  return r !== undefined && r.start < end;
}

/** Whether [start, end) is covered by regions without a gap. */
export function fullyMapped(regions: readonly Region[], start: number, end: number): boolean {
  let at = start;
  for (let i = firstEndingAbove(regions, start); i < regions.length && at < end; i++) {
    const r = regions[i]!;
    if (r.start > at) return false;
    at = r.end;
  }
  return at >= end;
}

export function regionsIn(regions: readonly Region[], start: number, end: number): Region[] {
  const out: Region[] = [];
  for (let i = firstEndingAbove(regions, start); i < regions.length && regions[i]!.start < end; i++) out.push(regions[i]!);
  return out;
}

/** Bytes of [start, end) that regions cover. */
export function mappedBytesIn(regions: readonly Region[], start: number, end: number): number {
  let n = 0;
  for (const r of regionsIn(regions, start, end)) n += Math.min(r.end, end) - Math.max(r.start, start);
  return n;
}

/** Whether cutting [start, end) out would split one region in two (one more mapping). */
export function splits(regions: readonly Region[], start: number, end: number): boolean {
  const r = regions[firstEndingAbove(regions, start)];
  return r !== undefined && r.start < start && r.end > end;
}

/**
 * The highest free range of `length` bytes that ends at or below `top` and starts at or above
 * MMAP_MIN (Linux's top-down allocator); -1 when there is none. Uses and updates p's cache.
 */
export function findFreeTopDown(p: MmProc, length: number, top: number): number {
  const regions = p.regions;
  const c = p.topDown;
  const useCache = c !== undefined && c.top === top && length > c.largestGapAbove;
  let gapEnd = useCache ? c.below : top;
  let largest = useCache ? c.largestGapAbove : 0;
  // The regions that start below gapEnd, walked from the highest down.
  let i = firstEndingAbove(regions, gapEnd);
  if (i < regions.length && regions[i]!.start < gapEnd) gapEnd = regions[i]!.start;
  for (i = i - 1; i >= 0; i--) {
    const r = regions[i]!;
    const gapStart = Math.max(r.end, MMAP_MIN);
    if (gapEnd - gapStart >= length) return found(p, top, gapEnd - length, largest);
    if (gapEnd > gapStart) largest = Math.max(largest, gapEnd - gapStart);
    gapEnd = r.start;
    if (gapEnd <= MMAP_MIN) return -1;
  }
  return gapEnd - MMAP_MIN >= length ? found(p, top, gapEnd - length, largest) : -1;
}

function found(p: MmProc, top: number, addr: number, largestGapAbove: number): number {
  p.topDown = { top, below: addr, largestGapAbove };
  return addr;
}

/** Space was freed in [start, end): a cache that counted on it being mapped is dropped. */
function freed(p: MmProc, end: number): void {
  if (p.topDown !== undefined && end > p.topDown.below) p.topDown = undefined;
}

/** Cuts [start, end) out of p's regions in place; returns the removed pieces, sorted. */
export function cutRange(p: MmProc, start: number, end: number): Region[] {
  const regions = p.regions;
  const first = firstEndingAbove(regions, start);
  let last = first;
  while (last < regions.length && regions[last]!.start < end) last++;
  if (last === first) return [];
  const removed: Region[] = [];
  const keep: Region[] = [];
  for (let i = first; i < last; i++) {
    const r = regions[i]!;
    if (r.start < start) keep.push({ ...r, end: start });
    removed.push({ ...r, start: Math.max(r.start, start), end: Math.min(r.end, end) });
    if (r.end > end) keep.push({ ...r, start: end });
  }
  regions.splice(first, last - first, ...keep);
  freed(p, end);
  return removed;
}

function sameKind(a: Region, b: Region): boolean {
  return (
    a.perm === b.perm &&
    a.maxPerm === b.maxPerm &&
    a.kind === b.kind &&
    a.segment === b.segment &&
    a.attach === b.attach &&
    a.attachStart === b.attachStart
  );
}

/** Inserts `r` (free space by now) in place, merged with touching neighbours of the same kind. */
export function insertRegion(regions: Region[], r: Region): void {
  const i = firstEndingAbove(regions, r.start);
  const before = regions[i - 1];
  const after = regions[i];
  const joinBefore = before !== undefined && before.end === r.start && sameKind(before, r);
  const joinAfter = after !== undefined && after.start === r.end && sameKind(after, r);
  if (joinBefore && joinAfter) regions.splice(i - 1, 2, { ...before, end: after.end });
  else if (joinBefore) regions[i - 1] = { ...before, end: r.end };
  else if (joinAfter) regions[i] = { ...after, start: r.start };
  else regions.splice(i, 0, r);
}

/** Sorts and merges touching regions that differ only in their bounds (a new image's regions). */
export function normalize(regions: readonly Region[]): Region[] {
  const sorted = [...regions].sort((a, b) => a.start - b.start);
  const out: Region[] = [];
  for (const r of sorted) insertRegion(out, r);
  return out;
}

/** Sets `perm` on [start, end), which must be fully mapped. */
export function protectRange(p: MmProc, start: number, end: number, perm: number): void {
  const removed = cutRange(p, start, end);
  for (const r of removed) insertRegion(p.regions, { ...r, perm });
}

/** Bytes the regions cover. */
export function mappedBytes(regions: readonly Region[]): number {
  let n = 0;
  for (const r of regions) n += r.end - r.start;
  return n;
}
