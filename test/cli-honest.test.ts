/**
 * The CLI defects of issue 15, each through the real `xrr` command: arguments after PROGRAM (or
 * `--`) belong to the guest, `replay --console` keeps stdout for the console, points past a
 * recording's end are errors that name the end, `--kind` knows the kinds, `record --out` makes no
 * directories, usage errors print the whole usage, counts are in the right number, numbers follow
 * one convention, `events --decode` opens IPC, and runs end with a summary of what went wrong.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/cli/main.js';
import { createMachine, resolveRunSetup } from '../src/cli/run-setup.js';
import { reportRun } from '../src/cli/run-summary.js';
import { RunObserver } from '../src/explore/outcome.js';

const SAMPLE = 'recordings/sample-vfs-crash.db';
/** Where the sample ends (its last event). */
/** The sample's end and its VFS crash, read from it (npm run samples rebuilds it when the machine changes). */
function sampleFacts(): { end: number; crashAt: number } {
  const db = new Database(SAMPLE, { readonly: true });
  try {
    const end = (db.prepare('SELECT max(icount) AS n FROM event WHERE branch = 1').get() as { n: number }).n;
    const crashAt = (db.prepare("SELECT icount FROM v_crashes WHERE kind = 'server-crash' ORDER BY seq LIMIT 1").get() as { icount: number }).icount;
    return { end, crashAt };
  } finally {
    db.close();
  }
}
const { end: SAMPLE_END, crashAt: SAMPLE_CRASH } = sampleFacts();
const dir = mkdtempSync(join(tmpdir(), 'xrr-honest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function xrr(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['bin/xrr.mjs', ...args], { encoding: 'utf8', input, timeout: 180_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('arguments after PROGRAM are the guest program\'s', () => {
  it('xrr run /bin/forkrace --help runs forkrace with --help (its own usage, its status 2)', () => {
    const r = xrr(['run', '--seed', '1', '/bin/forkrace', '--help']);
    expect(r.stdout).toContain('usage: forkrace');
    expect(r.stdout).not.toContain('usage: xrr');
    expect(r.status).toBe(2);
  });

  it('after --, even the program is not an option: xrr run -- /bin/echo --help', () => {
    const r = xrr(['run', '--seed', '1', '--', '/bin/echo', '--help']);
    expect(r.stdout).toContain('--help');
    expect(r.stdout).not.toContain('usage: xrr');
    expect(r.status).toBe(0);
  });

  it('xrr record PROGRAM --help records the program, and xrr record --help is xrr\'s help', () => {
    const out = join(dir, 'help.db');
    const r = xrr(['record', '--seed', '1', '--out', out, '/bin/echo', '--help']);
    expect(r.stdout).toContain('--help');
    expect(r.status).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(xrr(['record', '--help']).stdout).toContain('usage: xrr record');
  });
});

describe('replay --console', () => {
  it('keeps stdout for the console: the verdict and the summary go to stderr', () => {
    const r = xrr(['replay', SAMPLE, '--console']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('OK: the SIGCHLD handler reaped all 4 children');
    expect(r.stdout).not.toContain('no divergence');
    expect(r.stderr).toContain('no divergence');
    expect(r.stderr).toContain(`server crash: vfs (threw) handling VFS_PROC_READINO from pid 0 at icount ${SAMPLE_CRASH}`);
  });
});

describe('points past the end of a recording', () => {
  it('state --at past the end is a usage error naming the end', () => {
    const r = xrr(['state', SAMPLE, '--at', String(SAMPLE_END + 1)]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`ends at icount ${SAMPLE_END}`);
    expect(r.stdout).toBe('');
  });

  it('replay --to past the end is a usage error naming the end', () => {
    const r = xrr(['replay', SAMPLE, '--to', '999999999']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`ends at icount ${SAMPLE_END}`);
  });

  it('the end itself is still a point one can go to', () => {
    const r = xrr(['replay', SAMPLE, '--to', String(SAMPLE_END)]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('no divergence');
  });
});

describe('events', () => {
  it('--kind nosuchkind is a usage error that lists the kinds', () => {
    const r = xrr(['events', SAMPLE, '--kind', 'syscall,nosuchkind']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no event kind nosuchkind');
    for (const k of ['syscall', 'ipc', 'server-crash', 'console-output']) expect(r.stderr).toContain(k);
    expect(r.stdout).toBe('');
  });

  it('names message types, signals and wait statuses, in text and in --json alike', () => {
    const text = xrr(['events', SAMPLE, '--kind', 'server-crash,exit', '--limit', '40']);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/server-crash .*mType=VFS_PROC_READINO/);
    expect(text.stdout).not.toMatch(/mType=137/);
    expect(text.stdout).toMatch(/exit +pid=\d+ status="exited 0"/);
    const json = xrr(['events', SAMPLE, '--kind', 'server-crash', '--json']);
    const crash = JSON.parse(json.stdout.trim().split('\n')[0]!) as { mType: number; named: { mType: string }; journalSeq: number };
    expect(crash.mType).toBe(137);
    expect(crash.named.mType).toBe('VFS_PROC_READINO');
    expect(crash.journalSeq).toBeGreaterThan(0);
  });

  it('--decode opens each IPC message with the recording\'s keys and decodes it, as the TUI does', () => {
    const r = xrr(['events', SAMPLE, '--kind', 'ipc', '--decode', '--limit', '20']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(20);
    expect(lines.join('\n')).toMatch(/ipc 0->2 VFS_PROC_NEW: pid=1 uid=0 gid=0/);
    expect(lines.join('\n')).not.toContain('(sealed');
    const json = xrr(['events', SAMPLE, '--kind', 'ipc', '--decode', '--json', '--limit', '3']);
    const first = JSON.parse(json.stdout.split('\n')[0]!) as { decoded: { summary: string; message: { type: string } } };
    expect(first.decoded.summary).toMatch(/^ipc 0->3 PROC_CTL_INIT/);
    expect(first.decoded.message.type).toBe('PROC_CTL_INIT');
  });
});

describe('record --out', () => {
  it('refuses a directory that does not exist, and makes none', () => {
    const missing = join(dir, 'no', 'such', 'dir');
    const r = xrr(['record', '--seed', '1', '--out', join(missing, 'x.db'), '/bin/true']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no such directory');
    expect(existsSync(join(dir, 'no'))).toBe(false);
  });
});

describe('usage', () => {
  it('every command\'s synopsis names every option its --help lists', () => {
    for (const c of COMMANDS) {
      if (!c.options) continue;
      for (const name of Object.keys(c.options)) {
        if (name === 'help') continue;
        expect(c.synopsis, `xrr ${c.name} --${name}`).toContain(`--${name}`);
      }
    }
  });

  it('a usage error prints the whole usage, options included', () => {
    const r = xrr(['replay', SAMPLE, '--nonsense']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown option --nonsense');
    expect(r.stderr).toContain('--console');
    expect(r.stderr).toContain('print the replayed console output');
  });

  it('--inject help lists the fault syntax', () => {
    const r = xrr(['run', '--help']);
    expect(r.stdout).toContain('crash:SERVER[:TYPE]:N');
    expect(r.stdout).toContain('crash:vfs:VFS_CLOSE:3');
    expect(r.stdout).toContain('delay:SRC:DST:N:NS');
  });

  it('counts in the right number: 1 branch', () => {
    const r = xrr(['verify', SAMPLE]);
    expect(r.stdout).toMatch(/ok: 1 branch, /);
  });
});

// Records through the CLI: up to 15 s beside the suite under load.
describe('run summaries', { timeout: 120_000 }, () => {
  it('record names the server crash (server, message, sender, icount) on stderr; an injected crash keeps the status', () => {
    const out = join(dir, 'crash.db');
    // The 54th message the VFS handles is a read of the console shell's image by the kernel (the
    // 200th when the image held the programs' DWARF: an exec reads the whole file).
    const r = xrr(['record', '--seed', 'sample-1', '--epoch', '2026-01-01T00:00:00Z', '--inject', 'crash:vfs:54', '--out', out, '--input', '-'], 'echo hello\nforkrace\n');
    expect(r.stderr).toMatch(/xrr record: server crash: vfs \(threw\) handling VFS_PROC_READINO from pid 0 at icount \d+/);
    expect(r.stderr).toContain('1 server crash (faults were injected)');
    expect(r.status).toBe(0);
  });

  it('a fault named by message type crashes the server on that message', () => {
    const r = xrr(['run', '--seed', '1', '--inject', 'crash:vfs:VFS_CLOSE:1', '/bin/ls', '/']);
    expect(r.stderr).toMatch(/xrr run: server crash: vfs \(threw\) handling VFS_CLOSE from pid \d+ at icount \d+/);
  });
});

describe('the exit status of a run whose server crashed', () => {
  const crash = { kind: 'server-crash', icount: 500, seq: 1, server: 2, name: 'vfs', cause: 'threw', mType: 101, source: 8, error: 'boom', stack: [] } as const;

  function reported(injected: boolean, status: number): { status: number; lines: string } {
    const seen = new RunObserver();
    seen.emit(crash);
    const machine = createMachine(resolveRunSetup(['--seed', '1']));
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((s: string) => (written.push(s), true)) as typeof process.stderr.write;
    try {
      return { status: reportRun('record', seen, machine, { kind: 'halted', status, reason: 'init exited' }, status, injected), lines: written.join('') };
    } finally {
      process.stderr.write = write;
    }
  }

  it('is 1 instead of 0 when no fault was injected, and says why', () => {
    const r = reported(false, 0);
    expect(r.status).toBe(1);
    expect(r.lines).toContain('server crash: vfs (threw) handling VFS_CLOSE from pid 8 at icount 500: boom');
    expect(r.lines).toContain('the run was not clean: 1 server crash; exit status 1');
  });

  it('keeps a failing program\'s own status, and an injected crash leaves the status alone', () => {
    expect(reported(false, 3).status).toBe(3);
    expect(reported(true, 0).status).toBe(0);
  });
});
