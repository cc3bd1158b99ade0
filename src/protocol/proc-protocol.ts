/**
 * The Process Manager's protocol (pid 3, message types 200-299, replies 250). `m_source` is the pid
 * the request acts for (stamped by the kernel). Results are the syscall's return value or -errno.
 * Signal numbers are Linux's (1..31); masks are 32-bit (bit n-1 = signal n); handler addresses are
 * guest addresses (u32), with SIG_DFL = 0 and SIG_IGN = 1.
 */
import { MSG } from './message-types.js';
import { defineService, type ReplyOf, type RequestOf } from './service.js';
import { bytes, EMPTY, fixedStr, i32, list, str, struct, u16, u32, u64, u8 } from './struct-codec.js';
import { PATH_BYTES_MAX } from './vfs-protocol.js';

/** Bytes of argv + envp strings (each NUL-terminated, back to back) one EXEC message can carry. */
export const EXEC_STRINGS_MAX = 3000;
export const PS_NAME_SIZE = 32;
/** 60 entries of 64 bytes fit one reply. */
export const PS_LIST_MAX = 60;

/** struct xk_sigaction (guest/include/xinim/abi.h). */
const sigactionBody = (name: string) =>
  struct(name, 16, { handler: u32(0), flags: u32(4), restorer: u32(8), mask: u32(12) });

/** One row of `ps`: struct xk_proc (guest/include/xinim/abi.h), 64 bytes, copied to the guest as is. */
export const PS_ENTRY = struct('xk_proc', 64, {
  pid: i32(0),
  ppid: i32(4),
  pgid: i32(8),
  uid: u32(12),
  /** 'R', 'S', 'Z' or 'T' as a byte. */
  state: u8(16),
  /** 0 user, 1 server, 2 kernel. */
  kind: u8(17),
  rssPages: u32(20),
  icount: u64(24),
  name: fixedStr(32, PS_NAME_SIZE),
});

/** PROC_CTL_SIGNAL flag: the signal is a synchronous fault that must not be blocked or ignored (Linux force_sig). */
export const CTL_SIGNAL_FORCE = 1;
/**
 * PROC_CTL_SIGNAL flag: the process cannot take the signal on a handler (no room for the frame, a
 * forged sigreturn frame): its handler is reset to SIG_DFL first, so the default action kills it
 * (Linux force_sigsegv).
 */
export const CTL_SIGNAL_DEFAULT = 2;

const none = (name: string) => struct(name, 0, {});

