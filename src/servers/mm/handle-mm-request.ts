/**
 * The Memory Manager's request handler: `handleMmRequest(state, source, request, ctx)` applies one
 * decoded request from `source` to the region tables and returns the reply plus the address-space
 * changes for the kernel. Deterministic: reads nothing but its arguments, mutates nothing but `state`.
 *
 * Capability: a process's requests (brk, mmap, ...) carry no pid and act on `source`'s own address
 * space; the control requests (procExec/procFork/procExit) name a pid and are accepted only from the
 * kernel (pid 0) or the Process Manager (pid 3).
 */
import { ERRNO } from '../../protocol/errno.js';
import { WELL_KNOWN_PID } from '../../protocol/message-types.js';
import { MACHINE_MEMORY_PAGES, MM_REGION_KIND, MM_SPECS, STACK_RESERVE_BYTES, type MmReply, type MmRequest, type MmRequestKind } from '../../protocol/mm-protocol.js';
import type { AnySpec, ReplyValue } from '../../protocol/service.js';
import type { MmEffect, MmResult } from './mm-result.js';
import {
  HEAP_MAX,
  isPageAligned,
  MAX_MAP_COUNT,
  MMAP_MIN,
  MMAP_TOP,
  PAGE_SIZE,
  pageUp,
  PERM_R,
  PERM_RWX,
  PERM_W,
  PERM_X,
  SHMMAX,
  SHMMNI,
  STACK_TOP,
  USER_TOP,
  type MmProc,
  type MmState,
  type Region,
  type RegionKind,
  type ShmSegment,
} from './mm-state.js';
import { cutRange, findFreeTopDown, fullyMapped, insertRegion, mappedBytes, mappedBytesIn, normalize, overlaps, protectRange, regionsIn, splits } from './regions.js';

export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const IPC_PRIVATE = 0;
export const IPC_CREAT = 0o1000;
export const IPC_EXCL = 0o2000;
export const IPC_RMID = 0;
export const IPC_SET = 1;
export const IPC_STAT = 2;
export const SHM_RDONLY = 0o10000;
export const SHM_RND = 0o20000;
export const SHM_REMAP = 0o40000;
export const SHM_EXEC = 0o100000;

/** A process's credentials, for System V permission checks. */
export interface MmCred {
  readonly uid: number;
  readonly gid: number;
}

export interface MmContext {
  /** Virtual time, ns since the epoch (unused by the MM's logic today; part of the server contract). */
  readonly now?: bigint;
  /** Credentials of a pid; without it (or for an unknown pid) System V permission checks pass, as for root. */
  readonly cred?: (pid: number) => MmCred | undefined;
  /** The machine's memory in pages; MACHINE_MEMORY_PAGES unless a test gives another. */
  readonly memoryPages?: number;
}

type Body<K extends MmRequestKind> = ReplyValue<(typeof MM_SPECS)[K]>;

function reply<K extends MmRequestKind>(kind: K, result: number, body?: Body<K>): MmReply {
  return { kind, result, body: result < 0 ? null : (body ?? {}) } as unknown as MmReply;
}

const TRUSTED_SOURCES: ReadonlySet<number> = new Set([WELL_KNOWN_PID.KERNEL, WELL_KNOWN_PID.PROC]);
const NO_SHM = { segment: -1, attach: -1, attachStart: -1 } as const;
const EMPTY_SHMID_DS = { segsz: 0, cpid: 0, lpid: 0, nattch: 0, mode: 0, uid: 0, key: 0 };

interface Run {
  readonly state: MmState;
  readonly source: number;
  readonly ctx: MmContext;
  readonly fx: MmEffect[];
}

export function handleMmRequest(state: MmState, source: number, request: MmRequest, ctx: MmContext): MmResult {
  const run: Run = { state, source, ctx, fx: [] };
  const r = dispatch(run, request);
  return { reply: r, effects: run.fx };
}

