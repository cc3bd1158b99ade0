/**
 * The system calls as a table: for every call of the ABI (src/core/syscall-numbers.ts), what it
 * does and, when it writes results to user memory, where. The table is keyed by name and typed as
 * a record of every name, so a call added to the ABI without a handler does not compile.
 *
 * Kernel-local calls (time, sleep, uname, getrandom, lattice IPC, execve, sigreturn) are done
 * here; every other call is a request to a server (VFS, Process Manager, Memory Manager) that the
 * process blocks on until replies.ts completes it.
 */
import { ERRNO } from '../../protocol/errno.js';
import { STAT } from '../../protocol/guest-abi.js';
import { SHMID_DS } from '../../protocol/mm-protocol.js';
import { PS_ENTRY } from '../../protocol/proc-protocol.js';
import { VFS_IO_MAX, type VfsRequest } from '../../protocol/vfs-protocol.js';
import { SYSCALLS, syscallName, type SyscallName } from '../syscall-numbers.js';
import { readPath } from './delegated-calls.js';
import { i64Bytes, rtcTimespecBytes, timespecBytes, timevalBytes } from './guest-values.js';
import type { Kernel, SyscallOutcome } from './kernel.js';
import type { Process } from './process.js';
import { forkRefusal } from './machine-memory.js';
import { sysinfo } from './sysinfo.js';

/** a0..a5 as the process passed them (signed words; `>>> 0` for unsigned). */
export type SyscallArgs = readonly [number, number, number, number, number, number];

/** Where a call writes its results: checked before the call acts, so a bad pointer fails cleanly. */
export interface ResultBuffer {
  readonly ptr: number;
  readonly len: number;
  /** The ABI lets the pointer be NULL (then nothing is written). */
  readonly optional?: boolean;
}

export interface SyscallEntry {
  readonly run: (k: Kernel, p: Process, a: SyscallArgs, nr: number) => SyscallOutcome;
  readonly results?: (a: SyscallArgs) => ResultBuffer;
}

/** Bytes one getrandom call returns at most (as Linux's getrandom for more than 256 with GRND_RANDOM). */
const GETRANDOM_MAX = 256;
/** ps_list entries one call returns at most. */
const PS_LIST_MAX = 4096;
/** shmctl's IPC_SET and IPC_STAT. */
const IPC_SET = 1, IPC_STAT = 2;
/** The latest virtual time (ns since boot) a nanosleep can end at: half the clock's exact range, about 52 days. */
export const SLEEP_HORIZON_NS = 2 ** 52;
/** clock_gettime's clocks. */
const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1;

/** `f(path)` with the path at `ptr`, or the error reading it. */
function withPath(p: Process, ptr: number, f: (path: string) => SyscallOutcome): SyscallOutcome {
  const path = readPath(p, ptr);
  return typeof path === 'number' ? path : f(path);
}

/** A call the VFS answers, its request built from the arguments. */
const vfs = (req: (a: SyscallArgs) => VfsRequest): SyscallEntry['run'] => (k, p, a, nr) => k.calls.vfs(p, req(a), nr, a);
/** A VFS call whose first argument is a path. */
const vfsPath = (req: (path: string, a: SyscallArgs) => VfsRequest): SyscallEntry['run'] =>
  (k, p, a, nr) => withPath(p, a[0], (path) => k.calls.vfs(p, req(path, a), nr, a));

const readInto = (a: SyscallArgs): ResultBuffer => ({ ptr: a[1] >>> 0, len: Math.min(a[2] >>> 0, VFS_IO_MAX) });
const statInto = (a: SyscallArgs): ResultBuffer => ({ ptr: a[1] >>> 0, len: STAT.fixedSize });

/** `size` bytes of a struct the call reads from user memory at `ptr`; undefined if it cannot. */
function readStruct(p: Process, ptr: number, size: number): DataView | undefined {
  const b = p.mem.readUser(ptr, size);
  return b ? new DataView(b.buffer, b.byteOffset) : undefined;
}

