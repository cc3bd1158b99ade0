import { describe, expect, it } from 'vitest';
import type { ServerPort } from '../src/core/kernel/server-port.js';
import { CTL_SIGNAL_DEFAULT, CTL_SIGNAL_FORCE, ERRNO, MSG, PROC_PROTOCOL, PS_LIST_MAX, VFS_PROTOCOL, type ProcRequest } from '../src/protocol/index.js';
import {
  FIRST_USER_PID,
  PID_MAX,
  PROC_LIMIT,
  ProcessManager,
  SA_NODEFER,
  SA_RESETHAND,
  SA_RESTORER,
  SIG_BLOCK,
  SIG_IGN,
  SIG_SETMASK,
  SIG_UNBLOCK,
  SIGCHLD,
  SIGINT,
  SIGKILL,
  SIGSEGV,
  SIGSTOP,
  SIGTERM,
  SIGUSR1,
  SIGUSR2,
  sigBit,
  WNOHANG,
  type PmEffect,
  type PmResult,
} from '../src/servers/pm/index.js';

const { EPERM, ESRCH, EINVAL, ECHILD, EEXIST, EINTR, EAGAIN, ENOSYS, EBADMSG } = ERRNO;
const KERNEL = 0;
const INIT = 1;
const H1 = 0x10100; // handler addresses
const H2 = 0x10200;
const RESTORER = 0x10080;

/** Plays the kernel: every call sends one decoded request from `source` and returns the result. */
class Pm {
  readonly server = new ProcessManager();

  constructor() {
    expect(this.call(KERNEL, { kind: 'ctlInit', uid: 0, gid: 0, name: 'init' }).outcome).toEqual(reply('ctlInit', 1));
  }

  call(source: number, req: ProcRequest): PmResult {
    return this.server.handle(req, { source, now: 0n });
  }

  /** The result of a call that replies; throws when it does not. */
  result(source: number, req: ProcRequest): number {
    const r = this.call(source, req);
    if (r.outcome.kind !== 'reply') throw new Error(`${req.kind} from ${source}: ${r.outcome.kind}`);
    return r.outcome.reply.result;
  }

  fork(parent: number): number {
    const child = this.result(parent, { kind: 'fork' });
    expect(child).toBeGreaterThanOrEqual(FIRST_USER_PID);
    return child;
  }

  catch(pid: number, signo: number, handler = H1, flags = 0, mask = 0): void {
    expect(this.result(pid, { kind: 'sigaction', signo, hasAct: 1, handler, flags: flags | SA_RESTORER, restorer: RESTORER, mask })).toBe(0);
  }

  mask(pid: number): number {
    const r = this.call(pid, { kind: 'sigprocmask', how: 0, set: 0, hasSet: 0 });
    return (r.outcome as { reply: { body: { oldMask: number } } }).reply.body.oldMask;
  }

  pcb(pid: number) {
    return this.server.state.procs.get(pid);
  }
}

function reply(kind: string, result: number, body?: unknown) {
  return { kind: 'reply', reply: { kind, result, body: result < 0 ? null : (body ?? {}) } };
}

const deliver = (pid: number, signo: number, savedMask: number, handler = H1, flags = SA_RESTORER): PmEffect => ({
  kind: 'deliver',
  pid,
  signo,
  handler,
  restorer: RESTORER,
  flags,
  savedMask,
});

