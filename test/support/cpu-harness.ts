// Runs a static ELF on our CPU with a test-only "kernel" that knows two Linux syscalls,
// write (a7 = 64, fd 1 or 2) and exit (a7 = 93): the same contract qemu-riscv32 gives the
// differential programs. Any other trap ends the run with a description instead of an output.

import { AddressSpace, PERM_R, PERM_W } from '../../src/core/memory.js';
import { parseElf, loadElf } from '../../src/core/elf.js';
import { Cpu, TrapCause } from '../../src/core/cpu.js';

export const STACK_TOP = 0x7fff_0000;
const STACK_SIZE = 64 * 1024;
const A0 = 10, A1 = 11, A2 = 12, A7 = 17;

export type HarnessResult =
  | { readonly ok: true; readonly stdout: Uint8Array; readonly exitCode: number; readonly icount: number }
  | { readonly ok: false; readonly stdout: Uint8Array; readonly error: string };

class Output {
  private chunks: Uint8Array[] = [];
  private length = 0;

  push(bytes: Uint8Array): void {
    this.chunks.push(bytes.slice());
    this.length += bytes.length;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

const hex = (n: number): string => '0x' + (n >>> 0).toString(16).padStart(8, '0');

/**
 * `budget` is the instruction budget of each `cpu.run` call: small budgets split translated
 * blocks and exercise the one-instruction-at-a-time path, which must give the same results.
 */
export function runElfOnCpu(elf: Uint8Array, budget = 1_000_000, maxInstructions = 500_000_000): HarnessResult {
  const out = new Output();
  const parsed = parseElf(elf);
  if (!parsed.ok) return { ok: false, stdout: out.bytes(), error: `parseElf: ${parsed.error}` };
  const mem = new AddressSpace();
  const { entry } = loadElf(mem, parsed.value);
  mem.map(STACK_TOP - STACK_SIZE, STACK_SIZE, PERM_R | PERM_W);
  const cpu = new Cpu(mem);
  cpu.pc = entry;
  cpu.x[2] = STACK_TOP - 16;
  while (cpu.icount < maxInstructions) {
    const stop = cpu.run(budget);
    if (stop.kind === 'budget') continue;
    const where = `pc=${hex(stop.pc)} cause=${stop.cause} tval=${hex(stop.tval)} icount=${cpu.icount}`;
    if (stop.cause !== TrapCause.EcallFromU) return { ok: false, stdout: out.bytes(), error: `unexpected trap: ${where}` };
    const nr = cpu.x[A7]!;
    if (nr === 93) {
      const exitCode = cpu.x[A0]!;
      cpu.completeEcall();
      return { ok: true, stdout: out.bytes(), exitCode, icount: cpu.icount };
    }
    if (nr !== 64) return { ok: false, stdout: out.bytes(), error: `unexpected syscall ${nr}: ${where}` };
    const fd = cpu.x[A0]!;
    const len = cpu.x[A2]! >>> 0;
    const bytes = mem.readUser(cpu.x[A1]! >>> 0, len);
    if (bytes === null || (fd !== 1 && fd !== 2)) {
      cpu.x[A0] = -14; // EFAULT / EBADF: the differential programs never do this
      return { ok: false, stdout: out.bytes(), error: `bad write(${fd}, ${hex(cpu.x[A1]!)}, ${len}): ${where}` };
    }
    if (fd === 1) out.push(bytes);
    cpu.x[A0] = len;
    cpu.completeEcall();
  }
  return { ok: false, stdout: out.bytes(), error: `no exit after ${maxInstructions} instructions (pc=${hex(cpu.pc)})` };
}

/** A trap the program is meant to take at `pc`; the harness records a snapshot and resumes at `resume`. */
export interface ExpectedTrap {
  readonly pc: number;
  readonly cause: number;
  /** Checked when given. */
  readonly tval?: number;
  readonly resume: number;
}

/**
 * Like runElfOnCpu, but the program takes the `expected` traps in order: at each, `snapshot`
 * (of the state the trap left) goes to the output in place of what the program would have
 * written, and execution resumes at the next sequence.
 */
export function runElfWithTraps(elf: Uint8Array, expected: readonly ExpectedTrap[],
  snapshot: (cpu: Cpu, mem: AddressSpace) => Uint8Array, budget = 1_000_000, maxInstructions = 500_000_000): HarnessResult {
  const out = new Output();
  const parsed = parseElf(elf);
  if (!parsed.ok) return { ok: false, stdout: out.bytes(), error: `parseElf: ${parsed.error}` };
  const mem = new AddressSpace();
  const { entry } = loadElf(mem, parsed.value);
  mem.map(STACK_TOP - STACK_SIZE, STACK_SIZE, PERM_R | PERM_W);
  const cpu = new Cpu(mem);
  cpu.pc = entry;
  cpu.x[2] = STACK_TOP - 16;
  let k = 0;
  while (cpu.icount < maxInstructions) {
    const stop = cpu.run(budget);
    if (stop.kind === 'budget') continue;
    const where = `pc=${hex(stop.pc)} cause=${stop.cause} tval=${hex(stop.tval)} icount=${cpu.icount}`;
    const want = expected[k];
    if (want && stop.pc === want.pc) {
      if (stop.cause !== want.cause || (want.tval !== undefined && stop.tval !== want.tval >>> 0)) {
        return { ok: false, stdout: out.bytes(), error: `wrong trap: ${where}, expected cause ${want.cause}` +
          (want.tval === undefined ? '' : ` tval=${hex(want.tval)}`) };
      }
      out.push(snapshot(cpu, mem));
      cpu.pc = want.resume;
      k++;
      continue;
    }
    if (stop.cause === TrapCause.EcallFromU && cpu.x[A7] === 93) {
      const exitCode = cpu.x[A0]!;
      cpu.completeEcall();
      if (k !== expected.length) return { ok: false, stdout: out.bytes(), error: `exit after ${k} of ${expected.length} traps` };
      return { ok: true, stdout: out.bytes(), exitCode, icount: cpu.icount };
    }
    return { ok: false, stdout: out.bytes(), error: `unexpected trap: ${where}` };
  }
  return { ok: false, stdout: out.bytes(), error: `no exit after ${maxInstructions} instructions (pc=${hex(cpu.pc)})` };
}
