import { describe, expect, it } from 'vitest';
import type { ServerPort } from '../src/core/kernel/server-port.js';
import { ERRNO, MM_PROTOCOL, MM_REGION_KIND, MSG, type MmRequest } from '../src/protocol/index.js';
import {
  HEAP_MAX,
  IPC_CREAT,
  IPC_EXCL,
  IPC_RMID,
  IPC_SET,
  IPC_STAT,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_PRIVATE,
  MAP_SHARED,
  MemoryManager,
  MMAP_TOP,
  SHM_RDONLY,
  SHM_REMAP,
  SHM_RND,
  STACK_TOP,
  type MmEffect,
  type MmResult,
} from '../src/servers/mm/index.js';

const { EPERM, ESRCH, EINVAL, EEXIST, ENOENT, ENOMEM, EACCES, ENODEV, EBADMSG, ENOSYS } = ERRNO;
const KERNEL = 0;
const P = 8;
const PAGE = 4096;
const RW = 3;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

/** The image of a small program: text, data+bss up to 0x13800, a 128 KiB stack. */
const IMAGE = {
  brkBase: 0x13800,
  regions: [
    { addr: 0x10000, length: 0x2000, perm: 5, kind: MM_REGION_KIND.TEXT },
    { addr: 0x12000, length: 0x2000, perm: 3, kind: MM_REGION_KIND.DATA },
    { addr: STACK_TOP - 0x20000, length: 0x20000, perm: 3, kind: MM_REGION_KIND.STACK },
  ],
};

/** Plays the kernel for the MM. */
class Mm {
  readonly server = new MemoryManager();

  constructor(pid = P) {
    this.exec(pid);
  }

  exec(pid: number): MmResult {
    const r = this.call(KERNEL, { kind: 'procExec', pid, ...IMAGE });
    expect(r.reply.result).toBe(0);
    return r;
  }

  call(source: number, req: MmRequest, uid?: number): MmResult {
    return this.server.handle(req, { source, cred: uid === undefined ? undefined : () => ({ uid, gid: uid }) });
  }

  result(source: number, req: MmRequest, uid?: number): number {
    return this.call(source, req, uid).reply.result;
  }

  /** The address a call returned in its body (brk, mmap, shmat). */
  addr(source: number, req: MmRequest): number {
    const r = this.call(source, req);
    expect(r.reply.result).toBe(0);
    return (r.reply.body as { addr: number }).addr;
  }

  mmap(addr: number, length: number, flags = ANON, prot = RW): MmResult {
    return this.call(P, { kind: 'mmap', addr, length, prot, flags, offset: 0, fd: -1 });
  }

  regions(pid = P): [number, number, number, string][] {
    return this.server.state.procs.get(pid)!.regions.map((r) => [r.start, r.end, r.perm, r.kind]);
  }

  stat(id: number) {
    const r = this.call(P, { kind: 'shmctl', shmid: id, cmd: IPC_STAT, mode: 0, uid: 0 });
    return r.reply.result < 0 ? r.reply.result : (r.reply.body as { nattch: number; segsz: number; key: number });
  }
}

const map = (addr: number, length: number, perm = RW, pid = P): MmEffect => ({ kind: 'map', pid, addr, length, perm });
const unmap = (addr: number, length: number, pid = P): MmEffect => ({ kind: 'unmap', pid, addr, length });