function dispatch(run: Run, req: MmRequest): MmReply {
  if ((MM_SPECS[req.kind] as AnySpec).trusted === true) {
    if (!TRUSTED_SOURCES.has(run.source)) return reply(req.kind, -ERRNO.EPERM);
    return control(run, req);
  }
  const p = run.state.procs.get(run.source);
  if (p === undefined) return reply(req.kind, -ERRNO.ESRCH);
  switch (req.kind) {
    case 'brk':
      return reply('brk', 0, { addr: brk(run, p, req.addr) });
    case 'mmap':
      return mmap(run, p, req);
    case 'munmap':
      return reply('munmap', munmap(run, p, req.addr, req.length));
    case 'mprotect':
      return reply('mprotect', mprotect(run, p, req.addr, req.length, req.prot));
    case 'shmget':
      return reply('shmget', shmget(run, req.key, req.size, req.flags));
    case 'shmat':
      return shmat(run, p, req.shmid, req.addr, req.flags);
    case 'shmdt':
      return reply('shmdt', shmdt(run, p, req.addr));
    case 'shmctl':
      return shmctl(run, req);
    case 'procExec':
    case 'procFork':
    case 'procExit':
    case 'procGrowStack':
    case 'procCanFork':
    case 'memInfo':
      return reply(req.kind, -ERRNO.EPERM); // unreachable: trusted kinds are handled above
    default: {
      const _exhaustive: never = req;
      return _exhaustive;
    }
  }
}

// ---- control requests -----------------------------------------------------------------------------

const KIND_OF_IMAGE_REGION: Readonly<Record<number, RegionKind>> = {
  [MM_REGION_KIND.TEXT]: 'text',
  [MM_REGION_KIND.DATA]: 'data',
  [MM_REGION_KIND.STACK]: 'stack',
  [MM_REGION_KIND.OTHER]: 'other',
};

function control(run: Run, req: MmRequest): MmReply {
  const { state } = run;
  switch (req.kind) {
    case 'procExec': {
      const regions: Region[] = [];
      for (const r of req.regions) {
        const kind = KIND_OF_IMAGE_REGION[r.kind];
        const end = r.addr + r.length;
        if (kind === undefined || r.length === 0 || !isPageAligned(r.addr) || !isPageAligned(r.length) || end > USER_TOP || r.perm > PERM_RWX) {
          return reply('procExec', -ERRNO.EINVAL);
        }
        regions.push({ start: r.addr, end, perm: r.perm, maxPerm: PERM_RWX, kind, ...NO_SHM });
      }
      regions.sort((a, b) => a.start - b.start);
      for (let i = 1; i < regions.length; i++) if (regions[i]!.start < regions[i - 1]!.end) return reply('procExec', -ERRNO.EINVAL);
      if (req.brkBase >= USER_TOP) return reply('procExec', -ERRNO.EINVAL);
      // The old image is gone with the kernel's old address space: only the shm bookkeeping remains to do.
      const old = state.procs.get(req.pid);
      if (old !== undefined) dropProc(run, old);
      // The image is counted but not refused: the kernel has already built it, and its size is
      // bounded by the file system's capacity.
      const image = normalize(regions);
      state.mappedPages += mappedBytes(image) / PAGE_SIZE;
      state.procs.set(req.pid, { pid: req.pid, regions: image, brkBase: req.brkBase, brk: req.brkBase });
      return reply('procExec', 0);
    }
    case 'procFork': {
      const parent = state.procs.get(req.parent);
      if (parent === undefined) return reply('procFork', -ERRNO.ESRCH);
      if (state.procs.has(req.child)) return reply('procFork', -ERRNO.EEXIST);
      // Each attachment of the parent becomes one of the child: nattch counts it.
      const attachOf = new Map<number, number>();
      const regions = parent.regions.map((r) => {
        if (r.kind !== 'shm') return { ...r };
        let attach = attachOf.get(r.attach);
        if (attach === undefined) {
          attach = state.nextAttachId++;
          attachOf.set(r.attach, attach);
          const seg = state.segments.get(r.segment);
          if (seg) seg.nattch++;
        }
        return { ...r, attach };
      });
      // The child's pages count as its own: each may become a private copy on its first write.
      // Counted, not refused: the kernel asked procCanFork before the child was made.
      state.mappedPages += mappedBytes(regions) / PAGE_SIZE;
      state.procs.set(req.child, { pid: req.child, regions, brkBase: parent.brkBase, brk: parent.brk });
      return reply('procFork', 0);
    }
    case 'procExit': {
      const p = state.procs.get(req.pid);
      if (p === undefined) return reply('procExit', -ERRNO.ESRCH);
      dropProc(run, p);
      return reply('procExit', 0);
    }
    case 'procCanFork': {
      // The one place a fork is held to the machine's memory (the kernel asks before the Process
      // Manager makes the child, so a refusal is a plain ENOMEM with nothing half made).
      const p = state.procs.get(req.pid);
      if (p === undefined) return reply('procCanFork', -ERRNO.ESRCH);
      const fits = state.mappedPages + mappedBytes(p.regions) / PAGE_SIZE <= memoryPages(run);
      return reply('procCanFork', fits ? 0 : -ERRNO.ENOMEM);
    }
    case 'memInfo':
      return reply('memInfo', 0, { totalPages: memoryPages(run), mappedPages: state.mappedPages });
    case 'procGrowStack': {
      const p = state.procs.get(req.pid);
      if (p === undefined) return reply('procGrowStack', -ERRNO.ESRCH);
      return reply('procGrowStack', growStack(run, p, req.addr));
    }
    default:
      return reply(req.kind, -ERRNO.EINVAL);
  }
}

