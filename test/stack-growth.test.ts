/**
 * Stacks grow on demand (src/core/kernel/stack-growth.ts): an image maps its arguments and 128 KiB of its
 * 1 MiB stack reserve, and a fault below that grows the stack through the Memory Manager. Run on
 * the real machine with `hostile stack` (guest/src/hostile.c): a child fills the machine's memory
 * to the page and then touches its stack deep (the growth is refused: SIGSEGV, the trap on record),
 * then the parent grows its stack 600 KiB by a store and 900 KiB by a read() into a deep buffer. The
 * growths are Memory Manager requests, not traps, and a recording of it all replays exactly, from
 * boot and from a snapshot taken with the memory full.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MachineEvent } from '../src/core/events.js';
import { buildImage, STACK_INITIAL_BYTES, STACK_TOP } from '../src/core/kernel/exec-image.js';
import { ROOT_BRANCH, SqliteJournalStore } from '../src/journal/index.js';
import type { SnapshotRecord } from '../src/journal/store.js';
import { MSG, STACK_RESERVE_BYTES, WELL_KNOWN_PID } from '../src/protocol/index.js';
import { StoreTarget } from '../src/timeline/record-target.js';
import { Recorder } from '../src/timeline/recorder.js';
import { replay } from '../src/timeline/replay.js';
import { newMachine, seedBytes } from './support/boot.js';

const dir = mkdtempSync(join(tmpdir(), 'xrr-stack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SIGSEGV = 11;
const STORE_ACCESS_FAULT = 7;

describe('stacks that grow on demand', () => {
  it('grow by a store and by the kernel, are SIGSEGV when memory cannot back them, and replay exactly', async () => {
    const path = join(dir, 'stack.db');
    const store = await SqliteJournalStore.open(path);
    store.createRecording({ machineVersion: 'test', imageHash: 'x', seedHex: Buffer.from(seedBytes(5)).toString('hex'), bootEpochNs: '1750000000000000000', commandLine: [], xrrVersion: 'test' });
    const { machine, output } = newMachine({ seed: 5, initArgv: ['/sbin/init', '/bin/hostile', 'stack'] });
    const target = new StoreTarget(store, ROOT_BRANCH);
    const recorder = new Recorder(machine, target, { snapshotNow: false });
    expect(machine.boot()).toBeUndefined();
    recorder.snapshot();
    // Run until the child says the memory is full, snapshot there, then to the end.
    let full: SnapshotRecord | undefined;
    for (let i = 0; i < 10_000; i++) {
      const stop = recorder.run(Number.MAX_SAFE_INTEGER, () => full === undefined && output().includes('memory full'));
      if (full === undefined && output().includes('memory full')) {
        recorder.snapshot();
        full = target.taken.at(-1);
        continue;
      }
      if (stop.kind === 'halted') break;
    }
    store.flush();
    const out = output();
    expect(out).toMatch(/hostile stack: memory full \(2[0-4]\d MiB \+ \d+ pages mapped\), now deep/);
    expect(out).toContain(`hostile stack: a growth the memory cannot back: killed by signal ${SIGSEGV}`);
    expect(out).toContain('hostile stack: a store 600 KiB deep: ok');
    expect(out).toContain('hostile stack: read() 900 KiB deep: 4 bytes');

    expect(machine.kernel.halted).toEqual({ reason: 'init exited', status: 0 });
    const total = store.branchLength(ROOT_BRANCH);
    store.close();

    const reopened = await SqliteJournalStore.open(path, { readonly: true });
    // The replay checks every event against the recording's; it hands them over as it goes.
    const events: MachineEvent[] = [];
    const fromBoot = replay(reopened, ROOT_BRANCH, { from: 0, onEvent: (e) => events.push(e) });
    expect(fromBoot.snapshot.seq + fromBoot.matched).toBe(total);
    const growths = events.filter((e) => e.kind === 'ipc' && e.dst === WELL_KNOWN_PID.MM && e.mType === MSG.MM_PROC_GROW_STACK);
    // The refused one in the child, the parent's store, and the parent's read() at least.
    expect(growths.length).toBeGreaterThanOrEqual(3);
    // A growth is no trap: the only one is the refused growth, and it is a store into the reserve.
    const traps = events.filter((e): e is Extract<MachineEvent, { kind: 'trap' }> => e.kind === 'trap');
    expect(traps).toHaveLength(1);
    const trap = traps[0]!;
    expect(trap.cause).toBe(STORE_ACCESS_FAULT);
    expect(trap.tval).toBeGreaterThanOrEqual(STACK_TOP - STACK_RESERVE_BYTES);
    expect(trap.tval).toBeLessThan(STACK_TOP - STACK_INITIAL_BYTES);
    expect(events).toContainEqual(expect.objectContaining({ kind: 'signal', pid: trap.pid, signo: SIGSEGV, action: 'terminate' }));
    // The snapshot was taken with the memory full, before the refused growth: the replay from it
    // meets the refusal again.
    expect(full).toBeDefined();
    expect(trap.icount).toBeGreaterThan(full!.icount);
    expect(full).toBeDefined();
    const fromFull = replay(reopened, ROOT_BRANCH, { from: full!.icount });
    expect(fromFull.snapshot.id).toBe(full!.id);
    expect(fromFull.snapshot.seq + fromFull.matched).toBe(total);
    expect(fromFull.machine.kernel.halted).toBeTruthy();
    reopened.close();
  }, 120_000);
});

describe('the stack an image starts with', () => {
  const elf = readFileSync(join(import.meta.dirname, '..', 'guest', 'bin', 'hello'));
  const enc = (t: string) => new TextEncoder().encode(t);
  const PAGE = 4096;

  it('is the pages of its arguments and 128 KiB below them, the rest of the reserve unmapped', () => {
    for (const argBytes of [10, 200 * 1024]) {
      const argv = [enc('/bin/hello'), enc('x'.repeat(argBytes))];
      const img = buildImage(elf, argv, [enc('HOME=/')]);
      if (!img.ok) throw new Error(img.error);
      const stack = img.value.regions.find((r) => r.kind === 'stack')!;
      expect(stack.addr + stack.length).toBe(STACK_TOP);
      // The strings with their NULs, argc and the vectors with their NULLs and the auxv, alignment.
      const strings = '/bin/hello'.length + 1 + argBytes + 1 + 'HOME=/'.length + 1;
      const argPages = Math.ceil((strings + (1 + 3 + 2 + 6) * 4 + 16) / PAGE);
      expect(stack.length).toBe(STACK_INITIAL_BYTES + argPages * PAGE);
      expect(img.value.sp).toBeGreaterThan(stack.addr + STACK_INITIAL_BYTES - PAGE);
      expect(img.value.mem.isMapped(stack.addr)).toBe(true);
      expect(img.value.mem.isMapped(stack.addr - 1)).toBe(false);
      expect(img.value.mem.isMapped(STACK_TOP - STACK_RESERVE_BYTES)).toBe(false);
    }
  });

  it('holds arguments up to half the reserve; more are refused before anything is written', () => {
    const img = buildImage(elf, [enc('/bin/hello'), enc('x'.repeat(STACK_RESERVE_BYTES / 2))], []);
    expect(img).toEqual({ ok: false, error: 'arguments do not fit the stack' });
  });
});
