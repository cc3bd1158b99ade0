/**
 * Stacks that grow on demand, as Linux grows a VM_GROWSDOWN stack: an image starts with its
 * arguments and STACK_INITIAL_BYTES below them mapped (exec-image.ts), and a load or store that faults below
 * that, inside the STACK_RESERVE_BYTES under STACK_TOP, asks the Memory Manager to grow the stack
 * down to the faulting page; the instruction then runs again. Only what a stack has grown to is
 * mapped, so only that counts against the machine's memory (a process that stays within its
 * first 128 KiB of stack costs those, not the megabyte it may grow to), and a fork copies the parent's stack as far as it has grown.
 *
 * A growth the machine cannot back (the Memory Manager answers ENOMEM: every page is counted by
 * now) is what it is on Linux: the fault stands and the process gets SIGSEGV. So is a fault
 * below the reserve, or with a mapping in the way, or while the Memory Manager is down.
 *
 * The kernel's own accesses on behalf of a process (a read() into a stack buffer, a signal frame)
 * grow the stack the same way, as a fault inside copy_to_user does on Linux: each address space a
 * process gets is given `growStack` as its handler for unmapped pages.
 */
import { WELL_KNOWN_PID } from '../../protocol/message-types.js';
import { MM_PROTOCOL, STACK_RESERVE_BYTES } from '../../protocol/mm-protocol.js';
import { TrapCause } from '../cpu.js';
import { STACK_TOP } from './exec-image.js';
import type { Kernel } from './kernel.js';
import type { Process } from './process.js';

/** Whether `addr` lies in the stack reserve (where a fault may be a growth). */
export function inStackReserve(addr: number): boolean {
  return addr >= STACK_TOP - STACK_RESERVE_BYTES && addr < STACK_TOP;
}

/**
 * Grow p's stack down to the page of `addr`, if it is an unmapped page of the reserve and the
 * Memory Manager agrees (it counts the pages and tells the kernel to map them). True when the
 * page is mapped now: only then may the access be tried again, so a refusal never loops.
 */
export function growStack(k: Kernel, p: Process, addr: number): boolean {
  if (!inStackReserve(addr) || p.mem.isMapped(addr)) return false;
  // A Memory Manager that is restarting or hung would hold the request and answer it later: the
  // fault cannot wait for that, so it stands (SIGSEGV), and nothing is left queued to grow later.
  if (k.supervisor.statusOf(WELL_KNOWN_PID.MM) !== 'up') return false;
  const { m_type, payload } = MM_PROTOCOL.encodeRequest({ kind: 'procGrowStack', pid: p.pid, addr });
  const r = MM_PROTOCOL.decodeReply(k.kcall(WELL_KNOWN_PID.MM, m_type, payload));
  return r.ok && r.value.result === 0 && p.mem.isMapped(addr);
}

/** A trap of p that a stack growth answers (the faulting instruction runs again); false: a real fault. */
export function growsStack(k: Kernel, p: Process, cause: number, tval: number): boolean {
  if (cause !== TrapCause.LoadAccessFault && cause !== TrapCause.StoreAccessFault) return false;
  return growStack(k, p, tval);
}

/** Let the kernel's accesses to p's current address space grow its stack (call whenever p gets one). */
export function adoptAddressSpace(k: Kernel, p: Process): void {
  p.mem.onUnmappedAccess = (addr) => growStack(k, p, addr);
}
