/**
 * The Memory Manager under a hostile guest: thousands of mappings stay cheap (the region list is
 * updated in place, the top-down search remembers where it stopped), the number of mappings is
 * capped (max_map_count) and every process's mappings together fit the machine's memory.
 */
import { describe, expect, it } from 'vitest';
import { ERRNO, MACHINE_MEMORY_PAGES, MM_REGION_KIND, STACK_RESERVE_BYTES, type MmRequest } from '../src/protocol/index.js';
import {
  findFreeTopDown,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_PRIVATE,
  MAX_MAP_COUNT,
  MemoryManager,
  MMAP_TOP,
  STACK_TOP,
  type MmContext,
  type MmResult,
} from '../src/servers/mm/index.js';

const KERNEL = 0;
const P = 8;
const PAGE = 4096;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
const R = 1, RW = 3;

const IMAGE = {
  brkBase: 0x13800,
  regions: [
    { addr: 0x10000, length: 0x2000, perm: 5, kind: MM_REGION_KIND.TEXT },
    { addr: 0x12000, length: 0x2000, perm: 3, kind: MM_REGION_KIND.DATA },
    { addr: STACK_TOP - 0x20000, length: 0x20000, perm: 3, kind: MM_REGION_KIND.STACK },
  ],
};
const IMAGE_PAGES = 2 + 2 + 0x20;

class Mm {
  readonly server = new MemoryManager();
  constructor(private readonly ctx: MmContext = {}) {
    this.call(KERNEL, { kind: 'procExec', pid: P, ...IMAGE });
  }
  call(source: number, req: MmRequest): MmResult {
    return this.server.handle(req, { ...this.ctx, source });
  }
  mmap(length: number, prot = RW, addr = 0, flags = ANON): number {
    const r = this.call(P, { kind: 'mmap', addr, length, prot, flags, offset: 0, fd: -1 });
    return r.reply.result < 0 ? r.reply.result : (r.reply.body as { addr: number }).addr;
  }
  get regions() {
    return this.server.state.procs.get(P)!.regions;
  }
}

