/**
 * The Process Manager's state as plain, versioned data (STYLE.md 4): processes in pid order, each
 * signal action as a tuple, and a restore that validates the shape and rebuilds an equivalent table.
 */
import { StateValue, uniqueBy } from '../../core/state-check.js';
import { NSIG } from './signals.js';
import { FIRST_USER_PID, PID_MAX, type Pcb, type PmState, type PmWaiter, type ProcKind } from './pm-state.js';

export interface PcbSnapshot {
  readonly pid: number;
  readonly kind: ProcKind;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
  readonly uid: number;
  readonly euid: number;
  readonly gid: number;
  readonly egid: number;
  readonly state: 'alive' | 'zombie';
  readonly status: number;
  readonly name: string;
  /** Signals 1..31: [handler, flags, restorer, mask]. */
  readonly actions: readonly (readonly [number, number, number, number])[];
  readonly blocked: number;
  readonly pending: number;
  readonly waiter: PmWaiter | null;
}

export interface PmSnapshot {
  readonly version: 1;
  readonly nextPid: number;
  readonly procs: readonly PcbSnapshot[];
}

export function snapshotPm(state: PmState): PmSnapshot {
  const procs = [...state.procs.values()]
    .sort((a, b) => a.pid - b.pid)
    .map(
      (p): PcbSnapshot => ({
        pid: p.pid,
        kind: p.kind,
        ppid: p.ppid,
        pgid: p.pgid,
        sid: p.sid,
        uid: p.uid,
        euid: p.euid,
        gid: p.gid,
        egid: p.egid,
        state: p.state,
        status: p.status,
        name: p.name,
        actions: p.actions.slice(1).map((a) => [a.handler, a.flags, a.restorer, a.mask] as const),
        blocked: p.blocked,
        pending: p.pending,
        waiter: p.waiter === null ? null : { ...p.waiter },
      }),
    );
  return { version: 1, nextPid: state.nextPid, procs };
}

const PROC_KINDS: readonly ProcKind[] = ['user', 'server', 'kernel'];

function waiter(v: StateValue): PmWaiter {
  const kind = v.at('kind').oneOf(['wait4', 'sigsuspend'] as const);
  return kind === 'wait4'
    ? { kind, selector: v.at('selector').i32(), options: v.at('options').u32() }
    : { kind, oldMask: v.at('oldMask').u32() };
}

function pcb(v: StateValue): PcbSnapshot {
  return {
    pid: v.at('pid').pid(),
    kind: v.at('kind').oneOf(PROC_KINDS),
    ppid: v.at('ppid').pid(),
    pgid: v.at('pgid').pid(),
    sid: v.at('sid').pid(),
    uid: v.at('uid').u32(),
    euid: v.at('euid').u32(),
    gid: v.at('gid').u32(),
    egid: v.at('egid').u32(),
    state: v.at('state').oneOf(['alive', 'zombie'] as const),
    status: v.at('status').u16(),
    name: v.at('name').string(4096),
    actions: v.at('actions').tuple(NSIG - 1).map((a) => {
      const [handler, flags, restorer, mask] = a.tuple(4).map((x) => x.u32());
      return [handler ?? 0, flags ?? 0, restorer ?? 0, mask ?? 0] as const;
    }),
    blocked: v.at('blocked').u32(),
    pending: v.at('pending').u32(),
    waiter: v.at('waiter').nullable(waiter),
  };
}

/**
 * Reads and checks a saved Process Manager state: every field present, typed and in range; a bad
 * one is a StateError naming it (`pm.procs[3].uid: expected u32, got -1`).
 */
export function parsePmSnapshot(raw: unknown, root = 'pm'): PmSnapshot {
  const s = StateValue.root(raw, root);
  s.version(1);
  const procs = s.at('procs').array().map(pcb);
  uniqueBy(procs, (p) => p.pid, `${root}.procs`, 'pid');
  return { version: 1, nextPid: s.at('nextPid').int(FIRST_USER_PID, PID_MAX), procs };
}

/** Rebuilds the table from a checked snapshot (parsePmSnapshot). */
export function restorePm(s: PmSnapshot): PmState {
  const procs = new Map<number, Pcb>();
  for (const p of s.procs) {
    procs.set(p.pid, {
      pid: p.pid,
      kind: p.kind,
      ppid: p.ppid,
      pgid: p.pgid,
      sid: p.sid,
      uid: p.uid,
      euid: p.euid,
      gid: p.gid,
      egid: p.egid,
      state: p.state,
      status: p.status,
      name: p.name,
      actions: [
        { handler: 0, flags: 0, restorer: 0, mask: 0 },
        ...p.actions.map(([handler, flags, restorer, mask]) => ({ handler, flags, restorer, mask })),
      ],
      blocked: p.blocked,
      pending: p.pending,
      waiter: p.waiter === null ? null : { ...p.waiter },
    });
  }
  return { procs, nextPid: s.nextPid };
}
