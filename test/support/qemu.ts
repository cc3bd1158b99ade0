// Runs an ELF under Debian's qemu-riscv32 (the reference we did not write) and returns its stdout.

import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const QEMU_RISCV32 = process.env.XRR_QEMU_RISCV32 ?? '/usr/bin/qemu-riscv32';

export function qemuAvailable(): boolean {
  try {
    accessSync(QEMU_RISCV32, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface QemuResult {
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
}

export async function runQemu(elf: Uint8Array, timeoutMs = 60_000): Promise<QemuResult> {
  const dir = mkdtempSync(join(tmpdir(), 'xrr-diff-'));
  const path = join(dir, 'prog.elf');
  writeFileSync(path, elf, { mode: 0o755 });
  try {
    return await new Promise<QemuResult>((resolve, reject) => {
      // -cpu rv32 keeps the ISA to what the guest ABI promises (no vendor extensions by default).
      const child = spawn(QEMU_RISCV32, [path], { stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (status, signal) => {
        clearTimeout(timer);
        resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString(), status, signal });
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs jobs with at most `limit` in flight, keeping results in order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
