/**
 * execve and image loading: the executable is read through the VFS (as the process, with its
 * permissions), built into a fresh address space (exec-image.ts), and the Process Manager and
 * Memory Manager are told of the new image.
 */
import { ERRNO } from '../../protocol/errno.js';
import { WELL_KNOWN_PID } from '../../protocol/message-types.js';
import { MM_PROTOCOL, MM_REGION_KIND } from '../../protocol/mm-protocol.js';
import { PROC_PROTOCOL } from '../../protocol/proc-protocol.js';
import { VFS_IO_MAX } from '../../protocol/vfs-protocol.js';
import { readPath } from './delegated-calls.js';
import { buildImage, readStringVector, type Image } from './exec-image.js';
import type { Kernel, SyscallOutcome } from './kernel.js';
import { adoptAddressSpace } from './stack-growth.js';
import type { Process } from './process.js';

const { PROC, MM } = WELL_KNOWN_PID;

const REGION_KIND = { text: MM_REGION_KIND.TEXT, data: MM_REGION_KIND.DATA, stack: MM_REGION_KIND.STACK } as const;

export class Exec {
  constructor(private readonly k: Kernel) {}

  /** Load a new image into p: read the file through the VFS, then tell the servers. */
  execve(p: Process, a: readonly number[]): SyscallOutcome {
    const k = this.k;
    const path = readPath(p, a[0] ?? 0);
    if (typeof path === 'number') return path;
    const argv = readStringVector(p.mem, (a[1] ?? 0) >>> 0);
    const envp = readStringVector(p.mem, (a[2] ?? 0) >>> 0);
    if (argv === undefined || envp === undefined) return -ERRNO.EFAULT;
    if (argv === 'E2BIG' || envp === 'E2BIG') return -ERRNO.E2BIG;
    const loaded = this.loadImage(p.pid, path, argv, envp);
    if (typeof loaded === 'number') return loaded;
    k.emit({ kind: 'exec', pid: p.pid, path });
    p.mem.release();
    p.mem = loaded.mem;
    adoptAddressSpace(k, p);
    k.shm.forget(p.pid);
    p.name = path.slice(path.lastIndexOf('/') + 1);
    p.regs.fill(0);
    p.regs[2] = loaded.sp;
    p.pc = loaded.entry;
    if (k.current === p) k.dev.cpu.setAddressSpace(p.mem);
    k.vfsCall({ kind: 'procExec', pid: p.pid });
    this.announceImage(p.pid, p.name, loaded);
    return 0;
  }

  /** Tell the Process Manager (name, handlers reset) and Memory Manager (regions) of a new image. */
  announceImage(pid: number, name: string, image: Image): void {
    const pm = PROC_PROTOCOL.encodeRequest({ kind: 'ctlExec', pid, name: name.slice(0, 31) });
    this.k.kcall(PROC, pm.m_type, pm.payload);
    const regions = image.regions.map((r) => ({ addr: r.addr, length: r.length, perm: r.perm, kind: REGION_KIND[r.kind] }));
    const mm = MM_PROTOCOL.encodeRequest({ kind: 'procExec', pid, brkBase: image.brk, regions });
    this.k.kcall(MM, mm.m_type, mm.payload);
  }

  /** Read an executable through the VFS (as `pid`, with its permissions) and build its image. */
  loadImage(pid: number, path: string, argv: Uint8Array[], envp: Uint8Array[]): Image | number {
    const opened = this.k.vfsCall({ kind: 'procOpenexec', pid, path });
    if (!opened.ok) return -ERRNO.EIO;
    const o = opened.value;
    if (o.result < 0) return o.result;
    if (o.kind !== 'procOpenexec' || !o.body) return -ERRNO.EIO;
    const { ino, size } = o.body;
    const bytes = new Uint8Array(size);
    for (let off = 0; off < size; ) {
      const r = this.k.vfsCall({ kind: 'procReadino', ino, offset: off, count: Math.min(VFS_IO_MAX, size - off) });
      if (!r.ok || r.value.result <= 0) return -ERRNO.EIO;
      if (r.value.kind !== 'procReadino' || !r.value.body) return -ERRNO.EIO;
      const data = r.value.body.data;
      if (data.length === 0) return -ERRNO.EIO; // a VFS that answers with no bytes would loop forever
      bytes.set(data, off);
      off += data.length;
    }
    const image = buildImage(bytes, argv, envp);
    if (!image.ok) return -ERRNO.ENOEXEC;
    return image.value;
  }
}
