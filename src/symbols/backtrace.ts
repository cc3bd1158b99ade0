/**
 * A guest process's call stack by its frame pointers. The XINIM programs are built with
 * -fno-omit-frame-pointer (guest/Makefile), so each frame's s0 is the caller's stack pointer
 * at the call, with the return address at s0-4 and the caller's s0 at s0-8 (the RISC-V GCC
 * frame layout). Frames of code built without frame pointers (picolibc) end the walk early;
 * what is read is bounds-checked, so a corrupt stack gives a short backtrace, never an error.
 */
import type { SymbolTable } from './elf-symbols.js';

export interface StackFrame {
  /** 0 for the current pc, then one per caller. */
  readonly level: number;
  readonly pc: number;
  /** The frame's s0 (its canonical frame address), when known. */
  readonly fp: number | undefined;
  /** `function+0x1c` or a hex address. */
  readonly where: string;
}

/** Reads a little-endian word of the process's memory, or undefined where nothing is mapped. */
export type WordReader = (addr: number) => number | undefined;

const MAX_FRAMES = 64;
const FP = 8;
const RA = 1;

/**
 * Walk from `pc` with registers `x`. At a function's first instruction its frame is not set
 * up yet: the caller is `ra` and s0 is still the caller's.
 */
export function backtrace(pc: number, x: ArrayLike<number>, readWord: WordReader, symbols: SymbolTable): StackFrame[] {
  const frames: StackFrame[] = [];
  const add = (pc: number, fp: number | undefined) => frames.push({ level: frames.length, pc: pc >>> 0, fp, where: symbols.describe(pc >>> 0) });
  let fp: number | undefined = (x[FP] ?? 0) >>> 0;
  add(pc, fp);
  const at = symbols.locate(pc >>> 0);
  if (at && at.offset === 0) {
    const ra = (x[RA] ?? 0) >>> 0;
    if (ra === 0 || !symbols.locate(ra)) return frames;
    add(ra, fp);
  }
  let previous = 0;
  while (frames.length < MAX_FRAMES && fp !== undefined && fp > previous && (fp & 3) === 0) {
    const ra = readWord((fp - 4) >>> 0);
    const callerFp = readWord((fp - 8) >>> 0);
    if (ra === undefined || callerFp === undefined || ra === 0 || !symbols.locate(ra >>> 0)) break;
    previous = fp;
    // The outermost frame (crt0's _start) clears s0: its caller's frame is unknown.
    fp = callerFp === 0 ? undefined : callerFp >>> 0;
    add(ra, fp);
  }
  return frames;
}
