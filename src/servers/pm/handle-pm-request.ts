/**
 * The Process Manager's request handler: `handlePmRequest(state, source, request, ctx)` applies one
 * decoded request from `source` (the pid the kernel stamped) to the process table and returns the
 * caller's outcome plus the effects for the kernel. Deterministic: it reads nothing but its arguments,
 * mutates nothing but `state`, and every walk over processes goes in pid order.
 *
 * Signal posting is immediate: when a signal can be acted on at once (not blocked), the result already
 * carries its `deliver` or `exited` effect, so the kernel never has to ask the PM for pending signals.
 */
import { ERRNO } from '../../protocol/errno.js';
import { WELL_KNOWN_PID } from '../../protocol/message-types.js';
import { CTL_SIGNAL_DEFAULT, CTL_SIGNAL_FORCE, PS_LIST_MAX, PS_NAME_SIZE, PROC_SPECS, type ProcReply, type ProcRequest, type ProcRequestKind } from '../../protocol/proc-protocol.js';
import type { AnySpec, ReplyValue } from '../../protocol/service.js';
import type { PmEffect, PmOutcome, PmResult } from './pm-result.js';
import {
  allocatePid,
  defaultActions,
  procsInPidOrder,
  PROC_LIMIT,
  userProcCount,
  type Pcb,
  type PmState,
  type SigAction,
} from './pm-state.js';
import {
  cleanMask,
  defaultAction,
  exitedStatus,
  isValidSignal,
  killedStatus,
  NSIG,
  SA_NOCLDWAIT,
  SA_NODEFER,
  SA_RESETHAND,
  SIG_BLOCK,
  SIG_DFL,
  SIG_IGN,
  SIG_SETMASK,
  SIG_UNBLOCK,
  SIGCHLD,
  SIGKILL,
  SIGSTOP,
  sigBit,
  WCONTINUED,
  WNOHANG,
  WUNTRACED,
} from './signals.js';

/** What the kernel knows about a process that the PM does not own (for ps). */
export interface ProcFacts {
  readonly icount: number;
  readonly rssPages: number;
  /** 'R' runnable/running, 'S' blocked; omitted: the PM's own view ('S' in wait4/sigsuspend, else 'R'). */
  readonly state?: 'R' | 'S';
}

export interface PmContext {
  /** Virtual time, ns since the epoch (unused by the PM's logic today; part of the server contract). */
  readonly now?: bigint;
  /** Per-pid facts for ps_list; missing: icount and rss are 0. */
  readonly procFacts?: (pid: number) => ProcFacts | undefined;
}

type Body<K extends ProcRequestKind> = ReplyValue<(typeof PROC_SPECS)[K]>;

function reply<K extends ProcRequestKind>(kind: K, result: number, body?: Body<K>): PmOutcome {
  const r = { kind, result, body: result < 0 ? null : (body ?? {}) } as unknown as ProcReply;
  return { kind: 'reply', reply: r };
}

const INIT_PID = WELL_KNOWN_PID.INIT;
const TRUSTED_SOURCES: ReadonlySet<number> = new Set([WELL_KNOWN_PID.KERNEL, WELL_KNOWN_PID.PROC]);
const INT32_MIN = -0x80000000;
const ID_INVALID = 0xffffffff;

/** One request being handled: the table, who asked, and the effects so far. */
interface Run {
  readonly state: PmState;
  readonly source: number;
  readonly fx: PmEffect[];
}

export function handlePmRequest(state: PmState, source: number, request: ProcRequest, ctx: PmContext): PmResult {
  const run: Run = { state, source, fx: [] };
  const before = state.procs.get(source);
  const callerWasLiveUser = before !== undefined && before.kind === 'user' && before.state === 'alive';
  let outcome = dispatch(run, request, ctx);
  // A caller that died while its own request was handled (kill(getpid(), SIGTERM), kill(0, ...)) gets
  // no reply: it is a zombie now, or already reaped if its parent ignores SIGCHLD.
  const after = state.procs.get(source);
  if (outcome.kind === 'reply' && callerWasLiveUser && (after === undefined || after.state === 'zombie')) {
    outcome = { kind: 'none' };
  }
  return { outcome, effects: run.fx };
}

