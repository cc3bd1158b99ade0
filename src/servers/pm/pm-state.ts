/**
 * The Process Manager's whole state: the process table (PCBs) and the pid allocator. Plain data; the
 * `Map` is keyed by pid and nothing depends on its insertion order (every walk goes through
 * `procsInPidOrder`), so a state restored from a snapshot behaves exactly like the one that was saved.
 */
import { WELL_KNOWN_PID } from '../../protocol/message-types.js';
import { NSIG, SIG_DFL } from './signals.js';

/** First pid handed to a user process; 0-7 are the kernel, init and the servers (DESIGN.md 6). */
export const FIRST_USER_PID = 8;
/** Largest pid; allocation wraps around to FIRST_USER_PID after it (Linux's default pid_max). */
export const PID_MAX = 32767;
/** Most user processes (alive or zombie) at once: a fork bomb gets EAGAIN, the machine keeps running. */
export const PROC_LIMIT = 256;

/** struct xk_sigaction as the PM keeps it. */
export interface SigAction {
  handler: number;
  flags: number;
  restorer: number;
  mask: number;
}

/** A PM call the process is blocked in; the PM answers it later (wait4) or a signal interrupts it. */
export type PmWaiter =
  /** `selector` as wait4's pid argument: -1 any child, > 0 that child, 0 own group, < -1 group -selector. */
  | { readonly kind: 'wait4'; readonly selector: number; readonly options: number }
  /** `oldMask`: the blocked mask before sigsuspend, restored by the handler's sigreturn. */
  | { readonly kind: 'sigsuspend'; readonly oldMask: number };

export type ProcKind = 'user' | 'server' | 'kernel';

export interface Pcb {
  readonly pid: number;
  readonly kind: ProcKind;
  ppid: number;
  pgid: number;
  sid: number;
  uid: number;
  euid: number;
  gid: number;
  egid: number;
  state: 'alive' | 'zombie';
  /** Linux wait status once a zombie: exited (code & 0xff) << 8, killed signo (| 0x80 with core). */
  status: number;
  name: string;
  /** Index = signal number (1..31); index 0 is unused and stays SIG_DFL. */
  readonly actions: SigAction[];
  /** Bit s-1 = signal s. SIGKILL and SIGSTOP are never in it. */
  blocked: number;
  pending: number;
  waiter: PmWaiter | null;
}

export interface PmState {
  readonly procs: Map<number, Pcb>;
  /** Next pid to try (FIRST_USER_PID..PID_MAX). */
  nextPid: number;
}

export function defaultActions(): SigAction[] {
  const out: SigAction[] = [];
  for (let s = 0; s < NSIG; s++) out.push({ handler: SIG_DFL, flags: 0, restorer: 0, mask: 0 });
  return out;
}

function systemPcb(pid: number, kind: ProcKind, name: string): Pcb {
  return {
    pid,
    kind,
    ppid: WELL_KNOWN_PID.KERNEL,
    pgid: 0,
    sid: 0,
    uid: 0,
    euid: 0,
    gid: 0,
    egid: 0,
    state: 'alive',
    status: 0,
    name,
    actions: defaultActions(),
    blocked: 0,
    pending: 0,
    waiter: null,
  };
}

/** Servers present from boot, with the names `ps` shows. */
export const SYSTEM_PROCS: readonly { readonly pid: number; readonly kind: ProcKind; readonly name: string }[] = [
  { pid: WELL_KNOWN_PID.KERNEL, kind: 'kernel', name: 'kernel' },
  { pid: WELL_KNOWN_PID.VFS, kind: 'server', name: 'vfs' },
  { pid: WELL_KNOWN_PID.PROC, kind: 'server', name: 'pm' },
  { pid: WELL_KNOWN_PID.MM, kind: 'server', name: 'mm' },
  { pid: WELL_KNOWN_PID.RS, kind: 'server', name: 'rs' },
];

/** The table at boot: the kernel and the servers; init comes with PROC_CTL_INIT. */
export function createPmState(): PmState {
  const procs = new Map<number, Pcb>();
  for (const s of SYSTEM_PROCS) procs.set(s.pid, systemPcb(s.pid, s.kind, s.name));
  return { procs, nextPid: FIRST_USER_PID };
}

export function procsInPidOrder(state: PmState): Pcb[] {
  return [...state.procs.values()].sort((a, b) => a.pid - b.pid);
}

export function userProcCount(state: PmState): number {
  let n = 0;
  for (const p of state.procs.values()) if (p.kind === 'user') n++;
  return n;
}

/**
 * The next free pid, scanning upward from `nextPid` with wrap-around. A pid is in use while any
 * process has it as its pid (zombies included), process group or session, as on Linux.
 * Returns -1 when every pid is taken.
 */
export function allocatePid(state: PmState): number {
  const used = new Set<number>();
  for (const p of state.procs.values()) {
    used.add(p.pid);
    used.add(p.pgid);
    used.add(p.sid);
  }
  const span = PID_MAX - FIRST_USER_PID + 1;
  for (let i = 0; i < span; i++) {
    const candidate = state.nextPid;
    state.nextPid = candidate >= PID_MAX ? FIRST_USER_PID : candidate + 1;
    if (!used.has(candidate)) return candidate;
  }
  return -1;
}
