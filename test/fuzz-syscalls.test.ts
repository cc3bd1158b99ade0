/**
 * Random system calls from a real guest: guest/src/sysfuzz.c issues COUNT calls whose numbers
 * (every number of the table and some outside it) and arguments (boundary values, pointers into
 * its own memory, unmapped and kernel-ish addresses, huge lengths) come from a PRNG seeded by
 * SEED. Each SEED is drawn by fast-check from this process's FUZZ_SEED; the run is recorded
 * (snapshots every few hundred thousand instructions, so the fuzzed state is saved too) and
 * replayed from the boot snapshot and from a snapshot in the middle: the host never throws, the
 * machine ends with sysfuzz's summary, no server crashes, and replay finds no divergence.
 *
 * Below, the cases this fuzzer found, kept as plain regression tests.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MachineEvent } from '../src/core/events.js';
import { SYSCALLS } from '../src/core/syscall-numbers.js';
import { ERRNO } from '../src/protocol/errno.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { replay } from '../src/timeline/replay.js';
import { bootMachine } from './support/boot.js';
import { announceSeed, runs, sample, withSeed } from './support/fuzz.js';
import { A0, A1, A2, DATA_BASE, linkProgram, sys } from './support/guest-asm.js';
import { recordRun, stateHash } from './support/recording.js';
import { li, load, op, opImm, shiftImm } from './support/rv-encode.js';

announceSeed('fuzz-syscalls');

/** Calls per guest run: about a million instructions and 0.5 s of host time each. */
const CALLS = 400;

describe('random system calls from a guest (sysfuzz)', () => {
  it(`records and replays ${runs(5)} sysfuzz runs of ${CALLS} calls without a host exception or divergence`, async () => {
    const seeds = sample(fc.integer({ min: 0, max: 0x7fff_ffff }), runs(5));
    for (const guestSeed of seeds) {
      const what = `sysfuzz ${guestSeed} ${CALLS}`;
      try {
        const run = { seed: 1, input: [], initArgv: ['/bin/sysfuzz', String(guestSeed), String(CALLS)] };
        const { store, machine, output } = await recordRun(run, 300_000);
        expect(output, what).toContain(`sysfuzz: seed ${guestSeed}: ${CALLS} calls`);
        const events = store.events(ROOT_BRANCH, { order: 'asc' }).map((r) => r.event as MachineEvent);
        const ends = events.filter((e) => e.kind === 'halt');
        expect(ends, what).toEqual([expect.objectContaining({ kind: 'halt', reason: 'init exited', status: 0 })]);
        // A server that throws while decoding or handling a guest's request has a bug.
        expect(events.filter((e) => e.kind === 'server-crash'), what).toEqual([]);

        const whole = replay(store, ROOT_BRANCH, { from: 0 });
        expect(whole.end, what).toBe(true);
        expect(whole.matched + whole.snapshot.seq, what).toBe(store.branchLength(ROOT_BRANCH));
        expect(stateHash(whole.machine), what).toBe(stateHash(machine));

        // From a snapshot taken while the fuzzer ran: its state (fuzzed dispositions, ids, fds,
        // mappings) must restore and replay to the same end.
        const snapshots = store.listSnapshots(ROOT_BRANCH);
        const middle = snapshots[Math.floor(snapshots.length / 2)];
        expect(snapshots.length, what).toBeGreaterThan(2);
        const fromMiddle = replay(store, ROOT_BRANCH, { from: middle!.icount });
        expect(fromMiddle.snapshot.icount, what).toBe(middle!.icount);
        expect(stateHash(fromMiddle.machine), what).toBe(stateHash(machine));
        store.close();
      } catch (e) {
        throw withSeed(`${what} (guest seed ${guestSeed})`, e);
      }
    }
  }, 180_000);
});

// ---- cases found by the fuzzer ---------------------------------------------------------------

const S = SYSCALLS;
const mv = (rd: number, rs: number) => op('add', rd, rs, 0);
const NEG = (rd: number, rs: number) => op('sub', rd, 0, rs);

/** Run `program` as init, with snapshots on the way; the exit status and the recording. */
async function recordAsInit(program: Uint8Array) {
  const rec = await recordRun({ seed: 1, input: [], initArgv: ['/tmp/prog'], files: { '/tmp/prog': program } }, 20_000);
  const events = rec.store.events(ROOT_BRANCH, { order: 'asc' }).map((r) => r.event as MachineEvent);
  const halt = events.find((e) => e.kind === 'halt');
  return { ...rec, events, status: halt?.kind === 'halt' ? halt.status : undefined };
}