const TABLE: { readonly [N in SyscallName]: SyscallEntry } = {
  // -- kernel-local calls
  debug_write: {
    run: (k, p, a) => {
      const data = p.mem.readUser(a[0] >>> 0, Math.min(a[1] >>> 0, 1 << 16));
      if (!data) return -ERRNO.EFAULT;
      k.console.transmit(data);
      return data.length;
    },
  },
  monotonic_ns: {
    run: (k, p) => {
      const ns = k.nowNs();
      p.regs[11] = Math.floor(ns / 0x1_0000_0000) | 0;
      return ns | 0;
    },
  },
  time: {
    run: (k, p, a) => {
      const sec = k.dev.rtc.timespec(k.dev.cpu.icount).sec;
      if (a[0] >>> 0 && !p.mem.writeUser(a[0] >>> 0, i64Bytes(sec))) return -ERRNO.EFAULT;
      return sec | 0;
    },
  },
  clock_gettime: {
    run: (k, p, a) => {
      const clock = a[0];
      if (clock !== CLOCK_REALTIME && clock !== CLOCK_MONOTONIC) return -ERRNO.EINVAL;
      const bytes = clock === CLOCK_REALTIME ? rtcTimespecBytes(k.dev.rtc.timespec(k.dev.cpu.icount)) : timespecBytes(k.nowNs());
      return p.mem.writeUser(a[1] >>> 0, bytes) ? 0 : -ERRNO.EFAULT;
    },
  },
  gettimeofday: {
    run: (k, p, a) => (p.mem.writeUser(a[0] >>> 0, timevalBytes(k.dev.rtc.timeval(k.dev.cpu.icount))) ? 0 : -ERRNO.EFAULT),
  },
  nanosleep: {
    run: (k, p, a) => {
      const req = p.mem.readUser(a[0] >>> 0, 16);
      if (!req) return -ERRNO.EFAULT;
      const v = new DataView(req.buffer, req.byteOffset);
      const sec = Number(v.getBigInt64(0, true));
      const nsec = v.getInt32(8, true);
      if (sec < 0 || nsec < 0 || nsec >= 1e9) return -ERRNO.EINVAL;
      const untilNs = k.nowNs() + sec * 1e9 + nsec;
      k.sched.block(p, { kind: 'sleep', untilNs, remPtr: a[1] >>> 0 });
      // Virtual time is exact only below 2^53 ns (the clock throws beyond): a sleep that would end
      // past SLEEP_HORIZON_NS never ends in this machine (a signal still interrupts it), rather
      // than letting an idle skip carry the clock up to its overflow.
      if (untilNs <= SLEEP_HORIZON_NS) k.dev.timer.addDeadline(p.pid, untilNs);
      return 'blocked';
    },
  },
  sched_yield: {
    run: (k, p, _a, nr) => {
      k.finish(p, nr, 0);
      k.sched.preempt('yield');
      return 'no-return';
    },
  },
  uname: {
    run: (_k, p, a) => {
      const b = new Uint8Array(390);
      const put = (off: number, s: string) => b.set(new TextEncoder().encode(s), off);
      put(0, 'XINIM');
      put(65, 'xrr');
      put(130, '0.1.0');
      put(195, 'xrr emulated XINIM');
      put(260, 'riscv32');
      put(325, '(none)');
      return p.mem.writeUser(a[0] >>> 0, b) ? 0 : -ERRNO.EFAULT;
    },
  },
  sysinfo: { run: (k, p, a) => sysinfo(k, p, a[0] >>> 0, a[1] >>> 0) },
  getrandom: {
    // The buffer is checked first: no bytes are drawn for a bad one.
    run: (k, p, a) => {
      const n = Math.min(a[1] >>> 0, GETRANDOM_MAX);
      return p.mem.writeUser(a[0] >>> 0, k.dev.entropy.bytes(n)) ? n : -ERRNO.EFAULT;
    },
    results: (a) => ({ ptr: a[0] >>> 0, len: Math.min(a[1] >>> 0, GETRANDOM_MAX) }),
  },
  sigreturn: { run: (k, p) => k.signals.sigreturn(p) },
  execve: { run: (k, p, a) => k.exec.execve(p, a) },
  lattice_connect: { run: (k, p, a) => k.lattice.connect(p, a[0]) },
  lattice_close: { run: (k, _p, a) => k.lattice.close(a[0]) },
  lattice_send: { run: (k, p, a) => k.lattice.send(p, a[0], a[1], a[2] >>> 0, a[3] >>> 0) },
  lattice_recv: { run: (k, p, a) => k.lattice.recv(p, a[0], a[1] >>> 0, a[2] >>> 0, a[3]) },

  // -- the VFS
  open: { run: vfsPath((path, a) => ({ kind: 'open', path, flags: a[1] >>> 0, mode: a[2] >>> 0 })) },
  close: { run: vfs((a) => ({ kind: 'close', fd: a[0] })) },
  read: { run: vfs((a) => ({ kind: 'read', fd: a[0], count: Math.min(a[2] >>> 0, VFS_IO_MAX) })), results: readInto },
  write: { run: (k, p, a) => k.calls.writeChunk(p, a, 0) },
  lseek: { run: vfs((a) => ({ kind: 'lseek', fd: a[0], offset: a[1], whence: a[2] >>> 0 })) },
  stat: { run: vfsPath((path) => ({ kind: 'stat', path })), results: statInto },
  fstat: { run: vfs((a) => ({ kind: 'fstat', fd: a[0] })), results: statInto },
  access: { run: vfsPath((path, a) => ({ kind: 'access', path, mode: a[1] >>> 0 })) },
  dup: { run: vfs((a) => ({ kind: 'dup', fd: a[0] })) },
  dup2: { run: vfs((a) => ({ kind: 'dup2', oldfd: a[0], newfd: a[1] })) },
  pipe: { run: vfs(() => ({ kind: 'pipe', flags: 0 })), results: (a) => ({ ptr: a[0] >>> 0, len: 8 }) },
  ioctl: { run: vfs((a) => ({ kind: 'ioctl', fd: a[0], request: a[1] >>> 0, arg: a[2] >>> 0 })) },
  fcntl: { run: vfs((a) => ({ kind: 'fcntl', fd: a[0], cmd: a[1] >>> 0, arg: a[2] })) },
  mkdir: { run: vfsPath((path, a) => ({ kind: 'mkdir', path, mode: a[1] >>> 0 })) },
  rmdir: { run: vfsPath((path) => ({ kind: 'rmdir', path })) },
  chdir: { run: vfsPath((path) => ({ kind: 'chdir', path })) },
  getcwd: { run: vfs((a) => ({ kind: 'getcwd', size: a[1] >>> 0 })), results: (a) => ({ ptr: a[0] >>> 0, len: a[1] >>> 0 }) },
  link: { run: (k, p, a, nr) => twoPaths(k, p, a, nr, 'link') },
  rename: { run: (k, p, a, nr) => twoPaths(k, p, a, nr, 'rename') },
  unlink: { run: vfsPath((path) => ({ kind: 'unlink', path })) },
  chmod: { run: vfsPath((path, a) => ({ kind: 'chmod', path, mode: a[1] >>> 0 })) },
  chown: { run: vfsPath((path, a) => ({ kind: 'chown', path, uid: a[1] >>> 0, gid: a[2] >>> 0 })) },
  getdents: { run: vfs((a) => ({ kind: 'getdents', fd: a[0], count: Math.min(a[2] >>> 0, VFS_IO_MAX) })), results: readInto },

  // -- the Process Manager
  exit: {
    run: (k, p, a, nr) => {
      k.calls.pm(p, { kind: 'exit', status: a[0] }, nr, a);
      return 'no-return';
    },
  },
  fork: { run: (k, p, a, nr) => forkRefusal(k, p) || k.calls.pm(p, { kind: 'fork' }, nr, a) },
  wait4: {
    run: (k, p, a, nr) => k.calls.pm(p, { kind: 'wait4', pid: a[0], options: a[2] >>> 0 }, nr, a),
    results: (a) => ({ ptr: a[1] >>> 0, len: 4, optional: true }),
  },
  getpid: { run: (k, p, a, nr) => k.calls.pm(p, { kind: 'getpid' }, nr, a) },
  getppid: { run: (k, p, a, nr) => k.calls.pm(p, { kind: 'getppid' }, nr, a) },
  kill: { run: (k, p, a, nr) => k.calls.pm(p, { kind: 'kill', pid: a[0], signo: a[1] >>> 0 }, nr, a) },
  signal: { run: (k, p, a, nr) => k.calls.pm(p, { kind: 'signal', signo: a[0] >>> 0, handler: a[1] >>> 0 }, nr, a) },
  sigaction: {
    run: (k, p, a, nr) => {
      let act = { hasAct: 0, handler: 0, flags: 0, restorer: 0, mask: 0 };
      if (a[1] >>> 0) {
        const v = readStruct(p, a[1] >>> 0, 16);
        if (!v) return -ERRNO.EFAULT;
        act = { hasAct: 1, handler: v.getUint32(0, true), flags: v.getUint32(4, true), restorer: v.getUint32(8, true), mask: v.getUint32(12, true) };
      }
      return k.calls.pm(p, { kind: 'sigaction', signo: a[0] >>> 0, ...act }, nr, a);
    },
    results: (a) => ({ ptr: a[2] >>> 0, len: 16, optional: true }),
  },
  sigprocmask: {
    run: (k, p, a, nr) => {
      let set = 0;
      if (a[1] >>> 0) {
        const v = readStruct(p, a[1] >>> 0, 4);
        if (!v) return -ERRNO.EFAULT;
        set = v.getUint32(0, true);
      }
      return k.calls.pm(p, { kind: 'sigprocmask', how: a[0] >>> 0, set, hasSet: a[1] >>> 0 ? 1 : 0 }, nr, a);
    },
    results: (a) => ({ ptr: a[2] >>> 0, len: 4, optional: true }),
  },
  sigsuspend: {
    run: (k, p, a, nr) => {
      const v = readStruct(p, a[0] >>> 0, 4);
      if (!v) return -ERRNO.EFAULT;
      return k.calls.pm(p, { kind: 'sigsuspend', mask: v.getUint32(0, true) }, nr, a);
    },
  },
  setpgid: { run: (k, p, a, nr) => k.calls.pm(p, { kind: 'setpgid', pid: a[0], pgid: a[1] }, nr, a) },
  getpgid: { run: (k, p, a, nr) => k.calls.pm(p, { kind: 'getpgid', pid: a[0] }, nr, a) },
  getuid: { run: (k, p, a, nr) => k.calls.pm(p, { kind: 'getuid' }, nr, a) },
  geteuid: { run: (k, p, a, nr) => k.calls.pm(p, { kind: 'geteuid' }, nr, a) },
  getgid: { run: (k, p, a, nr) => k.calls.pm(p, { kind: 'getgid' }, nr, a) },
  getegid: { run: (k, p, a, nr) => k.calls.pm(p, { kind: 'getegid' }, nr, a) },
  setuid: { run: (k, p, a, nr) => k.calls.pm(p, { kind: 'setuid', uid: a[0] >>> 0 }, nr, a) },
  setgid: { run: (k, p, a, nr) => k.calls.pm(p, { kind: 'setgid', gid: a[0] >>> 0 }, nr, a) },
  ps_list: {
    run: (k, p, a, nr) => k.calls.pm(p, { kind: 'psList', startPid: 0 }, nr, a),
    results: (a) => ({ ptr: a[0] >>> 0, len: Math.min(a[1] >>> 0, PS_LIST_MAX) * PS_ENTRY.fixedSize }),
  },

  // -- the Memory Manager
  brk: { run: (k, p, a, nr) => k.calls.mm(p, { kind: 'brk', addr: a[0] >>> 0 }, nr, a) },
  mmap: {
    run: (k, p, a, nr) => k.calls.mm(p, { kind: 'mmap', addr: a[0] >>> 0, length: a[1] >>> 0, prot: a[2] >>> 0, flags: a[3] >>> 0, fd: a[4], offset: a[5] }, nr, a),
  },
  munmap: { run: (k, p, a, nr) => k.calls.mm(p, { kind: 'munmap', addr: a[0] >>> 0, length: a[1] >>> 0 }, nr, a) },
  mprotect: { run: (k, p, a, nr) => k.calls.mm(p, { kind: 'mprotect', addr: a[0] >>> 0, length: a[1] >>> 0, prot: a[2] >>> 0 }, nr, a) },
  shmget: { run: (k, p, a, nr) => k.calls.mm(p, { kind: 'shmget', key: a[0], size: a[1] >>> 0, flags: a[2] >>> 0 }, nr, a) },
  shmat: { run: (k, p, a, nr) => k.calls.mm(p, { kind: 'shmat', shmid: a[0], addr: a[1] >>> 0, flags: a[2] >>> 0 }, nr, a) },
  shmdt: { run: (k, p, a, nr) => k.calls.mm(p, { kind: 'shmdt', addr: a[0] >>> 0 }, nr, a) },
  shmctl: {
    run: (k, p, a, nr) => {
      let mode = 0, uid = 0;
      if (a[1] === IPC_SET && a[2] >>> 0) {
        const v = readStruct(p, a[2] >>> 0, 32);
        if (!v) return -ERRNO.EFAULT;
        mode = v.getUint32(16, true);
        uid = v.getUint32(20, true);
      }
      return k.calls.mm(p, { kind: 'shmctl', shmid: a[0], cmd: a[1] >>> 0, mode, uid }, nr, a);
    },
    results: (a) => ({ ptr: a[2] >>> 0, len: a[1] >>> 0 === IPC_STAT ? SHMID_DS.fixedSize : 0 }),
  },
};

