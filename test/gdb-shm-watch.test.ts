/**
 * Watches on shared memory: a store to a System V segment changes the bytes of every process
 * that has it attached, so a watch on an address of one process's attachment fires when another
 * process (here posixtest's child, outside the parent's memory lineage) writes the same page.
 * Checked for the last-write query (the gdb probe that `xrr state --last-write`, the TUI and gdb's
 * watchpoints run on) and for the Replayer's watch, each against a plain forward replay.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { decode } from '../src/core/decode.js';
import { findLastWrite } from '../src/gdb/last-write.js';
import { ProcessHistory } from '../src/gdb/process-history.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import type { JournalStore } from '../src/journal/store.js';
import { seek } from '../src/timeline/replay.js';
import { Replayer } from '../src/timeline/replayer.js';
import { recordRun } from './support/recording.js';

let store: JournalStore;
/** posixtest, the child that writes the segment, where the parent attached it, and when the child ran. */
let parent: number;
let child: number;
let shmAddr: number;
let forkedAt: number;
let exitedAt: number;

const u32 = (b: Uint8Array | undefined) => (b ? (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0 : undefined);
const wordAt = (icount: number, pid: number, addr: number) => u32(seek(store, ROOT_BRANCH, icount).machine.kernel.procs.get(pid)?.mem.peek(addr, 4));

beforeAll(async () => {
  // posixtest's shared_memory case: shmat, m[0] = 0, fork; the child stores 0xC0FFEE in m[0] and 77 in m[1000].
  ({ store } = await recordRun({ seed: 14, input: [], initArgv: ['/sbin/init', '/bin/posixtest', 'shared_memory'] }, 2_000_000));
  const history = new ProcessHistory(store, ROOT_BRANCH);
  parent = history.lastExeced()!;
  child = history.get(parent)!.children[0]!;
  const life = history.get(child)!;
  forkedAt = life.forkedAt!;
  exitedAt = life.exitedAt!;
  const attached = seek(store, ROOT_BRANCH, forkedAt).machine.kernel.shm.attachments.get(parent);
  expect(attached).toHaveLength(1);
  shmAddr = attached![0]!.addr;
}, 300_000);

describe('a watch on shared memory', () => {
  it("last write: the parent's word was last written by the child's store, not by the parent's own m[0] = 0", () => {
    const f = findLastWrite(store, ROOT_BRANCH, { pid: parent, addr: shmAddr, len: 4, at: exitedAt });
    const w = f.before!;
    expect(w).toMatchObject({ pid: child, by: 'store', addr: shmAddr, len: 4 });
    expect(w.icount).toBeGreaterThan(forkedAt);
    // The plain replay, through the parent's own mapping: 0 before that instruction, 0xC0FFEE after it.
    expect(wordAt(w.icount, parent, shmAddr)).toBe(0);
    expect(wordAt(w.icount + 1, parent, shmAddr)).toBe(0xc0ffee);
    // And the instruction is the child's store, at the pc reported.
    const p = seek(store, ROOT_BRANCH, w.icount).machine.kernel.procs.get(child)!;
    expect(p.pc >>> 0).toBe(w.pc);
    const code = p.mem.peek(w.pc, 4)!;
    expect(decode(code[0]! | (code[1]! << 8), code[2]! | (code[3]! << 8)).op).toBe('sw');
    // m[1000], 4000 bytes on in the same page: the child's second store.
    const far = findLastWrite(store, ROOT_BRANCH, { pid: parent, addr: shmAddr + 4000, len: 4, at: exitedAt }).before!;
    expect(far).toMatchObject({ pid: child, by: 'store' });
    expect(far.icount).toBeGreaterThan(w.icount);
    expect(wordAt(far.icount + 1, parent, shmAddr + 4000)).toBe(77);
    // From a cursor between the fork and the store, the next write is that store.
    expect(findLastWrite(store, ROOT_BRANCH, { pid: parent, addr: shmAddr, len: 4, at: forkedAt + 1 }).after).toMatchObject({ pid: child, icount: w.icount });
  }, 600_000);

  it("the Replayer's watch on the parent's address stops right after the child's store", () => {
    const r = Replayer.near(store, ROOT_BRANCH, forkedAt);
    r.runUntil({ kind: 'icount', icount: forkedAt });
    const out = r.runUntil({ kind: 'watch', pid: parent, addr: shmAddr, length: 4 });
    expect(out).toMatchObject({ kind: 'stopped', at: { kind: 'watch' } });
    if (out.kind !== 'stopped') return;
    expect(u32(out.before)).toBe(0);
    expect(u32(out.after)).toBe(0xc0ffee);
    expect(r.machine.kernel.current?.pid).toBe(child);
    expect(wordAt(r.icount - 1, parent, shmAddr)).toBe(0);
    expect(wordAt(r.icount, parent, shmAddr)).toBe(0xc0ffee);
  }, 600_000);
});
