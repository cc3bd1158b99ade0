/**
 * What replay compares of a run with server crashes holds nothing of the host's code: no function
 * names, no file paths, no line numbers. Otherwise renaming or moving a kernel method would make
 * every recording with a crash diverge while the machine version stays the same.
 *
 * The crashes here are the three kinds the machine has: an injected crash, a hang the watchdog
 * turns into a crash, and a real error thrown inside a server's handler (the VFS meeting an fd whose
 * open file does not exist, which it reports with an invariant error from deep in its code).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MachineEvent } from '../src/core/events.js';
import { crashErrorText } from '../src/core/kernel/supervisor.js';
import { ERRNO } from '../src/protocol/errno.js';
import { MSG } from '../src/protocol/message-types.js';
import { A0, A1, A2, DATA_BASE, linkProgram, sys } from './support/guest-asm.js';
import { li, op } from './support/rv-encode.js';
import { testMachine } from './ipc-kernel-support.js';

const VFS = 2, PM = 3, MM = 4;
const SRC = join(import.meta.dirname, '..', 'src');

/** Every function, method and class name declared in src/ (what a host stack is made of). */
function hostNames(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (/\.tsx?$/.test(e.name)) {
        const code = readFileSync(path, 'utf8');
        const decls = [/function\s+([A-Za-z_$][\w$]*)/g, /class\s+([A-Za-z_$][\w$]*)/g, /^\s+(?:(?:private|public|protected|static|readonly|async|get|set)\s+)*([A-Za-z_$][\w$]*)\s*[(<]/gm];
        for (const decl of decls) for (const m of code.matchAll(decl)) if (m[1]) names.add(m[1]);
      }
    }
  };
  walk(SRC);
  // Camel-case names only: short lower-case ones (open, read, write) are also guest syscall names.
  return new Set([...names].filter((n) => /[a-z][A-Z]|^[A-Z][a-z]+[A-Z]/.test(n) && n.length >= 6));
}

/** Every string inside an event (payload fields, nested arrays and objects). */
function stringsOf(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) stringsOf(x, out);
  else if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) stringsOf(x, out);
  return out;
}

