/**
 * Bad guest behaviour gets the documented errno or signal, and the machine goes on: a garbage
 * executable, a jump into nowhere, wild pointers, forged and malformed messages to servers, a
 * fork bomb.
 */
import { describe, expect, it } from 'vitest';
import { ERRNO } from '../src/protocol/errno.js';
import { MSG } from '../src/protocol/message-types.js';
import { PROC_LIMIT } from '../src/servers/pm/pm-state.js';
import { bootMachine } from './support/boot.js';
import { A0, A1, A2, A3, DATA_BASE, S0, S1, exitWith, linkProgram, sys } from './support/guest-asm.js';
import { li, load, op, opImm } from './support/rv-encode.js';

const S = { mmap: 35, open: 3, read: 5, write: 6, lseek: 7, stat: 8, pipe: 13, execve: 27, fork: 26, wait4: 28, lattice_send: 39, lattice_recv: 40, sched_yield: 62 };
const mv = (rd: number, rs: number) => op('add', rd, rs, 0);
const NEG = (rd: number, rs: number) => op('sub', rd, 0, rs);

/** After `prologue`, forks until fork fails and exits with its errno; each child spins on sched_yield. */
function forkBomb(prologue: Parameters<typeof linkProgram>[0]): Uint8Array {
  return linkProgram([
    ...prologue,
    { label: 'again' }, sys(S.fork),
    { branch: 'beq', rs1: A0, rs2: 0, to: 'child' },
    { branch: 'blt', rs1: A0, rs2: 0, to: 'failed' },
    { jal: 0, to: 'again' },
    { label: 'failed' }, NEG(A0, A0), sys(25),
    { label: 'child' }, sys(S.sched_yield), { jal: 0, to: 'child' },
  ]);
}

/** Run `program` as init; its exit status is the result. */
function runAsInit(program: Uint8Array, files: Record<string, Uint8Array> = {}) {
  return bootMachine({ initArgv: ['/tmp/prog'], files: { ...files, '/tmp/prog': program }, maxInstructions: 200_000_000 });
}

function cstrings(...parts: [number, string][]): Uint8Array {
  const data = new Uint8Array(4096);
  for (const [at, s] of parts) data.set(new TextEncoder().encode(`${s}\0`), at);
  return data;
}

