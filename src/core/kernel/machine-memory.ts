/**
 * What the kernel asks the Memory Manager about the machine's memory. The MM's count (every
 * process's mappings, a stack as far as it has grown) is the only one: the kernel does not sum its
 * own page tables, so a fork, an mmap and sysinfo are answered from the same number.
 */
import { ERRNO } from '../../protocol/errno.js';
import { WELL_KNOWN_PID } from '../../protocol/message-types.js';
import { MACHINE_MEMORY_PAGES as PHYS_PAGES, MM_PROTOCOL } from '../../protocol/mm-protocol.js';
import type { Kernel } from './kernel.js';
import type { Process } from './process.js';

const { MM } = WELL_KNOWN_PID;

/**
 * The machine's memory as the Memory Manager counts it, the one count there is: total and mapped
 * pages. While it is not running, nothing can be mapped, so nothing is reported free.
 */
export function memoryInfo(k: Kernel): { totalPages: number; mappedPages: number } {
  if (k.supervisor.statusOf(MM) !== 'up') return { totalPages: PHYS_PAGES, mappedPages: PHYS_PAGES };
  const { m_type, payload } = MM_PROTOCOL.encodeRequest({ kind: 'memInfo' });
  const r = MM_PROTOCOL.decodeReply(k.kcall(MM, m_type, payload));
  if (!r.ok || r.value.kind !== 'memInfo' || r.value.body === null) return { totalPages: PHYS_PAGES, mappedPages: PHYS_PAGES };
  return r.value.body;
}

/**
 * Whether `p` may fork, answered by the Memory Manager (procCanFork: the child's pages count as
 * its own, so what `p` has mapped must fit again). Asked before the Process Manager makes the
 * child, so a refusal is a plain ENOMEM with nothing half made. 0 or -ENOMEM; while the Memory
 * Manager is not running the fork goes on, and the MM counts the child from the procFork it is
 * told when it is back (a kernel notification, held for it).
 */
export function forkRefusal(k: Kernel, p: Process): number {
  if (k.supervisor.statusOf(MM) !== 'up') return 0;
  const { m_type, payload } = MM_PROTOCOL.encodeRequest({ kind: 'procCanFork', pid: p.pid });
  const r = MM_PROTOCOL.decodeReply(k.kcall(MM, m_type, payload));
  return r.ok && r.value.result === -ERRNO.ENOMEM ? -ERRNO.ENOMEM : 0;
}