describe('Process Manager: boot and pids', () => {
  it('given a fresh PM, the kernel and servers are in the table and only the kernel may create init', () => {
    const server = new ProcessManager();
    expect([...server.state.procs.keys()].sort((a, b) => a - b)).toEqual([0, 2, 3, 4, 7]);
    expect(server.handle({ kind: 'ctlInit', uid: 0, gid: 0, name: 'init' }, { source: 8 }).outcome).toEqual(reply('ctlInit', -EPERM));
    expect(server.handle({ kind: 'ctlInit', uid: 0, gid: 0, name: 'init' }, { source: KERNEL }).outcome).toEqual(reply('ctlInit', 1));
    expect(server.handle({ kind: 'ctlInit', uid: 0, gid: 0, name: 'init' }, { source: KERNEL }).outcome).toEqual(reply('ctlInit', -EEXIST));
    const init = server.state.procs.get(INIT)!;
    expect([init.ppid, init.pgid, init.sid, init.name]).toEqual([0, 1, 1, 'init']);
  });

  it('when init forks, the child gets pid 8, a fork effect, and a copy of dispositions and mask without pending signals', () => {
    const pm = new Pm();
    pm.catch(INIT, SIGUSR1);
    pm.catch(INIT, SIGUSR2);
    expect(pm.result(INIT, { kind: 'sigprocmask', how: SIG_BLOCK, set: sigBit(SIGUSR2), hasSet: 1 })).toBe(0);
    pm.call(KERNEL, { kind: 'kill', pid: INIT, signo: SIGUSR2 });
    expect(pm.pcb(INIT)!.pending).toBe(sigBit(SIGUSR2));
    const r = pm.call(INIT, { kind: 'fork' });
    expect(r.outcome).toEqual(reply('fork', 8));
    expect(r.effects).toEqual([{ kind: 'fork', parent: INIT, child: 8 }]);
    const c = pm.pcb(8)!;
    expect([c.ppid, c.pgid, c.pending, c.blocked, c.actions[SIGUSR1]!.handler]).toEqual([INIT, 1, 0, sigBit(SIGUSR2), H1]);
    expect(pm.result(8, { kind: 'getpid' })).toBe(8);
    expect(pm.result(8, { kind: 'getppid' })).toBe(INIT);
    // The copy is deep: changing the child's action leaves the parent's alone.
    pm.catch(8, SIGUSR1, H2);
    expect(pm.pcb(INIT)!.actions[SIGUSR1]!.handler).toBe(H1);
  });

  it('init only receives signals it catches: SIGKILL and default actions are dropped, a forced fault kills it', () => {
    const pm = new Pm();
    pm.call(KERNEL, { kind: 'kill', pid: INIT, signo: SIGKILL });
    pm.call(KERNEL, { kind: 'kill', pid: INIT, signo: SIGUSR2 });
    expect(pm.pcb(INIT)!.state).toBe('alive');
    const r = pm.call(KERNEL, { kind: 'ctlSignal', pid: INIT, signo: 11, flags: 1 });
    expect(r.effects).toContainEqual({ kind: 'exited', pid: INIT, status: 11 | 0x80 });
  });

  it('given the allocator at PID_MAX, pids wrap to 8 and skip live pids, zombies and process groups', () => {
    const pm = new Pm();
    const a = pm.fork(INIT); // 8
    const b = pm.fork(INIT); // 9
    pm.call(b, { kind: 'exit', status: 0 }); // 9 is a zombie: still taken
    expect(pm.result(a, { kind: 'setpgid', pid: 0, pgid: 0 })).toBe(0);
    pm.server.state.nextPid = PID_MAX;
    expect(pm.fork(INIT)).toBe(PID_MAX);
    expect(pm.fork(INIT)).toBe(10);
    // A group id stays taken while its group exists even after the leader is gone.
    const member = pm.fork(a);
    expect(pm.pcb(member)!.pgid).toBe(a);
    pm.call(a, { kind: 'exit', status: 0 });
    pm.call(INIT, { kind: 'wait4', pid: a, options: 0 });
    pm.server.state.nextPid = a;
    expect(pm.fork(INIT)).not.toBe(a);
  });

  it('given PROC_LIMIT user processes, fork fails with EAGAIN and the parent keeps running', () => {
    const pm = new Pm();
    for (let i = 1; i < PROC_LIMIT; i++) pm.fork(INIT);
    const r = pm.call(INIT, { kind: 'fork' });
    expect(r.outcome).toEqual(reply('fork', -EAGAIN));
    expect(r.effects).toEqual([]);
  });

  it('servers cannot fork or exit through the PM; unknown callers get ESRCH; exec from a process is refused', () => {
    const pm = new Pm();
    expect(pm.result(2, { kind: 'fork' })).toBe(-EPERM);
    expect(pm.result(4, { kind: 'exit', status: 0 })).toBe(-EPERM);
    expect(pm.result(999, { kind: 'getpid' })).toBe(-ESRCH);
    const argv = new Uint8Array();
    expect(pm.result(INIT, { kind: 'exec', argc: 0, envc: 0, path: '/bin/sh', argv, envp: argv })).toBe(-ENOSYS);
  });
});