describe('Memory Manager: images and control requests', () => {
  it('given an exec from the kernel, the image regions are recorded; only the kernel or PM may send controls', () => {
    const mm = new Mm();
    expect(mm.regions()).toEqual([
      [0x10000, 0x12000, 5, 'text'],
      [0x12000, 0x14000, 3, 'data'],
      [STACK_TOP - 0x20000, STACK_TOP, 3, 'stack'],
    ]);
    expect(mm.result(P, { kind: 'procExec', pid: P, ...IMAGE })).toBe(-EPERM);
    expect(mm.result(P, { kind: 'procFork', parent: P, child: 9 })).toBe(-EPERM);
    expect(mm.result(P, { kind: 'procExit', pid: P })).toBe(-EPERM);
    expect(mm.result(3, { kind: 'procFork', parent: P, child: 9 })).toBe(0);
  });

  it('refuses malformed images: unaligned, empty, overlapping, unknown kinds, beyond user space', () => {
    const mm = new Mm();
    const bad = [
      [{ addr: 0x10001, length: PAGE, perm: 5, kind: 0 }],
      [{ addr: 0x10000, length: 0, perm: 5, kind: 0 }],
      [{ addr: 0x10000, length: 2 * PAGE, perm: 5, kind: 0 }, { addr: 0x11000, length: PAGE, perm: 3, kind: 1 }],
      [{ addr: 0x10000, length: PAGE, perm: 5, kind: 9 }],
      [{ addr: 0x10000, length: PAGE, perm: 8, kind: 0 }],
      [{ addr: 0x7fff0000, length: 0x20000, perm: 3, kind: 2 }],
    ];
    for (const regions of bad) expect(mm.result(KERNEL, { kind: 'procExec', pid: 9, brkBase: 0x20000, regions })).toBe(-EINVAL);
    expect(mm.server.state.procs.has(9)).toBe(false);
    expect(mm.result(KERNEL, { kind: 'procFork', parent: 99, child: 10 })).toBe(-ESRCH);
    expect(mm.result(KERNEL, { kind: 'procFork', parent: P, child: P })).toBe(-EEXIST);
    expect(mm.result(KERNEL, { kind: 'procExit', pid: 99 })).toBe(-ESRCH);
    expect(mm.result(99, { kind: 'brk', addr: 0 })).toBe(-ESRCH);
  });
});

describe('Memory Manager: brk', () => {
  it('brk(0) reports the base; growing maps whole pages past the old break; shrinking unmaps them', () => {
    const mm = new Mm();
    expect(mm.addr(P, { kind: 'brk', addr: 0 })).toBe(0x13800);
    const grow = mm.call(P, { kind: 'brk', addr: 0x13800 + 65536 });
    expect(grow.reply.body).toEqual({ addr: 0x23800 });
    expect(grow.effects).toEqual([map(0x14000, 0x10000)]);
    expect(mm.regions()[2]).toEqual([0x14000, 0x24000, 3, 'heap']);
    // Within the last page: no mapping change.
    expect(mm.call(P, { kind: 'brk', addr: 0x23fff }).effects).toEqual([]);
    const shrink = mm.call(P, { kind: 'brk', addr: 0x13800 });
    expect(shrink.reply.body).toEqual({ addr: 0x13800 });
    expect(shrink.effects).toEqual([unmap(0x14000, 0x10000)]);
    expect(mm.regions()).toHaveLength(3);
  });

  it('a refused brk returns the current break unchanged: below the base, beyond the limit, into another mapping', () => {
    const mm = new Mm();
    mm.addr(P, { kind: 'brk', addr: 0x15000 });
    expect(mm.call(P, { kind: 'brk', addr: 0x1000 })).toEqual({ reply: { kind: 'brk', result: 0, body: { addr: 0x15000 } }, effects: [] });
    expect(mm.addr(P, { kind: 'brk', addr: 0x13800 + HEAP_MAX + 1 })).toBe(0x15000);
    mm.mmap(0x20000, PAGE, ANON | MAP_FIXED);
    expect(mm.call(P, { kind: 'brk', addr: 0x30000 }).effects).toEqual([]);
    expect(mm.addr(P, { kind: 'brk', addr: 0 })).toBe(0x15000);
    expect(mm.addr(P, { kind: 'brk', addr: 0x20000 })).toBe(0x20000);
  });
});

