/**
 * The hostile guest (guest/src/hostile.c) on the xrr machine: each case of issue 14's "machine
 * under hostile guests" as one boot, checked by what the guest saw and how it ended.
 */
import { describe, expect, it } from 'vitest';
import { createMachine, resolveRunSetup } from '../src/cli/run-setup.js';
import { PROC_LIMIT } from '../src/servers/pm/pm-state.js';

/** Boot with init running `/bin/hostile ARGS`; the console output and init's status (undefined: it never ended). */
function hostile(...args: string[]): { out: string; status: number | undefined } {
  const setup = resolveRunSetup(['--seed', 'guest-hostile-test', '--epoch', '1767225600', '/bin/hostile', ...args]);
  const m = createMachine(setup);
  let out = '';
  m.connect({ console: (b) => { out += Buffer.from(b).toString('latin1'); } });
  const err = m.boot();
  if (err) throw new Error(err);
  const stop = m.run(4_000_000_000);
  return { out, status: stop.kind === 'halted' ? stop.status : undefined };
}

describe('hostile guests', () => {
  it('write() whose buffer turns unreadable after the first chunk returns the partial count', () => {
    const r = hostile('write-partial');
    expect(r.out).toContain('hostile write-partial: wrote 4064 of 12192 (ok)');
    expect(r.status).toBe(0);
  }, 120_000);

  it('32,000 one-page mappings that cannot merge are made and freed', () => {
    const r = hostile('mmap-many', '32000');
    expect(r.out).toContain('hostile mmap-many: 32000 mapped, 32000 unmapped');
    expect(r.status).toBe(0);
    // About 6 s alone; each mmap copying and sorting the region list took over two minutes.
  }, 60_000);

  it('the machine has a memory size: a GiB is ENOMEM, pieces stop short of 256 MiB, then sbrk and fork are refused', () => {
    const r = hostile('memory');
    expect(r.out).toContain('hostile memory: 1 GiB ENOMEM');
    expect(r.out).toMatch(/hostile memory: (2[0-4]\d) MiB mapped, then ENOMEM/);
    expect(r.out).toContain('hostile memory: sbrk 16 MiB refused');
    // The child's pages would count as its own: what the parent mapped does not fit twice.
    expect(r.out).toContain('hostile memory: fork ENOMEM');
    expect(r.status).toBe(0);
  }, 120_000);

  it('the file system has a capacity: ENOSPC when full, space back after unlink', () => {
    const r = hostile('fsfull');
    expect(r.out).toContain('hostile fsfull: 7 files of 64 MiB, then ENOSPC');
    expect(r.out).toContain('hostile fsfull: after unlink, write ok');
    expect(r.status).toBe(0);
  }, 120_000);

  it('a process that cannot take a signal frame dies of SIGSEGV (stack overflow, forged sigreturn)', () => {
    const r = hostile('sigframe');
    expect(r.out).toContain('stack overflow with a SIGSEGV handler: killed by signal 11');
    expect(r.out).toContain('forged sigreturn frame: killed by signal 11');
    expect(r.status).toBe(0);
  }, 120_000);

  it('a stack grows on demand (by a store, by the kernel), and a growth the memory cannot back is SIGSEGV', () => {
    const r = hostile('stack');
    expect(r.out).toMatch(/hostile stack: memory full \(2[0-4]\d MiB \+ \d+ pages mapped\), now deep/);
    expect(r.out).toContain('hostile stack: a growth the memory cannot back: killed by signal 11');
    expect(r.out).toContain('hostile stack: a store 600 KiB deep: ok');
    expect(r.out).toContain('hostile stack: read() 900 KiB deep: 4 bytes');
    expect(r.status).toBe(0);
  }, 120_000);

  it('a fork bomb meets the process limit (EAGAIN) before the memory: stacks count only as far as they grew', () => {
    const r = hostile('forkbomb');
    // init and hostile itself are the two other user processes.
    expect(r.out).toContain(`hostile forkbomb: ${PROC_LIMIT - 2} children, then EAGAIN`);
    expect(r.out).toContain(`hostile forkbomb: reaped ${PROC_LIMIT - 2}`);
    expect(r.status).toBe(0);
  }, 120_000);

  it('a path without a NUL is EFAULT when it runs into an unmapped page, ENAMETOOLONG when it is only long', () => {
    const r = hostile('path');
    expect(r.out).toContain('hostile path: into an unmapped page: EFAULT');
    expect(r.out).toContain('hostile path: 8192 bytes without a NUL: ENAMETOOLONG');
    expect(r.status).toBe(0);
  }, 120_000);
});
