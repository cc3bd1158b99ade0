/**
 * A user process as the kernel sees it: registers while it is not on the CPU, its address
 * space, its scheduling state and, when blocked, what it waits for. Everything else about a
 * process (parent, credentials, signal dispositions, fd table, memory regions) belongs to the
 * servers, as in XINIM.
 */
import type { Message } from '../../protocol/message-types.js';
import type { AddressSpace } from '../memory.js';

export type ProcState = 'ready' | 'running' | 'blocked' | 'zombie';

/** What a blocked process waits for. Plain data: it is part of the saved machine state. */
export type Wait =
  /** The reply of `server` to the request made for syscall `nr` (args as issued). */
  | { readonly kind: 'reply'; readonly server: number; readonly nr: number; readonly args: readonly number[]; readonly done: number }
  /** Console input for a read(2) the VFS handed to the kernel. */
  | { readonly kind: 'console-read'; readonly nr: number; readonly args: readonly number[]; readonly count: number }
  /** nanosleep until virtual time `untilNs` (since boot). */
  | { readonly kind: 'sleep'; readonly untilNs: number; readonly remPtr: number }
  /** lattice_recv: a message from `from` (-1 any). */
  | { readonly kind: 'recv'; readonly from: number; readonly bufPtr: number; readonly bufLen: number };

export interface Process {
  readonly pid: number;
  name: string;
  state: ProcState;
  wait: Wait | undefined;
  /** Saved registers (x0..x31) and pc while the process is off the CPU. */
  readonly regs: Int32Array;
  pc: number;
  mem: AddressSpace;
  /** Instructions this process has retired. */
  icount: number;
  /** Messages sent to this process with lattice_send, waiting for lattice_recv. */
  mailbox: Message[];
}

export function newProcess(pid: number, name: string, mem: AddressSpace): Process {
  return { pid, name, state: 'ready', wait: undefined, regs: new Int32Array(32), pc: 0, mem, icount: 0, mailbox: [] };
}
