/**
 * Where an operation was in its program: the pc of its ecall, the function around it and the
 * one it returns to, named from the guest ELF's symbol table (read from the machine's own VFS,
 * so a recording needs no guest image beside it).
 */
import type { MachineEvent } from '../core/events.js';
import type { Machine } from '../core/machine.js';
import type { VfsPort } from '../servers/vfs-port.js';
import type { RecordingHandle } from './engine.js';
import { functionSymbols, symbolize } from './elf-symbols.js';
import type { Operation } from './operations.js';
import { RunObserver } from './outcome.js';

/** An operation with where it was in the program. */
export interface LocatedOperation {
  readonly op: Operation;
  /** Address of the ecall. */
  readonly pc: number | undefined;
  /** The function around pc (the system call's wrapper) and the one it returns to. */
  readonly func: string | undefined;
  readonly caller: string | undefined;
}

/** The bytes of a guest file in the machine's VFS (to read a program's symbols). */
function guestFile(machine: Machine, path: string): Uint8Array | undefined {
  const vfs = machine.kernel.servers.get(2) as VfsPort | undefined;
  const inodes = vfs?.server.state.inodes;
  if (!inodes) return undefined;
  let ino = 1;
  for (const part of path.split('/').filter(Boolean)) {
    const dir = inodes.get(ino);
    if (dir?.kind !== 'dir') return undefined;
    const next = dir.entries.get(part);
    if (next === undefined) return undefined;
    ino = next;
  }
  const file = inodes.get(ino);
  return file?.kind === 'file' ? file.data : undefined;
}

/** Where `op` was: seek to it and read the process's pc and return address. */
export function locate(handle: RecordingHandle, events: readonly MachineEvent[], op: Operation): LocatedOperation {
  const machine = handle.machineAt(op.icount, new RunObserver());
  const p = machine.kernel.procs.get(op.pid);
  if (!p) return { op, pc: undefined, func: undefined, caller: undefined };
  // The call has been taken: the saved pc is past the 4-byte ecall.
  const pc = (p.pc - 4) >>> 0;
  const ra = p.regs[1]! >>> 0;
  let path: string | undefined;
  let pid = op.pid;
  for (let i = op.index; i >= 0 && path === undefined; i--) {
    const e = events[i]!;
    if (e.kind === 'exec' && e.pid === pid) path = e.path;
    else if (e.kind === 'fork' && e.child === pid) pid = e.parent;
  }
  const elf = path === undefined ? undefined : guestFile(machine, path);
  const symbols = elf ? functionSymbols(elf) : [];
  return { op, pc, func: symbolize(symbols, pc), caller: symbolize(symbols, ra) };
}
