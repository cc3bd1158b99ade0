/**
 * Server crashes are survivable and visible. A server that throws (an injected fault) is recorded
 * with its message, error and stack; the requests it held fail with EIO; the Reincarnation Server
 * restarts it after a backoff in virtual time, from what it persisted (the VFS tree, the process
 * table), and the shell and posixtest go on working. Too many crashes in the window: a clear report,
 * and the machine halts or leaves the server down. A server that stops answering is detected by the
 * watchdog. Faults are inputs: the same seed and the same injected faults give the same events, and
 * feeding the recorded inputs back reproduces the run.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { INPUT_KINDS, type MachineEvent } from '../src/core/events.js';
import { serverViews } from '../src/servers/server-views.js';
import { ERRNO } from '../src/protocol/errno.js';
import { MSG } from '../src/protocol/message-types.js';
import { A0, A1, A2, A3, DATA_BASE, exitWith, linkProgram, sys } from './support/guest-asm.js';
import { li, op } from './support/rv-encode.js';
import { testMachine } from './ipc-kernel-support.js';

const NEG = (rd: number, rs: number) => op('sub', rd, 0, rs);
const VFS = 2, PM = 3, MM = 4;

function hashOf(events: readonly MachineEvent[]): string {
  const h = createHash('sha256');
  for (const e of events) h.update(JSON.stringify(e));
  return h.digest('hex');
}

/** Virtual time from event a to event b (indices): instructions at 10 ns each plus skips over idle time. */
function virtualNsBetween(events: readonly MachineEvent[], a: number, b: number): number {
  let ns = (events[b]!.icount - events[a]!.icount) * 10;
  for (let i = a + 1; i <= b; i++) {
    const e = events[i]!;
    if (e.kind === 'timer-skip' || e.kind === 'idle') ns += e.skippedNs;
  }
  return ns;
}

describe('a crashed server is restarted', () => {
  it('VFS: the crash is recorded, the caller gets EIO, the tree survives, the shell and posixtest still work', () => {
    const t = testMachine();
    t.run(['echo kept-across-the-crash > /tmp/keep\n']);
    t.machine.inject({ kind: 'crash', server: VFS, mType: MSG.VFS_OPEN, nth: 1 });
    const stop = t.run(['cat /etc/motd\n', 'cat /tmp/keep\n', 'posixtest; echo posixtest-status=$?\n']);
    expect(stop.kind).toBe('idle');

    const [crash] = t.of('server-crash');
    expect(crash).toMatchObject({ server: VFS, name: 'vfs', cause: 'threw', mType: MSG.VFS_OPEN });
    expect(crash!.error).toMatch(/injected crash/);
    expect(crash!.error).toBe(`injected crash: vfs handling type ${MSG.VFS_OPEN}`);
    expect(Object.keys(crash!).sort()).toEqual(['cause', 'error', 'icount', 'kind', 'mType', 'name', 'seq', 'server', 'source']);
    expect(crash!.source).toBeGreaterThanOrEqual(8); // cat, a user process
    expect(t.of('server-restart')).toEqual([expect.objectContaining({ server: VFS, restarts: 1, lost: [] })]);
    // The restarted VFS has new keys: a fresh channel from the kernel.
    expect(t.of('channel').filter((c) => c.initiator === 0 && c.responder === VFS)).toHaveLength(2);
    const out = t.output();
    const after = out.slice(out.indexOf('cat /tmp/keep'));
    expect(after).toContain('kept-across-the-crash');
    expect(after).toContain('posixtest-status=0');
    expect(after.split(/\r?\n/).filter((l) => l.startsWith('FAIL'))).toEqual([]);
    // The call that was being handled failed with EIO.
    const failedOpen = t.of('syscall-return').find((e) => e.pid === crash!.source && e.nr === 3);
    expect(failedOpen?.result).toBe(-ERRNO.EIO);
    expect(t.machine.kernel.serverStatus(VFS)).toBe('up');
  });

  it("a kernel notification the server died on is delivered to the fresh instance (the kernel's view of processes)", () => {
    const t = testMachine();
    t.run();
    t.machine.inject({ kind: 'crash', server: VFS, mType: MSG.VFS_PROC_FORK, nth: 1 });
    t.run(['echo written-by-the-forked-child > /tmp/out; cat /tmp/out\n']);
    expect(t.of('server-crash')).toEqual([expect.objectContaining({ server: VFS, mType: MSG.VFS_PROC_FORK, source: 0 })]);
    expect(t.of('server-restart')).toHaveLength(1);
    // Without the notification the child would have no fd table in the VFS and its I/O would fail.
    expect(t.output()).toMatch(/\r?\nwritten-by-the-forked-child\r?\n/);
  });

  it('PM: the process table survives; the blocked wait4 it held is lost (EIO) and says so', () => {
    // init forks; the child sleeps 10 ms then calls getpid (the PM crashes on it) and exits 0;
    // init waits in wait4 meanwhile and exits with -result.
    const data = new Uint8Array(64);
    new DataView(data.buffer).setInt32(8, 10_000_000, true);
    const program = linkProgram([
      sys(26), { branch: 'beq', rs1: A0, rs2: 0, to: 'child' },
      li(A0, -1), li(A1, 0), li(A2, 0), li(A3, 0), sys(28), NEG(A0, A0), sys(25),
      { label: 'child' }, li(A0, DATA_BASE), li(A1, 0), sys(45), sys(29), exitWith(0),
    ], data);
    const t = testMachine({ initArgv: ['/tmp/prog'], files: { '/tmp/prog': program } });
    t.machine.inject({ kind: 'crash', server: PM, mType: MSG.PROC_GETPID, nth: 1 });
    expect(t.run()).toMatchObject({ kind: 'halted', status: ERRNO.EIO });
    expect(t.of('server-crash')).toEqual([expect.objectContaining({ server: PM, mType: MSG.PROC_GETPID })]);
    const [restart] = t.of('server-restart');
    expect(restart).toMatchObject({ server: PM, restarts: 1 });
    expect(restart!.lost).toEqual(["pid 1's wait4, failed with EIO"]);
    // The table was kept: the fresh PM still knows init and the child (which then exited normally).
    const fork = t.of('fork')[0]!;
    expect(t.of('exit').find((e) => e.pid === fork.child)?.status).toBe(0);
  });

  it('PM: after a crash the shell still forks, execs and reaps', () => {
    const t = testMachine();
    t.run();
    t.machine.inject({ kind: 'crash', server: PM, mType: MSG.PROC_FORK, nth: 1 });
    t.run(['echo first\n', 'echo second | cat\n', 'ps\n']);
    expect(t.of('server-restart')).toHaveLength(1);
    const out = t.output();
    expect(out).toMatch(/second\r?\n/);
    expect(serverViews(t.machine).pm()?.procs.get(1)?.name).toBe('init');
    expect(out).toMatch(/sh/);
  });
});

