/**
 * Last write ("where did this value come from") on the shipped recording, each found from a
 * later cursor and checked against a plain forward replay (journal seek): a store by the
 * program (forkrace's SIGCHLD handler incrementing `reaped`), a `read` syscall filling the
 * shell's buffer with console input, and a store in a forked child.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode } from '../src/core/decode.js';
import { findLastWrite, lastWriteReport, parseGuestAddress } from '../src/gdb/last-write.js';
import { ProcessHistory } from '../src/gdb/process-history.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { seek } from '../src/timeline/replay.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';
import { readSymbolTable } from '../src/symbols/elf-symbols.js';
import { readGuestFile } from '../src/symbols/guest-images.js';

let store: SqliteJournalStore;
beforeAll(async () => {
  store = await SqliteJournalStore.open('recordings/sample-vfs-crash.db', { readonly: true, create: false });
});
afterAll(() => store.close());

const u32 = (b: Uint8Array | undefined) => (b ? (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0 : undefined);
const memAt = (icount: number, pid: number, addr: number, len: number) => seek(store, ROOT_BRANCH, icount).machine.kernel.procs.get(pid)?.mem.peek(addr, len);

describe('last write', () => {
  it('finds the store that last wrote a variable, and the forward replay sees it change there', () => {
    const history = new ProcessHistory(store, ROOT_BRANCH);
    const pid = history.lastExeced()!;
    const life = history.get(pid)!;
    const elf = readGuestFile(seek(store, ROOT_BRANCH, life.execs[0]!.icount).machine, '/bin/forkrace')!;
    const table = readSymbolTable(elf);
    if (!table.ok) throw new Error(table.error);
    const reaped = table.table.lookup('reaped')!;
    expect(reaped.kind).toBe('object');
    const at = life.exitedAt! - 1;
    const f = findLastWrite(store, ROOT_BRANCH, { pid, addr: reaped.address, len: 4, at });
    const w = f.before!;
    expect(w).toBeDefined();
    expect(w.pid).toBe(pid);
    expect(w.by).toBe('store');
    expect(w.where).toMatch(/^on_sigchld\+0x/);
    expect(w.icount).toBeLessThan(at);
    const old = u32(memAt(w.icount, pid, reaped.address, 4))!;
    expect(u32(memAt(w.icount + 1, pid, reaped.address, 4))).toBe(old + 1);
    // Nothing writes it between that store and the cursor: the value at the cursor is the new one.
    expect(u32(memAt(at, pid, reaped.address, 4))).toBe(old + 1);
    expect(f.after).toBeUndefined();
    // And the next write after a cursor just before that store is that store.
    const again = findLastWrite(store, ROOT_BRANCH, { pid, addr: reaped.address, len: 4, at: w.icount });
    expect(again.after?.icount).toBe(w.icount);
    expect(again.before?.icount ?? -1).toBeLessThan(w.icount);
  }, 600_000);

  it('names the read syscall that filled a buffer with console input', () => {
    // The shell's first read of console input (fd 0) that returned bytes.
    const ret = store.events(ROOT_BRANCH, { kinds: ['syscall-return'] })
      .find((e) => e.event.kind === 'syscall-return' && e.event.nr === 5 && e.event.result > 0 && (() => {
        const c = store.events(ROOT_BRANCH, { pid: e.pid!, kinds: ['syscall'], toIcount: e.icount, order: 'desc', limit: 1 })[0];
        return c?.event.kind === 'syscall' && c.event.args[0] === 0;
      })())!;
    const pid = ret.pid!;
    const call = store.events(ROOT_BRANCH, { pid, kinds: ['syscall'], toIcount: ret.icount, order: 'desc', limit: 1 })[0]!;
    if (call.event.kind !== 'syscall') throw new Error('not a syscall');
    const buf = call.event.args[1]! >>> 0;
    const at = ret.icount + 10;
    const f = findLastWrite(store, ROOT_BRANCH, { pid, addr: buf, at });
    expect(f.before).toMatchObject({ pid, by: 'kernel', syscall: { name: 'read', nr: 5, icount: call.icount } });
    // The forward replay: at the cursor the buffer holds the bytes the read returned, the
    // start of what was typed.
    const typed = store.events(ROOT_BRANCH, { kinds: ['console-input'] }).flatMap((e) => (e.event.kind === 'console-input' ? Array.from(e.event.data) : []));
    const n = ret.event.kind === 'syscall-return' ? ret.event.result : 0;
    expect(Array.from(memAt(at, pid, buf, n)!)).toEqual(typed.slice(0, n));
    expect(lastWriteReport(store, ROOT_BRANCH, at, buf, pid)).toMatch(/last write before: icount \d+, pid \d+, syscall read\(0x0, 0x[0-9a-f]+, 0x200\) entered at icount \d+/);
  }, 600_000);

  it('finds a store in a forked child, attributed to the child, at an instruction that stores there', () => {
    const history = new ProcessHistory(store, ROOT_BRANCH);
    const parent = history.lastExeced()!;
    const child = history.get(parent)!.children[0]!;
    const life = history.get(child)!;
    const at = Math.floor((life.forkedAt! + life.exitedAt!) / 2);
    const sp = seek(store, ROOT_BRANCH, at).machine.kernel.procs.get(child)!.regs[2]! >>> 0;
    const f = findLastWrite(store, ROOT_BRANCH, { pid: child, addr: sp, len: 64, at });
    const w = f.before!;
    expect(w).toMatchObject({ pid: child, by: 'store' });
    expect(w.icount).toBeGreaterThan(life.forkedAt!);
    // The plain replay at that icount: the child is at that pc, and the instruction there is a
    // store whose effective address is what the query reports.
    const p = seek(store, ROOT_BRANCH, w.icount).machine.kernel.procs.get(child)!;
    expect(p.pc >>> 0).toBe(w.pc);
    const code = p.mem.peek(w.pc, 4)!;
    const inst = decode(code[0]! | (code[1]! << 8), code[2]! | (code[3]! << 8));
    expect(['sb', 'sh', 'sw']).toContain(inst.op);
    const ea = ((p.regs[inst.rs1]! + inst.imm) >>> 0);
    expect(w.addr).toBe(Math.max(ea, sp));
    expect(w.icount).toBeLessThan(at);
  }, 600_000);

  it('parses the address a user types, and refuses anything else', () => {
    expect(parseGuestAddress('0x140f8')).toBe(0x140f8);
    expect(parseGuestAddress('82168')).toBe(82168);
    expect(parseGuestAddress('0xffffffff')).toBe(0xffffffff);
    for (const bad of ['', '0x', '0x1ffffffff', '-4', 'reaped', '12abc']) expect(() => parseGuestAddress(bad), bad).toThrow(RangeError);
  });
});
