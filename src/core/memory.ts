/**
 * Sparse, paged guest address spaces.
 *
 * A 32-bit space is a two-level table: a directory of 1024 tables, each of 1024 page slots
 * (4 KiB pages) with per-page R/W/X permissions. `clone()` (for fork) copies only the
 * directory and shares every table and page copy-on-write, so its cost does not grow with
 * the bytes mapped; the first write through a shared table or page copies just that table
 * or page. Tables and pages count their sharers in `refs`.
 *
 * The hot paths (the `lw`/`sw`... methods the translated code calls) go through small
 * direct-mapped TLBs of pages already checked for the access. A page enters the write TLB
 * only when it is writable, private to this space (not copy-on-write, not a shared memory
 * page) and carries no translated code, so a store that hits there needs no further check;
 * every other store takes the slow path, which copies shared pages, drops translated code of
 * the page (self-modifying code) and forgets the page's content hash. A page with bytes a
 * debugger watches (`setWatch`) stays out of the TLB for the kind of access watched, so the
 * watch is checked on the slow path only.
 *
 * Byte order: the page views are the host's typed arrays, so the host must be little-endian
 * like RISC-V (x86-64 and AArch64 are).
 */
import { createHash } from 'node:crypto';
import { hexAddr } from '../protocol/hex.js';

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;
export const PERM_R = 1;
export const PERM_W = 2;
export const PERM_X = 4;

/** Trap causes a memory access can raise (RISC-V mcause values). */
export const FaultCause = {
  InstructionAccessFault: 1,
  LoadAddressMisaligned: 4,
  LoadAccessFault: 5,
  StoreAddressMisaligned: 6,
  StoreAccessFault: 7,
} as const;

/**
 * Thrown by guest memory accesses. Deliberately not an Error: no stack is captured, since a
 * guest fault is an expected event, and the CPU turns it into a precise trap.
 */
export class MemoryFault {
  constructor(
    readonly cause: number,
    readonly addr: number,
  ) {}
}

/**
 * Not a RISC-V cause: the cause of the fault a watched load or store raises, before it happens,
 * while the CPU's debug run has `trapWatched` set (see MemoryWatch). The CPU never lets it reach
 * the kernel: it steps the instruction and goes on.
 */
export const WATCH_TRAP = -1;

export type AccessKind = 'read' | 'write';

/** A byte range of an address space. */
export interface WatchRange {
  readonly addr: number;
  readonly len: number;
}

/** The instruction making an access: its pc and the icount it retires at. */
export interface InstructionRef {
  readonly pc: number;
  readonly icount: number;
}

/**
 * A debugger's watch on one address space's bytes (set with `AddressSpace.setWatch`). Loads and
 * stores overlapping a range are reported, after they took effect: the CPU's (the translated
 * code's lw/sw/... and atomics) with the instruction making them, the kernel's user-memory
 * accesses (readUser, writeUser, poke) with `by` undefined. A watched page stays out of the
 * TLB for the kind watched, so the check is on the slow path only; a space without a watch
 * pays nothing on its fast path.
 */
export interface MemoryWatch {
  readonly reads: readonly WatchRange[];
  readonly writes: readonly WatchRange[];
  accessed(space: AddressSpace, kind: AccessKind, addr: number, len: number, by: InstructionRef | undefined): void;
}

/**
 * Translated code attached to a page; owned by the CPU, which keys it by the virtual address
 * the code was made for (one page can be mapped at several addresses).
 */
export interface PageCode {
  /** Set to false when the page's bytes change under the code. */
  valid: boolean;
}

/**
 * Counts every drop of translated code in any page. A running region compares it after each
 * of its stores, and leaves when it changed: a store into code that is running takes effect
 * at the next instruction, as on hardware that snoops its instruction cache.
 */
const codeDrops = { count: 0 };