describe('a crashed Memory Manager is restarted', () => {
  it('keeps every region table: programs that grow their heap and map memory run before and after', () => {
    const t = testMachine();
    t.run(['echo warm\n']);
    t.machine.inject({ kind: 'crash', server: MM, mType: MSG.MM_BRK, nth: 1 });
    t.run(['ls -l /bin\n', 'posixtest; echo posixtest-status=$?\n', 'ls /bin | cat\n']);
    expect(t.of('server-crash')).toEqual([expect.objectContaining({ server: MM, name: 'mm', mType: MSG.MM_BRK })]);
    expect(t.of('server-restart')).toEqual([expect.objectContaining({ server: MM, restarts: 1, lost: [] })]);
    const out = t.output();
    // The brk being handled (ls's) failed with EIO; the machine went on, and posixtest's brk/sbrk,
    // mmap/munmap/mprotect and shared memory cases pass on the fresh MM.
    const after = out.slice(out.lastIndexOf('posixtest; echo'));
    expect(after).toContain('posixtest-status=0');
    expect(after).toContain('forkrace');
  });
});

describe('restart limit', () => {
  const policy = { limit: 2, windowNs: 10_000_000_000, backoffNs: 1_000_000 };

  it('gives up after N crashes in the window, reports it on the console and halts', () => {
    const t = testMachine({ rsPolicy: policy });
    t.run();
    t.machine.inject({ kind: 'crash', server: VFS, mType: -1, nth: 1 });
    t.machine.inject({ kind: 'crash', server: VFS, mType: -1, nth: 1 });
    const stop = t.run(['ls\n']);
    expect(stop).toEqual({ kind: 'halted', status: 70, reason: 'server vfs is down' });
    expect(t.of('server-crash')).toHaveLength(2);
    expect(t.of('server-restart')).toHaveLength(1);
    expect(t.of('server-down')).toEqual([expect.objectContaining({ server: VFS, crashes: 2, reason: 'restart limit reached' })]);
    expect(t.output()).toContain('xrr: server vfs (pid 2) crashed 2 time(s): restart limit reached; it stays down');
    // The backoff was in virtual time: the restart came at least backoffNs after the first crash.
    const crash = t.events.findIndex((e) => e.kind === 'server-crash');
    const restart = t.events.findIndex((e) => e.kind === 'server-restart');
    expect(virtualNsBetween(t.events, crash, restart)).toBeGreaterThanOrEqual(policy.backoffNs);
  });

  it('or leaves the server down: its callers get EIO, the others keep working', () => {
    // brk (MM) fails with EIO once the MM is down; getpid (PM) still answers: exit(pid) = 1.
    const program = linkProgram([
      li(A0, 0), sys(34), li(5, -ERRNO.EIO), { branch: 'bne', rs1: A0, rs2: 5, to: 'bad' },
      li(A0, 0), sys(34), { branch: 'bne', rs1: A0, rs2: 5, to: 'bad' },
      sys(29), sys(25),
      { label: 'bad' }, exitWith(99),
    ]);
    const t = testMachine({ initArgv: ['/tmp/prog'], files: { '/tmp/prog': program }, rsPolicy: { ...policy, limit: 1 }, onServerGiveUp: 'leave-down' });
    t.machine.inject({ kind: 'crash', server: MM, mType: MSG.MM_BRK, nth: 1 });
    expect(t.run()).toMatchObject({ kind: 'halted', status: 1, reason: 'init exited' });
    expect(t.of('server-down')).toEqual([expect.objectContaining({ server: MM, crashes: 1 })]);
    expect(t.machine.kernel.serverStatus(MM)).toBe('down');
  });
});