function dispatch(run: Run, req: ProcRequest, ctx: PmContext): PmOutcome {
  const { state, source } = run;
  if ((PROC_SPECS[req.kind] as AnySpec).trusted === true) {
    if (!TRUSTED_SOURCES.has(source)) return reply(req.kind, -ERRNO.EPERM);
    return control(run, req);
  }
  const p = state.procs.get(source);
  if (p === undefined || p.state === 'zombie') return reply(req.kind, -ERRNO.ESRCH);
  switch (req.kind) {
    case 'fork':
      return fork(run, p);
    case 'exec':
      // execve is carried out by the kernel (it loads the image through the VFS) and reported with
      // PROC_CTL_EXEC; a process cannot claim to have exec'd.
      return reply('exec', -ERRNO.ENOSYS);
    case 'exit':
      if (p.kind !== 'user') return reply('exit', -ERRNO.EPERM);
      die(run, p, exitedStatus(req.status));
      return { kind: 'none' };
    case 'wait4':
      return wait4(run, p, req.pid, req.options);
    case 'kill':
      return reply('kill', kill(run, p, req.pid, req.signo));
    case 'getpid':
      return reply('getpid', p.pid);
    case 'getppid':
      return reply('getppid', p.ppid);
    case 'signal':
      return signalCall(p, req.signo, req.handler);
    case 'sigaction':
      return sigaction(p, req);
    case 'sigreturn':
      p.blocked = cleanMask(req.mask);
      deliverPending(run, p);
      return reply('sigreturn', 0);
    case 'sigprocmask':
      return sigprocmask(run, p, req.how, req.set, req.hasSet !== 0);
    case 'sigsuspend':
      return sigsuspend(run, p, req.mask);
    case 'setpgid':
      return reply('setpgid', setpgid(state, p, req.pid, req.pgid));
    case 'getpgid': {
      const t = req.pid === 0 ? p : state.procs.get(req.pid);
      return reply('getpgid', t === undefined || req.pid < 0 ? -ERRNO.ESRCH : t.pgid);
    }
    // An id is a u32 and the result an i32 register: `| 0` passes its bits as Linux does (an id
    // of 2^31 or more reads back negative) instead of failing the reply's range check.
    case 'getuid':
      return reply('getuid', p.uid | 0);
    case 'geteuid':
      return reply('geteuid', p.euid | 0);
    case 'getgid':
      return reply('getgid', p.gid | 0);
    case 'getegid':
      return reply('getegid', p.egid | 0);
    case 'setuid':
      return reply('setuid', setId(run, p, 'uid', req.uid));
    case 'setgid':
      return reply('setgid', setId(run, p, 'gid', req.gid));
    case 'psList':
      return psList(state, req.startPid, ctx);
    case 'ctlInit':
    case 'ctlExec':
    case 'ctlSignal':
      return reply(req.kind, -ERRNO.EPERM); // unreachable: trusted kinds are handled above
    default: {
      const _exhaustive: never = req;
      return _exhaustive;
    }
  }
}

// ---- control requests from the kernel ------------------------------------------------------------

