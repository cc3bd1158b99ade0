/**
 * Names for the numbers the event views show, one convention across the TUI: Linux signal
 * names (the guest ABI's numbers, DESIGN.md section 5), RISC-V trap causes, and wait statuses
 * as what happened (`exited 1`, `killed by SIGKILL`) rather than their encoding.
 */
import { TRAP_NAMES } from '../core/cpu.js';

const SIGNALS = [
  'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1', 'SIGSEGV',
  'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN',
  'SIGTTOU', 'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR', 'SIGSYS',
] as const;

/** `SIGCHLD` for 17; the number itself outside 1..31 (0 is no signal). */
export function signalName(signo: number): string {
  return SIGNALS[signo - 1] ?? String(signo);
}

/** `illegal instruction` for cause 2; `cause N` for a cause the CPU does not name. */
export function trapCauseName(cause: number): string {
  return TRAP_NAMES[cause] ?? `cause ${cause}`;
}

/** A wait status (what wait4 reports, what exit events carry): `exited 1`, `killed by SIGSEGV`. */
export function waitStatusText(status: number): string {
  const sig = status & 0x7f;
  return sig === 0 ? `exited ${(status >> 8) & 0xff}` : `killed by ${signalName(sig)}${status & 0x80 ? ' (core)' : ''}`;
}