describe('bad input never crashes the host', () => {
  it('execve of a garbage file is ENOEXEC, of a missing one ENOENT', () => {
    const program = (path: string) => linkProgram(
      [li(A0, DATA_BASE), li(A1, 0), li(A2, 0), sys(S.execve), NEG(A0, A0), sys(25)],
      cstrings([0, path]),
    );
    const garbage = new TextEncoder().encode('\x7fELF but not really, just some text pretending to be an executable');
    expect(runAsInit(program('/tmp/garbage'), { '/tmp/garbage': garbage }).stop).toMatchObject({ kind: 'halted', status: ERRNO.ENOEXEC });
    expect(runAsInit(program('/no/such/file')).stop).toMatchObject({ kind: 'halted', status: ERRNO.ENOENT });
  });

  it('a jump to an unmapped address kills the process with SIGSEGV and the shell goes on', () => {
    const wild = linkProgram([li(5, 0x5000_0000), opImm('addi', 6, 0, 1), { bits: (5 << 15) | 0x67, size: 4, asm: 'jr t0' }]);
    const r = bootMachine({ files: { '/tmp/wild': wild }, input: ['/tmp/wild; echo status=$?\n', 'echo still alive\n'] });
    expect(r.output).toContain('status=139'); // 128 + SIGSEGV
    expect(r.output).toContain('still alive');
    const trap = r.events.find((e) => e.kind === 'trap');
    expect(trap).toMatchObject({ kind: 'trap', cause: 1, pc: 0x5000_0000, tval: 0x5000_0000 });
  });

  it('wild pointers to read and write give EFAULT', () => {
    const readWild = linkProgram(
      [li(A0, DATA_BASE), li(A1, 0), li(A2, 0), sys(S.open), li(A1, 0x5000_0000), li(A2, 10), sys(S.read), NEG(A0, A0), sys(25)],
      cstrings([0, '/etc/motd']),
    );
    expect(runAsInit(readWild).stop).toMatchObject({ kind: 'halted', status: ERRNO.EFAULT });
    const writeWild = linkProgram([li(A0, 1), li(A1, 0x5000_0000), li(A2, 10), sys(S.write), NEG(A0, A0), sys(25)]);
    expect(runAsInit(writeWild).stop).toMatchObject({ kind: 'halted', status: ERRNO.EFAULT });
  });

  it('NULL is not a buffer: read and stat into NULL give EFAULT', () => {
    const readNull = linkProgram(
      [li(A0, DATA_BASE), li(A1, 0), li(A2, 0), sys(S.open), li(A1, 0), li(A2, 10), sys(S.read), NEG(A0, A0), sys(25)],
      cstrings([0, '/etc/motd']),
    );
    expect(runAsInit(readNull).stop).toMatchObject({ kind: 'halted', status: ERRNO.EFAULT });
    const statNull = linkProgram([li(A0, DATA_BASE), li(A1, 0), sys(S.stat), NEG(A0, A0), sys(25)], cstrings([0, '/etc/motd']));
    expect(runAsInit(statNull).stop).toMatchObject({ kind: 'halted', status: ERRNO.EFAULT });
    const pipeWild = linkProgram([li(A0, 0x5000_0000), sys(S.pipe), NEG(A0, A0), sys(25)]);
    expect(runAsInit(pipeWild).stop).toMatchObject({ kind: 'halted', status: ERRNO.EFAULT });
  });

  it('a bad pointer fails before the server acts: the file offset stays, the child stays to be reaped', () => {
    // open; read into a wild buffer (EFAULT); the offset is still 0 (lseek SEEK_CUR), exit with it.
    const offsetKept = linkProgram(
      [
        li(A0, DATA_BASE), li(A1, 0), li(A2, 0), sys(S.open), mv(S0, A0),
        li(A1, 0x5000_0000), li(A2, 10), sys(S.read), mv(S1, A0),
        mv(A0, S0), li(A1, 0), li(A2, 1), sys(S.lseek),
        li(5, -ERRNO.EFAULT), { branch: 'bne', rs1: S1, rs2: 5, to: 'bad' }, sys(25),
        { label: 'bad' }, exitWith(99),
      ],
      cstrings([0, '/etc/motd']),
    );
    expect(runAsInit(offsetKept).stop).toMatchObject({ kind: 'halted', status: 0 });
    // fork a child that exits 7; wait4 with a wild status pointer is EFAULT and reaps nothing;
    // wait4 with NULL then reaps it: exit with 0 when it returned the child's pid.
    const childKept = linkProgram([
      sys(S.fork), { branch: 'beq', rs1: A0, rs2: 0, to: 'child' }, mv(S0, A0),
      li(A0, -1), li(A1, 0x5000_0000), li(A2, 0), sys(S.wait4), mv(S1, A0),
      li(A0, -1), li(A1, 0), li(A2, 0), sys(S.wait4),
      li(5, -ERRNO.EFAULT), { branch: 'bne', rs1: S1, rs2: 5, to: 'bad' },
      { branch: 'bne', rs1: A0, rs2: S0, to: 'bad' }, exitWith(0),
      { label: 'bad' }, exitWith(99),
      { label: 'child' }, exitWith(7),
    ]);
    expect(runAsInit(childKept).stop).toMatchObject({ kind: 'halted', status: 0 });
  });

  it('an illegal instruction is SIGILL and a misaligned atomic SIGBUS, and the shell goes on', () => {
    const illegal = linkProgram([{ bits: 0, size: 4, asm: '.word 0' }]);
    // amoadd.w a1, a2, (a0) with a0 = DATA_BASE + 1: atomics are never split, so this traps.
    const amo = (2 << 12) | (A0 << 15) | (A2 << 20) | (A1 << 7) | 0x2f;
    const misaligned = linkProgram([li(A0, DATA_BASE + 1), li(A2, 1), { bits: amo, size: 4, asm: 'amoadd.w a1, a2, (a0)' }, exitWith(0)]);
    const r = bootMachine({
      files: { '/tmp/illegal': illegal, '/tmp/misaligned': misaligned },
      input: ['/tmp/illegal; echo status=$?\n', '/tmp/misaligned; echo status=$?\n', 'echo still alive\n'],
    });
    expect(r.output).toContain('status=132'); // 128 + SIGILL
    expect(r.output).toContain('status=135'); // 128 + SIGBUS
    expect(r.output).toContain('still alive');
    expect(r.events.filter((e) => e.kind === 'trap').map((e) => (e as { cause: number }).cause)).toEqual([2, 6]);
  });

  /** Send (type, payload) to a server with lattice_send, receive the reply, exit with -result. */
  function askServer(dst: number, mType: number, payload: Uint8Array): Uint8Array {
    const data = new Uint8Array(4096);
    data.set(payload, 256);
    return linkProgram([
      li(A0, dst), li(A1, mType), li(A2, DATA_BASE + 256), li(A3, payload.length), sys(S.lattice_send),
      li(A0, dst), li(A1, DATA_BASE + 1024), li(A2, 512), li(A3, 0), sys(S.lattice_recv),
      li(S1, DATA_BASE + 1024), load('lw', S0, S1, 4), // m_type of the reply
      li(5, MSG.VFS_REPLY), { branch: 'bne', rs1: S0, rs2: 5, to: 'bad' },
      load('lw', A0, S1, 12 + 4), NEG(A0, A0), sys(25),
      { label: 'bad' }, exitWith(99),
    ], data);
  }

  it('a malformed message to the VFS gets an EBADMSG reply, and the VFS keeps serving', () => {
    const r = runAsInit(askServer(2, MSG.VFS_OPEN, new Uint8Array([1, 2, 3])));
    expect(r.stop).toMatchObject({ kind: 'halted', status: ERRNO.EBADMSG });
    const sh = bootMachine({ files: { '/tmp/ask': askServer(2, MSG.VFS_OPEN, new Uint8Array([1, 2, 3])) }, input: ['/tmp/ask; echo status=$?\n', 'cat /etc/motd\n'] });
    expect(sh.output).toContain(`status=${ERRNO.EBADMSG}`);
    expect(sh.output).toContain('XINIM on xrr'); // the VFS answered the next open and read
  });

  it('a mailbox holds 64 messages at most: asking the PM again and again without receiving ends in EAGAIN', () => {
    // Count successful lattice_sends of PROC_GETPID until one fails; exit with the count.
    const flood = linkProgram([
      li(S0, 0), { label: 'again' },
      li(A0, 3), li(A1, MSG.PROC_GETPID), li(A2, DATA_BASE), li(A3, 0), sys(S.lattice_send),
      { branch: 'blt', rs1: A0, rs2: 0, to: 'full' }, opImm('addi', S0, S0, 1), { jal: 0, to: 'again' },
      { label: 'full' }, li(5, -ERRNO.EAGAIN), { branch: 'bne', rs1: A0, rs2: 5, to: 'bad' }, mv(A0, S0), sys(25),
      { label: 'bad' }, exitWith(99),
    ]);
    expect(runAsInit(flood).stop).toMatchObject({ kind: 'halted', status: 64 });
  });

  it('a forged control message (close all fds of pid 1) is refused with EPERM', () => {
    const payload = new Uint8Array(4);
    new DataView(payload.buffer).setUint32(0, 1, true);
    const r = runAsInit(askServer(2, MSG.VFS_PROC_EXIT, payload));
    expect(r.stop).toMatchObject({ kind: 'halted', status: ERRNO.EPERM });
  });

  it('a fork bomb meets the process limit (EAGAIN), not the memory: stacks count only as far as they grew; the forking process goes on', () => {
    // Children spin on sched_yield; the parent forks until fork fails and exits with -errno.
    // Each process maps about 136 KiB (the stack it starts with, not its 1 MiB reserve), so the
    // PM's 256 processes come long before the machine's 256 MiB (test/servers-pm.test.ts).
    const r = runAsInit(forkBomb([]));
    expect(r.stop).toMatchObject({ kind: 'halted', status: ERRNO.EAGAIN });
    expect(r.events.filter((e) => e.kind === 'fork').length).toBe(PROC_LIMIT - 1);
  });

  it("a fork bomb whose processes each map 2 MiB runs out of the machine's memory (ENOMEM) first; the forking process goes on", () => {
    // The 2 MiB are never touched: counted all the same (each page may become a private copy),
    // so about 256 MiB / 2.2 MiB processes fit, and the fork that would pass the memory is ENOMEM.
    const A4 = 14, A5 = 15;
    const MAP_PRIVATE_ANON = 0x22;
    const r = runAsInit(forkBomb([li(A0, 0), li(A1, 2 << 20), li(A2, 3), li(A3, MAP_PRIVATE_ANON), li(A4, -1), li(A5, 0), sys(S.mmap)]));
    expect(r.stop).toMatchObject({ kind: 'halted', status: ERRNO.ENOMEM });
    const forks = r.events.filter((e) => e.kind === 'fork').length;
    // 118 at this writing: 119 processes of 2 MiB + a 136 KiB stack + the image fill the 256 MiB.
    expect(forks).toBeGreaterThanOrEqual(110);
    expect(forks).toBeLessThan(120);
  });
});