/** Forgets a process's address space (exec or exit): its shm attachments end. */
function dropProc(run: Run, p: MmProc): void {
  const attaches = p.regions.filter((r) => r.kind === 'shm');
  run.state.mappedPages -= mappedBytes(p.regions) / PAGE_SIZE;
  p.regions = [];
  run.state.procs.delete(p.pid);
  settleAttachments(run, p, attaches);
}

/**
 * After shm pieces left `p`'s region list: each attachment with no piece left ends (nattch - 1), and a
 * removed segment whose last attachment ended is destroyed.
 */
function settleAttachments(run: Run, p: MmProc, removed: readonly Region[]): void {
  const ended = new Map<number, number>();
  for (const r of removed) if (r.kind === 'shm' && !p.regions.some((q) => q.attach === r.attach)) ended.set(r.attach, r.segment);
  for (const [, segment] of [...ended].sort((a, b) => a[0] - b[0])) {
    const seg = run.state.segments.get(segment);
    if (seg === undefined) continue;
    seg.nattch--;
    seg.lpid = p.pid;
    if (seg.nattch === 0 && seg.removed) destroy(run, seg);
  }
}

function destroy(run: Run, seg: ShmSegment): void {
  run.state.segments.delete(seg.id);
  run.fx.push({ kind: 'shm-destroy', segment: seg.id });
}

/** Removes [start, end) from `p`'s address space, with the unmap / shm-detach effects. */
function unmapRange(run: Run, p: MmProc, start: number, end: number): void {
  const removed = cutRange(p, start, end);
  if (removed.length === 0) return;
  for (const r of removed) {
    run.state.mappedPages -= (r.end - r.start) / PAGE_SIZE;
    const length = r.end - r.start;
    run.fx.push(r.kind === 'shm' ? { kind: 'shm-detach', pid: p.pid, addr: r.start, length } : { kind: 'unmap', pid: p.pid, addr: r.start, length });
  }
  settleAttachments(run, p, removed);
}

/**
 * The stack grows down to the page holding `addr` (a fault there, Linux's expand_stack): the pages
 * between it and the stack's lowest page become stack, counted against the machine's memory like
 * any mapping. Only inside the stack reserve, and only over free space: a mapping placed in the
 * reserve (MAP_FIXED) stops the stack where it is. The kernel turns a refusal into SIGSEGV.
 */
function growStack(run: Run, p: MmProc, addr: number): number {
  // The lowest piece of the stack (mprotect may have split it): regions are sorted by address.
  const stack = p.regions.find((r) => r.kind === 'stack');
  const floor = STACK_TOP - STACK_RESERVE_BYTES;
  const start = addr - (addr % PAGE_SIZE);
  // Only below the stack: a fault above its lowest page is not a growth (that page was unmapped).
  if (stack === undefined || addr < floor || addr >= stack.start) return -ERRNO.EFAULT;
  if (overlaps(p.regions, start, stack.start)) return -ERRNO.EFAULT;
  if (!canMap(run, p, stack.start - start, 0)) return -ERRNO.ENOMEM;
  addRegion(run, p, { start, end: stack.start, perm: stack.perm, maxPerm: stack.maxPerm, kind: 'stack', ...NO_SHM });
  run.fx.push({ kind: 'map', pid: p.pid, addr: start, length: stack.start - start, perm: stack.perm });
  return 0;
}