describe('Process Manager: exit, wait4, zombies, orphans', () => {
  it('given an exited child, it is a zombie until wait4 reaps it with its exit status; a second wait gives ECHILD', () => {
    const pm = new Pm();
    const c = pm.fork(INIT);
    const r = pm.call(c, { kind: 'exit', status: 42 });
    expect(r.outcome).toEqual({ kind: 'none' });
    expect(r.effects).toEqual([{ kind: 'exited', pid: c, status: 42 << 8 }]);
    expect(pm.pcb(c)!.state).toBe('zombie');
    const ps = pm.call(INIT, { kind: 'psList', startPid: c });
    expect((ps.outcome as unknown as { reply: { body: { entries: { state: number }[] } } }).reply.body.entries[0]!.state).toBe('Z'.charCodeAt(0));
    const w = pm.call(INIT, { kind: 'wait4', pid: c, options: 0 });
    expect(w.outcome).toEqual(reply('wait4', c, { status: 42 << 8 }));
    expect(w.effects).toEqual([{ kind: 'reaped', pid: c }]);
    expect(pm.result(INIT, { kind: 'wait4', pid: c, options: 0 })).toBe(-ECHILD);
    expect(pm.result(INIT, { kind: 'wait4', pid: -1, options: WNOHANG })).toBe(-ECHILD);
  });

  it('given a parent blocked in wait4(-1), when the child exits, the wait completes and the zombie is reaped', () => {
    const pm = new Pm();
    const c = pm.fork(INIT);
    expect(pm.call(INIT, { kind: 'wait4', pid: -1, options: 0 }).outcome).toEqual({ kind: 'blocked', call: 'wait4' });
    const r = pm.call(c, { kind: 'exit', status: 3 });
    expect(r.effects).toEqual([
      { kind: 'exited', pid: c, status: 3 << 8 },
      { kind: 'reaped', pid: c },
      { kind: 'wait-done', pid: INIT, result: c, status: 3 << 8 },
    ]);
    expect(pm.pcb(c)).toBeUndefined();
    expect(pm.pcb(INIT)!.waiter).toBeNull();
  });

  it('wait4 for a specific pid ignores other children; WNOHANG returns 0; bad options and non-children fail', () => {
    const pm = new Pm();
    const a = pm.fork(INIT);
    const b = pm.fork(INIT);
    expect(pm.call(INIT, { kind: 'wait4', pid: b, options: WNOHANG }).outcome).toEqual(reply('wait4', 0, { status: 0 }));
    expect(pm.call(INIT, { kind: 'wait4', pid: b, options: 0 }).outcome.kind).toBe('blocked');
    expect(pm.call(a, { kind: 'exit', status: 1 }).effects).toEqual([{ kind: 'exited', pid: a, status: 1 << 8 }]);
    expect(pm.call(b, { kind: 'exit', status: 2 }).effects).toContainEqual({ kind: 'wait-done', pid: INIT, result: b, status: 2 << 8 });
    expect(pm.result(INIT, { kind: 'wait4', pid: -1, options: 0 })).toBe(a);
    expect(pm.result(INIT, { kind: 'wait4', pid: -1, options: 0x100 })).toBe(-EINVAL);
    expect(pm.result(INIT, { kind: 'wait4', pid: 12345, options: 0 })).toBe(-ECHILD);
  });

  it('wait4(0) and wait4(-pgid) select children by process group', () => {
    const pm = new Pm();
    const a = pm.fork(INIT);
    const b = pm.fork(INIT);
    expect(pm.result(INIT, { kind: 'setpgid', pid: b, pgid: b })).toBe(0);
    expect(pm.result(INIT, { kind: 'wait4', pid: -b, options: WNOHANG })).toBe(0);
    pm.call(a, { kind: 'exit', status: 0 });
    expect(pm.result(INIT, { kind: 'wait4', pid: -b, options: WNOHANG })).toBe(0); // a is in group 1
    expect(pm.result(INIT, { kind: 'wait4', pid: 0, options: WNOHANG })).toBe(a);
    pm.call(b, { kind: 'exit', status: 0 });
    expect(pm.result(INIT, { kind: 'wait4', pid: -b, options: 0 })).toBe(b);
  });

  it('given a grandchild, when its parent exits, it is reparented to init and getppid says 1', () => {
    const pm = new Pm();
    const mid = pm.fork(INIT);
    const grand = pm.fork(mid);
    pm.call(mid, { kind: 'exit', status: 0 });
    expect(pm.result(grand, { kind: 'getppid' })).toBe(INIT);
    expect(pm.result(INIT, { kind: 'wait4', pid: mid, options: 0 })).toBe(mid);
    pm.call(grand, { kind: 'exit', status: 5 });
    expect(pm.call(INIT, { kind: 'wait4', pid: -1, options: 0 }).outcome).toEqual(reply('wait4', grand, { status: 5 << 8 }));
  });

  it('given init blocked in wait4 and an orphan that is already a zombie, reparenting lets init reap it at once', () => {
    const pm = new Pm();
    const a = pm.fork(INIT);
    const b = pm.fork(a);
    pm.call(b, { kind: 'exit', status: 7 }); // zombie; a does not wait
    expect(pm.call(INIT, { kind: 'wait4', pid: b, options: 0 }).outcome).toEqual(reply('wait4', -ECHILD)); // not init's child yet
    expect(pm.call(INIT, { kind: 'wait4', pid: -1, options: 0 }).outcome.kind).toBe('blocked');
    const r = pm.call(a, { kind: 'exit', status: 0 });
    expect(r.effects).toEqual([
      { kind: 'exited', pid: a, status: 0 },
      { kind: 'reaped', pid: b },
      { kind: 'wait-done', pid: INIT, result: b, status: 7 << 8 },
    ]);
    expect(pm.pcb(a)!.state).toBe('zombie'); // init's wait already completed with b
    expect(pm.result(INIT, { kind: 'wait4', pid: -1, options: 0 })).toBe(a);
  });

  it('given a parent that ignores SIGCHLD, children are reaped at once and a waiting parent gets ECHILD', () => {
    const pm = new Pm();
    const p = pm.fork(INIT);
    const c = pm.fork(p);
    expect(pm.result(p, { kind: 'signal', signo: SIGCHLD, handler: SIG_IGN })).toBe(0);
    expect(pm.call(p, { kind: 'wait4', pid: -1, options: 0 }).outcome.kind).toBe('blocked');
    expect(pm.call(c, { kind: 'exit', status: 0 }).effects).toEqual([
      { kind: 'exited', pid: c, status: 0 },
      { kind: 'reaped', pid: c },
      { kind: 'wait-done', pid: p, result: -ECHILD, status: 0 },
    ]);
  });
});