describe('system call cases the fuzzer found', () => {
  it('a path with bytes above 0x7f is a byte string (ENOENT), not a host RangeError', () => {
    const path = new Uint8Array(4096);
    path.set([0x2f, 0x74, 0x6d, 0x70, 0x2f, 0xb3, 0xff, 0x80, 0]); // "/tmp/\xb3\xff\x80"
    const prog = linkProgram([li(A0, DATA_BASE), sys(S.chdir), NEG(A0, A0), sys(S.exit)], path);
    expect(bootMachine({ initArgv: ['/tmp/prog'], files: { '/tmp/prog': prog } }).stop).toMatchObject({ kind: 'halted', status: ERRNO.ENOENT });
    // mkdir then chdir of the same name: it round-trips through the VFS byte for byte.
    const both = linkProgram([li(A0, DATA_BASE), li(A1, 0o755), sys(S.mkdir), li(A0, DATA_BASE), sys(S.chdir), NEG(A0, A0), sys(S.exit)], path);
    expect(bootMachine({ initArgv: ['/tmp/prog'], files: { '/tmp/prog': both } }).stop).toMatchObject({ kind: 'halted', status: 0 });
  });

  it('a path longer than the VFS takes (1023 bytes) is ENAMETOOLONG, not a host RangeError', () => {
    const data = new Uint8Array(4096);
    data.fill(0x61, 0, 1500); // 1500 x 'a' and a NUL, then "/tmp/x"
    data.set(new TextEncoder().encode('/tmp/x\0'), 2000);
    const prog = linkProgram([li(A0, DATA_BASE + 2000), li(A1, DATA_BASE), sys(S.link), NEG(A0, A0), sys(S.exit)], data);
    expect(bootMachine({ initArgv: ['/tmp/prog'], files: { '/tmp/prog': prog } }).stop).toMatchObject({ kind: 'halted', status: ERRNO.ENAMETOOLONG });
  });

  it('a nanosleep of 2^62 seconds sleeps until a signal instead of overflowing the timer', () => {
    // timespec { tv_sec = 2^62, tv_nsec = 0 } at DATA_BASE; a child sleeps, the parent kills and reaps it.
    const data = new Uint8Array(64);
    new DataView(data.buffer).setBigInt64(0, 1n << 62n, true);
    const prog = linkProgram([
      sys(S.fork),
      { branch: 'bne', rs1: A0, rs2: 0, to: 'parent' },
      li(A0, DATA_BASE), li(A1, 0), sys(S.nanosleep), li(A0, 3), sys(S.exit),
      { label: 'parent' },
      mv(9, A0), sys(S.sched_yield), sys(S.sched_yield), mv(A0, 9), li(A1, 9), sys(S.kill),
      mv(A0, 9), li(A1, DATA_BASE + 32), li(A2, 0), sys(S.wait4),
      li(5, DATA_BASE + 32), load('lw', A0, 5, 0), sys(S.exit),
    ], data);
    // The child slept (its nanosleep was issued), and its status is: killed by signal 9.
    const r = bootMachine({ initArgv: ['/tmp/prog'], files: { '/tmp/prog': prog } });
    expect(r.events.some((e) => e.kind === 'syscall' && e.name === 'nanosleep' && e.pid !== 1)).toBe(true);
    expect(r.stop).toMatchObject({ kind: 'halted', status: 9 });
  });

  it('signal() then sigaction() reads back the u32 flags, and a snapshot after it restores', async () => {
    // signal(SIGUSR1, SIG_IGN); sigaction(SIGUSR1, NULL, &old): the old flags are SA_RESETHAND|SA_NODEFER.
    const prog = linkProgram([
      li(A0, 10), li(A1, 1), sys(S.signal),
      li(A0, 10), li(A1, 0), li(A2, DATA_BASE), sys(S.sigaction),
      { label: 'spin' }, opImm('addi', 6, 6, 1), li(7, 200_000), { branch: 'blt', rs1: 6, rs2: 7, to: 'spin' },
      li(5, DATA_BASE), load('lw', A0, 5, 4), shiftImm('srli', A0, A0, 28), sys(S.exit), // 0xc0000000 >> 28 = 12
    ]);
    const r = await recordAsInit(prog);
    expect(r.events.filter((e) => e.kind === 'server-crash')).toEqual([]);
    expect(r.status).toBe(12);
    const snapshots = r.store.listSnapshots(ROOT_BRANCH);
    const late = snapshots[snapshots.length - 1]!;
    expect(late.icount).toBeGreaterThan(0);
    expect(stateHash(replay(r.store, ROOT_BRANCH, { from: late.icount }).machine)).toBe(stateHash(r.machine));
  });

  it('setuid to an id of 2^31 or more: geteuid gives its bits back instead of crashing the Process Manager', () => {
    const prog = linkProgram([li(A0, 0xb1e4_0047 | 0), sys(S.setuid), sys(S.geteuid), li(A1, 0xb1e4_0047 | 0), op('sub', A0, A0, A1), sys(S.exit)]);
    const r = bootMachine({ initArgv: ['/tmp/prog'], files: { '/tmp/prog': prog } });
    expect(r.events.filter((e) => e.kind === 'server-crash')).toEqual([]);
    expect(r.stop).toMatchObject({ kind: 'halted', status: 0 });
  });
});