// ---- brk, mmap, munmap, mprotect --------------------------------------------------------------------

/**
 * Whether p may map `bytes` more, `released` bytes of its own being given back by the same call:
 * the machine's memory (every process's mappings together) and p's mapping count (Linux's
 * max_map_count; a mapping that merges with a neighbour is counted too, as Linux checks first).
 */
function canMap(run: Run, p: MmProc, bytes: number, released: number): boolean {
  if (p.regions.length >= MAX_MAP_COUNT) return false;
  return run.state.mappedPages + (bytes - released) / PAGE_SIZE <= memoryPages(run);
}

function memoryPages(run: Run): number {
  return run.ctx.memoryPages ?? MACHINE_MEMORY_PAGES;
}

/** A new region (free space by now) of p, counted against the machine's memory. */
function addRegion(run: Run, p: MmProc, r: Region): void {
  insertRegion(p.regions, r);
  run.state.mappedPages += (r.end - r.start) / PAGE_SIZE;
}

/** Linux brk: returns the new break, or the old one when the request is refused. */
function brk(run: Run, p: MmProc, addr: number): number {
  if (addr < p.brkBase || addr - p.brkBase > HEAP_MAX) return p.brk;
  const oldEnd = pageUp(p.brk);
  const newEnd = pageUp(addr);
  if (newEnd > oldEnd) {
    if (newEnd > MMAP_TOP || overlaps(p.regions, oldEnd, newEnd)) return p.brk;
    if (!canMap(run, p, newEnd - oldEnd, 0)) return p.brk;
    addRegion(run, p, { start: oldEnd, end: newEnd, perm: PERM_R | PERM_W, maxPerm: PERM_RWX, kind: 'heap', ...NO_SHM });
    run.fx.push({ kind: 'map', pid: p.pid, addr: oldEnd, length: newEnd - oldEnd, perm: PERM_R | PERM_W });
  } else if (newEnd < oldEnd) {
    unmapRange(run, p, newEnd, oldEnd);
  }
  p.brk = addr;
  return addr;
}

function mmap(run: Run, p: MmProc, req: Extract<MmRequest, { kind: 'mmap' }>): MmReply {
  const type = req.flags & (MAP_SHARED | MAP_PRIVATE);
  if (type !== MAP_SHARED && type !== MAP_PRIVATE) return reply('mmap', -ERRNO.EINVAL);
  if ((req.prot & ~PERM_RWX) !== 0 || req.length === 0 || !isPageAligned(req.offset) || req.offset < 0) return reply('mmap', -ERRNO.EINVAL);
  // Only anonymous memory: there is no page cache to map files from.
  if ((req.flags & MAP_ANONYMOUS) === 0) return reply('mmap', -ERRNO.ENODEV);
  const length = pageUp(req.length);
  if (length > USER_TOP) return reply('mmap', -ERRNO.ENOMEM);
  let addr: number;
  if ((req.flags & MAP_FIXED) !== 0) {
    if (!isPageAligned(req.addr)) return reply('mmap', -ERRNO.EINVAL);
    if (req.addr < MMAP_MIN) return reply('mmap', -ERRNO.EPERM);
    if (req.addr + length > USER_TOP) return reply('mmap', -ERRNO.ENOMEM);
    addr = req.addr;
    // What the new mapping replaces is given back first.
    if (!canMap(run, p, length, mappedBytesIn(p.regions, addr, addr + length))) return reply('mmap', -ERRNO.ENOMEM);
    unmapRange(run, p, addr, addr + length);
  } else {
    if (!canMap(run, p, length, 0)) return reply('mmap', -ERRNO.ENOMEM);
    const hint = req.addr - (req.addr % 4096);
    if (hint >= MMAP_MIN && hint + length <= USER_TOP && !overlaps(p.regions, hint, hint + length)) addr = hint;
    else addr = findFreeTopDown(p, length, MMAP_TOP);
    if (addr < 0) return reply('mmap', -ERRNO.ENOMEM);
  }
  if (type === MAP_SHARED) {
    // Shared anonymous memory is a hidden segment: shared with children across fork, gone with its last mapping.
    const seg = newSegment(run, IPC_PRIVATE, length, 0o600, true);
    seg.removed = true;
    attach(run, p, seg, addr, req.prot, PERM_RWX);
  } else {
    addRegion(run, p, { start: addr, end: addr + length, perm: req.prot, maxPerm: PERM_RWX, kind: 'anon', ...NO_SHM });
    run.fx.push({ kind: 'map', pid: p.pid, addr, length, perm: req.prot });
  }
  return reply('mmap', 0, { addr });
}

