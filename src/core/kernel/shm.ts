/**
 * System V shared memory as the kernel holds it: segments are pages shared (not copy-on-write)
 * between the processes that attach them. The Memory Manager decides (shmget, shmat, shmdt, IPC_RMID)
 * and tells the kernel by effects; the kernel keeps the pages and where each process attached
 * them, so a restored machine attaches them again.
 */
import { SharedSegment } from '../memory.js';
import type { Process } from './process.js';
import type { KernelEffect } from './server-port.js';

export interface ShmAttachment {
  readonly addr: number;
  readonly segment: number;
  readonly perm: number;
}

export type ShmEffect = Extract<KernelEffect, { kind: 'shm-attach' | 'shm-detach' | 'shm-destroy' }>;

export class SharedMemory {
  segments = new Map<number, SharedSegment>();
  /** Where each process has segments attached (to re-attach them after a restore). */
  attachments = new Map<number, ShmAttachment[]>();

  apply(e: ShmEffect, procs: ReadonlyMap<number, Process>): void {
    switch (e.kind) {
      case 'shm-attach': {
        const p = procs.get(e.pid);
        if (!p) return;
        let seg = this.segments.get(e.segment);
        if (!seg) {
          seg = new SharedSegment(e.length);
          this.segments.set(e.segment, seg);
        }
        p.mem.attachShared(e.addr, seg, e.perm);
        this.attachments.set(e.pid, [...(this.attachments.get(e.pid) ?? []), { addr: e.addr, segment: e.segment, perm: e.perm }]);
        break;
      }
      case 'shm-detach':
        procs.get(e.pid)?.mem.unmap(e.addr, e.length);
        this.attachments.set(e.pid, (this.attachments.get(e.pid) ?? []).filter((a) => a.addr !== e.addr));
        break;
      case 'shm-destroy': this.segments.delete(e.segment); break;
    }
  }

  /** A forked child has its parent's attachments (its address space is a clone). */
  inherit(parent: number, child: number): void {
    const attached = this.attachments.get(parent);
    if (attached) this.attachments.set(child, [...attached]);
  }

  /** The process exited or exec'd: its attachments are gone with its address space. */
  forget(pid: number): void {
    this.attachments.delete(pid);
  }
}