function control(run: Run, req: ProcRequest): PmOutcome {
  const { state } = run;
  switch (req.kind) {
    case 'ctlInit': {
      if (state.procs.has(WELL_KNOWN_PID.INIT)) return reply('ctlInit', -ERRNO.EEXIST);
      const init: Pcb = {
        pid: WELL_KNOWN_PID.INIT,
        kind: 'user',
        ppid: WELL_KNOWN_PID.KERNEL,
        pgid: WELL_KNOWN_PID.INIT,
        sid: WELL_KNOWN_PID.INIT,
        uid: req.uid,
        euid: req.uid,
        gid: req.gid,
        egid: req.gid,
        state: 'alive',
        status: 0,
        name: req.name,
        actions: defaultActions(),
        blocked: 0,
        pending: 0,
        waiter: null,
      };
      state.procs.set(init.pid, init);
      return reply('ctlInit', init.pid);
    }
    case 'ctlExec': {
      const p = state.procs.get(req.pid);
      if (p === undefined || p.kind !== 'user' || p.state !== 'alive') return reply('ctlExec', -ERRNO.ESRCH);
      // Linux flush_signal_handlers: handlers go back to SIG_DFL, SIG_IGN stays; flags and masks cleared.
      for (let s = 1; s < NSIG; s++) {
        const a = p.actions[s]!;
        p.actions[s] = { handler: a.handler === SIG_IGN ? SIG_IGN : SIG_DFL, flags: 0, restorer: 0, mask: 0 };
      }
      p.name = req.name;
      return reply('ctlExec', 0);
    }
    case 'ctlSignal': {
      if (!isValidSignal(req.signo)) return reply('ctlSignal', -ERRNO.EINVAL);
      const force = (req.flags & (CTL_SIGNAL_FORCE | CTL_SIGNAL_DEFAULT)) !== 0;
      if (req.pid > 0) {
        const p = state.procs.get(req.pid);
        if (p === undefined || p.kind !== 'user') return reply('ctlSignal', -ERRNO.ESRCH);
        if ((req.flags & CTL_SIGNAL_DEFAULT) !== 0) p.actions[req.signo] = { handler: SIG_DFL, flags: 0, restorer: 0, mask: 0 };
        post(run, p, req.signo, force);
        return reply('ctlSignal', 0);
      }
      if (req.pid < -1 && req.pid !== INT32_MIN) {
        const members = groupMembers(state, -req.pid);
        if (members.length === 0) return reply('ctlSignal', -ERRNO.ESRCH);
        for (const m of members) post(run, m, req.signo, force);
        return reply('ctlSignal', 0);
      }
      return reply('ctlSignal', -ERRNO.EINVAL);
    }
    default:
      return reply(req.kind, -ERRNO.EINVAL);
  }
}

// ---- fork, exit, wait ------------------------------------------------------------------------------

function fork(run: Run, parent: Pcb): PmOutcome {
  if (parent.kind !== 'user') return reply('fork', -ERRNO.EPERM);
  if (userProcCount(run.state) >= PROC_LIMIT) return reply('fork', -ERRNO.EAGAIN);
  const pid = allocatePid(run.state);
  if (pid < 0) return reply('fork', -ERRNO.EAGAIN);
  const child: Pcb = {
    ...parent,
    pid,
    ppid: parent.pid,
    state: 'alive',
    status: 0,
    actions: parent.actions.map((a) => ({ ...a })),
    pending: 0,
    waiter: null,
  };
  run.state.procs.set(pid, child);
  run.fx.push({ kind: 'fork', parent: parent.pid, child: pid });
  return reply('fork', pid);
}

/** `p` dies with wait status `status`: zombie, children to init, parent notified. */
function die(run: Run, p: Pcb, status: number): void {
  if (p.state === 'zombie') return;
  p.state = 'zombie';
  p.status = status;
  p.waiter = null;
  p.pending = 0;
  run.fx.push({ kind: 'exited', pid: p.pid, status });
  const orphans = procsInPidOrder(run.state).filter((c) => c.ppid === p.pid && c.pid !== p.pid);
  for (const c of orphans) c.ppid = WELL_KNOWN_PID.INIT;
  // Linux reparent_leader: an orphan that is already a zombie is reported to its new parent at once.
  for (const c of orphans) if (c.state === 'zombie') notifyParent(run, c);
  notifyParent(run, p);
}

/** The zombie `child` is reported to its parent: a matching wait4 completes, then SIGCHLD. */
function notifyParent(run: Run, child: Pcb): void {
  const parent = run.state.procs.get(child.ppid);
  if (parent === undefined || parent.kind !== 'user' || parent.state !== 'alive') return;
  const chld = parent.actions[SIGCHLD]!;
  // SIGCHLD explicitly ignored (or SA_NOCLDWAIT): children are reaped at once and never become waitable.
  const autoReap = chld.handler === SIG_IGN || (chld.flags & SA_NOCLDWAIT) !== 0;
  const w = parent.waiter;
  if (autoReap) {
    reap(run, child);
    if (w?.kind === 'wait4' && !childrenMatching(run.state, parent, w.selector).some((c) => c.state === 'alive')) {
      parent.waiter = null;
      run.fx.push({ kind: 'wait-done', pid: parent.pid, result: -ERRNO.ECHILD, status: 0 });
    }
  } else if (w?.kind === 'wait4' && waitMatches(run.state, parent, w.selector, child)) {
    parent.waiter = null;
    const status = child.status;
    reap(run, child);
    run.fx.push({ kind: 'wait-done', pid: parent.pid, result: child.pid, status });
  }
  post(run, parent, SIGCHLD, false);
}

