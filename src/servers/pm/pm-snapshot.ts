/**
 * The Process Manager's state as plain, versioned data (STYLE.md 4): processes in pid order, each
 * signal action as a tuple, and a restore that validates the shape and rebuilds an equivalent table.
 */
import { NSIG } from './signals.js';
import type { Pcb, PmState, PmWaiter, ProcKind } from './pm-state.js';

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

export function restorePm(s: PmSnapshot): PmState {
  if (s.version !== 1) throw new Error(`Process Manager state version ${String(s.version)} is not supported (expected 1)`);
  const procs = new Map<number, Pcb>();
  for (const p of s.procs) {
    if (p.actions.length !== NSIG - 1) throw new Error(`Process Manager state: pid ${p.pid} has ${p.actions.length} signal actions`);
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