describe('Memory Manager: mmap, munmap, mprotect', () => {
  it('anonymous mappings go top-down below MMAP_TOP, honour a free hint, and round the length up to pages', () => {
    const mm = new Mm();
    const a = mm.mmap(0, 10000);
    expect(a.reply.body).toEqual({ addr: MMAP_TOP - 3 * PAGE });
    expect(a.effects).toEqual([map(MMAP_TOP - 3 * PAGE, 3 * PAGE)]);
    expect((mm.mmap(0, PAGE).reply.body as { addr: number }).addr).toBe(MMAP_TOP - 4 * PAGE);
    expect((mm.mmap(0x40000123, PAGE).reply.body as { addr: number }).addr).toBe(0x40000000);
    // A hint that is taken falls back to the top-down search.
    expect((mm.mmap(0x40000000, PAGE, ANON, 1).reply.body as { addr: number }).addr).toBe(MMAP_TOP - 5 * PAGE);
    expect(mm.regions().filter((r) => r[3] === 'anon').length).toBe(3); // the two top ones merged
  });

  it('MAP_FIXED replaces what is there: unmap first, then map', () => {
    const mm = new Mm();
    mm.mmap(0x40000000, 4 * PAGE, ANON | MAP_FIXED);
    const r = mm.mmap(0x40001000, PAGE, ANON | MAP_FIXED, 1);
    expect(r.reply.body).toEqual({ addr: 0x40001000 });
    expect(r.effects).toEqual([unmap(0x40001000, PAGE), map(0x40001000, PAGE, 1)]);
    expect(mm.regions().filter((x) => x[3] === 'anon')).toEqual([
      [0x40000000, 0x40001000, 3, 'anon'],
      [0x40001000, 0x40002000, 1, 'anon'],
      [0x40002000, 0x40004000, 3, 'anon'],
    ]);
  });

  it('mmap validates its arguments', () => {
    const mm = new Mm();
    const call = (addr: number, length: number, prot: number, flags: number, offset = 0) =>
      mm.result(P, { kind: 'mmap', addr, length, prot, flags, offset, fd: -1 });
    expect(call(0, 0, RW, ANON)).toBe(-EINVAL);
    expect(call(0, PAGE, RW, MAP_ANONYMOUS)).toBe(-EINVAL); // neither shared nor private
    expect(call(0, PAGE, RW, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS)).toBe(-EINVAL);
    expect(call(0, PAGE, 8, ANON)).toBe(-EINVAL);
    expect(call(0, PAGE, RW, ANON, 100)).toBe(-EINVAL);
    expect(call(0, PAGE, RW, MAP_PRIVATE)).toBe(-ENODEV); // file mappings are not supported
    expect(call(0x40000001, PAGE, RW, ANON | MAP_FIXED)).toBe(-EINVAL);
    expect(call(0x1000, PAGE, RW, ANON | MAP_FIXED)).toBe(-EPERM);
    expect(call(0x7ffff000, 2 * PAGE, RW, ANON | MAP_FIXED)).toBe(-ENOMEM);
    expect(call(0, 0xffffffff, RW, ANON)).toBe(-ENOMEM);
    expect(call(0, 0x7fff0000, RW, ANON)).toBe(-ENOMEM); // no gap that large
  });

  it('munmap of the middle of a mapping splits it; unmapping nothing succeeds; bad ranges are EINVAL', () => {
    const mm = new Mm();
    mm.mmap(0x40000000, 4 * PAGE, ANON | MAP_FIXED);
    const r = mm.call(P, { kind: 'munmap', addr: 0x40001000, length: 2 * PAGE - 100 });
    expect(r.reply.result).toBe(0);
    expect(r.effects).toEqual([unmap(0x40001000, 2 * PAGE)]);
    expect(mm.regions().filter((x) => x[3] === 'anon')).toEqual([
      [0x40000000, 0x40001000, 3, 'anon'],
      [0x40003000, 0x40004000, 3, 'anon'],
    ]);
    // One call across a hole and two regions.
    expect(mm.call(P, { kind: 'munmap', addr: 0x40000000, length: 4 * PAGE }).effects).toEqual([unmap(0x40000000, PAGE), unmap(0x40003000, PAGE)]);
    expect(mm.call(P, { kind: 'munmap', addr: 0x50000000, length: PAGE })).toEqual({ reply: { kind: 'munmap', result: 0, body: {} }, effects: [] });
    expect(mm.result(P, { kind: 'munmap', addr: 0x50000010, length: PAGE })).toBe(-EINVAL);
    expect(mm.result(P, { kind: 'munmap', addr: 0x50000000, length: 0 })).toBe(-EINVAL);
    expect(mm.result(P, { kind: 'munmap', addr: 0x7ffff000, length: 2 * PAGE })).toBe(-EINVAL);
  });

  it('mprotect changes a mapped range (splitting regions) and refuses unmapped ones with ENOMEM', () => {
    const mm = new Mm();
    mm.mmap(0x40000000, 3 * PAGE, ANON | MAP_FIXED);
    const r = mm.call(P, { kind: 'mprotect', addr: 0x40001000, length: PAGE, prot: 1 });
    expect(r.reply.result).toBe(0);
    expect(r.effects).toEqual([{ kind: 'protect', pid: P, addr: 0x40001000, length: PAGE, perm: 1 }]);
    expect(mm.regions().filter((x) => x[3] === 'anon').map((x) => x[2])).toEqual([3, 1, 3]);
    // Back to RW: the three pieces merge again.
    mm.call(P, { kind: 'mprotect', addr: 0x40001000, length: PAGE, prot: RW });
    expect(mm.regions().filter((x) => x[3] === 'anon')).toEqual([[0x40000000, 0x40003000, 3, 'anon']]);
    expect(mm.result(P, { kind: 'mprotect', addr: 0x40002000, length: 2 * PAGE, prot: 1 })).toBe(-ENOMEM);
    expect(mm.result(P, { kind: 'mprotect', addr: 0x50000000, length: PAGE, prot: 1 })).toBe(-ENOMEM);
    expect(mm.result(P, { kind: 'mprotect', addr: 0x40000001, length: PAGE, prot: 1 })).toBe(-EINVAL);
    expect(mm.result(P, { kind: 'mprotect', addr: 0x40000000, length: PAGE, prot: 9 })).toBe(-EINVAL);
    expect(mm.call(P, { kind: 'mprotect', addr: 0x40000000, length: 0, prot: 0 }).effects).toEqual([]);
    // Across text and data (adjacent image regions) is fine.
    expect(mm.result(P, { kind: 'mprotect', addr: 0x10000, length: 0x4000, prot: 1 })).toBe(0);
  });
});