describe('Process Manager: kill and default actions', () => {
  it('kill checks the signal number, the target and permission; signal 0 only checks', () => {
    const pm = new Pm();
    const a = pm.fork(INIT);
    const b = pm.fork(INIT);
    expect(pm.result(a, { kind: 'setuid', uid: 100 })).toBe(0);
    expect(pm.result(a, { kind: 'kill', pid: b, signo: 32 })).toBe(-EINVAL);
    expect(pm.result(a, { kind: 'kill', pid: 999, signo: SIGTERM })).toBe(-ESRCH);
    expect(pm.result(a, { kind: 'kill', pid: b, signo: SIGTERM })).toBe(-EPERM);
    expect(pm.result(a, { kind: 'kill', pid: b, signo: 0 })).toBe(-EPERM);
    expect(pm.result(INIT, { kind: 'kill', pid: b, signo: 0 })).toBe(0);
    expect(pm.result(INIT, { kind: 'kill', pid: 2, signo: SIGTERM })).toBe(-EPERM); // servers are not signalled
    expect(pm.pcb(b)!.state).toBe('alive');
    const r = pm.call(INIT, { kind: 'kill', pid: a, signo: SIGTERM });
    expect(r.outcome).toEqual(reply('kill', 0));
    expect(r.effects).toEqual([{ kind: 'exited', pid: a, status: SIGTERM }]);
  });

  it('default actions: TERM terminates with the signal, SEGV with the core bit, ignored ones do nothing, zombies accept kill', () => {
    const pm = new Pm();
    const a = pm.fork(INIT);
    expect(pm.call(INIT, { kind: 'kill', pid: a, signo: SIGCHLD }).effects).toEqual([]);
    expect(pm.call(INIT, { kind: 'kill', pid: a, signo: SIGSTOP }).effects).toEqual([]); // no job-control stop
    expect(pm.call(KERNEL, { kind: 'kill', pid: a, signo: SIGSEGV }).effects).toEqual([{ kind: 'exited', pid: a, status: SIGSEGV | 0x80 }]);
    expect(pm.result(INIT, { kind: 'kill', pid: a, signo: SIGTERM })).toBe(0);
    expect(pm.call(INIT, { kind: 'wait4', pid: a, options: 0 }).outcome).toEqual(reply('wait4', a, { status: SIGSEGV | 0x80 }));
  });

  it('kill(-1) signals everything the sender may except init, servers and itself; kill(0) the own group', () => {
    const pm = new Pm();
    const a = pm.fork(INIT);
    const b = pm.fork(a);
    const c = pm.fork(INIT);
    const r = pm.call(a, { kind: 'kill', pid: -1, signo: SIGTERM });
    expect(r.outcome).toEqual(reply('kill', 0));
    expect(r.effects.filter((e) => e.kind === 'exited').map((e) => (e as { pid: number }).pid)).toEqual([b, c]);
    expect(pm.pcb(INIT)!.state).toBe('alive');
    expect(pm.pcb(a)!.state).toBe('alive');
    // kill(0) reaches the own group, the sender included: it dies, so it gets no reply.
    const d = pm.fork(a);
    expect(pm.result(a, { kind: 'setpgid', pid: 0, pgid: 0 })).toBe(0);
    expect(pm.result(a, { kind: 'setpgid', pid: d, pgid: a })).toBe(0);
    const k = pm.call(a, { kind: 'kill', pid: 0, signo: SIGTERM });
    expect(k.outcome).toEqual({ kind: 'none' });
    expect(k.effects.filter((e) => e.kind === 'exited').map((e) => (e as { pid: number }).pid)).toEqual([a, d]);
    expect(pm.result(INIT, { kind: 'kill', pid: -12345, signo: SIGTERM })).toBe(-ESRCH);
  });

  it('kill(-pgid) from a non-root sender gives EPERM when it may signal no member', () => {
    const pm = new Pm();
    const a = pm.fork(INIT);
    const b = pm.fork(INIT);
    expect(pm.result(INIT, { kind: 'setpgid', pid: b, pgid: b })).toBe(0);
    expect(pm.result(a, { kind: 'setuid', uid: 100 })).toBe(0);
    expect(pm.result(a, { kind: 'kill', pid: -b, signo: SIGTERM })).toBe(-EPERM);
    expect(pm.result(INIT, { kind: 'kill', pid: -b, signo: SIGTERM })).toBe(0);
  });

  it('the kernel posts fault signals with force: a blocked or ignored SIGSEGV still kills; Ctrl-C reaches a group', () => {
    const pm = new Pm();
    const a = pm.fork(INIT);
    pm.call(a, { kind: 'signal', signo: SIGSEGV, handler: SIG_IGN });
    expect(pm.call(KERNEL, { kind: 'ctlSignal', pid: a, signo: SIGSEGV, flags: 0 }).effects).toEqual([]);
    expect(pm.call(KERNEL, { kind: 'ctlSignal', pid: a, signo: SIGSEGV, flags: CTL_SIGNAL_FORCE }).effects).toEqual([
      { kind: 'exited', pid: a, status: SIGSEGV | 0x80 },
    ]);
    const g = pm.fork(INIT);
    const h = pm.fork(g);
    pm.call(g, { kind: 'setpgid', pid: 0, pgid: 0 });
    pm.call(g, { kind: 'setpgid', pid: h, pgid: g });
    const r = pm.call(KERNEL, { kind: 'ctlSignal', pid: -g, signo: SIGINT, flags: 0 });
    expect(r.effects.filter((e) => e.kind === 'exited').map((e) => (e as { pid: number }).pid)).toEqual([g, h]);
    expect(pm.result(KERNEL, { kind: 'ctlSignal', pid: -g, signo: SIGINT, flags: 0 })).toBe(0); // zombies still form the group
    expect(pm.result(KERNEL, { kind: 'ctlSignal', pid: 0, signo: SIGINT, flags: 0 })).toBe(-EINVAL);
    expect(pm.result(KERNEL, { kind: 'ctlSignal', pid: 999, signo: SIGINT, flags: 0 })).toBe(-ESRCH);
    expect(pm.result(g, { kind: 'ctlSignal', pid: INIT, signo: SIGKILL, flags: 0 })).toBe(-EPERM);
  });

  it('CTL_SIGNAL_DEFAULT (no signal frame possible): a handler is reset too, so the process dies of the signal', () => {
    const pm = new Pm();
    const a = pm.fork(INIT);
    pm.call(a, { kind: 'signal', signo: SIGSEGV, handler: 0x10100 });
    expect(pm.call(KERNEL, { kind: 'ctlSignal', pid: a, signo: SIGSEGV, flags: CTL_SIGNAL_FORCE }).effects.map((e) => e.kind)).toContain('deliver');
    const b = pm.fork(INIT);
    pm.call(b, { kind: 'signal', signo: SIGSEGV, handler: 0x10100 });
    expect(pm.call(KERNEL, { kind: 'ctlSignal', pid: b, signo: SIGSEGV, flags: CTL_SIGNAL_FORCE | CTL_SIGNAL_DEFAULT }).effects).toEqual([
      { kind: 'exited', pid: b, status: SIGSEGV | 0x80 },
    ]);
  });
});

