/**
 * The Memory Manager's state as plain, versioned data (STYLE.md 4): processes by pid, regions in
 * address order, segments by id.
 */
import type { MmProc, MmState, Region, ShmSegment } from './mm-state.js';

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

export function restoreMm(s: MmSnapshot): MmState {
  if (s.version !== 1) throw new Error(`Memory Manager state version ${String(s.version)} is not supported (expected 1)`);
  const procs = new Map<number, MmProc>();
  for (const p of s.procs) {
    procs.set(p.pid, { pid: p.pid, brkBase: p.brkBase, brk: p.brk, regions: p.regions.map((r) => ({ ...r })) });
  }
  const segments = new Map<number, ShmSegment>();
  for (const seg of s.segments) segments.set(seg.id, { ...seg });
  return { procs, segments, nextShmId: s.nextShmId, nextAttachId: s.nextAttachId };
}