/** link and rename: two paths. */
function twoPaths(k: Kernel, p: Process, a: SyscallArgs, nr: number, kind: 'link' | 'rename'): SyscallOutcome {
  const oldPath = readPath(p, a[0]);
  if (typeof oldPath === 'number') return oldPath;
  return withPath(p, a[1], (newPath) => k.calls.vfs(p, { kind, oldPath, newPath }, nr, a));
}

/** The table by number (an array: this lookup is on every system call). */
const BY_NUMBER: readonly (SyscallEntry | undefined)[] = (() => {
  const out: (SyscallEntry | undefined)[] = [];
  for (const [name, nr] of Object.entries(SYSCALLS) as [SyscallName, number][]) out[nr] = TABLE[name];
  return out;
})();

/** The process trapped with ecall: record the call, run it, and finish it unless it blocks. */
export function handleSyscall(k: Kernel, p: Process): void {
  const r = p.regs;
  const nr = r[17] ?? 0;
  const args: SyscallArgs = [r[10] ?? 0, r[11] ?? 0, r[12] ?? 0, r[13] ?? 0, r[14] ?? 0, r[15] ?? 0];
  k.emit({ kind: 'syscall', pid: p.pid, nr, name: syscallName(nr) ?? 'unknown', args });
  const outcome = run(k, p, nr, args);
  if (typeof outcome === 'number') k.finish(p, nr, outcome);
}

function run(k: Kernel, p: Process, nr: number, args: SyscallArgs): SyscallOutcome {
  const entry = nr >= 0 ? BY_NUMBER[nr] : undefined;
  if (!entry) return -ERRNO.ENOSYS;
  // The buffers a call's results go to are checked before anything acts on it, so a bad pointer
  // fails cleanly: no data consumed, no child reaped, no fds made, no entropy drawn.
  const out = entry.results?.(args);
  if (out && !(out.optional && out.ptr === 0) && !p.mem.canWriteUser(out.ptr, out.len)) return -ERRNO.EFAULT;
  return entry.run(k, p, args, nr);
}