describe('Process Manager: handlers, masks, pending, delivery', () => {
  it('given a handler, kill of another process interrupts it and delivers; the mask grows by the signal and sa_mask', () => {
    const pm = new Pm();
    const a = pm.fork(INIT);
    pm.catch(a, SIGUSR1, H1, 0, sigBit(SIGUSR2));
    const r = pm.call(INIT, { kind: 'kill', pid: a, signo: SIGUSR1 });
    expect(r.outcome).toEqual(reply('kill', 0));
    expect(r.effects).toEqual([{ kind: 'interrupt', pid: a }, deliver(a, SIGUSR1, 0)]);
    expect(pm.mask(a)).toBe(sigBit(SIGUSR1) | sigBit(SIGUSR2));
    // sigreturn restores the saved mask.
    expect(pm.call(a, { kind: 'sigreturn', mask: 0 }).outcome).toEqual(reply('sigreturn', 0));
    expect(pm.mask(a)).toBe(0);
  });

  it('kill of itself delivers without an interrupt (the reply comes first)', () => {
    const pm = new Pm();
    pm.catch(INIT, SIGUSR1);
    const r = pm.call(INIT, { kind: 'kill', pid: INIT, signo: SIGUSR1 });
    expect(r.outcome).toEqual(reply('kill', 0));
    expect(r.effects).toEqual([deliver(INIT, SIGUSR1, 0)]);
  });

  it('a blocked signal stays pending and is delivered when sigprocmask unblocks it; old masks come back', () => {
    const pm = new Pm();
    pm.catch(INIT, SIGUSR1);
    const block = pm.call(INIT, { kind: 'sigprocmask', how: SIG_BLOCK, set: sigBit(SIGUSR1) | sigBit(SIGKILL) | sigBit(SIGSTOP), hasSet: 1 });
    expect(block.outcome).toEqual(reply('sigprocmask', 0, { oldMask: 0 }));
    expect(pm.mask(INIT)).toBe(sigBit(SIGUSR1)); // KILL and STOP cannot be blocked
    expect(pm.call(INIT, { kind: 'kill', pid: INIT, signo: SIGUSR1 }).effects).toEqual([]);
    expect(pm.pcb(INIT)!.pending).toBe(sigBit(SIGUSR1));
    const un = pm.call(INIT, { kind: 'sigprocmask', how: SIG_SETMASK, set: 0, hasSet: 1 });
    expect(un.outcome).toEqual(reply('sigprocmask', 0, { oldMask: sigBit(SIGUSR1) }));
    expect(un.effects).toEqual([deliver(INIT, SIGUSR1, 0)]);
    expect(pm.pcb(INIT)!.pending).toBe(0);
    expect(pm.result(INIT, { kind: 'sigprocmask', how: 7, set: 0, hasSet: 1 })).toBe(-EINVAL);
    expect(pm.result(INIT, { kind: 'sigprocmask', how: SIG_UNBLOCK, set: sigBit(SIGUSR1), hasSet: 1 })).toBe(0);
    expect(pm.mask(INIT)).toBe(0);
  });

  it('several pending signals are delivered lowest first, nested: each saved mask includes the earlier ones', () => {
    const pm = new Pm();
    const a = pm.fork(INIT);
    pm.catch(a, SIGUSR1, H1);
    pm.catch(a, SIGUSR2, H2);
    pm.call(a, { kind: 'sigprocmask', how: SIG_BLOCK, set: sigBit(SIGUSR1) | sigBit(SIGUSR2), hasSet: 1 });
    pm.call(INIT, { kind: 'kill', pid: a, signo: SIGUSR2 });
    pm.call(INIT, { kind: 'kill', pid: a, signo: SIGUSR1 });
    const r = pm.call(a, { kind: 'sigprocmask', how: SIG_SETMASK, set: 0, hasSet: 1 });
    expect(r.effects).toEqual([deliver(a, SIGUSR1, 0, H1), deliver(a, SIGUSR2, sigBit(SIGUSR1), H2)]);
    // sigreturn with a mask that unblocks a pending signal delivers it.
    pm.call(a, { kind: 'sigprocmask', how: SIG_SETMASK, set: sigBit(SIGUSR1), hasSet: 1 });
    pm.call(INIT, { kind: 'kill', pid: a, signo: SIGUSR1 });
    expect(pm.call(a, { kind: 'sigreturn', mask: 0 }).effects).toEqual([deliver(a, SIGUSR1, 0, H1)]);
  });

  it('SA_RESETHAND makes the handler one-shot; SA_NODEFER leaves the signal unblocked in its handler', () => {
    const pm = new Pm();
    const a = pm.fork(INIT);
    pm.catch(a, SIGUSR1, H1, SA_RESETHAND | SA_NODEFER);
    expect(pm.call(INIT, { kind: 'kill', pid: a, signo: SIGUSR1 }).effects[1]).toEqual(
      deliver(a, SIGUSR1, 0, H1, SA_RESETHAND | SA_NODEFER | SA_RESTORER),
    );
    expect(pm.mask(a)).toBe(0);
    expect(pm.pcb(a)!.actions[SIGUSR1]!.handler).toBe(0);
    expect(pm.call(INIT, { kind: 'kill', pid: a, signo: SIGUSR1 }).effects).toEqual([{ kind: 'exited', pid: a, status: SIGUSR1 }]);
  });

  it('SIGKILL and SIGSTOP cannot be caught; invalid numbers fail; sigaction reports the previous action', () => {
    const pm = new Pm();
    const req = { kind: 'sigaction', hasAct: 1, handler: H1, flags: 0, restorer: 0, mask: 0 } as const;
    expect(pm.result(INIT, { ...req, signo: SIGKILL })).toBe(-EINVAL);
    expect(pm.result(INIT, { ...req, signo: SIGSTOP })).toBe(-EINVAL);
    expect(pm.result(INIT, { ...req, signo: 0 })).toBe(-EINVAL);
    expect(pm.result(INIT, { ...req, signo: 32 })).toBe(-EINVAL);
    expect(pm.result(INIT, { kind: 'signal', signo: SIGKILL, handler: H1 })).toBe(-EINVAL);
    expect(pm.call(INIT, { ...req, signo: SIGKILL, hasAct: 0 }).outcome).toEqual(reply('sigaction', 0, { handler: 0, flags: 0, restorer: 0, mask: 0 }));
    pm.catch(INIT, SIGUSR1, H1, 0, sigBit(SIGKILL) | sigBit(SIGUSR2));
    expect(pm.call(INIT, { ...req, signo: SIGUSR1, handler: H2 }).outcome).toEqual(
      reply('sigaction', 0, { handler: H1, flags: SA_RESTORER, restorer: RESTORER, mask: sigBit(SIGUSR2) }),
    );
    expect(pm.call(INIT, { kind: 'signal', signo: SIGUSR1, handler: SIG_IGN }).outcome).toEqual(reply('signal', 0, { oldHandler: H2 }));
  });

  it('ignoring a pending signal discards it; SIGKILL kills a process that blocks everything', () => {
    const pm = new Pm();
    const a = pm.fork(INIT);
    pm.call(a, { kind: 'sigprocmask', how: SIG_SETMASK, set: 0xffffffff, hasSet: 1 });
    pm.call(INIT, { kind: 'kill', pid: a, signo: SIGTERM });
    expect(pm.pcb(a)!.pending).toBe(sigBit(SIGTERM));
    pm.call(a, { kind: 'signal', signo: SIGTERM, handler: SIG_IGN });
    expect(pm.pcb(a)!.pending).toBe(0);
    expect(pm.call(a, { kind: 'sigprocmask', how: SIG_SETMASK, set: 0, hasSet: 1 }).effects).toEqual([]);
    pm.call(a, { kind: 'sigprocmask', how: SIG_SETMASK, set: 0xffffffff, hasSet: 1 });
    expect(pm.call(INIT, { kind: 'kill', pid: a, signo: SIGKILL }).effects).toEqual([{ kind: 'exited', pid: a, status: SIGKILL }]);
  });

  it('given a process in sigsuspend, a caught signal interrupts it and the frame saves the mask from before', () => {
    const pm = new Pm();
    const a = pm.fork(INIT);
    pm.catch(a, SIGUSR1);
    pm.call(a, { kind: 'sigprocmask', how: SIG_SETMASK, set: sigBit(SIGUSR1) | sigBit(SIGUSR2), hasSet: 1 });
    expect(pm.call(a, { kind: 'sigsuspend', mask: sigBit(SIGUSR2) }).outcome).toEqual({ kind: 'blocked', call: 'sigsuspend' });
    expect(pm.call(INIT, { kind: 'kill', pid: a, signo: SIGCHLD }).effects).toEqual([]); // ignored: stays suspended
    const r = pm.call(INIT, { kind: 'kill', pid: a, signo: SIGUSR1 });
    expect(r.effects).toEqual([{ kind: 'interrupt', pid: a }, deliver(a, SIGUSR1, sigBit(SIGUSR1) | sigBit(SIGUSR2))]);
    expect(pm.pcb(a)!.waiter).toBeNull();
    expect(pm.mask(a)).toBe(sigBit(SIGUSR1) | sigBit(SIGUSR2));
  });

  it('sigsuspend with a signal already pending under the new mask returns EINTR at once', () => {
    const pm = new Pm();
    pm.catch(INIT, SIGUSR1);
    pm.call(INIT, { kind: 'sigprocmask', how: SIG_SETMASK, set: sigBit(SIGUSR1), hasSet: 1 });
    pm.call(INIT, { kind: 'kill', pid: INIT, signo: SIGUSR1 });
    const r = pm.call(INIT, { kind: 'sigsuspend', mask: 0 });
    expect(r.outcome).toEqual(reply('sigsuspend', -EINTR));
    expect(r.effects).toEqual([deliver(INIT, SIGUSR1, sigBit(SIGUSR1))]);
  });

  it('given a parent in wait4, a caught signal interrupts the wait; a later exit does not complete it', () => {
    const pm = new Pm();
    const p = pm.fork(INIT);
    const c = pm.fork(p);
    pm.catch(p, SIGUSR1);
    pm.call(p, { kind: 'wait4', pid: -1, options: 0 });
    expect(pm.call(INIT, { kind: 'kill', pid: p, signo: SIGUSR1 }).effects).toEqual([{ kind: 'interrupt', pid: p }, deliver(p, SIGUSR1, 0)]);
    expect(pm.call(c, { kind: 'exit', status: 0 }).effects).toEqual([{ kind: 'exited', pid: c, status: 0 }]);
    expect(pm.pcb(c)!.state).toBe('zombie');
  });

  it('given a SIGCHLD handler and a parent in wait4, the exit completes the wait and then delivers SIGCHLD', () => {
    const pm = new Pm();
    const p = pm.fork(INIT);
    const c = pm.fork(p);
    pm.catch(p, SIGCHLD);
    pm.call(p, { kind: 'wait4', pid: c, options: 0 });
    expect(pm.call(c, { kind: 'exit', status: 0 }).effects).toEqual([
      { kind: 'exited', pid: c, status: 0 },
      { kind: 'reaped', pid: c },
      { kind: 'wait-done', pid: p, result: c, status: 0 },
      { kind: 'interrupt', pid: p },
      deliver(p, SIGCHLD, 0),
    ]);
  });

  it('exec (reported by the kernel) resets caught handlers, keeps ignored ones and the mask, renames', () => {
    const pm = new Pm();
    const a = pm.fork(INIT);
    pm.catch(a, SIGUSR1);
    pm.call(a, { kind: 'signal', signo: SIGTERM, handler: SIG_IGN });
    pm.call(a, { kind: 'sigprocmask', how: SIG_SETMASK, set: sigBit(SIGUSR2), hasSet: 1 });
    expect(pm.result(a, { kind: 'ctlExec', pid: a, name: 'sh' })).toBe(-EPERM);
    expect(pm.result(KERNEL, { kind: 'ctlExec', pid: 999, name: 'sh' })).toBe(-ESRCH);
    expect(pm.result(KERNEL, { kind: 'ctlExec', pid: a, name: 'sh' })).toBe(0);
    const p = pm.pcb(a)!;
    expect([p.name, p.actions[SIGUSR1]!.handler, p.actions[SIGTERM]!.handler, p.blocked]).toEqual(['sh', 0, SIG_IGN, sigBit(SIGUSR2)]);
  });
});