function reap(run: Run, zombie: Pcb): void {
  run.state.procs.delete(zombie.pid);
  run.fx.push({ kind: 'reaped', pid: zombie.pid });
}

function waitMatches(state: PmState, parent: Pcb, selector: number, child: Pcb): boolean {
  if (child.ppid !== parent.pid) return false;
  if (selector === -1) return true;
  if (selector > 0) return child.pid === selector;
  if (selector === 0) return child.pgid === parent.pgid;
  return child.pgid === -selector;
}

function childrenMatching(state: PmState, parent: Pcb, selector: number): Pcb[] {
  return procsInPidOrder(state).filter((c) => c.kind === 'user' && waitMatches(state, parent, selector, c));
}

function wait4(run: Run, p: Pcb, selector: number, options: number): PmOutcome {
  if ((options & ~(WNOHANG | WUNTRACED | WCONTINUED)) !== 0) return reply('wait4', -ERRNO.EINVAL);
  if (selector === INT32_MIN) return reply('wait4', -ERRNO.ESRCH);
  const children = childrenMatching(run.state, p, selector);
  if (children.length === 0) return reply('wait4', -ERRNO.ECHILD);
  const zombie = children.find((c) => c.state === 'zombie');
  if (zombie !== undefined) {
    reap(run, zombie);
    return reply('wait4', zombie.pid, { status: zombie.status });
  }
  if ((options & WNOHANG) !== 0) return reply('wait4', 0, { status: 0 });
  p.waiter = { kind: 'wait4', selector, options };
  return { kind: 'blocked', call: 'wait4' };
}

// ---- kill and signal posting ------------------------------------------------------------------------

function mayKill(sender: Pcb, target: Pcb): boolean {
  if (sender.pid === WELL_KNOWN_PID.KERNEL || sender.euid === 0) return true;
  // Linux check_kill_permission: sender's real or effective uid equals the target's real or saved uid
  // (the PM keeps no saved uid; the effective one stands in for it).
  return sender.uid === target.uid || sender.uid === target.euid || sender.euid === target.uid || sender.euid === target.euid;
}

function groupMembers(state: PmState, pgid: number): Pcb[] {
  return procsInPidOrder(state).filter((q) => q.kind === 'user' && q.pgid === pgid);
}

function kill(run: Run, sender: Pcb, pid: number, signo: number): number {
  if (signo !== 0 && !isValidSignal(signo)) return -ERRNO.EINVAL;
  const { state } = run;
  let targets: Pcb[];
  if (pid > 0) {
    const t = state.procs.get(pid);
    if (t === undefined) return -ERRNO.ESRCH;
    if (t.kind !== 'user' || !mayKill(sender, t)) return -ERRNO.EPERM;
    if (signo !== 0) post(run, t, signo, false);
    return 0;
  }
  if (pid === -1) {
    targets = procsInPidOrder(state).filter((q) => q.kind === 'user' && q.pid !== WELL_KNOWN_PID.INIT && q.pid !== sender.pid);
  } else if (pid === INT32_MIN) {
    return -ERRNO.ESRCH;
  } else {
    if (pid === 0 && sender.kind !== 'user') return -ERRNO.ESRCH;
    targets = groupMembers(state, pid === 0 ? sender.pgid : -pid);
  }
  if (targets.length === 0) return -ERRNO.ESRCH;
  let delivered = false;
  for (const t of targets) {
    if (!mayKill(sender, t)) continue;
    delivered = true;
    if (signo !== 0) post(run, t, signo, false);
  }
  return delivered ? 0 : -ERRNO.EPERM;
}

function isIgnored(p: Pcb, signo: number): boolean {
  const h = p.actions[signo]!.handler;
  return h === SIG_IGN || (h === SIG_DFL && defaultAction(signo) === 'ignore');
}

/**
 * Posts `signo` to `p`: dropped if ignored, pending if blocked, otherwise acted on now (handler or
 * default action). `force` (a fault): a blocked or ignored signal is unblocked and reset to SIG_DFL
 * first, so it cannot be lost (Linux force_sig).
 */
