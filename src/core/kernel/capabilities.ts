/**
 * The capability table: which sender may send which message types to whom. Checked by the kernel
 * for every message before it is sealed; a refusal is EPERM for the sender and an 'ipc-denied' event.
 *
 *   kernel (0)          anything to anyone (it stamps m_source and acts for processes).
 *   servers             replies (*_REPLY) to anyone; a request to another server only where the
 *                       protocol has one: the PM's VFS_PROC_SETCRED to the VFS.
 *   user processes      the public request types of the VFS, PM and MM (the calls a program makes
 *                       for itself: m_source is its own pid, stamped by the kernel), anything to
 *                       another user process; never the control types (VFS_PROC_*, PROC_CTL_*,
 *                       MM_PROC_*: those act for another pid or another address space), never a
 *                       reply type, nothing to the Reincarnation Server.
 */
import { MSG, RS_MSG, WELL_KNOWN_PID } from '../../protocol/message-types.js';

const { KERNEL, VFS, PROC, MM, RS } = WELL_KNOWN_PID;

/** Public request types per server: [first, last] inclusive. Control types start at 130/230/330. */
const PUBLIC_REQUESTS: ReadonlyMap<number, readonly [number, number]> = new Map([
  [VFS, [MSG.VFS_OPEN, 129]],
  [PROC, [MSG.PROC_FORK, 229]],
  [MM, [MSG.MM_BRK, 329]],
]);

const REPLY_TYPES: ReadonlySet<number> = new Set([MSG.VFS_REPLY, MSG.PROC_REPLY, MSG.MM_REPLY, RS_MSG.RS_REPLY]);

/** Undefined when allowed, else why not. */
export function capabilityDenial(from: number, to: number, m_type: number, isServer: (pid: number) => boolean): string | undefined {
  if (from === KERNEL) return undefined;
  if (isServer(from)) {
    if (REPLY_TYPES.has(m_type)) return undefined;
    if (from === PROC && to === VFS && m_type === MSG.VFS_PROC_SETCRED) return undefined;
    return `server ${from} may send only replies, not type ${m_type}`;
  }
  if (!isServer(to)) return to === KERNEL ? 'a process cannot address the kernel by message' : undefined;
  if (to === RS) return 'only the kernel talks to the Reincarnation Server';
  const range = PUBLIC_REQUESTS.get(to);
  if (!range) return `server ${to} takes no requests from processes`;
  if (REPLY_TYPES.has(m_type)) return `a process cannot send a reply (type ${m_type})`;
  if (m_type < range[0] || m_type > range[1]) {
    const control = m_type > range[1] && m_type < range[0] + 50;
    return control ? `type ${m_type} is a control message (kernel or PM only: it acts for another pid or address space)` : `type ${m_type} is not a request of server ${to}`;
  }
  return undefined;
}