/** A tiny deterministic generator (the seed is in the test name). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x;
  };
}

describe('Memory Manager: many mappings', () => {
  it('32,000 one-page mappings that cannot merge are made in place, the region list never copied', () => {
    const mm = new Mm();
    const list = mm.regions;
    for (let i = 0; i < 32_000; i++) {
      // Alternating permissions keep neighbours from merging: one region per call.
      expect(mm.mmap(PAGE, i % 2 ? R : RW)).toBe(MMAP_TOP - (i + 1) * PAGE);
    }
    expect(mm.regions).toBe(list);
    expect(list.length).toBe(3 + 32_000);
    // Unmapping every other one, then mapping again, reuses the highest holes first.
    for (let i = 0; i < 32_000; i += 2) mm.call(P, { kind: 'munmap', addr: MMAP_TOP - (i + 1) * PAGE, length: PAGE });
    expect(mm.mmap(PAGE, 7)).toBe(MMAP_TOP - PAGE);
    expect(mm.mmap(PAGE, 7)).toBe(MMAP_TOP - 3 * PAGE);
    // About 2 s alone (the list shifts in place; the search starts where the last one stopped).
  }, 60_000);

  it('seed 7: the remembered top-down search finds what a search from scratch finds', () => {
    const mm = new Mm();
    const next = lcg(7);
    for (let step = 0; step < 3000; step++) {
      const p = mm.server.state.procs.get(P)!;
      const length = ((next() % 4) + 1) * PAGE;
      // The answer without the cache, on the same regions.
      const remembered = p.topDown;
      p.topDown = undefined;
      const fresh = findFreeTopDown(p, length, MMAP_TOP);
      p.topDown = remembered;
      const op = next() % 10;
      if (op < 6) {
        expect(mm.mmap(length, (next() % 3) + 1)).toBe(fresh);
      } else if (op < 9) {
        const addr = MMAP_TOP - ((next() % 256) + 1) * PAGE;
        mm.call(P, { kind: 'munmap', addr, length });
      } else {
        const addr = MMAP_TOP - ((next() % 256) + 1) * PAGE;
        mm.mmap(length, R, addr, ANON | MAP_FIXED);
      }
      const rs = mm.regions;
      const disorder = rs.findIndex((r, i) => i > 0 && r.start < rs[i - 1]!.end);
      if (disorder >= 0) expect.fail(`step ${step}: region ${disorder} overlaps the one before`);
    }
  });

  it(`a process has at most MAX_MAP_COUNT (${MAX_MAP_COUNT}) regions: then mmap is ENOMEM`, () => {
    const mm = new Mm({ memoryPages: 1 << 20 });
    let refused = 0;
    // Hinted upwards from a low address, so each insertion lands near the end of the list.
    for (let i = mm.regions.length, at = 0x100000; i < MAX_MAP_COUNT; i++, at += PAGE) if (mm.mmap(PAGE, i % 2 ? R : RW, at) !== at) refused++;
    expect(refused).toBe(0);
    expect(mm.regions.length).toBe(MAX_MAP_COUNT);
    expect(mm.mmap(PAGE, RW)).toBe(-ERRNO.ENOMEM);
    expect(mm.call(P, { kind: 'brk', addr: IMAGE.brkBase + PAGE }).reply.body).toEqual({ addr: IMAGE.brkBase });
    // Splitting a region would make one more: refused too; unmapping a whole one is not.
    const a = mm.regions[5]!;
    expect(mm.call(P, { kind: 'mprotect', addr: a.start, length: PAGE, prot: 7 }).reply.result).toBe(-ERRNO.ENOMEM);
    expect(mm.call(P, { kind: 'munmap', addr: a.start, length: PAGE }).reply.result).toBe(0);
    expect(mm.mmap(PAGE, RW)).toBeGreaterThan(0);
  }, 120_000);
});

describe('Memory Manager: the machine memory', () => {
  it('mmap and brk past the machine memory are ENOMEM; what is unmapped can be mapped again', () => {
    const mm = new Mm();
    const free = MACHINE_MEMORY_PAGES - IMAGE_PAGES;
    expect(mm.server.state.mappedPages).toBe(IMAGE_PAGES);
    const big = mm.mmap(free * PAGE - 4 * PAGE);
    expect(big).toBeGreaterThan(0);
    expect(mm.mmap(8 * PAGE)).toBe(-ERRNO.ENOMEM);
    // brk refuses by returning the old break.
    expect(mm.call(P, { kind: 'brk', addr: IMAGE.brkBase + 8 * PAGE }).reply.body).toEqual({ addr: IMAGE.brkBase });
    expect(mm.mmap(4 * PAGE)).toBeGreaterThan(0);
    expect(mm.server.state.mappedPages).toBe(MACHINE_MEMORY_PAGES);
    // MAP_FIXED over its own pages gives them back first.
    expect(mm.mmap(4 * PAGE, R, big, ANON | MAP_FIXED)).toBe(big);
    expect(mm.call(P, { kind: 'munmap', addr: big, length: 64 * PAGE }).reply.result).toBe(0);
    expect(mm.server.state.mappedPages).toBe(MACHINE_MEMORY_PAGES - 64);
    expect(mm.mmap(64 * PAGE)).toBeGreaterThan(0);
  });

  it("shmat counts against the machine memory, at an address of its choice or the caller's", () => {
    const mm = new Mm({ memoryPages: IMAGE_PAGES + 20 });
    const id = mm.call(P, { kind: 'shmget', key: 0, size: 16 * PAGE, flags: 0o600 }).reply.result;
    expect(id).toBeGreaterThan(0);
    expect(mm.call(P, { kind: 'shmat', shmid: id, addr: 0, flags: 0 }).reply.result).toBe(0);
    expect(mm.call(P, { kind: 'shmat', shmid: id, addr: 0, flags: 0 }).reply.result).toBe(-ERRNO.ENOMEM);
    expect(mm.call(P, { kind: 'shmat', shmid: id, addr: 0x40000000, flags: 0 }).reply.result).toBe(-ERRNO.ENOMEM);
    expect(mm.server.state.mappedPages).toBe(IMAGE_PAGES + 16);
  });

  it('a forked child counts its pages (each may become a private copy); exit gives them back', () => {
    const mm = new Mm();
    expect(mm.mmap(1000 * PAGE)).toBeGreaterThan(0);
    const before = mm.server.state.mappedPages;
    expect(mm.call(KERNEL, { kind: 'procFork', parent: P, child: P + 1 }).reply.result).toBe(0);
    expect(mm.server.state.mappedPages).toBe(2 * before);
    expect(mm.call(KERNEL, { kind: 'procExit', pid: P + 1 }).reply.result).toBe(0);
    expect(mm.server.state.mappedPages).toBe(before);
  });

  it('procCanFork is the one fork check: ENOMEM exactly when the parent\'s pages do not fit again; memInfo reports the count', () => {
    const mm = new Mm();
    const canFork = () => mm.call(KERNEL, { kind: 'procCanFork', pid: P }).reply.result;
    const info = () => mm.call(KERNEL, { kind: 'memInfo' }).reply.body;
    expect(info()).toEqual({ totalPages: MACHINE_MEMORY_PAGES, mappedPages: IMAGE_PAGES });
    // Fill the memory so that exactly one more copy of P fits (P's pages twice plus another
    // process's fill it to the page), then map one page more.
    const own = Math.floor((MACHINE_MEMORY_PAGES - 2 * IMAGE_PAGES) / 2);
    expect(mm.mmap(own * PAGE)).toBeGreaterThan(0);
    const other = MACHINE_MEMORY_PAGES - 2 * (IMAGE_PAGES + own);
    if (other > 0) expect(mm.call(KERNEL, { kind: 'procExec', pid: P + 9, brkBase: 0x10000, regions: [{ addr: 0x10000, length: other * PAGE, perm: 3, kind: MM_REGION_KIND.DATA }] }).reply.result).toBe(0);
    expect(info()).toEqual({ totalPages: MACHINE_MEMORY_PAGES, mappedPages: IMAGE_PAGES + own + other });
    expect(canFork()).toBe(0);
    expect(mm.mmap(PAGE)).toBeGreaterThan(0);
    expect(canFork()).toBe(-ERRNO.ENOMEM);
    expect(mm.call(KERNEL, { kind: 'procCanFork', pid: P + 5 }).reply.result).toBe(-ERRNO.ESRCH);
    // Only the kernel asks.
    expect(mm.call(P, { kind: 'procCanFork', pid: P }).reply.result).toBe(-ERRNO.EPERM);
    expect(mm.call(P, { kind: 'memInfo' }).reply.result).toBe(-ERRNO.EPERM);
  });

  it('four processes asking a GiB each all get ENOMEM, and together they cannot pass the machine memory', () => {
    const mm = new Mm();
    for (let c = 1; c <= 3; c++) expect(mm.call(KERNEL, { kind: 'procFork', parent: P, child: P + c }).reply.result).toBe(0);
    const gib = (pid: number) => mm.call(pid, { kind: 'mmap', addr: 0, length: 1 << 30, prot: RW, flags: ANON, offset: 0, fd: -1 }).reply.result;
    expect([gib(P), gib(P + 1), gib(P + 2), gib(P + 3)]).toEqual([-ERRNO.ENOMEM, -ERRNO.ENOMEM, -ERRNO.ENOMEM, -ERRNO.ENOMEM]);
    expect(mm.call(P, { kind: 'mmap', addr: 0, length: 128 << 20, prot: RW, flags: ANON, offset: 0, fd: -1 }).reply.result).toBe(0);
    expect(mm.call(P + 1, { kind: 'mmap', addr: 0, length: 128 << 20, prot: RW, flags: ANON, offset: 0, fd: -1 }).reply.result).toBe(-ERRNO.ENOMEM);
  });

  it('a restored state counts the same pages; regions out of order are refused', () => {
    const mm = new Mm();
    mm.mmap(10 * PAGE);
    const saved = JSON.parse(JSON.stringify(mm.server.getState())) as { procs: { regions: unknown[] }[] };
    const again = new MemoryManager();
    again.setState(saved);
    expect(again.state.mappedPages).toBe(mm.server.state.mappedPages);
    saved.procs[0]!.regions.reverse();
    expect(() => again.setState(saved)).toThrow(/regions\[1\]/);
  });
});

describe('Memory Manager: stacks grow on demand', () => {
  // IMAGE's stack: the top 128 KiB of the reserve, about what an image starts with (exec-image.ts).
  const STACK_LOW = STACK_TOP - 0x20000;
  const grow = (mm: Mm, addr: number, pid = P, source = KERNEL) => mm.call(source, { kind: 'procGrowStack', pid, addr });

  it('a fault below the stack grows it to the faulting page: one region, counted, mapped by the kernel', () => {
    const mm = new Mm();
    const r = grow(mm, STACK_LOW - 3 * PAGE + 123);
    expect(r.reply.result).toBe(0);
    expect(r.effects).toEqual([{ kind: 'map', pid: P, addr: STACK_LOW - 3 * PAGE, length: 3 * PAGE, perm: RW }]);
    expect(mm.regions.filter((g) => g.kind === 'stack')).toEqual([expect.objectContaining({ start: STACK_LOW - 3 * PAGE, end: STACK_TOP })]);
    expect(mm.server.state.mappedPages).toBe(IMAGE_PAGES + 3);
    // A forked child has the stack as far as it has grown, and counts it.
    expect(mm.call(KERNEL, { kind: 'procFork', parent: P, child: P + 1 }).reply.result).toBe(0);
    expect(mm.server.state.mappedPages).toBe(2 * (IMAGE_PAGES + 3));
  });

  it('grows down to the bottom of the 1 MiB reserve and no further', () => {
    const mm = new Mm();
    const floor = STACK_TOP - STACK_RESERVE_BYTES;
    expect(grow(mm, floor - 1).reply.result).toBe(-ERRNO.EFAULT);
    expect(grow(mm, floor).reply.result).toBe(0);
    expect(mm.server.state.mappedPages).toBe(IMAGE_PAGES - 0x20 + STACK_RESERVE_BYTES / PAGE);
  });

  it('is not a growth above the lowest stack page, with a mapping in the way, or for an unknown pid', () => {
    const mm = new Mm();
    // A page of the stack that was unmapped stays unmapped: a fault there is a real fault.
    expect(mm.call(P, { kind: 'munmap', addr: STACK_TOP - PAGE, length: PAGE }).reply.result).toBe(0);
    expect(grow(mm, STACK_TOP - PAGE).reply.result).toBe(-ERRNO.EFAULT);
    // A mapping placed in the reserve (MAP_FIXED) stops the stack where it is.
    expect(mm.mmap(PAGE, RW, STACK_LOW - 8 * PAGE, ANON | MAP_FIXED)).toBe(STACK_LOW - 8 * PAGE);
    expect(grow(mm, STACK_LOW - 10 * PAGE).reply.result).toBe(-ERRNO.EFAULT);
    expect(grow(mm, STACK_LOW - 2 * PAGE).reply.result).toBe(0);
    expect(grow(mm, STACK_LOW, P + 5).reply.result).toBe(-ERRNO.ESRCH);
  });

  it('a process cannot grow stacks itself (only the kernel asks)', () => {
    const mm = new Mm();
    expect(grow(mm, STACK_LOW - PAGE, P, P).reply.result).toBe(-ERRNO.EPERM);
    expect(mm.server.state.mappedPages).toBe(IMAGE_PAGES);
  });

  it('a growth the machine memory cannot back is ENOMEM, and nothing changes', () => {
    const mm = new Mm({ memoryPages: IMAGE_PAGES + 2 });
    const before = mm.regions.map((g) => ({ ...g }));
    const r = grow(mm, STACK_LOW - 3 * PAGE);
    expect(r.reply.result).toBe(-ERRNO.ENOMEM);
    expect(r.effects).toEqual([]);
    expect(mm.regions).toEqual(before);
    expect(grow(mm, STACK_LOW - 2 * PAGE).reply.result).toBe(0);
    expect(mm.server.state.mappedPages).toBe(IMAGE_PAGES + 2);
  });
});
