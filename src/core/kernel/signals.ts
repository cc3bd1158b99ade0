/**
 * The kernel's side of signals (the Process Manager decides which signal goes where; the kernel
 * carries it out on the process): a guest fault becomes a signal, a signal interrupts a blocking
 * call with EINTR, a handler runs on a frame pushed on the user stack, and sigreturn takes the
 * frame back. A process that cannot take its signal (no room for the frame, a forged frame) is
 * killed by SIGSEGV.
 */
import { TrapCause, type StopReason } from '../cpu.js';
import { ERRNO } from '../../protocol/errno.js';
import { WELL_KNOWN_PID } from '../../protocol/message-types.js';
import { CTL_SIGNAL_DEFAULT, CTL_SIGNAL_FORCE, PROC_PROTOCOL } from '../../protocol/proc-protocol.js';
import { SYSCALLS } from '../syscall-numbers.js';
import { timespecBytes } from './guest-values.js';
import type { Kernel, SyscallOutcome } from './kernel.js';
import type { Process } from './process.js';
import type { KernelEffect } from './server-port.js';

const { VFS, PROC } = WELL_KNOWN_PID;

/** Linux signal numbers the kernel raises itself. */
const SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGSEGV = 11;

/** Signal frame: magic, saved pc, saved signal mask, x1..x31; 16-byte aligned on the user stack. */
const FRAME_MAGIC = 0x5349_4746; // "FGIS"
const FRAME_REGS = 12;
const FRAME_WORDS = 3 + 31;
const FRAME_BYTES = (FRAME_WORDS * 4 + 15) & ~15;

export class Signals {
  constructor(private readonly k: Kernel) {}

  /** Ask the Process Manager to post a signal (pid < -1: a process group). */
  post(pid: number, signo: number, flags = 0): void {
    const { m_type, payload } = PROC_PROTOCOL.encodeRequest({ kind: 'ctlSignal', pid, signo, flags });
    this.k.kcall(PROC, m_type, payload);
  }

  /** A guest fault (any trap but ecall): the signal Linux would send for it. */
  trap(p: Process, t: Extract<StopReason, { kind: 'trap' }>): void {
    this.k.emit({ kind: 'trap', pid: p.pid, cause: t.cause, pc: t.pc, tval: t.tval });
    const signo =
      t.cause === TrapCause.IllegalInstruction ? SIGILL
        : t.cause === TrapCause.Breakpoint ? SIGTRAP
          : t.cause === TrapCause.LoadAddressMisaligned || t.cause === TrapCause.StoreAddressMisaligned || t.cause === TrapCause.InstructionAddressMisaligned ? SIGBUS
            : SIGSEGV;
    // A fault signal that is blocked or ignored would refault forever: force the default.
    this.post(p.pid, signo, CTL_SIGNAL_FORCE);
  }

  /**
   * The process cannot go on (no room for a signal frame, a forged frame): SIGSEGV with its
   * handler reset to SIG_DFL, so it dies of SIGSEGV (Linux force_sigsegv; the ABI says SIGSEGV).
   * The death itself is the signal event (process-effects.ts).
   */
  private forceSegv(p: Process): void {
    this.post(p.pid, SIGSEGV, CTL_SIGNAL_FORCE | CTL_SIGNAL_DEFAULT);
  }

  /** A signal interrupts p's blocking call: it returns EINTR. */
  interrupt(pid: number): void {
    const k = this.k;
    const p = k.procs.get(pid);
    if (!p || p.state !== 'blocked' || !p.wait) return;
    const w = p.wait;
    k.emit({ kind: 'signal', pid, signo: 0, action: 'interrupt' });
    switch (w.kind) {
      case 'reply':
        if (w.server === VFS) {
          // The VFS answers the pending request with -EINTR, which completes the call.
          k.vfsCall({ kind: 'procCancel', pid });
          if (p.wait?.kind === 'reply') k.finish(p, w.nr, -ERRNO.EINTR);
        } else {
          k.finish(p, w.nr, -ERRNO.EINTR);
        }
        break;
      case 'console-read':
        k.console.dropReader(pid);
        k.finish(p, w.nr, -ERRNO.EINTR);
        break;
      case 'sleep': {
        k.dev.timer.cancelDeadline(pid);
        const left = Math.max(0, w.untilNs - k.nowNs());
        if (w.remPtr) p.mem.writeUser(w.remPtr, timespecBytes(left));
        k.finish(p, SYSCALLS.nanosleep, -ERRNO.EINTR);
        break;
      }
      case 'recv':
        k.finish(p, SYSCALLS.lattice_recv, -ERRNO.EINTR);
        break;
    }
  }

  /** Push a signal frame and enter the handler (a0 = signo, ra = restorer). */
  deliver(e: Extract<KernelEffect, { kind: 'deliver' }>): void {
    const p = this.k.procs.get(e.pid);
    if (!p) return;
    this.k.emit({ kind: 'signal', pid: e.pid, signo: e.signo, action: 'deliver' });
    const frame = (((p.regs[2] ?? 0) >>> 0) - FRAME_BYTES) & ~15;
    const words = new DataView(new ArrayBuffer(FRAME_BYTES));
    words.setUint32(0, FRAME_MAGIC, true);
    words.setUint32(4, p.pc >>> 0, true);
    words.setUint32(8, e.savedMask >>> 0, true);
    p.regs.subarray(1, 32).forEach((x, i) => words.setInt32(FRAME_REGS + i * 4, x, true));
    if (!p.mem.writeUser(frame >>> 0, new Uint8Array(words.buffer))) {
      this.forceSegv(p); // no room for the frame: the process cannot take the signal
      return;
    }
    p.regs[1] = e.restorer | 0;
    p.regs[2] = frame | 0;
    p.regs[10] = e.signo;
    p.regs[11] = 0;
    p.regs[12] = 0;
    p.pc = e.handler >>> 0;
    this.k.sched.makeReady(p);
  }

  /** sigreturn: registers and pc back from the frame; the Process Manager restores the mask. */
  sigreturn(p: Process): SyscallOutcome {
    const frame = (p.regs[2] ?? 0) >>> 0;
    const b = p.mem.readUser(frame, FRAME_BYTES);
    const v = b && new DataView(b.buffer, b.byteOffset);
    if (!v || v.getUint32(0, true) !== FRAME_MAGIC) {
      this.forceSegv(p);
      return 'no-return';
    }
    p.pc = v.getUint32(4, true);
    const mask = v.getUint32(8, true);
    for (let r = 1; r < 32; r++) p.regs[r] = v.getInt32(FRAME_REGS + (r - 1) * 4, true);
    const { m_type, payload } = PROC_PROTOCOL.encodeRequest({ kind: 'sigreturn', mask });
    return this.k.calls.send(p, PROC, m_type, payload, SYSCALLS.sigreturn, []);
  }

  /** After sigreturn the registers are the restored ones: a0 is not the call's result. */
  resumeAfterSigreturn(p: Process): void {
    p.wait = undefined;
    this.k.emit({ kind: 'syscall-return', pid: p.pid, nr: SYSCALLS.sigreturn, result: 0 });
    this.k.sched.makeReady(p);
  }
}