function post(run: Run, p: Pcb, signo: number, force: boolean): void {
  if (p.kind !== 'user' || p.state !== 'alive') return;
  // As on Linux, init only receives the signals it has a handler for (SIGKILL included); only a
  // fault of its own (force) can kill it, which halts the machine.
  if (p.pid === INIT_PID && !force && (signo === SIGKILL || p.actions[signo]!.handler === SIG_DFL)) return;
  const bit = sigBit(signo);
  if (signo === SIGKILL) {
    die(run, p, killedStatus(SIGKILL));
    return;
  }
  if (signo === SIGSTOP) return; // no job-control stop (signals.ts)
  if (force) {
    if (p.actions[signo]!.handler === SIG_IGN || (p.blocked & bit) !== 0) {
      p.actions[signo] = { handler: SIG_DFL, flags: 0, restorer: 0, mask: 0 };
      p.blocked = (p.blocked & ~bit) >>> 0;
    }
  }
  if (isIgnored(p, signo)) return;
  if ((p.blocked & bit) !== 0) {
    p.pending = (p.pending | bit) >>> 0;
    return;
  }
  act(run, p, signo);
}

/** Acts on an unblocked, not ignored signal: run its handler or its default action. */
function act(run: Run, p: Pcb, signo: number): void {
  const a = p.actions[signo]!;
  if (a.handler === SIG_DFL) {
    die(run, p, killedStatus(signo));
    return;
  }
  const bit = sigBit(signo);
  const w = p.waiter;
  // Inside sigsuspend the handler runs with the suspend mask; its sigreturn restores the mask from before.
  const savedMask = w?.kind === 'sigsuspend' ? w.oldMask : p.blocked;
  p.waiter = null;
  // The caller of the current request is not blocked in anything but this request, which gets its reply.
  if (p.pid !== run.source) run.fx.push({ kind: 'interrupt', pid: p.pid });
  run.fx.push({ kind: 'deliver', pid: p.pid, signo, handler: a.handler, restorer: a.restorer, flags: a.flags, savedMask });
  p.blocked = cleanMask(p.blocked | a.mask | ((a.flags & SA_NODEFER) !== 0 ? 0 : bit));
  if ((a.flags & SA_RESETHAND) !== 0) p.actions[signo] = { handler: SIG_DFL, flags: 0, restorer: 0, mask: 0 };
}

/** Acts on every pending signal the mask no longer blocks, lowest number first. */
function deliverPending(run: Run, p: Pcb): void {
  for (let s = 1; s < NSIG && p.state === 'alive'; s++) {
    const bit = sigBit(s);
    if ((p.pending & bit) === 0 || (p.blocked & bit) !== 0) continue;
    p.pending = (p.pending & ~bit) >>> 0;
    if (!isIgnored(p, s)) act(run, p, s);
  }
}

// ---- signal dispositions and masks ------------------------------------------------------------------

function setAction(p: Pcb, signo: number, a: SigAction): void {
  p.actions[signo] = a;
  // POSIX: setting a pending signal's action to ignore discards it.
  if (isIgnored(p, signo)) p.pending = (p.pending & ~sigBit(signo)) >>> 0;
}

function signalCall(p: Pcb, signo: number, handler: number): PmOutcome {
  if (!isValidSignal(signo) || signo === SIGKILL || signo === SIGSTOP) return reply('signal', -ERRNO.EINVAL);
  const old = p.actions[signo]!;
  // The old System V signal(): one-shot and not masked while running (Linux sys_signal); the restorer
  // registered earlier through sigaction, if any, is kept so the handler can still return.
  // `>>> 0`: the flags are a u32 (SA_RESETHAND is bit 31), as every reply and snapshot carries them.
  setAction(p, signo, { handler, flags: (SA_RESETHAND | SA_NODEFER) >>> 0, restorer: old.restorer, mask: 0 });
  return reply('signal', 0, { oldHandler: old.handler });
}

