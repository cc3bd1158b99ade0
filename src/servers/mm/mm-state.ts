/**
 * The Memory Manager's whole state: each process's regions (sorted, non-overlapping, page-granular),
 * its heap break, and the System V shared memory segments. Plain data; maps are keyed by pid / shmid
 * and every walk sorts, so a restored state behaves exactly like the saved one.
 */

export const PAGE_SIZE = 4096;
/** End of the user address space (RV32 user half). */
export const USER_TOP = 0x80000000;
/** Initial stack top (DESIGN.md 5). */
export const STACK_TOP = 0x7fff0000;
/** mmap and shmat place regions top-down from here; above it is left to the stack. */
export const MMAP_TOP = 0x70000000;
/** Lowest address a mapping may have (Linux mmap_min_addr); MAP_FIXED below it is EPERM. */
export const MMAP_MIN = 0x10000;
/** Largest heap (brk - brkBase): a limit like RLIMIT_DATA. */
export const HEAP_MAX = 256 * 1024 * 1024;
/** System V limits: largest segment, most segments. */
export const SHMMAX = 32 * 1024 * 1024;
export const SHMMNI = 128;
/** Most regions a process may have (Linux's vm.max_map_count); beyond it mmap is ENOMEM. */
export const MAX_MAP_COUNT = 65530;

export const PERM_R = 1;
export const PERM_W = 2;
export const PERM_X = 4;
export const PERM_RWX = 7;

/**
 * What a region is. text/data/stack/other come from the image (MM_PROC_EXEC); heap from brk; anon from
 * a private anonymous mmap; shm from shmat or a shared anonymous mmap (a hidden segment).
 */
export type RegionKind = 'text' | 'data' | 'stack' | 'other' | 'heap' | 'anon' | 'shm';

export interface Region {
  /** Page-aligned, start < end <= USER_TOP. */
  readonly start: number;
  readonly end: number;
  readonly perm: number;
  /** Permissions mprotect may grant (a read-only shm attachment cannot become writable). */
  readonly maxPerm: number;
  readonly kind: RegionKind;
  /** For shm: the segment, the attachment (one shmat or mmap) it belongs to and where that began. */
  readonly segment: number;
  readonly attach: number;
  readonly attachStart: number;
}

export interface MmProc {
  readonly pid: number;
  /** Sorted by start, non-overlapping. */
  regions: Region[];
  /** Start of the heap (end of .bss, not necessarily page-aligned). */
  brkBase: number;
  /** Current break: the heap is [brkBase, brk), mapped up to the page boundary above brk. */
  brk: number;
  /** What the last top-down search learnt (regions.ts); not saved: it never changes an answer. */
  topDown?: TopDownCache;
}

/**
 * What a top-down search learnt, so the next one need not walk the regions it walked: every free
 * gap above `below` (a mapped address) and under `top` is at most `largestGapAbove` bytes, so a
 * larger request fits only below `below`. The search finds the same address with or without it.
 */
export interface TopDownCache {
  readonly top: number;
  readonly below: number;
  readonly largestGapAbove: number;
}

export interface ShmSegment {
  readonly id: number;
  /** 0 (IPC_PRIVATE) for private segments and after IPC_RMID. */
  key: number;
  readonly size: number;
  /** Low 9 bits of the permission. */
  mode: number;
  uid: number;
  gid: number;
  readonly cuid: number;
  readonly cpid: number;
  lpid: number;
  /** Live attachments over all processes. */
  nattch: number;
  /** Marked by IPC_RMID: destroyed when nattch drops to 0. */
  removed: boolean;
  /** Backs a MAP_SHARED|MAP_ANONYMOUS mapping: invisible to shmget/shmat/shmctl. */
  readonly hidden: boolean;
}

export interface MmState {
  readonly procs: Map<number, MmProc>;
  readonly segments: Map<number, ShmSegment>;
  nextShmId: number;
  nextAttachId: number;
  /**
   * Pages of every process's regions together, counted against the machine's memory
   * (MACHINE_MEMORY_PAGES). Derived from the regions: recounted on restore, never saved.
   */
  mappedPages: number;
}

export function createMmState(): MmState {
  return { procs: new Map(), segments: new Map(), nextShmId: 1, nextAttachId: 1, mappedPages: 0 };
}

export function pageUp(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}

export function isPageAligned(n: number): boolean {
  return n % PAGE_SIZE === 0;
}