describe('Process Manager: ids, groups, ps', () => {
  it('root may set any uid/gid, others only their real one; the VFS is told the new credentials', () => {
    const pm = new Pm();
    const a = pm.fork(INIT);
    const r = pm.call(a, { kind: 'setuid', uid: 100 });
    expect(r.outcome).toEqual(reply('setuid', 0));
    expect(r.effects).toEqual([{ kind: 'cred', pid: a, uid: 100, euid: 100, gid: 0, egid: 0 }]);
    expect(pm.result(a, { kind: 'setuid', uid: 0 })).toBe(-EPERM);
    expect(pm.result(a, { kind: 'setuid', uid: 100 })).toBe(0);
    expect(pm.result(a, { kind: 'setgid', gid: 50 })).toBe(-EPERM);
    expect(pm.result(INIT, { kind: 'setgid', gid: 50 })).toBe(0);
    expect(pm.result(INIT, { kind: 'setgid', gid: 0xffffffff })).toBe(-EINVAL);
    expect([a, INIT].map((pid) => ['getuid', 'geteuid', 'getgid', 'getegid'].map((k) => pm.result(pid, { kind: k } as ProcRequest)))).toEqual([
      [100, 100, 0, 0],
      [0, 0, 50, 50],
    ]);
  });

  it('setpgid: self or a child, into a new group or an existing one of the session; getpgid', () => {
    const pm = new Pm();
    const a = pm.fork(INIT);
    const b = pm.fork(a);
    expect(pm.result(INIT, { kind: 'setpgid', pid: 0, pgid: 0 })).toBe(-EPERM); // init leads its session
    expect(pm.result(a, { kind: 'setpgid', pid: 0, pgid: 0 })).toBe(0);
    expect(pm.result(b, { kind: 'getpgid', pid: 0 })).toBe(1);
    expect(pm.result(a, { kind: 'setpgid', pid: b, pgid: a })).toBe(0);
    expect(pm.result(INIT, { kind: 'getpgid', pid: b })).toBe(a);
    expect(pm.result(a, { kind: 'setpgid', pid: b, pgid: 4242 })).toBe(-EPERM);
    expect(pm.result(b, { kind: 'setpgid', pid: a, pgid: 0 })).toBe(-ESRCH); // not b's child
    expect(pm.result(a, { kind: 'setpgid', pid: 0, pgid: -1 })).toBe(-EINVAL);
    expect(pm.result(a, { kind: 'getpgid', pid: 999 })).toBe(-ESRCH);
  });

  it('ps_list lists kernel, servers and processes in pid order with kinds, states and the kernel facts', () => {
    const pm = new Pm();
    const a = pm.fork(INIT);
    const b = pm.fork(INIT);
    pm.call(KERNEL, { kind: 'ctlExec', pid: a, name: 'sh' });
    pm.call(b, { kind: 'exit', status: 0 });
    pm.call(a, { kind: 'wait4', pid: -1, options: WNOHANG });
    const r = pm.server.handle(
      { kind: 'psList', startPid: 0 },
      { source: INIT, procFacts: (pid) => (pid === a ? { icount: 1234, rssPages: 5, state: 'S' } : undefined) },
    );
    const entries = (r.outcome as unknown as { reply: { result: number; body: { entries: Record<string, unknown>[] } } }).reply.body.entries;
    expect(entries.map((e) => [e['pid'], e['kind'], String.fromCharCode(e['state'] as number), e['name']])).toEqual([
      [0, 2, 'R', 'kernel'],
      [1, 0, 'R', 'init'],
      [2, 1, 'R', 'vfs'],
      [3, 1, 'R', 'pm'],
      [4, 1, 'R', 'mm'],
      [7, 1, 'R', 'rs'],
      [a, 0, 'S', 'sh'],
      [b, 0, 'Z', 'init'],
    ]);
    expect(entries[6]).toMatchObject({ ppid: INIT, pgid: 1, uid: 0, icount: 1234, rssPages: 5 });
    expect(pm.result(INIT, { kind: 'psList', startPid: 3 })).toBe(5); // 3, 4, 7, a, b
    for (let i = 0; i < 70; i++) pm.fork(INIT);
    expect(pm.result(INIT, { kind: 'psList', startPid: 0 })).toBe(PS_LIST_MAX);
  });
});