function sigaction(p: Pcb, req: Extract<ProcRequest, { kind: 'sigaction' }>): PmOutcome {
  if (!isValidSignal(req.signo)) return reply('sigaction', -ERRNO.EINVAL);
  const old = { ...p.actions[req.signo]! };
  if (req.hasAct !== 0) {
    if (req.signo === SIGKILL || req.signo === SIGSTOP) return reply('sigaction', -ERRNO.EINVAL);
    setAction(p, req.signo, { handler: req.handler, flags: req.flags, restorer: req.restorer, mask: cleanMask(req.mask) });
  }
  return reply('sigaction', 0, old);
}

function sigprocmask(run: Run, p: Pcb, how: number, set: number, hasSet: boolean): PmOutcome {
  const oldMask = p.blocked;
  if (hasSet) {
    switch (how) {
      case SIG_BLOCK:
        p.blocked = cleanMask(p.blocked | set);
        break;
      case SIG_UNBLOCK:
        p.blocked = cleanMask(p.blocked & ~set);
        break;
      case SIG_SETMASK:
        p.blocked = cleanMask(set);
        break;
      default:
        return reply('sigprocmask', -ERRNO.EINVAL);
    }
    deliverPending(run, p);
  }
  return reply('sigprocmask', 0, { oldMask });
}

function sigsuspend(run: Run, p: Pcb, mask: number): PmOutcome {
  p.waiter = { kind: 'sigsuspend', oldMask: p.blocked };
  p.blocked = cleanMask(mask);
  deliverPending(run, p);
  if (p.state === 'zombie') return { kind: 'none' };
  if (p.waiter === null) return reply('sigsuspend', -ERRNO.EINTR);
  return { kind: 'blocked', call: 'sigsuspend' };
}

// ---- ids and groups ---------------------------------------------------------------------------------

function setId(run: Run, p: Pcb, which: 'uid' | 'gid', id: number): number {
  if (id === ID_INVALID) return -ERRNO.EINVAL;
  if (p.euid === 0) {
    if (which === 'uid') {
      p.uid = id;
      p.euid = id;
    } else {
      p.gid = id;
      p.egid = id;
    }
  } else if (id === (which === 'uid' ? p.uid : p.gid)) {
    if (which === 'uid') p.euid = id;
    else p.egid = id;
  } else {
    return -ERRNO.EPERM;
  }
  run.fx.push({ kind: 'cred', pid: p.pid, uid: p.uid, euid: p.euid, gid: p.gid, egid: p.egid });
  return 0;
}

function setpgid(state: PmState, caller: Pcb, pid: number, pgid: number): number {
  if (pgid < 0 || pid < 0) return pid < 0 ? -ERRNO.ESRCH : -ERRNO.EINVAL;
  const target = pid === 0 ? caller : state.procs.get(pid);
  if (target === undefined || target.kind !== 'user' || (target !== caller && target.ppid !== caller.pid)) return -ERRNO.ESRCH;
  if (caller.kind !== 'user') return -ERRNO.EPERM;
  const group = pgid === 0 ? target.pid : pgid;
  if (target.sid !== caller.sid || target.sid === target.pid) return -ERRNO.EPERM;
  if (group !== target.pid && !procsInPidOrder(state).some((q) => q.kind === 'user' && q.pgid === group && q.sid === caller.sid)) {
    return -ERRNO.EPERM;
  }
  target.pgid = group;
  return 0;
}

// ---- ps -----------------------------------------------------------------------------------------------

function psList(state: PmState, startPid: number, ctx: PmContext): PmOutcome {
  const entries = procsInPidOrder(state)
    .filter((p) => p.pid >= startPid)
    .slice(0, PS_LIST_MAX)
    .map((p) => {
      const facts = ctx.procFacts?.(p.pid);
      const own = p.waiter !== null ? 'S' : 'R';
      const st = p.state === 'zombie' ? 'Z' : (facts?.state ?? own);
      return {
        pid: p.pid,
        ppid: p.ppid,
        pgid: p.pgid,
        uid: p.uid,
        state: st.charCodeAt(0),
        kind: p.kind === 'user' ? 0 : p.kind === 'server' ? 1 : 2,
        rssPages: p.kind === 'user' ? (facts?.rssPages ?? 0) : 0,
        icount: facts?.icount ?? 0,
        name: p.name.slice(0, PS_NAME_SIZE - 1),
      };
    });
  return reply('psList', entries.length, { entries });
}
