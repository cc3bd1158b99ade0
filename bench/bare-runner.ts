/**
 * Runs a static Linux-ABI RV32 ELF on the bare CPU, with no kernel: the two system calls such
 * programs need (a7 = 64 write, 93 exit) are served here. Used by the CPU benchmark, which
 * runs the same ELF under qemu-riscv32 for comparison.
 */
import { Cpu } from '../src/core/cpu.js';
import { loadElf, parseElf } from '../src/core/elf.js';
import { AddressSpace, PERM_R, PERM_W } from '../src/core/memory.js';

const STACK_TOP = 0x7fff0000;
const STACK_SIZE = 1 << 20;

export interface BareRun {
  readonly output: string;
  readonly exitCode: number;
  readonly instructions: number;
  readonly ms: number;
}

export function runBareLinuxElf(bytes: Uint8Array, maxInstructions = 1e11): BareRun {
  const parsed = parseElf(bytes);
  if (!parsed.ok) throw new Error(`bad ELF: ${parsed.error}`);
  const mem = new AddressSpace();
  const { entry } = loadElf(mem, parsed.value);
  mem.map(STACK_TOP - STACK_SIZE, STACK_SIZE, PERM_R | PERM_W);
  const cpu = new Cpu(mem);
  cpu.pc = entry;
  cpu.x[2] = STACK_TOP - 16;
  let output = '';
  const t0 = performance.now();
  while (cpu.icount < maxInstructions) {
    const stop = cpu.run(10_000_000);
    if (stop.kind === 'budget') continue;
    if (stop.cause !== 8) throw new Error(`trap ${stop.cause} at pc 0x${stop.pc.toString(16)} tval 0x${stop.tval.toString(16)}`);
    const nr = cpu.x[17];
    if (nr === 93) {
      return { output, exitCode: cpu.x[10]!, instructions: cpu.icount, ms: performance.now() - t0 };
    }
    if (nr === 64) {
      const data = mem.readUser(cpu.x[11]! >>> 0, cpu.x[12]!);
      cpu.x[10] = data ? data.length : -14;
      if (data) output += Buffer.from(data).toString('latin1');
    } else {
      cpu.x[10] = -38; // ENOSYS
    }
    cpu.completeEcall();
  }
  throw new Error(`no exit after ${maxInstructions} instructions`);
}
