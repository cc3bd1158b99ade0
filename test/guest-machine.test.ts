/**
 * The guest programs on the xrr machine itself: the end-to-end check that the kernel and
 * servers implement guest/ABI.md the way the C library reads it. `init PROGRAM` runs one
 * program and halts the machine with its status, so each case is one boot.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMachine, resolveRunSetup } from '../src/cli/run-setup.js';
import { bootMachine } from './support/boot.js';

const repo = fileURLToPath(new URL('..', import.meta.url));

/** Boot with init running argv, feed `input` to the console, return the console output and status. */
function runOnMachine(argv: string[], input = ''): { out: string; status: number | undefined } {
  const setup = resolveRunSetup(['--seed', 'guest-machine-test', '--epoch', '1767225600', ...argv]);
  const m = createMachine(setup);
  let out = '';
  m.connect({ console: (b) => { out += Buffer.from(b).toString('latin1'); } });
  const err = m.boot();
  if (err) throw new Error(err);
  if (input) m.input(new TextEncoder().encode(input));
  const stop = m.run(2_000_000_000);
  return { out, status: stop.kind === 'halted' ? stop.status : undefined };
}

describe('guest programs on the xrr machine', () => {
  it('posixtest passes every case', () => {
    const { out, status } = runOnMachine(['/bin/posixtest']);
    expect(out.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(out).toContain('posixtest: 17 passed, 0 failed');
    expect(status).toBe(0);
  }, 120_000);

  it('forkrace says OK under a lucky schedule and RACE when a SIGCHLD is lost', () => {
    const lucky = runOnMachine(['/bin/forkrace']);
    expect(lucky.out).toContain('OK: the SIGCHLD handler reaped all 4 children');
    expect(lucky.status).toBe(0);
    // 16 children: some exit before the handler exists, or while a SIGCHLD is pending.
    const racy = runOnMachine(['/bin/forkrace', 'sigchld', '16']);
    expect(racy.out).toMatch(/^RACE: /m);
    expect(racy.status).toBe(1);
    expect(runOnMachine(['/bin/forkrace', 'file']).out).toContain('OK: read all 400 lines');
  }, 120_000);

  it('the shell changes directory, and Ctrl-C interrupts the foreground job (status 130)', () => {
    const r = bootMachine({ seed: 5, input: ['cd /etc; pwd; cat motd | wc 2>/dev/null; cd; pwd\n', 'cat\n', '\x03', 'echo status=$?\n'] });
    expect(r.output).toMatch(/\/etc\r?\n/);
    expect(r.output).toMatch(/status=130/);
    expect(r.events.some((e) => e.kind === 'signal' && e.signo === 2)).toBe(true);
  }, 120_000);

  it('cpubench prints the checksums of the Linux-ABI reference', () => {
    const { out, status } = runOnMachine(['/bin/cpubench', '4']);
    expect(status).toBe(0);
    const q = spawnSync('qemu-riscv32', [`${repo}/bench/workloads/cpubench-linux.elf`, '4'], { encoding: 'utf8' });
    if (q.status === 0) expect(out).toBe(q.stdout);
    else expect(out).toContain('cpubench: ok');
  }, 120_000);

  it('the shell runs a script with pipes, redirections, $? and globs', () => {
    const { out, status } = runOnMachine(['/bin/sh', '-c',
      'echo one > /tmp/f; echo two >> /tmp/f; cat < /tmp/f | cat; false; echo st=$?; ls /tmp; echo /etc/pa* /etc/*.none; exit 4']);
    expect(out).toBe('one\ntwo\nst=1\nf\n/etc/passwd /etc/*.none\n');
    expect(status).toBe(4);
  }, 120_000);

  it('the exit status of a program killed by a signal is 128 + signo', () => {
    const { status } = runOnMachine(['/bin/sh', '-c', 'kill -9 $$']);
    expect(status).toBe(128 + 9);
  }, 120_000);

  it('boots to an interactive shell that runs what is typed', () => {
    const { out } = runOnMachine([], 'echo typed\nexit 0\n');
    expect(out).toContain('XINIM on xrr');
    expect(out).toContain('/ # ');
    // Once echoed by the console as typed, once printed by echo.
    expect(out.match(/typed/g)?.length).toBe(2);
  }, 120_000);
});
