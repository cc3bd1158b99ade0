/**
 * Operations on a process's sorted region list: find free space, cut a range out (splitting regions
 * at its edges), insert with merging of equal neighbours, change permissions over a range.
 */
import { MMAP_MIN, type Region } from './mm-state.js';

export function overlaps(regions: readonly Region[], start: number, end: number): boolean {
  return regions.some((r) => r.start < end && r.end > start);
}

/** Whether [start, end) is covered by regions without a gap. */
export function fullyMapped(regions: readonly Region[], start: number, end: number): boolean {
  let at = start;
  for (const r of regions) {
    if (r.end <= at) continue;
    if (r.start > at) return false;
    at = r.end;
    if (at >= end) return true;
  }
  return at >= end;
}

export function regionsIn(regions: readonly Region[], start: number, end: number): Region[] {
  return regions.filter((r) => r.start < end && r.end > start);
}

/**
 * The highest free range of `length` bytes that ends at or below `top` and starts at or above
 * MMAP_MIN (Linux's top-down allocator); -1 when there is none.
 */
export function findFreeTopDown(regions: readonly Region[], length: number, top: number): number {
  let gapEnd = top;
  for (let i = regions.length - 1; i >= 0; i--) {
    const r = regions[i]!;
    if (r.start >= gapEnd) continue;
    if (r.end < gapEnd && gapEnd - Math.max(r.end, MMAP_MIN) >= length) return gapEnd - length;
    gapEnd = r.start;
  }
  return gapEnd - MMAP_MIN >= length ? gapEnd - length : -1;
}

/** Cuts [start, end) out of `regions`; returns the remaining list and the removed pieces, both sorted. */
export function cutRange(regions: readonly Region[], start: number, end: number): { kept: Region[]; removed: Region[] } {
  const kept: Region[] = [];
  const removed: Region[] = [];
  for (const r of regions) {
    if (r.end <= start || r.start >= end) {
      kept.push(r);
      continue;
    }
    if (r.start < start) kept.push({ ...r, end: start });
    removed.push({ ...r, start: Math.max(r.start, start), end: Math.min(r.end, end) });
    if (r.end > end) kept.push({ ...r, start: end });
  }
  return { kept, removed };
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

/** Sorts and merges touching regions that differ only in their bounds. */
export function normalize(regions: readonly Region[]): Region[] {
  const sorted = [...regions].sort((a, b) => a.start - b.start);
  const out: Region[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last.end === r.start && sameKind(last, r)) out[out.length - 1] = { ...last, end: r.end };
    else out.push(r);
  }
  return out;
}

/** Sets `perm` on [start, end), which must be fully mapped. */
export function protectRange(regions: readonly Region[], start: number, end: number, perm: number): Region[] {
  const { kept, removed } = cutRange(regions, start, end);
  return normalize([...kept, ...removed.map((r) => ({ ...r, perm }))]);
}
