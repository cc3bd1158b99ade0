/**
 * What the Process Manager and the Memory Manager ask the kernel to do to processes: create one
 * (fork), tear one down (exit, a fatal signal), interrupt or signal one, and change its mappings.
 */
import { WELL_KNOWN_PID } from '../../protocol/message-types.js';
import { MM_PROTOCOL } from '../../protocol/mm-protocol.js';
import type { Kernel } from './kernel.js';
import { newProcess } from './process.js';
import type { KernelEffect } from './server-port.js';
import { adoptAddressSpace } from './stack-growth.js';

const { MM, INIT } = WELL_KNOWN_PID;

export class ProcessEffects {
  constructor(private readonly k: Kernel) {}

  apply(e: KernelEffect): void {
    const k = this.k;
    switch (e.kind) {
      case 'fork': this.fork(e.parent, e.child); break;
      case 'exited': this.exited(e.pid, e.status); break;
      case 'interrupt': k.signals.interrupt(e.pid); break;
      case 'deliver': k.signals.deliver(e); break;
      case 'map': k.procs.get(e.pid)?.mem.map(e.addr, e.length, e.perm); break;
      case 'unmap': k.procs.get(e.pid)?.mem.unmap(e.addr, e.length); break;
      case 'protect': k.procs.get(e.pid)?.mem.protect(e.addr, e.length, e.perm); break;
      case 'shm-attach': case 'shm-detach': case 'shm-destroy':
        k.shm.apply(e, k.procs);
        break;
      default: {
        const _exhaustive: never = e;
        throw new Error(`unknown kernel effect ${String(_exhaustive)}`);
      }
    }
  }

  /** Clone the parent's address space and registers into the child (a0 = 0), and tell the VFS and MM. */
  private fork(parentPid: number, childPid: number): void {
    const k = this.k;
    const parent = k.procs.get(parentPid);
    if (!parent) return;
    const child = newProcess(childPid, parent.name, parent.mem.clone());
    adoptAddressSpace(k, child);
    child.regs.set(parent.regs);
    child.regs[10] = 0;
    child.pc = parent.pc;
    k.emit({ kind: 'fork', parent: parentPid, child: childPid });
    k.sched.addProcess(child);
    k.shm.inherit(parentPid, childPid);
    k.vfsCall({ kind: 'procFork', parent: parentPid, child: childPid });
    const mm = MM_PROTOCOL.encodeRequest({ kind: 'procFork', parent: parentPid, child: childPid });
    k.kcall(MM, mm.m_type, mm.payload);
  }

  /** The process is gone (status: a wait status); init's end halts the machine. */
  private exited(pid: number, status: number): void {
    const k = this.k;
    const p = k.procs.get(pid);
    if (!p) return;
    // A death by signal (the wait status's low 7 bits) is a signal event too, so "what killed
    // it" is one query (v_crashes) rather than a decoding of exit statuses.
    const killedBy = status & 0x7f;
    if (killedBy !== 0 && killedBy !== 0x7f) k.emit({ kind: 'signal', pid, signo: killedBy, action: 'terminate' });
    k.emit({ kind: 'exit', pid, status });
    p.state = 'zombie';
    p.wait = undefined;
    k.sched.remove(p);
    k.console.dropReader(pid);
    k.dev.timer.cancelDeadline(pid);
    p.mem.release();
    k.shm.forget(pid);
    k.link.renew(pid); // a reused pid gets new keys
    k.vfsCall({ kind: 'procExit', pid });
    const mm = MM_PROTOCOL.encodeRequest({ kind: 'procExit', pid });
    k.kcall(MM, mm.m_type, mm.payload);
    if (pid === INIT) {
      const code = (status & 0x7f) === 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
      k.halted = { reason: 'init exited', status: code };
      k.emit({ kind: 'halt', reason: 'init exited', status: code });
    }
  }
}