export const PROC_SPECS = {
  fork: { type: MSG.PROC_FORK, request: none('ProcFork'), reply: EMPTY, doc: 'result = child pid (the child sees 0)' },
  exec: {
    type: MSG.PROC_EXEC,
    request: struct(
      'ProcExec',
      10,
      { argc: u16(0), envc: u16(2), path: str(4, PATH_BYTES_MAX), argv: bytes(6, EXEC_STRINGS_MAX), envp: bytes(8, EXEC_STRINGS_MAX) },
      (v) => (v.argv.length + v.envp.length > EXEC_STRINGS_MAX ? 'argv + envp exceed EXEC_STRINGS_MAX' : undefined),
    ),
    reply: EMPTY,
    doc: 'argv/envp: argc/envc NUL-terminated strings back to back; no reply on success',
  },
  exit: { type: MSG.PROC_EXIT, request: struct('ProcExit', 4, { status: i32(0) }), reply: EMPTY, doc: 'no reply' },
  wait4: {
    type: MSG.PROC_WAIT4,
    request: struct('ProcWait4', 8, { pid: i32(0), options: u32(4) }),
    reply: struct('ProcWait4Reply', 4, { status: i32(0) }),
    doc: 'result = pid reaped (0 with WNOHANG and none ready); body.status = wait status',
  },
  kill: {
    type: MSG.PROC_KILL,
    request: struct('ProcKill', 8, { pid: i32(0), signo: u32(4) }),
    reply: EMPTY,
    doc: 'result = 0',
  },
  getpid: { type: MSG.PROC_GETPID, request: none('ProcGetpid'), reply: EMPTY, doc: 'result = pid' },
  getppid: { type: MSG.PROC_GETPPID, request: none('ProcGetppid'), reply: EMPTY, doc: 'result = parent pid' },
  signal: {
    type: MSG.PROC_SIGNAL,
    request: struct('ProcSignal', 8, { signo: u32(0), handler: u32(4) }),
    reply: struct('ProcSignalReply', 4, { oldHandler: u32(0) }),
    doc: 'result = 0; body = previous handler',
  },
  sigaction: {
    type: MSG.PROC_SIGACTION,
    request: struct('ProcSigaction', 24, {
      signo: u32(0),
      /** 0: only query the current action. */
      hasAct: u32(4),
      handler: u32(8),
      flags: u32(12),
      restorer: u32(16),
      mask: u32(20),
    }),
    reply: sigactionBody('ProcSigactionReply'),
    doc: 'result = 0; body = previous action',
  },
  sigreturn: {
    type: MSG.PROC_SIGRETURN,
    request: struct('ProcSigreturn', 4, { mask: u32(0) }),
    reply: EMPTY,
    doc: 'mask = the blocked mask saved in the signal frame (the kernel reads it from the user stack and restores the registers itself); result = 0, which the kernel does not write to a0',
  },
  sigprocmask: {
    type: MSG.PROC_SIGPROCMASK,
    request: struct('ProcSigprocmask', 12, { how: u32(0), set: u32(4), hasSet: u32(8) }),
    reply: struct('ProcSigprocmaskReply', 4, { oldMask: u32(0) }),
    doc: 'how: 0 SIG_BLOCK, 1 SIG_UNBLOCK, 2 SIG_SETMASK; body = previous mask',
  },
  sigsuspend: {
    type: MSG.PROC_SIGSUSPEND,
    request: struct('ProcSigsuspend', 4, { mask: u32(0) }),
    reply: EMPTY,
    doc: 'blocks; result = -EINTR after a handler ran',
  },
  setpgid: {
    type: MSG.PROC_SETPGID,
    request: struct('ProcSetpgid', 8, { pid: i32(0), pgid: i32(4) }),
    reply: EMPTY,
    doc: 'result = 0',
  },
  getpgid: { type: MSG.PROC_GETPGID, request: struct('ProcGetpgid', 4, { pid: i32(0) }), reply: EMPTY, doc: 'result = pgid' },
  getuid: { type: MSG.PROC_GETUID, request: none('ProcGetuid'), reply: EMPTY, doc: 'result = uid' },
  geteuid: { type: MSG.PROC_GETEUID, request: none('ProcGeteuid'), reply: EMPTY, doc: 'result = euid' },
  getgid: { type: MSG.PROC_GETGID, request: none('ProcGetgid'), reply: EMPTY, doc: 'result = gid' },
  getegid: { type: MSG.PROC_GETEGID, request: none('ProcGetegid'), reply: EMPTY, doc: 'result = egid' },
  setuid: { type: MSG.PROC_SETUID, request: struct('ProcSetuid', 4, { uid: u32(0) }), reply: EMPTY, doc: 'result = 0' },
  setgid: { type: MSG.PROC_SETGID, request: struct('ProcSetgid', 4, { gid: u32(0) }), reply: EMPTY, doc: 'result = 0' },
  psList: {
    type: MSG.PROC_PS_LIST,
    request: struct('ProcPsList', 4, { startPid: u32(0) }),
    reply: struct('ProcPsListReply', 2, { entries: list(0, PS_ENTRY, PS_LIST_MAX) }),
    doc: 'processes with pid >= startPid in pid order, at most PS_LIST_MAX; result = entries returned',
  },
  ctlInit: {
    type: MSG.PROC_CTL_INIT,
    request: struct('ProcCtlInit', 10, { uid: u32(0), gid: u32(4), name: str(8, PS_NAME_SIZE - 1) }),
    reply: EMPTY,
    trusted: true,
    doc: 'boot: create init (pid 1, parent 0, its own group and session); result = 1',
  },
  ctlExec: {
    type: MSG.PROC_CTL_EXEC,
    request: struct('ProcCtlExec', 6, { pid: u32(0), name: str(4, PS_NAME_SIZE - 1) }),
    reply: EMPTY,
    trusted: true,
    doc: 'the kernel loaded a new image for pid: caught handlers reset to SIG_DFL, ignored stay, mask kept; result = 0',
  },
  ctlSignal: {
    type: MSG.PROC_CTL_SIGNAL,
    request: struct('ProcCtlSignal', 12, { pid: i32(0), signo: u32(4), flags: u32(8) }),
    reply: EMPTY,
    trusted: true,
    doc: 'post signo from the kernel (fault, Ctrl-C, SIGPIPE from the VFS): pid > 0 one process, pid < -1 the group -pid; flags CTL_SIGNAL_FORCE: a blocked or ignored signal is unblocked and reset to SIG_DFL first (faults); CTL_SIGNAL_DEFAULT: a handler too is reset to SIG_DFL first (no signal frame possible); result = 0',
  },
} as const;

export const PROC_PROTOCOL = defineService('proc', MSG.PROC_REPLY, PROC_SPECS);

export type ProcRequest = RequestOf<typeof PROC_SPECS>;
export type ProcRequestKind = ProcRequest['kind'];
export type ProcReply = ReplyOf<typeof PROC_SPECS>;