export class Page {
  readonly u8: Uint8Array;
  readonly i8: Int8Array;
  readonly u16: Uint16Array;
  readonly i16: Int16Array;
  readonly i32: Int32Array;
  /** Number of tables that hold this page. */
  refs = 1;
  /** Content hash, computed on demand; undefined while unknown. */
  hash: string | undefined = undefined;
  /** Translated basic blocks decoded from this page, if any. */
  code: PageCode | undefined = undefined;
  /** System V shared memory: writes go to this page for every sharer (no copy-on-write). */
  shared = false;

  constructor(bytes?: Uint8Array) {
    const buf = new ArrayBuffer(PAGE_SIZE);
    this.u8 = new Uint8Array(buf);
    if (bytes) this.u8.set(bytes);
    this.i8 = new Int8Array(buf);
    this.u16 = new Uint16Array(buf);
    this.i16 = new Int16Array(buf);
    this.i32 = new Int32Array(buf);
  }

  dropCode(): void {
    if (this.code) {
      this.code.valid = false;
      this.code = undefined;
      codeDrops.count++;
    }
  }
}

/**
 * The page every fresh mapping starts as. It is shared copy-on-write like any other page; the
 * module keeps one reference of its own, so a write always copies it and it stays all zeros.
 * Mapping a large region therefore costs page-table slots, not memory.
 */
const ZERO_PAGE = new Page();

/** The pages of a System V shared memory segment, shared by every process that attaches it. */
export class SharedSegment {
  readonly pages: Page[];
  constructor(length: number) {
    this.pages = Array.from({ length: Math.ceil(length / PAGE_SIZE) }, () => {
      const p = new Page();
      p.shared = true;
      return p;
    });
  }
}

class Table {
  readonly pages: (Page | undefined)[] = new Array<Page | undefined>(1024);
  readonly perms = new Uint8Array(1024);
  refs = 1;
  count = 0;

  copy(): Table {
    const t = new Table();
    for (let i = 0; i < 1024; i++) {
      const p = this.pages[i];
      if (p) {
        t.pages[i] = p;
        p.refs++;
      }
    }
    t.perms.set(this.perms);
    t.count = this.count;
    return t;
  }
}

/** One mapped page of a saved address space. */
export interface PageEntry {
  /** Virtual page number (address >>> 12). */
  readonly vpn: number;
  readonly perm: number;
  /** SHA-256 of the page's bytes (hex); the bytes live in a content-addressed store. */
  readonly hash: string;
}

export interface AddressSpaceState {
  readonly version: 1;
  readonly pages: readonly PageEntry[];
}

const TLB_SIZE = 64;
const TLB_MASK = TLB_SIZE - 1;

/** Whether [addr, addr+len) overlaps one of `ranges` (addr unsigned; ranges may run past 2^32). */
function overlaps(ranges: readonly WatchRange[], addr: number, len: number): boolean {
  for (const r of ranges) if (addr < r.addr + r.len && r.addr < addr + len) return true;
  return false;
}

/** Whether one of `ranges` has bytes on the page `vpn`. */
function pageWatched(ranges: readonly WatchRange[], vpn: number): boolean {
  return overlaps(ranges, (vpn << PAGE_SHIFT) >>> 0, PAGE_SIZE);
}

