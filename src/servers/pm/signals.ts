/**
 * Linux signal numbers, flags and default actions (guest/include/xinim/abi.h, DESIGN.md section 5).
 *
 * Stop signals: this machine has no job-control stop. SIGSTOP cannot be caught, blocked or ignored and
 * is dropped when posted; SIGTSTP, SIGTTIN and SIGTTOU can be caught, and their default action (stop
 * on Linux) is treated as "ignore". SIGCONT's default is ignore, as on Linux (there is nothing to
 * continue).
 */
export const NSIG = 32;

export const SIGHUP = 1;
export const SIGINT = 2;
export const SIGQUIT = 3;
export const SIGILL = 4;
export const SIGTRAP = 5;
export const SIGABRT = 6;
export const SIGBUS = 7;
export const SIGFPE = 8;
export const SIGKILL = 9;
export const SIGUSR1 = 10;
export const SIGSEGV = 11;
export const SIGUSR2 = 12;
export const SIGPIPE = 13;
export const SIGALRM = 14;
export const SIGTERM = 15;
export const SIGCHLD = 17;
export const SIGCONT = 18;
export const SIGSTOP = 19;
export const SIGTSTP = 20;
export const SIGTTIN = 21;
export const SIGTTOU = 22;
export const SIGURG = 23;
export const SIGXCPU = 24;
export const SIGXFSZ = 25;
export const SIGWINCH = 28;
export const SIGSYS = 31;

export const SIG_DFL = 0;
export const SIG_IGN = 1;

export const SA_NOCLDSTOP = 0x00000001;
export const SA_NOCLDWAIT = 0x00000002;
export const SA_RESTORER = 0x04000000;
export const SA_RESTART = 0x10000000;
export const SA_NODEFER = 0x40000000;
export const SA_RESETHAND = 0x80000000;

export const SIG_BLOCK = 0;
export const SIG_UNBLOCK = 1;
export const SIG_SETMASK = 2;

export const WNOHANG = 1;
export const WUNTRACED = 2;
export const WCONTINUED = 8;

export function sigBit(signo: number): number {
  return (1 << (signo - 1)) >>> 0;
}

/** Signals no mask can hold. */
export const UNBLOCKABLE = (sigBit(SIGKILL) | sigBit(SIGSTOP)) >>> 0;

/** Masks as stored: u32, never holding SIGKILL/SIGSTOP. */
export function cleanMask(mask: number): number {
  return (mask & ~UNBLOCKABLE) >>> 0;
}

export type DefaultAction = 'terminate' | 'core' | 'ignore';

const CORE = new Set([SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS]);
/** Default-ignore, plus the stop signals (see the file comment). */
const IGNORE = new Set([SIGCHLD, SIGCONT, SIGURG, SIGWINCH, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU]);

export function defaultAction(signo: number): DefaultAction {
  if (CORE.has(signo)) return 'core';
  if (IGNORE.has(signo)) return 'ignore';
  return 'terminate';
}

/** Wait status of a process killed by `signo` with its default action. */
export function killedStatus(signo: number): number {
  return defaultAction(signo) === 'core' ? signo | 0x80 : signo;
}

export function exitedStatus(code: number): number {
  return (code & 0xff) << 8;
}

export function isValidSignal(signo: number): boolean {
  return Number.isInteger(signo) && signo >= 1 && signo < NSIG;
}
