/**
 * Where an operation was in its program: the pc of its ecall, the function around it and the
 * one it returns to, named from the guest ELF's symbol table (read from the machine's own VFS,
 * and from the recording's debug file for a stripped program, so a recording needs no guest
 * image beside it).
 */
import type { MachineEvent } from '../core/events.js';
import type { RecordingHandle } from './engine.js';
import { readSymbolTable } from '../symbols/elf-symbols.js';
import { readGuestElf } from '../symbols/guest-images.js';
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

/** `name` or `name+0x1a` for a pc inside a known function of `elf`; undefined outside all of them. */
function functionAt(elf: Uint8Array | undefined, pc: number): string | undefined {
  const read = elf ? readSymbolTable(elf) : undefined;
  if (!read?.ok || read.table.locate(pc) === undefined) return undefined;
  return read.table.describe(pc);
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
  const elf = path === undefined ? undefined : readGuestElf(machine, path, handle.debugFiles);
  return { op, pc, func: functionAt(elf, pc), caller: functionAt(elf, ra) };
}