export function pageHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class AddressSpace {
  private dir: (Table | undefined)[] = new Array<Table | undefined>(1024);
  // Direct-mapped TLBs: tag = vpn (or -1), value = page already checked for the access.
  private readonly rTag = new Int32Array(TLB_SIZE).fill(-1);
  private readonly rPage: Page[] = new Array<Page>(TLB_SIZE);
  private readonly wTag = new Int32Array(TLB_SIZE).fill(-1);
  private readonly wPage: Page[] = new Array<Page>(TLB_SIZE);
  private readonly xTag = new Int32Array(TLB_SIZE).fill(-1);
  private readonly xPage: Page[] = new Array<Page>(TLB_SIZE);
  /**
   * The kernel's handler for its own access (readUser, writeUser, readCString) to an unmapped
   * page: true when it mapped the page (a stack grown on demand), and the access goes on. Guest
   * loads and stores do not call it: they fault, and the kernel handles the trap.
   */
  onUnmappedAccess: ((addr: number) => boolean) | undefined = undefined;
  private watchOn: MemoryWatch | undefined = undefined;
  /**
   * Set by the CPU's debug run while translated code runs, which cannot say which instruction
   * it is at: a watched load or store then throws a WATCH_TRAP fault before it happens (the
   * trap is precise), and the CPU steps that instruction with `stepping` set.
   */
  trapWatched = false;
  /** The instruction the CPU's debug run is stepping: the `by` of the watched accesses it makes. */
  stepping: InstructionRef | undefined = undefined;
  /** How many loads and stores were reported to the watch (whether a stepped instruction made one). */
  watchedAccesses = 0;

  // ---- mapping ---------------------------------------------------------------------------

  /** Map zero-filled pages over [addr, addr+length) with `perm`, replacing what was there. */
  map(addr: number, length: number, perm: number): void {
    this.forPages(addr, length, (vpn) => {
      const t = this.writableTable(vpn >>> 10, true)!;
      const i = vpn & 1023;
      const old = t.pages[i];
      if (old) old.refs--;
      else t.count++;
      t.pages[i] = ZERO_PAGE;
      ZERO_PAGE.refs++;
      t.perms[i] = perm;
    });
    this.flushTlb();
  }

  /** Map the pages of a shared memory segment at `addr` (page-aligned), replacing what was there. */
  attachShared(addr: number, segment: SharedSegment, perm: number): void {
    segment.pages.forEach((page, k) => {
      const vpn = (addr >>> PAGE_SHIFT) + k;
      const t = this.writableTable(vpn >>> 10, true)!;
      const i = vpn & 1023;
      const old = t.pages[i];
      if (old) old.refs--;
      else t.count++;
      t.pages[i] = page;
      page.refs++;
      t.perms[i] = perm;
    });
    this.flushTlb();
  }

  /** Unmap [addr, addr+length); unmapped pages in the range are ignored. */
  unmap(addr: number, length: number): void {
    this.forPages(addr, length, (vpn) => {
      const t = this.writableTable(vpn >>> 10, false);
      const i = vpn & 1023;
      const p = t?.pages[i];
      if (!t || !p) return;
      p.refs--;
      t.pages[i] = undefined;
      t.perms[i] = 0;
      if (--t.count === 0) this.dropTable(vpn >>> 10);
    });
    this.flushTlb();
  }

  /** Change permissions of the mapped pages in [addr, addr+length); false if any is unmapped. */
  protect(addr: number, length: number, perm: number): boolean {
    let all = true;
    this.forPages(addr, length, (vpn) => {
      if (!this.pageAt(vpn)) all = false;
    });
    if (!all) return false;
    this.forPages(addr, length, (vpn) => {
      this.writableTable(vpn >>> 10, false)!.perms[vpn & 1023] = perm;
    });
    this.flushTlb();
    return true;
  }

  /** Permission bits of the page holding `addr`, or 0 when unmapped. */
  permAt(addr: number): number {
    const vpn = addr >>> PAGE_SHIFT;
    const t = this.dir[vpn >>> 10];
    return t?.pages[vpn & 1023] ? t.perms[vpn & 1023]! : 0;
  }

  /**
   * The shared memory page holding `addr`, or undefined when it is unmapped or private: the same
   * object in every address space that has the segment attached, wherever it is attached (a
   * debugger's watch on one process's attachment sees the stores of the others through it).
   */
  sharedPageAt(addr: number): Page | undefined {
    const page = this.pageAt(addr >>> PAGE_SHIFT);
    return page?.shared ? page : undefined;
  }

  isMapped(addr: number): boolean {
    return this.pageAt(addr >>> PAGE_SHIFT) !== undefined;
  }

  /** Number of mapped pages. */
  get pageCount(): number {
    let n = 0;
    for (const t of this.dir) if (t) n += t.count;
    return n;
  }

  /** A copy-on-write copy of this address space (fork). */
  clone(): AddressSpace {
    const c = new AddressSpace();
    for (let i = 0; i < 1024; i++) {
      const t = this.dir[i];
      if (t) {
        t.refs++;
        c.dir[i] = t;
      }
    }
    // Pages are now shared: no store may bypass the copy-on-write slow path.
    this.flushTlb();
    return c;
  }

  /** Give up every page (the process exited); sharers keep their copies. */
  release(): void {
    for (let i = 0; i < 1024; i++) if (this.dir[i]) this.dropTable(i);
    this.flushTlb();
  }

  /** Watch this space's accesses (undefined: stop watching). */
  setWatch(watch: MemoryWatch | undefined): void {
    this.watchOn = watch;
    // Pages checked before the watch was set must leave the TLBs (and take the slow path).
    this.flushTlb();
  }

  get watch(): MemoryWatch | undefined {
    return this.watchOn;
  }

  flushTlb(): void {
    this.rTag.fill(-1);
    this.wTag.fill(-1);
    this.xTag.fill(-1);
  }

  // ---- kernel-side access ------------------------------------------------------------------

  /** Write bytes ignoring permissions (the ELF loader); every page must be mapped. */
  poke(addr: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; ) {
      const a = (addr + i) >>> 0;
      const page = this.pageForWrite(a >>> PAGE_SHIFT, false);
      if (!page) throw new RangeError(`poke: address ${hexAddr(a)} is not mapped`);
      const off = a & PAGE_MASK;
      const n = Math.min(PAGE_SIZE - off, bytes.length - i);
      page.u8.set(bytes.subarray(i, i + n), off);
      i += n;
    }
    if (this.watchOn !== undefined) this.reportKernel('write', addr, bytes.length);
  }

  /** Read bytes ignoring permissions (debuggers, snapshots); undefined if any page is unmapped. */
  peek(addr: number, len: number): Uint8Array | undefined {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; ) {
      const a = (addr + i) >>> 0;
      const page = this.pageAt(a >>> PAGE_SHIFT);
      if (!page) return undefined;
      const off = a & PAGE_MASK;
      const n = Math.min(PAGE_SIZE - off, len - i);
      out.set(page.u8.subarray(off, off + n), i);
      i += n;
    }
    return out;
  }

  /** Read `len` bytes as the process would (needs R on every page); null on a bad pointer. */
  readUser(addr: number, len: number): Uint8Array | null {
    if (!this.userRange(addr, len, PERM_R)) return null;
    const bytes = this.peek(addr, len) ?? null;
    if (bytes && this.watchOn !== undefined) this.reportKernel('read', addr, len);
    return bytes;
  }

  /** Whether the process could write `len` bytes at `addr` (W on every page), without writing. */
  canWriteUser(addr: number, len: number): boolean {
    return this.userRange(addr, len, PERM_W);
  }

  /** Write bytes as the process would (needs W on every page); false on a bad pointer. */
  writeUser(addr: number, bytes: Uint8Array): boolean {
    if (!this.userRange(addr, bytes.length, PERM_W)) return false;
    for (let i = 0; i < bytes.length; ) {
      const a = (addr + i) >>> 0;
      const page = this.pageForWrite(a >>> PAGE_SHIFT, true)!;
      const off = a & PAGE_MASK;
      const n = Math.min(PAGE_SIZE - off, bytes.length - i);
      page.u8.set(bytes.subarray(i, i + n), off);
      i += n;
    }
    if (this.watchOn !== undefined) this.reportKernel('write', addr, bytes.length);
    return true;
  }

  /** Read a NUL-terminated string of at most `max` bytes; null on a bad pointer or no NUL. */
  readCString(addr: number, max: number): Uint8Array | null {
    const out: number[] = [];
    for (let i = 0; i < max; i++) {
      const a = (addr + i) >>> 0;
      if ((i === 0 || (a & PAGE_MASK) === 0) && !this.isMapped(a)) this.onUnmappedAccess?.(a - (a & PAGE_MASK));
      if (!(this.permAt(a) & PERM_R)) return null;
      const b = this.pageAt(a >>> PAGE_SHIFT)!.u8[a & PAGE_MASK]!;
      if (b === 0) return Uint8Array.from(out);
      out.push(b);
    }
    return null;
  }

  private userRange(addr: number, len: number, perm: number): boolean {
    if (len < 0 || addr < 0 || addr + len > 0x1_0000_0000) return false;
    if (len === 0) return true;
    const first = addr >>> PAGE_SHIFT;
    const last = (addr + len - 1) >>> PAGE_SHIFT;
    for (let vpn = first; vpn <= last; vpn++) {
      if (!this.pageAt(vpn) && !this.onUnmappedAccess?.((vpn << PAGE_SHIFT) >>> 0)) return false;
      const t = this.dir[vpn >>> 10];
      if (!t?.pages[vpn & 1023] || !(t.perms[vpn & 1023]! & perm)) return false;
    }
    return true;
  }

  // ---- instruction fetch (the translator) ------------------------------------------------------

  /** The executable page holding `addr`; throws an instruction access fault otherwise. */
  fetchPage(addr: number): Page {
    const vpn = addr >>> PAGE_SHIFT;
    const s = vpn & TLB_MASK;
    if (this.xTag[s] === vpn) return this.xPage[s]!;
    const t = this.dir[vpn >>> 10];
    const page = t?.pages[vpn & 1023];
    if (!page || !(t!.perms[vpn & 1023]! & PERM_X)) {
      throw new MemoryFault(FaultCause.InstructionAccessFault, addr >>> 0);
    }
    this.xTag[s] = vpn;
    this.xPage[s] = page;
    return page;
  }

  /** Called before attaching translated code to `page`: keep its stores on the slow path. */
  evictFromWriteTlb(page: Page): void {
    for (let s = 0; s < TLB_SIZE; s++) if (this.wTag[s] !== -1 && this.wPage[s] === page) this.wTag[s] = -1;
  }

  /** How many times translated code has been dropped anywhere (see `codeDrops`). */
  get codeDrops(): number {
    return codeDrops.count;
  }

  // ---- guest loads and stores (called by translated code; `a` is a 32-bit address) --------------

  lw(a: number): number {
    const vpn = a >>> PAGE_SHIFT;
    const s = vpn & TLB_MASK;
    if (this.rTag[s] === vpn && (a & 3) === 0) return this.rPage[s]!.i32[(a & PAGE_MASK) >> 2]!;
    return this.loadSlow(a, 4, true);
  }

  lh(a: number): number {
    const vpn = a >>> PAGE_SHIFT;
    const s = vpn & TLB_MASK;
    if (this.rTag[s] === vpn && (a & 1) === 0) return this.rPage[s]!.i16[(a & PAGE_MASK) >> 1]!;
    return this.loadSlow(a, 2, true);
  }

  lhu(a: number): number {
    const vpn = a >>> PAGE_SHIFT;
    const s = vpn & TLB_MASK;
    if (this.rTag[s] === vpn && (a & 1) === 0) return this.rPage[s]!.u16[(a & PAGE_MASK) >> 1]!;
    return this.loadSlow(a, 2, false);
  }

  lb(a: number): number {
    const vpn = a >>> PAGE_SHIFT;
    const s = vpn & TLB_MASK;
    if (this.rTag[s] === vpn) return this.rPage[s]!.i8[a & PAGE_MASK]!;
    return this.loadSlow(a, 1, true);
  }

  lbu(a: number): number {
    const vpn = a >>> PAGE_SHIFT;
    const s = vpn & TLB_MASK;
    if (this.rTag[s] === vpn) return this.rPage[s]!.u8[a & PAGE_MASK]!;
    return this.loadSlow(a, 1, false);
  }

  sw(a: number, v: number): void {
    const vpn = a >>> PAGE_SHIFT;
    const s = vpn & TLB_MASK;
    if (this.wTag[s] === vpn && (a & 3) === 0) this.wPage[s]!.i32[(a & PAGE_MASK) >> 2] = v;
    else this.storeSlow(a, v, 4);
  }

  sh(a: number, v: number): void {
    const vpn = a >>> PAGE_SHIFT;
    const s = vpn & TLB_MASK;
    if (this.wTag[s] === vpn && (a & 1) === 0) this.wPage[s]!.u16[(a & PAGE_MASK) >> 1] = v;
    else this.storeSlow(a, v, 2);
  }

  sb(a: number, v: number): void {
    const vpn = a >>> PAGE_SHIFT;
    const s = vpn & TLB_MASK;
    if (this.wTag[s] === vpn) this.wPage[s]!.u8[a & PAGE_MASK] = v;
    else this.storeSlow(a, v, 1);
  }

  /**
   * The load half of an AMO or LR: the address must be aligned (else an address-misaligned
   * trap, since atomics cannot be split) and, for AMOs, writable.
   */
  atomicLoad(a: number, forStore: boolean): number {
    if ((a & 3) !== 0) {
      throw new MemoryFault(forStore ? FaultCause.StoreAddressMisaligned : FaultCause.LoadAddressMisaligned, a >>> 0);
    }
    if (forStore) {
      const page = this.pageForWrite(a >>> PAGE_SHIFT, true);
      if (!page) throw new MemoryFault(FaultCause.StoreAccessFault, a >>> 0);
      // An AMO's read of its old value (its write goes through sw).
      const w = this.watchOn;
      if (w !== undefined && overlaps(w.reads, a >>> 0, 4)) {
        if (this.trapWatched) throw new MemoryFault(WATCH_TRAP, a >>> 0);
        const v = page.i32[(a & PAGE_MASK) >> 2]!;
        this.watchedAccesses++;
        w.accessed(this, 'read', a >>> 0, 4, this.stepping);
        return v;
      }
      return page.i32[(a & PAGE_MASK) >> 2]!;
    }
    return this.lw(a);
  }

  /** The store half of SC: aligned and writable, or a store/AMO trap. */
  atomicStore(a: number, v: number): void {
    if ((a & 3) !== 0) throw new MemoryFault(FaultCause.StoreAddressMisaligned, a >>> 0);
    this.sw(a, v);
  }

  private loadSlow(a: number, size: number, signed: boolean): number {
    const vpn = a >>> PAGE_SHIFT;
    const t = this.dir[vpn >>> 10];
    const page = t?.pages[vpn & 1023];
    if (!page || !(t!.perms[vpn & 1023]! & PERM_R)) throw new MemoryFault(FaultCause.LoadAccessFault, a >>> 0);
    const w = this.watchOn;
    if (w !== undefined && (pageWatched(w.reads, vpn) || overlaps(w.reads, a >>> 0, size))) return this.loadWatched(w, page, a, size, signed);
    const s = vpn & TLB_MASK;
    this.rTag[s] = vpn;
    this.rPage[s] = page;
    return this.loadFrom(page, a, size, signed);
  }

  /** A load from a page with watched bytes: it stays out of the TLB, and a watched load is reported (or trapped). */
  private loadWatched(w: MemoryWatch, page: Page, a: number, size: number, signed: boolean): number {
    const hit = overlaps(w.reads, a >>> 0, size);
    if (hit && this.trapWatched) throw new MemoryFault(WATCH_TRAP, a >>> 0);
    const v = this.loadFrom(page, a, size, signed);
    if (hit) {
      this.watchedAccesses++;
      w.accessed(this, 'read', a >>> 0, size, this.stepping);
    }
    return v;
  }

  /** The load at `a`, whose first byte is on the readable `page`. */
  private loadFrom(page: Page, a: number, size: number, signed: boolean): number {
    const off = a & PAGE_MASK;
    if ((off & (size - 1)) === 0) {
      if (size === 4) return page.i32[off >> 2]!;
      if (size === 2) return signed ? page.i16[off >> 1]! : page.u16[off >> 1]!;
      return signed ? page.i8[off]! : page.u8[off]!;
    }
    // Misaligned: supported, byte by byte, possibly across a page boundary (checked first so
    // the trap, if any, is precise and names the first unreadable byte).
    let v = 0;
    for (let i = 0; i < size; i++) {
      const b = (a + i) >>> 0;
      if (!(this.permAt(b) & PERM_R)) throw new MemoryFault(FaultCause.LoadAccessFault, b);
    }
    for (let i = size - 1; i >= 0; i--) {
      const b = (a + i) >>> 0;
      v = (v << 8) | this.pageAt(b >>> PAGE_SHIFT)!.u8[b & PAGE_MASK]!;
    }
    if (size === 2) return signed ? (v << 16) >> 16 : v & 0xffff;
    return v | 0;
  }

  private storeSlow(a: number, v: number, size: number): void {
    const w = this.watchOn;
    if (w !== undefined && (pageWatched(w.writes, a >>> PAGE_SHIFT) || overlaps(w.writes, a >>> 0, size))) {
      this.storeWatched(w, a, v, size);
      return;
    }
    this.storeTo(a, v, size, true);
  }

  /** A store to a page with watched bytes: it stays out of the TLB, and a watched store is reported (or trapped). */
  private storeWatched(w: MemoryWatch, a: number, v: number, size: number): void {
    const hit = overlaps(w.writes, a >>> 0, size);
    if (hit && this.trapWatched) throw new MemoryFault(WATCH_TRAP, a >>> 0);
    this.storeTo(a, v, size, false);
    if (hit) {
      this.watchedAccesses++;
      w.accessed(this, 'write', a >>> 0, size, this.stepping);
    }
  }

  /** The store of `size` bytes at `a`, the page entering the write TLB when `cache` allows. */
  private storeTo(a: number, v: number, size: number, cache: boolean): void {
    const off = a & PAGE_MASK;
    if ((off & (size - 1)) === 0) {
      const vpn = a >>> PAGE_SHIFT;
      const page = this.pageForWrite(vpn, true);
      if (!page) throw new MemoryFault(FaultCause.StoreAccessFault, a >>> 0);
      // A shared memory page stays out of the write TLB: another address space may translate
      // code on it (or snapshot it), and only the slow path drops code and the content hash.
      if (cache && !page.shared) {
        const s = vpn & TLB_MASK;
        this.wTag[s] = vpn;
        this.wPage[s] = page;
      }
      if (size === 4) page.i32[off >> 2] = v;
      else if (size === 2) page.u16[off >> 1] = v;
      else page.u8[off] = v;
      return;
    }
    // Misaligned: check every byte first so a fault leaves memory untouched.
    for (let i = 0; i < size; i++) {
      const b = (a + i) >>> 0;
      if (!(this.permAt(b) & PERM_W)) throw new MemoryFault(FaultCause.StoreAccessFault, b);
    }
    for (let i = 0; i < size; i++) {
      const b = (a + i) >>> 0;
      this.pageForWrite(b >>> PAGE_SHIFT, true)!.u8[b & PAGE_MASK] = (v >>> (8 * i)) & 0xff;
    }
  }

  // ---- internals ---------------------------------------------------------------------------------

  /** A kernel access to watched bytes (its own accesses are not trapped: nothing runs between them). */
  private reportKernel(kind: AccessKind, addr: number, len: number): void {
    const w = this.watchOn!;
    if (overlaps(kind === 'read' ? w.reads : w.writes, addr >>> 0, len)) w.accessed(this, kind, addr >>> 0, len, undefined);
  }

  private pageAt(vpn: number): Page | undefined {
    return this.dir[vpn >>> 10]?.pages[vpn & 1023];
  }

  /**
   * The page at `vpn`, made private to this space and ready to be written: shared tables and
   * pages are copied, translated code is dropped and the content hash forgotten. Returns
   * undefined when unmapped or (with `checkPerm`) not writable.
   */
  private pageForWrite(vpn: number, checkPerm: boolean): Page | undefined {
    const t0 = this.dir[vpn >>> 10];
    const i = vpn & 1023;
    if (!t0?.pages[i] || (checkPerm && !(t0.perms[i]! & PERM_W))) return undefined;
    const t = this.writableTable(vpn >>> 10, false)!;
    let page = t.pages[i]!;
    if (page.refs > 1 && !page.shared) {
      page.refs--;
      page = new Page(page.u8);
      t.pages[i] = page;
      // The read and fetch TLBs may still point at the shared original.
      const s = vpn & TLB_MASK;
      if (this.rTag[s] === vpn) this.rTag[s] = -1;
      if (this.xTag[s] === vpn) this.xTag[s] = -1;
    }
    page.dropCode();
    page.hash = undefined;
    return page;
  }

  /** The table for directory slot `di`, unshared; created when `create` and missing. */
  private writableTable(di: number, create: boolean): Table | undefined {
    let t = this.dir[di];
    if (!t) {
      if (!create) return undefined;
      t = new Table();
      this.dir[di] = t;
      return t;
    }
    if (t.refs > 1) {
      t.refs--;
      t = t.copy();
      this.dir[di] = t;
    }
    return t;
  }

  private dropTable(di: number): void {
    const t = this.dir[di]!;
    this.dir[di] = undefined;
    if (--t.refs > 0) return;
    for (const p of t.pages) if (p) p.refs--;
  }

  private forPages(addr: number, length: number, fn: (vpn: number) => void): void {
    if (length <= 0) return;
    const first = addr >>> PAGE_SHIFT;
    const last = (addr + length - 1) >>> PAGE_SHIFT;
    for (let vpn = first; vpn <= last && vpn < 1 << 20; vpn++) fn(vpn);
  }

  // ---- snapshots ---------------------------------------------------------------------------------

  /**
   * The state of the space: every mapped page with its permission and content hash, in
   * address order. `store(hash, bytes)` receives the bytes of each page (the caller keeps them
   * content-addressed, so unchanged pages are shared between snapshots).
   */
  getState(store?: (hash: string, bytes: Uint8Array) => void): AddressSpaceState {
    // Pages in the write TLB may change without passing the slow path that clears `hash`.
    this.wTag.fill(-1);
    const pages: PageEntry[] = [];
    for (let di = 0; di < 1024; di++) {
      const t = this.dir[di];
      if (!t) continue;
      for (let i = 0; i < 1024; i++) {
        const p = t.pages[i];
        if (!p) continue;
        p.hash ??= pageHash(p.u8);
        store?.(p.hash, p.u8);
        pages.push({ vpn: (di << 10) | i, perm: t.perms[i]!, hash: p.hash });
      }
    }
    return { version: 1, pages };
  }

  /**
   * Replace the whole space by a saved state; `load(hash)` returns a page's bytes. Spaces
   * restored with the same `pool` share pages of equal content copy-on-write, as they did
   * (or could have) before the save.
   */
  setState(state: AddressSpaceState, load: (hash: string) => Uint8Array | undefined, pool?: Map<string, Page>): void {
    if (state.version !== 1) throw new Error(`address space state version ${state.version} is not supported`);
    this.release();
    this.dir = new Array<Table | undefined>(1024);
    for (const e of state.pages) {
      const t = this.writableTable(e.vpn >>> 10, true)!;
      let page = pool?.get(e.hash);
      if (page) {
        page.refs++;
      } else {
        const bytes = load(e.hash);
        if (!bytes || bytes.length !== PAGE_SIZE) throw new Error(`page ${e.hash} is missing from the page store`);
        page = new Page(bytes);
        page.hash = e.hash;
        pool?.set(e.hash, page);
      }
      t.pages[e.vpn & 1023] = page;
      t.perms[e.vpn & 1023] = e.perm;
      t.count++;
    }
    this.flushTlb();
  }
}