describe('Memory Manager: System V shared memory', () => {
  it('shmget / shmat / fork / exit / shmdt / IPC_RMID: nattch follows the attachments, the last one destroys', () => {
    const mm = new Mm();
    const id = mm.result(P, { kind: 'shmget', key: 0, size: 5000, flags: IPC_CREAT | 0o600 });
    expect(id).toBeGreaterThan(0);
    const at = mm.call(P, { kind: 'shmat', shmid: id, addr: 0, flags: 0 });
    const addr = MMAP_TOP - 2 * PAGE;
    expect(at.reply.body).toEqual({ addr });
    expect(at.effects).toEqual([{ kind: 'shm-attach', pid: P, addr, segment: id, length: 2 * PAGE, perm: RW }]);
    expect(mm.stat(id)).toMatchObject({ segsz: 5000, nattch: 1, key: 0 });
    expect(mm.result(KERNEL, { kind: 'procFork', parent: P, child: 9 })).toBe(0);
    expect(mm.regions(9)).toEqual(mm.regions(P));
    expect(mm.stat(id)).toMatchObject({ nattch: 2 });
    expect(mm.call(KERNEL, { kind: 'procExit', pid: 9 }).effects).toEqual([]);
    expect(mm.stat(id)).toMatchObject({ nattch: 1, lpid: 9 });
    const dt = mm.call(P, { kind: 'shmdt', addr });
    expect(dt.effects).toEqual([{ kind: 'shm-detach', pid: P, addr, length: 2 * PAGE }]);
    expect(mm.stat(id)).toMatchObject({ nattch: 0 });
    expect(mm.result(P, { kind: 'shmdt', addr })).toBe(-EINVAL);
    const rm = mm.call(P, { kind: 'shmctl', shmid: id, cmd: IPC_RMID, mode: 0, uid: 0 });
    expect(rm.reply).toEqual({ kind: 'shmctl', result: 0, body: { segsz: 0, cpid: 0, lpid: 0, nattch: 0, mode: 0, uid: 0, key: 0 } });
    expect(rm.effects).toEqual([{ kind: 'shm-destroy', segment: id }]);
    expect(mm.stat(id)).toBe(-EINVAL);
  });

  it('keys: IPC_CREAT finds or creates, IPC_EXCL refuses an existing one, sizes are checked', () => {
    const mm = new Mm();
    const id = mm.result(P, { kind: 'shmget', key: 42, size: PAGE, flags: IPC_CREAT | 0o644 });
    expect(mm.result(P, { kind: 'shmget', key: 42, size: PAGE, flags: IPC_CREAT })).toBe(id);
    expect(mm.result(P, { kind: 'shmget', key: 42, size: 100, flags: 0 })).toBe(id);
    expect(mm.result(P, { kind: 'shmget', key: 42, size: PAGE, flags: IPC_CREAT | IPC_EXCL })).toBe(-EEXIST);
    expect(mm.result(P, { kind: 'shmget', key: 42, size: 2 * PAGE, flags: 0 })).toBe(-EINVAL);
    expect(mm.result(P, { kind: 'shmget', key: 43, size: PAGE, flags: 0 })).toBe(-ENOENT);
    expect(mm.result(P, { kind: 'shmget', key: 0, size: 0, flags: IPC_CREAT })).toBe(-EINVAL);
    expect(mm.result(P, { kind: 'shmget', key: 0, size: 64 * 1024 * 1024, flags: IPC_CREAT })).toBe(-EINVAL);
    expect(mm.result(P, { kind: 'shmget', key: 0, size: PAGE, flags: 0 })).not.toBe(id); // IPC_PRIVATE is always new
  });

  it('IPC_RMID of an attached segment defers destruction to the last detach and hides the key', () => {
    const mm = new Mm();
    const id = mm.result(P, { kind: 'shmget', key: 7, size: PAGE, flags: IPC_CREAT | 0o600 });
    const addr = mm.addr(P, { kind: 'shmat', shmid: id, addr: 0, flags: 0 });
    expect(mm.call(P, { kind: 'shmctl', shmid: id, cmd: IPC_RMID, mode: 0, uid: 0 }).effects).toEqual([]);
    expect(mm.result(P, { kind: 'shmget', key: 7, size: PAGE, flags: 0 })).toBe(-ENOENT);
    expect(mm.stat(id)).toMatchObject({ nattch: 1, key: 0 });
    expect(mm.call(P, { kind: 'munmap', addr, length: PAGE }).effects).toEqual([
      { kind: 'shm-detach', pid: P, addr, length: PAGE },
      { kind: 'shm-destroy', segment: id },
    ]);
  });

  it('shmat at an address: aligned or SHM_RND, free or SHM_REMAP; SHM_RDONLY cannot be made writable', () => {
    const mm = new Mm();
    const id = mm.result(P, { kind: 'shmget', key: 0, size: PAGE, flags: 0o600 });
    mm.mmap(0x40000000, PAGE, ANON | MAP_FIXED);
    expect(mm.result(P, { kind: 'shmat', shmid: id, addr: 0x40000000, flags: 0 })).toBe(-EINVAL);
    expect(mm.result(P, { kind: 'shmat', shmid: id, addr: 0x40100010, flags: 0 })).toBe(-EINVAL);
    expect(mm.addr(P, { kind: 'shmat', shmid: id, addr: 0x40100010, flags: SHM_RND })).toBe(0x40100000);
    const remap = mm.call(P, { kind: 'shmat', shmid: id, addr: 0x40000000, flags: SHM_REMAP | SHM_RDONLY });
    expect(remap.effects).toEqual([unmap(0x40000000, PAGE), { kind: 'shm-attach', pid: P, addr: 0x40000000, segment: id, length: PAGE, perm: 1 }]);
    expect(mm.result(P, { kind: 'mprotect', addr: 0x40000000, length: PAGE, prot: RW })).toBe(-EACCES);
    expect(mm.result(P, { kind: 'mprotect', addr: 0x40000000, length: PAGE, prot: 0 })).toBe(0);
    expect(mm.stat(id)).toMatchObject({ nattch: 2 });
    expect(mm.result(P, { kind: 'shmat', shmid: 999, addr: 0, flags: 0 })).toBe(-EINVAL);
  });

  it('a partial munmap of an attachment keeps it attached until its last page goes; shmdt takes all its pieces', () => {
    const mm = new Mm();
    const id = mm.result(P, { kind: 'shmget', key: 0, size: 3 * PAGE, flags: 0o600 });
    const addr = mm.addr(P, { kind: 'shmat', shmid: id, addr: 0, flags: 0 });
    expect(mm.call(P, { kind: 'munmap', addr: addr + PAGE, length: PAGE }).effects).toEqual([{ kind: 'shm-detach', pid: P, addr: addr + PAGE, length: PAGE }]);
    expect(mm.stat(id)).toMatchObject({ nattch: 1 });
    expect(mm.call(P, { kind: 'shmdt', addr }).effects).toEqual([
      { kind: 'shm-detach', pid: P, addr, length: PAGE },
      { kind: 'shm-detach', pid: P, addr: addr + 2 * PAGE, length: PAGE },
    ]);
    expect(mm.stat(id)).toMatchObject({ nattch: 0 });
  });

  it('MAP_SHARED|MAP_ANONYMOUS is a hidden segment: shared across fork, invisible to shmctl, destroyed with its last mapping', () => {
    const mm = new Mm();
    const r = mm.mmap(0, PAGE, MAP_SHARED | MAP_ANONYMOUS);
    const addr = (r.reply.body as { addr: number }).addr;
    const attach = r.effects[0] as Extract<MmEffect, { kind: 'shm-attach' }>;
    expect(attach).toMatchObject({ kind: 'shm-attach', pid: P, addr, length: PAGE, perm: RW });
    expect(mm.stat(attach.segment)).toBe(-EINVAL);
    expect(mm.result(P, { kind: 'shmdt', addr })).toBe(-EINVAL);
    mm.call(KERNEL, { kind: 'procFork', parent: P, child: 9 });
    expect(mm.call(P, { kind: 'munmap', addr, length: PAGE }).effects).toEqual([{ kind: 'shm-detach', pid: P, addr, length: PAGE }]);
    expect(mm.call(KERNEL, { kind: 'procExit', pid: 9 }).effects).toEqual([{ kind: 'shm-destroy', segment: attach.segment }]);
  });

  it('exec drops the old image and its attachments without unmap effects (the kernel replaced the address space)', () => {
    const mm = new Mm();
    const id = mm.result(P, { kind: 'shmget', key: 0, size: PAGE, flags: 0o600 });
    mm.addr(P, { kind: 'shmat', shmid: id, addr: 0, flags: 0 });
    mm.addr(P, { kind: 'brk', addr: 0x20000 });
    mm.call(P, { kind: 'shmctl', shmid: id, cmd: IPC_RMID, mode: 0, uid: 0 });
    expect(mm.exec(P).effects).toEqual([{ kind: 'shm-destroy', segment: id }]);
    expect(mm.regions()).toHaveLength(3);
    expect(mm.addr(P, { kind: 'brk', addr: 0 })).toBe(0x13800);
  });

  it('with credentials, a non-owner needs the mode bits and cannot remove or change the segment', () => {
    const mm = new Mm();
    const id = mm.result(P, { kind: 'shmget', key: 5, size: PAGE, flags: IPC_CREAT | 0o640 }, 0);
    expect(mm.result(P, { kind: 'shmget', key: 5, size: PAGE, flags: 0 }, 100)).toBe(-EACCES);
    expect(mm.result(P, { kind: 'shmat', shmid: id, addr: 0, flags: 0 }, 100)).toBe(-EACCES);
    expect(mm.result(P, { kind: 'shmctl', shmid: id, cmd: IPC_RMID, mode: 0, uid: 0 }, 100)).toBe(-EPERM);
    expect(mm.result(P, { kind: 'shmctl', shmid: id, cmd: IPC_SET, mode: 0o604, uid: 0 }, 0)).toBe(0);
    expect(mm.result(P, { kind: 'shmat', shmid: id, addr: 0, flags: SHM_RDONLY }, 100)).toBe(0);
    expect(mm.result(P, { kind: 'shmat', shmid: id, addr: 0, flags: 0 }, 100)).toBe(-EACCES);
    expect(mm.result(P, { kind: 'shmctl', shmid: id, cmd: 9, mode: 0, uid: 0 })).toBe(-EINVAL);
  });
});

