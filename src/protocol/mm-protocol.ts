/**
 * The Memory Manager's protocol (pid 4, message types 300-399, replies 350). Addresses and lengths are
 * guest (RV32) values, u32. Results are 0 or -errno; addresses come back in the body because they do
 * not fit a non-negative i32 in general.
 */
import { MSG } from './message-types.js';
import { defineService, type ReplyOf, type RequestOf } from './service.js';
import { EMPTY, i32, i64, list, struct, u32 } from './struct-codec.js';

/** struct xk_shmid_ds (guest/include/xinim/abi.h), 32 bytes: what IPC_STAT returns. */
export const SHMID_DS = struct('xk_shmid_ds', 32, {
  segsz: u32(0),
  cpid: i32(4),
  lpid: i32(8),
  nattch: u32(12),
  mode: u32(16),
  uid: u32(20),
  key: i32(24),
});

/** Kinds of the regions of a new image (MM_PROC_EXEC). */
/**
 * The machine's memory, in 4 KiB pages (256 MiB): what sysinfo reports, and what the Memory
 * Manager lets every process's mappings add up to (beyond it mmap and brk are ENOMEM).
 */
export const MACHINE_MEMORY_PAGES = 65536;

/**
 * Address space every stack may grow into, below its top (1 MiB, like a small RLIMIT_STACK). Only
 * what the stack has grown to is mapped and counted against the machine's memory: an image starts
 * with a small part of it (the kernel's exec), and a fault below that part grows the stack
 * (MM_PROC_GROW_STACK), as Linux grows a VM_GROWSDOWN stack on a page fault.
 */
export const STACK_RESERVE_BYTES = 1 << 20;

export const MM_REGION_KIND = { TEXT: 0, DATA: 1, STACK: 2, OTHER: 3 } as const;
/** At most this many regions in one MM_PROC_EXEC. */
export const MM_EXEC_REGIONS_MAX = 32;

/** One region of a new image: page-aligned addr and length, perm R=1 W=2 X=4. */
export const MM_IMAGE_REGION = struct('MmImageRegion', 16, { addr: u32(0), length: u32(4), perm: u32(8), kind: u32(12) });

const addrReply = (name: string) => struct(name, 4, { addr: u32(0) });

export const MM_SPECS = {
  brk: {
    type: MSG.MM_BRK,
    request: struct('MmBrk', 4, { addr: u32(0) }),
    reply: addrReply('MmBrkReply'),
    doc: 'addr 0 queries; body = the break after the call (unchanged when refused, as Linux)',
  },
  mmap: {
    type: MSG.MM_MMAP,
    request: struct('MmMmap', 28, { addr: u32(0), length: u32(4), prot: u32(8), flags: u32(12), offset: i64(16), fd: i32(24) }),
    reply: addrReply('MmMmapReply'),
    doc: 'result = 0; body = mapped address',
  },
  munmap: {
    type: MSG.MM_MUNMAP,
    request: struct('MmMunmap', 8, { addr: u32(0), length: u32(4) }),
    reply: EMPTY,
    doc: 'result = 0',
  },
  mprotect: {
    type: MSG.MM_MPROTECT,
    request: struct('MmMprotect', 12, { addr: u32(0), length: u32(4), prot: u32(8) }),
    reply: EMPTY,
    doc: 'result = 0',
  },
  shmget: {
    type: MSG.MM_SHMGET,
    request: struct('MmShmget', 12, { key: i32(0), size: u32(4), flags: u32(8) }),
    reply: EMPTY,
    doc: 'result = shmid',
  },
  shmat: {
    type: MSG.MM_SHMAT,
    request: struct('MmShmat', 12, { shmid: i32(0), addr: u32(4), flags: u32(8) }),
    reply: addrReply('MmShmatReply'),
    doc: 'result = 0; body = attach address',
  },
  shmdt: { type: MSG.MM_SHMDT, request: struct('MmShmdt', 4, { addr: u32(0) }), reply: EMPTY, doc: 'result = 0' },
  shmctl: {
    type: MSG.MM_SHMCTL,
    request: struct('MmShmctl', 16, { shmid: i32(0), cmd: u32(4), mode: u32(8), uid: u32(12) }),
    reply: SHMID_DS,
    doc: 'cmd 0 IPC_RMID, 1 IPC_SET (mode/uid), 2 IPC_STAT; body = the segment after the call (zeros after IPC_RMID)',
  },
  procExec: {
    type: MSG.MM_PROC_EXEC,
    request: struct('MmProcExec', 10, { pid: u32(0), brkBase: u32(4), regions: list(8, MM_IMAGE_REGION, MM_EXEC_REGIONS_MAX) }),
    reply: EMPTY,
    trusted: true,
    doc: 'the kernel built a new image for pid (also the first image of init): drop the old regions (shm detached), record these; heap starts empty at brkBase',
  },
  procFork: {
    type: MSG.MM_PROC_FORK,
    request: struct('MmProcFork', 8, { parent: u32(0), child: u32(4) }),
    reply: EMPTY,
    trusted: true,
    doc: 'child gets a copy of the parent region list; its shm attachments count in nattch',
  },
  procExit: {
    type: MSG.MM_PROC_EXIT,
    request: struct('MmProcExit', 4, { pid: u32(0) }),
    reply: EMPTY,
    trusted: true,
    doc: 'drop the regions of pid, detach its shm segments (a removed segment with no attachments is destroyed)',
  },
  procGrowStack: {
    type: MSG.MM_PROC_GROW_STACK,
    request: struct('MmProcGrowStack', 8, { pid: u32(0), addr: u32(4) }),
    reply: EMPTY,
    trusted: true,
    doc: 'pid faulted at addr, below its stack and inside the stack reserve: grow the stack down to that page (ENOMEM when the machine cannot back it, EFAULT when addr is not in the reserve or a mapping is in the way)',
  },
  procCanFork: {
    type: MSG.MM_PROC_CAN_FORK,
    request: struct('MmProcCanFork', 4, { pid: u32(0) }),
    reply: EMPTY,
    trusted: true,
    doc: 'whether pid may fork: 0, or ENOMEM when its pages, counted again for the child, would pass the machine memory (the kernel asks before the Process Manager makes the child)',
  },
  memInfo: {
    type: MSG.MM_MEM_INFO,
    request: EMPTY,
    reply: struct('MmMemInfoReply', 8, { totalPages: u32(0), mappedPages: u32(4) }),
    trusted: true,
    doc: "the machine memory and what every process's mappings take of it, in pages (sysinfo)",
  },
} as const;

export const MM_PROTOCOL = defineService('mm', MSG.MM_REPLY, MM_SPECS);

export type MmRequest = RequestOf<typeof MM_SPECS>;
export type MmRequestKind = MmRequest['kind'];
export type MmReply = ReplyOf<typeof MM_SPECS>;