const HOST_PATH = /file:\/\/|node:internal|node_modules|\/src\/|\.(?:[cm]?[jt]sx?)\b|\\/;
const LINE_NUMBER = /\.[cm]?[jt]sx?:\d+|:\d+:\d+\)?$|\bat \S+ \(/;

function hostLeaks(events: readonly MachineEvent[], names: Set<string>): string[] {
  const leaks: string[] = [];
  const cwd = process.cwd();
  for (const e of events) {
    for (const s of stringsOf(e)) {
      // Hex digits (a boot's seed) are not text; a message's bytes are bytes, not strings.
      if (/^[0-9a-f]*$/.test(s)) continue;
      if (s.includes(cwd) || HOST_PATH.test(s) || LINE_NUMBER.test(s)) leaks.push(`${e.kind}: path or line in ${JSON.stringify(s)}`);
      for (const word of s.split(/[^\w$]+/)) if (names.has(word)) leaks.push(`${e.kind}: host name ${word} in ${JSON.stringify(s)}`);
    }
  }
  return leaks;
}

/** A run with an injected crash in each of VFS and MM and a PM hang the watchdog catches. */
function injectedCrashesRun() {
  const t = testMachine({ hangDeadlineNs: 20_000_000 });
  t.run(['echo warm\n']);
  t.machine.inject({ kind: 'crash', server: VFS, mType: MSG.VFS_OPEN, nth: 1 });
  t.machine.inject({ kind: 'crash', server: MM, mType: -1, nth: 3 });
  t.machine.inject({ kind: 'hang', server: PM, mType: MSG.PROC_FORK, nth: 1 });
  t.run(['cat /etc/motd\n', 'ls /bin\n', 'echo after\n']);
  return t;
}

/**
 * init reads fd 50, which the restored VFS state says is open file 99999, which does not exist:
 * the VFS throws from inside its handler. init then exits with -result.
 */
function thrownErrorRun() {
  const NEG = (rd: number, rs: number) => op('sub', rd, 0, rs);
  const program = linkProgram([li(A0, 50), li(A1, DATA_BASE), li(A2, 8), sys(5), NEG(A0, A0), sys(25)]);
  const t = testMachine({ initArgv: ['/tmp/prog'], files: { '/tmp/prog': program } });
  const pages = new Map<string, Uint8Array>();
  const state = structuredClone(t.machine.getState((h, b) => pages.set(h, b.slice())));
  const vfs = state.kernel.servers.find((s) => s.pid === VFS)?.state as { fs: { procs: { pid: number; fds: [number, number, boolean][] }[] } };
  const init = vfs.fs.procs.find((p) => p.pid === 1);
  if (!init) throw new Error('init has no fd table in the VFS');
  init.fds.push([50, 99_999, false]);
  t.machine.setState(state, (h) => pages.get(h), t.machine.getSecretState());
  return t;
}

describe('crash events hold no host code', () => {
  const names = hostNames();

  it('finds the host names it looks for (the check is not empty)', () => {
    for (const n of ['handleVfsRequest', 'fileById', 'IpcRouter', 'crashErrorText', 'InjectedCrash']) expect(names.has(n), n).toBe(true);
  });

  it('the check sees a host stack, a path and a line number when an event holds them', () => {
    const leaky = { kind: 'server-crash', server: 2, name: 'vfs', cause: 'threw', mType: 100, source: 8, error: 'boom at /x/src/a.ts:3:4', stack: ['fileById', 'IpcRouter.serve'], icount: 1, seq: 0 };
    const leaks = hostLeaks([leaky as unknown as MachineEvent], names);
    expect(leaks.some((l) => l.includes('fileById'))).toBe(true);
    expect(leaks.some((l) => l.includes('IpcRouter'))).toBe(true);
    expect(leaks.some((l) => l.includes('path or line'))).toBe(true);
  });

  it('injected crashes and a hang: the events name the server, the message type and the error, nothing of the host', () => {
    const t = injectedCrashesRun();
    const crashes = t.of('server-crash');
    expect(crashes.map((c) => [c.server, c.cause]).sort()).toEqual([[VFS, 'threw'], [PM, 'hung'], [MM, 'threw']].sort());
    expect(crashes.find((c) => c.server === PM)?.mType).toBe(MSG.PROC_FORK);
    for (const c of crashes) {
      expect(Object.keys(c).sort()).toEqual(['cause', 'error', 'icount', 'kind', 'mType', 'name', 'seq', 'server', 'source']);
    }
    expect(crashes.find((c) => c.server === VFS)?.error).toBe(`injected crash: vfs handling type ${MSG.VFS_OPEN}`);
    expect(crashes.find((c) => c.server === PM)?.error).toBe('no reply within 20000000 ns of virtual time');
    expect(t.of('server-restart').length).toBeGreaterThanOrEqual(3);
    expect(hostLeaks(t.events, names)).toEqual([]);
  });

  it('a real error thrown inside a handler: its message is kept, its stack is not', () => {
    const t = thrownErrorRun();
    expect(t.run()).toMatchObject({ kind: 'halted', status: ERRNO.EIO });
    const [crash] = t.of('server-crash');
    expect(crash).toMatchObject({ server: VFS, name: 'vfs', cause: 'threw', mType: MSG.VFS_READ, source: 1 });
    expect(crash?.error).toBe('vfs invariant: open file 99999 does not exist');
    expect(hostLeaks(t.events, names)).toEqual([]);
  });

  it('the same crashes give byte-identical events in a second run (nothing host-dependent to differ)', () => {
    const a = thrownErrorRun();
    const b = thrownErrorRun();
    a.run();
    b.run();
    expect(JSON.stringify(b.events)).toBe(JSON.stringify(a.events));
  });

  it('cuts host source locations out of an error text', () => {
    expect(crashErrorText(new Error('Cannot find module /home/u/xrr/src/servers/vfs/ramfs.ts:12:7 from x'))).toBe('Cannot find module <host code> from x');
    expect(crashErrorText(new Error('bad thing at file:///opt/xrr/dist/a.js:3:9'))).toBe('bad thing at <host code>');
    expect(crashErrorText(new TypeError("Cannot read properties of undefined (reading 'flags')"))).toBe("Cannot read properties of undefined (reading 'flags')");
    expect(crashErrorText('a thrown string')).toBe('a thrown string');
  });
});
