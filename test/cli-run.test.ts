/**
 * `xrr run` as a script would use it, through the real command: a guest program's exit status
 * becomes xrr's, a host ELF is copied into the guest's /tmp, --input feeds the console, and bad
 * arguments get a usage error (exit 2).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { A0, DATA_BASE, A1, A2, linkProgram, sys } from './support/guest-asm.js';
import { li } from './support/rv-encode.js';

const dir = mkdtempSync(join(tmpdir(), 'xrr-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function xrr(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['bin/xrr.mjs', ...args], { encoding: 'utf8', input, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Each test starts xrr (node + tsx) several times: up to 27 s each beside the suite under load.
describe('xrr run', { timeout: 180_000 }, () => {
  it('runs a guest program and exits with its status', () => {
    expect(xrr(['run', '--seed', '1', '/bin/true']).status).toBe(0);
    expect(xrr(['run', '--seed', '1', '/bin/false']).status).toBe(1);
    const echo = xrr(['run', '--seed', '1', '/bin/echo', 'hello', 'from', 'the', 'guest']);
    expect(echo.stdout).toContain('hello from the guest');
    expect(echo.status).toBe(0);
  });

  it('copies a host ELF into /tmp and runs it', () => {
    const data = new Uint8Array(64);
    data.set(new TextEncoder().encode('host elf says hi\n'));
    const elf = linkProgram([li(A0, 1), li(A1, DATA_BASE), li(A2, 17), sys(6), li(A0, 42), sys(25)], data);
    const path = join(dir, 'hi.elf');
    writeFileSync(path, elf);
    const r = xrr(['run', '--seed', '1', path]);
    expect(r.stdout).toContain('host elf says hi');
    expect(r.status).toBe(42);
  });

  it('feeds the console from --input and ends when it is used up', () => {
    const script = join(dir, 'script.txt');
    writeFileSync(script, 'echo first\ncat /etc/motd | wc 2>/dev/null; echo second\n');
    const r = xrr(['run', '--seed', '1', '--input', script]);
    expect(r.stdout).toContain('first');
    expect(r.stdout).toContain('second');
    expect(r.status).toBe(0);
    const piped = xrr(['run', '--seed', '1', '--input', '-'], 'echo from-a-pipe\n');
    expect(piped.stdout).toContain('from-a-pipe');
  });

  it('stops at --max-instructions with status 124', () => {
    const r = xrr(['run', '--seed', '1', '--max-instructions', '2M', '/bin/cpubench']);
    expect(r.status).toBe(124);
    expect(r.stderr).toContain('2000000 instructions');
  });

  it('--chaos N schedules chaotically: forkrace file shows its race, and the recording replays', () => {
    expect(xrr(['run', '--seed', '1', '/bin/forkrace', 'file']).status).toBe(0);
    const racy = xrr(['run', '--seed', '1', '--chaos', '1', '/bin/forkrace', 'file']);
    expect(racy.stdout).toMatch(/RACE: read \d+ of 400 lines/);
    expect(racy.status).toBe(1);
    const db = join(dir, 'chaos.db');
    expect(xrr(['record', '--seed', '1', '--chaos', '1', '--out', db, '/bin/forkrace', 'file']).status).toBe(1);
    const rep = xrr(['replay', db]);
    expect(rep.stdout, rep.stderr).toContain('no divergence');
    expect(xrr(['run', '--chaos', '-1', '/bin/true']).status).toBe(2);
  });

  it('rejects bad arguments with a usage error', () => {
    expect(xrr(['run', '--frobnicate']).status).toBe(2);
    expect(xrr(['run', '--max-instructions', 'lots']).status).toBe(2);
    expect(xrr(['run', '/no/such/program']).status).toBe(2);
    expect(xrr(['run', '--input', '/no/such/file']).status).toBe(2);
  });

  it('xrr tui: help lists both forms, bad arguments are usage errors, no terminal is a clear error', () => {
    const help = xrr(['tui', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--branch B');
    expect(help.stdout).toContain('--inject SPEC');
    expect(xrr(['tui', '--new', '--input', 'x']).status).toBe(2); // the UI is the console
    expect(xrr(['tui', 'a.db', '--new']).status).toBe(2);
    expect(xrr(['tui']).status).toBe(1); // the test's stdin is a pipe
    const sample = join(dir, 'sample.db'); // a copy: the UI opens a recording writable (bookmarks, forks)
    copyFileSync('recordings/sample-vfs-crash.db', sample);
    const noTty = xrr(['tui', sample]);
    expect(noTty.status).toBe(1);
    expect(noTty.stderr).toContain('needs a terminal');
    const missing = xrr(['tui', '/no/such.db']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('no such recording');
  });
});
