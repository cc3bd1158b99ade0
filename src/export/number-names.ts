/**
 * One convention for the numbers xrr shows, in the TUI, `xrr events`, `xrr state` and their
 * `--json` alike: hex for guest addresses and instruction bits, names for message types, signals
 * and trap causes (with the number beside them where a person reads it), wait statuses as what
 * happened (`exited 1`, `killed by SIGSEGV`) rather than their encoding. Signal numbers are the
 * guest ABI's (Linux, DESIGN.md section 5).
 */
import { TRAP_NAMES } from '../core/cpu.js';
import type { MachineEvent } from '../core/events.js';
import { syscallName } from '../core/syscall-numbers.js';
import { hexAddr } from '../protocol/hex.js';
import { messageTypeName } from '../protocol/message-types.js';

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

/** `VFS_CLOSE` for 137, `any` for -1 (a fault on any message), `type N` outside the table. */
export function messageTypeText(mType: number): string {
  return mType === -1 ? 'any' : (messageTypeName(mType) ?? `type ${mType}`);
}

/** Fields that hold a guest address or instruction bits. */
const ADDRESS_FIELDS = new Set(['pc', 'tval', 'addr', 'brk']);

/**
 * The name the convention gives a numeric field of `e`, without the number (for JSON beside the
 * number, and for compact lines); undefined for a field shown as a plain number.
 */
export function fieldName(e: MachineEvent, key: string, v: number): string | undefined {
  if (ADDRESS_FIELDS.has(key)) return hexAddr(v);
  if (key === 'mType') return messageTypeText(v);
  if (key === 'signo') return signalName(v);
  if (key === 'cause' && e.kind === 'trap') return trapCauseName(v);
  if (key === 'status' && e.kind === 'exit') return waitStatusText(v);
  if (key === 'nr' && (e.kind === 'syscall' || e.kind === 'syscall-return')) return syscallName(v);
  return undefined;
}

/** A field of `e` as a person reads it: the name with the number beside it (`VFS_CLOSE (137)`), an address in hex. */
export function fieldText(e: MachineEvent, key: string, v: unknown): string {
  if (typeof v !== 'number') return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
  if (ADDRESS_FIELDS.has(key)) return hexAddr(v);
  if (key === 'status' && e.kind === 'exit') return `${waitStatusText(v)} (wait status ${hexAddr(v)})`;
  const name = fieldName(e, key, v);
  return name === undefined ? String(v) : `${name} (${v})`;
}

/**
 * The names of an event's numeric fields, for JSON: the numbers stay as they are (exact, what a
 * program computes on) and this object beside them gives what a person reads, e.g.
 * `{"pc":"0x00010f6a","cause":"illegal instruction"}` for a trap.
 */
export function namedFields(e: MachineEvent): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(e)) {
    if (typeof v !== 'number' || k === 'icount' || k === 'seq') continue;
    const name = fieldName(e, k, v);
    if (name !== undefined) out[k] = name;
  }
  return out;
}
