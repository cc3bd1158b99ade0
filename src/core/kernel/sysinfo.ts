/**
 * sysinfo (a call of this machine's): the machine's facts in one struct, so a guest tool can show
 * the virtual time, the recording's seed id, the processes and how the servers are doing.
 */
import { ERRNO } from '../../protocol/errno.js';
import { NS_PER_INSTRUCTION } from '../../hw/clock.js';
import type { Kernel } from './kernel.js';
import { memoryInfo } from './machine-memory.js';
import type { Process } from './process.js';

/** What the machine knows and the kernel reports (set by the machine at construction). */
export interface SysinfoFacts {
  readonly seedId: bigint;
  readonly bootEpochSec: number;
  readonly serverRestarts: (pid: number) => number;
}

const SYSINFO_SIZE = 320;
const SERVER_SLOTS = 8;
const SERVER_SLOT = 32;

export function sysinfo(k: Kernel, p: Process, ptr: number, size: number): number {
  const b = new Uint8Array(SYSINFO_SIZE);
  const v = new DataView(b.buffer);
  v.setUint32(0, 1, true);
  v.setUint32(4, SYSINFO_SIZE, true);
  v.setBigUint64(8, BigInt(k.nowNs()), true);
  v.setBigInt64(16, BigInt(k.sysinfoFacts.bootEpochSec), true);
  v.setBigUint64(24, BigInt(k.dev.cpu.icount), true);
  v.setBigUint64(32, k.sysinfoFacts.seedId, true);
  v.setUint32(40, k.procs.size, true);
  const servers = [...k.servers.values()].sort((x, y) => x.pid - y.pid);
  v.setUint32(44, servers.length, true);
  const mem = memoryInfo(k);
  v.setUint32(48, mem.totalPages, true);
  v.setUint32(52, Math.max(0, mem.totalPages - mem.mappedPages), true);
  v.setUint32(56, NS_PER_INSTRUCTION, true);
  servers.slice(0, SERVER_SLOTS).forEach((s, i) => {
    const o = 64 + i * SERVER_SLOT;
    v.setInt32(o, s.pid, true);
    b[o + 4] = k.supervisor.statusOf(s.pid) === 'up' ? 1 : 0;
    v.setUint32(o + 8, k.sysinfoFacts.serverRestarts(s.pid), true);
    b.set(new TextEncoder().encode(s.name.slice(0, 19)), o + 12);
  });
  const n = Math.min(size, SYSINFO_SIZE);
  return p.mem.writeUser(ptr, b.subarray(0, n)) ? SYSINFO_SIZE : -ERRNO.EFAULT;
}
