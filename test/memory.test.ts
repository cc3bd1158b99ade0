/**
 * Address spaces: mapping and permissions, copy-on-write fork whose cost does not depend on
 * the bytes mapped, user-pointer checks, and state that round-trips exactly.
 */
import { describe, expect, it } from 'vitest';
import { AddressSpace, MemoryFault, PAGE_SIZE, PERM_R, PERM_W, PERM_X, pageHash, SharedSegment } from '../src/core/memory.js';

const A = 0x1000_0000;

function filled(len: number, seed: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

describe('mapping', () => {
  it('maps zero-filled pages and unmaps them', () => {
    const m = new AddressSpace();
    m.map(A, 3 * PAGE_SIZE, PERM_R | PERM_W);
    expect(m.pageCount).toBe(3);
    expect(m.lw(A + 8)).toBe(0);
    m.sw(A + 8, 0x12345678);
    expect(m.lw(A + 8)).toBe(0x12345678);
    m.unmap(A + PAGE_SIZE, PAGE_SIZE);
    expect(m.pageCount).toBe(2);
    expect(() => m.lw(A + PAGE_SIZE)).toThrow(MemoryFault);
    expect(m.lw(A + 8)).toBe(0x12345678);
  });

  it('protect changes what loads and stores may do, even for pages already in the TLB', () => {
    const m = new AddressSpace();
    m.map(A, PAGE_SIZE, PERM_R | PERM_W);
    m.sw(A, 1);
    expect(m.protect(A, PAGE_SIZE, PERM_R)).toBe(true);
    expect(() => m.sw(A, 2)).toThrow(MemoryFault);
    expect(m.protect(A, PAGE_SIZE, 0)).toBe(true);
    expect(() => m.lw(A)).toThrow(MemoryFault);
    expect(m.protect(A, 2 * PAGE_SIZE, PERM_R)).toBe(false); // second page unmapped: nothing changes
    expect(m.permAt(A)).toBe(0);
  });

  it('sign- and zero-extends sub-word loads', () => {
    const m = new AddressSpace();
    m.map(A, PAGE_SIZE, PERM_R | PERM_W);
    m.sw(A, 0x80ff8081 | 0);
    expect(m.lb(A)).toBe(-127);
    expect(m.lbu(A)).toBe(0x81);
    expect(m.lh(A)).toBe(-32639);
    expect(m.lhu(A)).toBe(0x8081);
    expect(m.lh(A + 2)).toBe(-32513);
  });

  it('checks user pointers for the kernel', () => {
    const m = new AddressSpace();
    m.map(A, PAGE_SIZE, PERM_R);
    m.map(A + PAGE_SIZE, PAGE_SIZE, PERM_R | PERM_W);
    expect(m.readUser(A + PAGE_SIZE - 2, 4)).not.toBeNull();
    expect(m.writeUser(A + PAGE_SIZE - 2, new Uint8Array(4))).toBe(false); // first page read-only
    expect(m.writeUser(A + PAGE_SIZE, filled(8, 1))).toBe(true);
    expect(m.readUser(A + 2 * PAGE_SIZE - 2, 4)).toBeNull(); // runs off the end
    expect(m.readUser(0xffff_fffe, 4)).toBeNull(); // wraps around
    m.poke(A, new TextEncoder().encode('hello\0'));
    expect(new TextDecoder().decode(m.readCString(A, 100)!)).toBe('hello');
    expect(m.readCString(A, 3)).toBeNull();
  });
});

describe('copy-on-write clone', () => {
  it('parent and child see their own writes only', () => {
    const parent = new AddressSpace();
    parent.map(A, 4 * PAGE_SIZE, PERM_R | PERM_W);
    parent.poke(A, filled(4 * PAGE_SIZE, 7));
    parent.sw(A, 111); // the page is now in the parent's write TLB
    const child = parent.clone();
    parent.sw(A, 222);
    child.sw(A + 4, 333);
    expect(parent.lw(A)).toBe(222);
    expect(child.lw(A)).toBe(111);
    expect(child.lw(A + 4)).toBe(333);
    expect(parent.lw(A + 4)).not.toBe(333);
    expect(child.peek(A + PAGE_SIZE, PAGE_SIZE)).toEqual(parent.peek(A + PAGE_SIZE, PAGE_SIZE));
    // Map and unmap in the child do not touch the parent's table.
    child.unmap(A + PAGE_SIZE, PAGE_SIZE);
    expect(parent.isMapped(A + PAGE_SIZE)).toBe(true);
    child.release();
    expect(parent.lw(A)).toBe(222);
  });

  it('a chain of clones keeps every generation separate', () => {
    const gens = [new AddressSpace()];
    gens[0]!.map(A, PAGE_SIZE, PERM_R | PERM_W);
    for (let g = 1; g < 6; g++) {
      gens[g - 1]!.sw(A, g - 1);
      gens.push(gens[g - 1]!.clone());
    }
    gens[5]!.sw(A, 5);
    gens.forEach((m, g) => expect(m.lw(A)).toBe(g));
  });

  it('clone cost does not grow with the bytes mapped: it shares the page tables, it copies none', () => {
    // Counted, not timed: a copied table adds a reference to every page it holds, a shared one
    // adds none. A segment's pages are the ones a test can see, so one is attached beside 256 MiB.
    const big = new AddressSpace();
    big.map(A, 256 << 20, PERM_R | PERM_W); // 65536 pages in 64 tables
    const segment = new SharedSegment(4 * PAGE_SIZE);
    big.attachShared(0x40000000, segment, PERM_R | PERM_W);
    const refs = () => segment.pages.map((p) => p.refs);
    const before = refs();
    const clones = Array.from({ length: 200 }, () => big.clone());
    expect(refs()).toEqual(before);
    // A store makes the writer's table private (one copy, one reference more per page it holds).
    clones[0]!.poke(0x40000000, new Uint8Array([1]));
    expect(refs()).toEqual(before.map((r) => r + 1));
    expect(big.peek(0x40000000, 1)?.[0]).toBe(1); // shared memory: both see the store
  });
});

describe('state', () => {
  it('round-trips exactly and shares unchanged pages by hash', () => {
    const m = new AddressSpace();
    m.map(A, 2 * PAGE_SIZE, PERM_R | PERM_W);
    m.map(0x10000, PAGE_SIZE, PERM_R | PERM_X);
    m.poke(A, filled(PAGE_SIZE, 3));
    const store = new Map<string, Uint8Array>();
    const s1 = m.getState((h, b) => store.set(h, b.slice()));
    expect(s1.pages.map((p) => p.vpn)).toEqual([0x10, A >>> 12, (A >>> 12) + 1]);
    expect(store.size).toBe(2); // the code page and the second data page are both zero pages
    expect(s1.pages[1]!.hash).toBe(pageHash(filled(PAGE_SIZE, 3)));

    m.sw(A + PAGE_SIZE, 42); // through the TLB; the hash must still be recomputed
    const s2 = m.getState((h, b) => store.set(h, b.slice()));
    expect(s2.pages[2]!.hash).not.toBe(s1.pages[2]!.hash);
    expect(s2.pages[1]!.hash).toBe(s1.pages[1]!.hash);

    const r = new AddressSpace();
    r.setState(s1, (h) => store.get(h));
    expect(r.getState()).toEqual(s1);
    expect(r.lw(A + PAGE_SIZE)).toBe(0);
    expect(r.permAt(0x10000)).toBe(PERM_R | PERM_X);
    r.setState(s2, (h) => store.get(h));
    expect(r.lw(A + PAGE_SIZE)).toBe(42);
  });

  it('a shared memory page written by one space has the right hash in another space\'s state', () => {
    // A shared page must stay out of the writer's write TLB, or the writer's later stores skip
    // the slow path that forgets the hash another space computed.
    const seg = new SharedSegment(PAGE_SIZE);
    const reader = new AddressSpace();
    const writer = new AddressSpace();
    reader.attachShared(A, seg, PERM_R);
    writer.attachShared(A + 0x10_0000, seg, PERM_R | PERM_W);
    writer.sw(A + 0x10_0000, 1);
    expect(reader.getState().pages[0]!.hash).toBe(pageHash(reader.peek(A, PAGE_SIZE)!));
    writer.sw(A + 0x10_0000, 2);
    writer.sb(A + 0x10_0008, 3);
    expect(reader.peek(A, 12)).toEqual(new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0]));
    expect(reader.getState().pages[0]!.hash).toBe(pageHash(reader.peek(A, PAGE_SIZE)!));
  });

  it('refuses a state whose pages are missing or of another version', () => {
    const m = new AddressSpace();
    m.map(A, PAGE_SIZE, PERM_R);
    const s = m.getState();
    expect(() => new AddressSpace().setState(s, () => undefined)).toThrow(/missing/);
    expect(() => new AddressSpace().setState({ ...s, version: 9 } as never, () => undefined)).toThrow(/version 9/);
  });
});