describe('Process Manager: the mailbox server', () => {
  const send = (server: ProcessManager, m_source: number, req: ProcRequest) => server.receive({ m_source, ...PROC_PROTOCOL.encodeRequest(req) }, { now: 0n });

  it('answers malformed and unknown messages with an error reply, and ignores replies addressed to it', () => {
    const server = new ProcessManager();
    const bad = server.receive({ m_source: 8, m_type: MSG.PROC_KILL, payload: new Uint8Array(3) }, { now: 0n });
    expect(bad).toHaveLength(1);
    expect(PROC_PROTOCOL.decodeReplyHeader((bad[0] as { message: { payload: Uint8Array } }).message.payload)).toMatchObject({
      ok: true,
      value: { requestType: MSG.PROC_KILL, result: -EBADMSG },
    });
    const unknown = server.receive({ m_source: 8, m_type: 299, payload: new Uint8Array() }, { now: 0n });
    expect(PROC_PROTOCOL.decodeReplyHeader((unknown[0] as { message: { payload: Uint8Array } }).message.payload)).toMatchObject({
      ok: true,
      value: { result: -ENOSYS },
    });
    expect(server.receive({ m_source: 2, m_type: MSG.VFS_REPLY, payload: VFS_PROTOCOL.encodeReply('procSetcred', 0) }, { now: 0n })).toEqual([]);
  });

  it('turns a completed wait into a reply to the waiter and setuid into a VFS_PROC_SETCRED message', () => {
    const server = new ProcessManager();
    send(server, KERNEL, { kind: 'ctlInit', uid: 0, gid: 0, name: 'init' });
    const forked = send(server, INIT, { kind: 'fork' });
    expect(forked[1]).toEqual({ kind: 'effect', effect: { kind: 'fork', parent: INIT, child: 8 } });
    expect(send(server, INIT, { kind: 'wait4', pid: -1, options: 0 })).toEqual([]);
    const out = send(server, 8, { kind: 'exit', status: 9 });
    expect(out[0]).toEqual({ kind: 'effect', effect: { kind: 'exited', pid: 8, status: 9 << 8 } });
    expect(out[1]).toMatchObject({ kind: 'reply', to: INIT, message: { m_source: 3, m_type: MSG.PROC_REPLY } });
    expect(PROC_PROTOCOL.decodeReply((out[1] as { message: { payload: Uint8Array } }).message.payload)).toEqual({
      ok: true,
      value: { kind: 'wait4', result: 8, body: { status: 9 << 8 } },
    });
    const cred = send(server, INIT, { kind: 'setuid', uid: 0 });
    expect(cred).toHaveLength(2);
    const m = (cred[1] as { to: number; message: { m_source: number; m_type: number; payload: Uint8Array } });
    expect([m.to, m.message.m_source, m.message.m_type]).toEqual([2, 3, MSG.VFS_PROC_SETCRED]);
    expect(VFS_PROTOCOL.decodeRequest(m.message.m_type, m.message.payload)).toEqual({
      ok: true,
      value: { kind: 'procSetcred', pid: INIT, uid: 0, euid: 0, gid: 0, egid: 0 },
    });
  });

  it('fits the kernel ServerPort shape', () => {
    const server = new ProcessManager();
    const port: Pick<ServerPort, 'receive' | 'getState' | 'setState'> = server;
    expect(port.receive({ m_source: 8, m_type: MSG.PROC_GETPID, payload: new Uint8Array() }, { now: 0n, procFacts: () => undefined })).toHaveLength(1);
  });

  it('save -> restore -> keep going: a restored PM completes a pending wait and a pending signal the same way', () => {
    const pm = new Pm();
    const p = pm.fork(INIT);
    const c = pm.fork(p);
    pm.catch(c, SIGUSR1);
    pm.call(c, { kind: 'sigprocmask', how: SIG_BLOCK, set: sigBit(SIGUSR1), hasSet: 1 });
    pm.call(INIT, { kind: 'kill', pid: c, signo: SIGUSR1 });
    pm.call(p, { kind: 'wait4', pid: c, options: 0 });
    const saved = JSON.parse(JSON.stringify(pm.server.getState()));
    const restored = new ProcessManager();
    restored.setState(saved);
    expect(restored.getState()).toEqual(pm.server.getState());
    const steps: [number, ProcRequest][] = [
      [c, { kind: 'sigprocmask', how: SIG_SETMASK, set: 0, hasSet: 1 }],
      [c, { kind: 'exit', status: 4 }],
      [INIT, { kind: 'fork' }],
    ];
    for (const [source, req] of steps) {
      expect(restored.handle(req, { source })).toEqual(pm.call(source, req));
    }
    expect(restored.getState()).toEqual(pm.server.getState());
    expect(() => restored.setState({ ...saved, version: 2 })).toThrow(/version/);
  });
});
