/**
 * Function names for the TUI: the symbol table of the image a process runs at a position. Which
 * image comes from the journal (the process's last exec, else its parent's at the fork:
 * ProcessHistory), its bytes from the machine's own filesystem (SymbolCache), and for a stripped
 * program its full ELF from the recording's debug files, so nothing on the host is needed. The history is read once per branch and read again only when the branch has
 * grown (a live run); each distinct image is parsed once.
 */
import type { Machine } from '../core/machine.js';
import type { BranchId } from '../journal/ids.js';
import type { JournalStore } from '../journal/store.js';
import { ProcessHistory } from '../gdb/process-history.js';
import { backtrace, type StackFrame } from '../symbols/backtrace.js';
import { SymbolCache } from '../symbols/guest-images.js';
import { firstDebugFiles, type DebugFiles } from '../symbols/debug-files.js';
import { recordingDebugFiles } from '../timeline/recording-debug-files.js';
import { SymbolTable } from '../symbols/elf-symbols.js';

const EMPTY = new SymbolTable([]);

export class GuestSymbols {
  private readonly images: SymbolCache;
  private readonly histories = new Map<BranchId, { length: number; history: ProcessHistory }>();
  /** The last answer: a frame asks for the same process's table several times. */
  private last: { key: string; machine: Machine; table: SymbolTable } | null = null;

  /** `imageDebugFiles`: asked after the recording's own (a program it holds no debug file for). */
  constructor(
    private readonly store: JournalStore,
    imageDebugFiles?: DebugFiles,
  ) {
    this.images = new SymbolCache(firstDebugFiles(recordingDebugFiles(store), imageDebugFiles));
  }

  private history(branch: BranchId): ProcessHistory {
    const length = this.store.branchLength(branch);
    const hit = this.histories.get(branch);
    if (hit && hit.length === length) return hit.history;
    const history = new ProcessHistory(this.store, branch);
    this.histories.set(branch, { length, history });
    return history;
  }

  /** The image path `pid` runs at `icount` on `branch`, when the journal says. */
  imagePath(branch: BranchId, pid: number, icount: number): string | undefined {
    return this.history(branch).imagePathAt(pid, icount);
  }

  /** The symbols of what `pid` runs at `icount`, read from `machine`'s filesystem; empty when unknown. */
  tableFor(branch: BranchId, machine: Machine, pid: number, icount: number): SymbolTable {
    const path = this.imagePath(branch, pid, icount);
    if (!path) return EMPTY;
    const key = `${branch}:${this.store.branchLength(branch)}:${pid}:${path}`;
    if (this.last && this.last.key === key && this.last.machine === machine) return this.last.table;
    const table = this.images.forPath(machine, path);
    this.last = { key, machine, table };
    return table;
  }

  /** `function+0x1c` for `pc` in what `pid` runs, or undefined when no function holds it. */
  describe(branch: BranchId, machine: Machine, pid: number, icount: number, pc: number): string | undefined {
    const table = this.tableFor(branch, machine, pid, icount);
    return table.locate(pc >>> 0) ? table.describe(pc >>> 0) : undefined;
  }

  /**
   * The call stack of `pid` in `machine` by its frame pointers; empty when the process is gone.
   * A leaf function (the libc syscall wrappers, where a process waits) sets up no frame and keeps
   * its return address in ra: when the frame walk finds no caller, ra names it.
   */
  backtrace(branch: BranchId, machine: Machine, pid: number): StackFrame[] {
    const p = machine.kernel.procs.get(pid);
    if (!p) return [];
    const table = this.tableFor(branch, machine, pid, machine.icount);
    const readWord = (addr: number): number | undefined => {
      const b = p.mem.peek(addr >>> 0, 4);
      return b ? (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0 : undefined;
    };
    const frames = backtrace(p.pc, p.regs, readWord, table);
    const ra = (p.regs[1] ?? 0) >>> 0;
    if (frames.length === 1 && ra !== 0 && table.locate(ra) && table.locate(ra)?.symbol !== table.locate(p.pc >>> 0)?.symbol) {
      frames.push({ level: 1, pc: ra, fp: undefined, where: table.describe(ra) });
    }
    return frames;
  }
}
