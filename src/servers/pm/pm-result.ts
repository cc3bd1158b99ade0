/**
 * What handling one Process Manager request produces: an outcome for the caller plus effects for the
 * kernel, in the order they arose. The handler performs nothing itself (STYLE.md 2).
 */
import type { ProcReply } from '../../protocol/proc-protocol.js';

export type PmEffect =
  /** Clone `parent`'s address space and registers into `child` (a0 = 0); tell the VFS and MM. */
  | { readonly kind: 'fork'; readonly parent: number; readonly child: number }
  /**
   * `pid` is dead (exit or a fatal signal) and now a zombie in the PM: tear down its address space,
   * cancel whatever it was blocked in, tell the VFS (procExit) and MM (procExit). `status` is a wait status.
   */
  | { readonly kind: 'exited'; readonly pid: number; readonly status: number }
  /** The zombie `pid` was reaped: the pid is free; the kernel forgets whatever it still keeps. */
  | { readonly kind: 'reaped'; readonly pid: number }
  /**
   * A wait4 that `pid` was blocked in completes: the kernel writes `status` to the user's status
   * pointer (when result > 0) and returns `result` (child pid, or -errno).
   */
  | { readonly kind: 'wait-done'; readonly pid: number; readonly result: number; readonly status: number }
  /**
   * A signal is about to be delivered to `pid`: if it is blocked in a call (wait4 or sigsuspend at the
   * PM, which has dropped its record; a VFS request; nanosleep; lattice_recv), that call returns EINTR
   * (or is restarted if the handler has SA_RESTART and the call allows it). Always immediately
   * followed by the `deliver` it announces; a no-op for a process that is not blocked.
   */
  | { readonly kind: 'interrupt'; readonly pid: number }
  /**
   * Run a handler in `pid`: push a frame with the registers and `savedMask` (the mask sigreturn must
   * restore), enter `handler` with a0 = signo, ra = restorer. Several deliveries in one result nest
   * in order: the last one runs first, as on Linux.
   */
  | {
      readonly kind: 'deliver';
      readonly pid: number;
      readonly signo: number;
      readonly handler: number;
      readonly restorer: number;
      readonly flags: number;
      readonly savedMask: number;
    }
  /** Credentials changed (setuid/setgid): the VFS needs them for permission checks (VFS_PROC_SETCRED). */
  | {
      readonly kind: 'cred';
      readonly pid: number;
      readonly uid: number;
      readonly euid: number;
      readonly gid: number;
      readonly egid: number;
    };

export type PmOutcome =
  /** Reply to the caller now (with a ProcReply built for the request's kind). */
  | { readonly kind: 'reply'; readonly reply: ProcReply }
  /** The caller stays blocked (wait4 without WNOHANG, sigsuspend); the PM keeps its record. */
  | { readonly kind: 'blocked'; readonly call: 'wait4' | 'sigsuspend' }
  /** No reply: exit, or the caller died while its request was handled (kill of itself, ...). */
  | { readonly kind: 'none' };

export interface PmResult {
  readonly outcome: PmOutcome;
  readonly effects: readonly PmEffect[];
}