function munmap(run: Run, p: MmProc, addr: number, length: number): number {
  if (!isPageAligned(addr) || length === 0) return -ERRNO.EINVAL;
  const end = addr + pageUp(length);
  if (end > USER_TOP) return -ERRNO.EINVAL;
  if (splits(p.regions, addr, end) && p.regions.length >= MAX_MAP_COUNT) return -ERRNO.ENOMEM;
  unmapRange(run, p, addr, end);
  return 0;
}

function mprotect(run: Run, p: MmProc, addr: number, length: number, prot: number): number {
  if (!isPageAligned(addr) || (prot & ~PERM_RWX) !== 0) return -ERRNO.EINVAL;
  const end = addr + pageUp(length);
  if (end === addr) return 0;
  if (end > USER_TOP || !fullyMapped(p.regions, addr, end)) return -ERRNO.ENOMEM;
  if (regionsIn(p.regions, addr, end).some((r) => (prot & ~r.maxPerm) !== 0)) return -ERRNO.EACCES;
  // A range inside one region splits it in three: two more mappings.
  if (p.regions.length + 2 > MAX_MAP_COUNT && regionsIn(p.regions, addr, end).length > 0) return -ERRNO.ENOMEM;
  protectRange(p, addr, end, prot);
  run.fx.push({ kind: 'protect', pid: p.pid, addr, length: end - addr, perm: prot });
  return 0;
}

// ---- System V shared memory ------------------------------------------------------------------------

function visibleSegment(run: Run, shmid: number): ShmSegment | undefined {
  const seg = run.state.segments.get(shmid);
  return seg === undefined || seg.hidden ? undefined : seg;
}

/** ipcperms: `want` is 4 (read) or 6 (read + write); root and callers without known credentials pass. */
function permits(run: Run, seg: ShmSegment, want: number): boolean {
  const cred = run.ctx.cred?.(run.source);
  if (cred === undefined || cred.uid === 0) return true;
  const bits = cred.uid === seg.uid || cred.uid === seg.cuid ? seg.mode >> 6 : cred.gid === seg.gid ? seg.mode >> 3 : seg.mode;
  return (bits & want & 7) === want;
}

function isOwner(run: Run, seg: ShmSegment): boolean {
  const cred = run.ctx.cred?.(run.source);
  return cred === undefined || cred.uid === 0 || cred.uid === seg.uid || cred.uid === seg.cuid;
}

function newSegment(run: Run, key: number, size: number, mode: number, hidden: boolean): ShmSegment {
  const cred = run.ctx.cred?.(run.source);
  const seg: ShmSegment = {
    id: run.state.nextShmId++,
    key,
    size,
    mode: mode & 0o777,
    uid: cred?.uid ?? 0,
    gid: cred?.gid ?? 0,
    cuid: cred?.uid ?? 0,
    cpid: run.source,
    lpid: 0,
    nattch: 0,
    removed: false,
    hidden,
  };
  run.state.segments.set(seg.id, seg);
  return seg;
}

function shmget(run: Run, key: number, size: number, flags: number): number {
  if (key !== IPC_PRIVATE) {
    const existing = [...run.state.segments.values()].find((s) => !s.hidden && !s.removed && s.key === key);
    if (existing !== undefined) {
      if ((flags & IPC_CREAT) !== 0 && (flags & IPC_EXCL) !== 0) return -ERRNO.EEXIST;
      if (size > existing.size) return -ERRNO.EINVAL;
      if (!permits(run, existing, 4)) return -ERRNO.EACCES;
      return existing.id;
    }
    if ((flags & IPC_CREAT) === 0) return -ERRNO.ENOENT;
  }
  if (size < 1 || size > SHMMAX) return -ERRNO.EINVAL;
  if ([...run.state.segments.values()].filter((s) => !s.hidden).length >= SHMMNI) return -ERRNO.ENOSPC;
  return newSegment(run, key, size, flags, false).id;
}