describe('a hung server', () => {
  it('is detected when it does not answer within the deadline of virtual time, then restarted', () => {
    const t = testMachine({ hangDeadlineNs: 50_000_000 });
    t.run();
    t.machine.inject({ kind: 'hang', server: VFS, mType: MSG.VFS_OPEN, nth: 1 });
    t.run(['cat /etc/motd\n', 'echo back-after-hang\n']);
    const [crash] = t.of('server-crash');
    expect(crash).toMatchObject({ server: VFS, cause: 'hung', mType: MSG.VFS_OPEN });
    expect(crash!.error).toBe('no reply within 50000000 ns of virtual time');
    const hungAt = t.events.findIndex((e) => e.kind === 'syscall' && e.nr === 3 && e.pid === crash!.source);
    expect(virtualNsBetween(t.events, hungAt, t.events.indexOf(crash!))).toBeGreaterThanOrEqual(50_000_000);
    expect(t.of('server-restart')).toHaveLength(1);
    expect(t.output()).toMatch(/back-after-hang\r?\n/);
  });
});

describe('channel faults', () => {
  const getpid = linkProgram([sys(29), sys(25)]);

  it('a delayed reply arrives later; a dropped request leaves the caller waiting for ever: a deadlock', () => {
    const delayed = testMachine({ initArgv: ['/tmp/prog'], files: { '/tmp/prog': getpid } });
    delayed.machine.inject({ kind: 'delay', src: PM, dst: 0, nth: 1, ns: 5_000_000 });
    expect(delayed.run()).toMatchObject({ kind: 'halted', status: 1 });
    expect(delayed.of('ipc-fault')).toEqual([expect.objectContaining({ src: PM, dst: 1, fault: 'delay' })]);
    expect(delayed.of('timer-skip').length).toBeGreaterThan(0);

    const dropped = testMachine({ initArgv: ['/tmp/prog'], files: { '/tmp/prog': getpid } });
    dropped.machine.inject({ kind: 'drop', src: 0, dst: PM, nth: 1 });
    expect(dropped.run()).toEqual({ kind: 'halted', reason: 'deadlock', status: 1 });
    expect(dropped.of('deadlock')).toEqual([expect.objectContaining({ waiting: [{ pid: 1, name: 'init', wait: 'getpid: reply from pm' }] })]);
    expect(dropped.of('ipc-fault')).toEqual([expect.objectContaining({ src: 1, dst: PM, fault: 'drop' })]);
  });
});

describe('determinism with faults', () => {
  const script = (t: ReturnType<typeof testMachine>) => {
    t.run(['ls /bin\n']);
    t.machine.inject({ kind: 'crash', server: VFS, mType: MSG.VFS_STAT, nth: 2 });
    t.machine.inject({ kind: 'corrupt', src: 0, dst: PM, nth: 3 });
    t.run(['ls -l /bin\n', 'forkrace\n']);
  };

  it('the same seed, input and faults give the same events', () => {
    const a = testMachine({ seed: 9 });
    const b = testMachine({ seed: 9 });
    script(a);
    script(b);
    expect(a.of('server-crash').length + a.of('ipc-reject').length).toBeGreaterThanOrEqual(2);
    expect(hashOf(b.events)).toBe(hashOf(a.events));
  });

  it('feeding the recorded inputs back with Machine.applyInput reproduces every event', () => {
    const a = testMachine({ seed: 9 });
    script(a);
    const b = testMachine({ seed: 9 });
    const inputs = a.events.filter((e) => INPUT_KINDS.has(e.kind) && e.kind !== 'boot');
    for (const e of inputs) {
      b.machine.run(e.icount);
      b.machine.applyInput(e);
    }
    b.machine.run();
    expect(b.events.length).toBe(a.events.length);
    expect(hashOf(b.events)).toBe(hashOf(a.events));
  });
});