describe('Memory Manager: the mailbox server', () => {
  it('answers malformed and unknown messages with an error, controls from a process with EPERM, ignores replies', () => {
    const server = new MemoryManager();
    const header = (out: ReturnType<MemoryManager['receive']>) =>
      MM_PROTOCOL.decodeReplyHeader((out[0] as { message: { payload: Uint8Array } }).message.payload);
    expect(header(server.receive({ m_source: P, m_type: MSG.MM_MMAP, payload: new Uint8Array(5) }, {}))).toMatchObject({ value: { result: -EBADMSG } });
    expect(header(server.receive({ m_source: P, m_type: 399, payload: new Uint8Array() }, {}))).toMatchObject({ value: { result: -ENOSYS } });
    const forged = MM_PROTOCOL.encodeRequest({ kind: 'procExit', pid: 1 });
    expect(header(server.receive({ m_source: P, ...forged }, {}))).toMatchObject({ value: { requestType: MSG.MM_PROC_EXIT, result: -EPERM } });
    expect(server.receive({ m_source: 2, m_type: MSG.MM_REPLY, payload: new Uint8Array(8) }, {})).toEqual([]);
  });

  it('puts the effects before the reply, so the caller resumes with its mapping in place', () => {
    const server = new MemoryManager();
    server.receive({ m_source: KERNEL, ...MM_PROTOCOL.encodeRequest({ kind: 'procExec', pid: P, ...IMAGE }) }, {});
    const out = server.receive({ m_source: P, ...MM_PROTOCOL.encodeRequest({ kind: 'brk', addr: 0x15000 }) }, {});
    expect(out[0]).toEqual({ kind: 'effect', effect: map(0x14000, 0x1000) });
    expect(out[1]).toMatchObject({ kind: 'reply', to: P, message: { m_source: 4, m_type: MSG.MM_REPLY } });
    expect(MM_PROTOCOL.decodeReply((out[1] as { message: { payload: Uint8Array } }).message.payload)).toEqual({
      ok: true,
      value: { kind: 'brk', result: 0, body: { addr: 0x15000 } },
    });
    const port: Pick<ServerPort, 'receive' | 'getState' | 'setState'> = server;
    expect(port.receive({ m_source: P, ...MM_PROTOCOL.encodeRequest({ kind: 'brk', addr: 0 }) }, { now: 0n, procFacts: () => undefined })).toHaveLength(1);
  });

  it('save -> restore -> keep going: a restored MM places, splits and counts exactly like the original', () => {
    const mm = new Mm();
    const id = mm.result(P, { kind: 'shmget', key: 9, size: PAGE, flags: IPC_CREAT | 0o600 });
    mm.addr(P, { kind: 'shmat', shmid: id, addr: 0, flags: 0 });
    mm.mmap(0x40000000, 4 * PAGE, ANON | MAP_FIXED);
    mm.addr(P, { kind: 'brk', addr: 0x18000 });
    const saved = JSON.parse(JSON.stringify(mm.server.getState()));
    const restored = new MemoryManager();
    restored.setState(saved);
    expect(restored.getState()).toEqual(mm.server.getState());
    const steps: [number, MmRequest][] = [
      [P, { kind: 'munmap', addr: 0x40001000, length: PAGE }],
      [P, { kind: 'mmap', addr: 0, length: PAGE, prot: RW, flags: ANON, offset: 0, fd: -1 }],
      [KERNEL, { kind: 'procFork', parent: P, child: 9 }],
      [P, { kind: 'shmget', key: 0, size: PAGE, flags: 0o600 }],
      [P, { kind: 'shmctl', shmid: id, cmd: IPC_RMID, mode: 0, uid: 0 }],
      [KERNEL, { kind: 'procExit', pid: 9 }],
      [KERNEL, { kind: 'procExit', pid: P }],
    ];
    for (const [source, req] of steps) expect(restored.handle(req, { source })).toEqual(mm.call(source, req));
    expect(restored.getState()).toEqual(mm.server.getState());
    expect(mm.server.getState().segments.map((s) => s.id)).toEqual([id + 1]);
    expect(() => restored.setState({ ...saved, version: 3 })).toThrow(/version/);
  });
});