/** Maps the whole segment at `addr` (free by now) as a new attachment of `p`. */
function attach(run: Run, p: MmProc, seg: ShmSegment, addr: number, perm: number, maxPerm: number): void {
  const length = pageUp(seg.size);
  const region: Region = { start: addr, end: addr + length, perm, maxPerm, kind: 'shm', segment: seg.id, attach: run.state.nextAttachId++, attachStart: addr };
  addRegion(run, p, region);
  seg.nattch++;
  seg.lpid = p.pid;
  run.fx.push({ kind: 'shm-attach', pid: p.pid, addr, segment: seg.id, length, perm });
}

function shmat(run: Run, p: MmProc, shmid: number, addr: number, flags: number): MmReply {
  const seg = visibleSegment(run, shmid);
  if (seg === undefined) return reply('shmat', -ERRNO.EINVAL);
  const readOnly = (flags & SHM_RDONLY) !== 0;
  if (!permits(run, seg, readOnly ? 4 : 6)) return reply('shmat', -ERRNO.EACCES);
  const length = pageUp(seg.size);
  let at = addr;
  if (at !== 0) {
    if ((flags & SHM_RND) !== 0) at -= at % 4096;
    if (!isPageAligned(at) || at < MMAP_MIN || at + length > USER_TOP) return reply('shmat', -ERRNO.EINVAL);
    const replaced = (flags & SHM_REMAP) !== 0 ? mappedBytesIn(p.regions, at, at + length) : 0;
    if (!canMap(run, p, length, replaced)) return reply('shmat', -ERRNO.ENOMEM);
    if (overlaps(p.regions, at, at + length)) {
      if ((flags & SHM_REMAP) === 0) return reply('shmat', -ERRNO.EINVAL);
      unmapRange(run, p, at, at + length);
    }
  } else {
    if (!canMap(run, p, length, 0)) return reply('shmat', -ERRNO.ENOMEM);
    at = findFreeTopDown(p, length, MMAP_TOP);
    if (at < 0) return reply('shmat', -ERRNO.ENOMEM);
  }
  const exec = (flags & SHM_EXEC) !== 0 ? PERM_X : 0;
  const perm = (readOnly ? PERM_R : PERM_R | PERM_W) | exec;
  attach(run, p, seg, at, perm, readOnly ? PERM_R | PERM_X : PERM_RWX);
  return reply('shmat', 0, { addr: at });
}

function shmdt(run: Run, p: MmProc, addr: number): number {
  const first = p.regions.find((r) => r.kind === 'shm' && r.attachStart === addr && !run.state.segments.get(r.segment)?.hidden);
  if (first === undefined) return -ERRNO.EINVAL;
  const pieces = p.regions.filter((r) => r.attach === first.attach);
  for (const r of pieces) cutRange(p, r.start, r.end);
  for (const r of pieces) run.state.mappedPages -= (r.end - r.start) / PAGE_SIZE;
  for (const r of pieces) run.fx.push({ kind: 'shm-detach', pid: p.pid, addr: r.start, length: r.end - r.start });
  settleAttachments(run, p, pieces);
  return 0;
}

function shmidDs(seg: ShmSegment) {
  return { segsz: seg.size, cpid: seg.cpid, lpid: seg.lpid, nattch: seg.nattch, mode: seg.mode, uid: seg.uid, key: seg.key };
}

function shmctl(run: Run, req: Extract<MmRequest, { kind: 'shmctl' }>): MmReply {
  const seg = visibleSegment(run, req.shmid);
  if (seg === undefined) return reply('shmctl', -ERRNO.EINVAL);
  switch (req.cmd) {
    case IPC_RMID:
      if (!isOwner(run, seg)) return reply('shmctl', -ERRNO.EPERM);
      seg.removed = true;
      seg.key = IPC_PRIVATE; // a removed segment can no longer be found by key
      if (seg.nattch === 0) destroy(run, seg);
      return reply('shmctl', 0, EMPTY_SHMID_DS);
    case IPC_SET:
      if (!isOwner(run, seg)) return reply('shmctl', -ERRNO.EPERM);
      seg.mode = req.mode & 0o777;
      seg.uid = req.uid;
      return reply('shmctl', 0, shmidDs(seg));
    case IPC_STAT:
      if (!permits(run, seg, 4)) return reply('shmctl', -ERRNO.EACCES);
      return reply('shmctl', 0, shmidDs(seg));
    default:
      return reply('shmctl', -ERRNO.EINVAL);
  }
}
