/**
 * A corrupted snapshot is refused with the path of the bad field, for the kernel and every server,
 * whether the field is missing, of the wrong type or out of range; and a refused restore changes
 * nothing: the machine it was tried on keeps its state and keeps running.
 */
import { describe, expect, it } from 'vitest';
import type { MachineState } from '../src/core/machine.js';
import { StateError } from '../src/core/state-check.js';
import { testMachine } from './ipc-kernel-support.js';

type Json = Record<string, unknown>;

/** A snapshot of a machine that has booted and run a pipeline (processes, open files, regions). */
function snapshot() {
  const t = testMachine();
  t.run(['echo hi | cat\n']);
  const pages = new Map<string, Uint8Array>();
  const state = t.machine.getState((h, b) => pages.set(h, b.slice()));
  return { t, state, load: (h: string) => pages.get(h), secret: t.machine.getSecretState() };
}

/** The saved state of server `name` inside a machine state. */
function serverState(state: MachineState, pid: number): Json {
  const s = state.kernel.servers.find((x) => x.pid === pid);
  if (!s) throw new Error(`no server ${pid} in the snapshot`);
  return s.state as Json;
}

/** The object holding the field at `path` (keys and indices), and the field's key. */
function parentOf(root: Json, path: readonly (string | number)[]): { obj: Json; key: string | number } {
  let obj: unknown = root;
  for (const k of path.slice(0, -1)) obj = (obj as Json)[k as string];
  const key = path[path.length - 1];
  if (typeof obj !== 'object' || obj === null || key === undefined) throw new Error(`no field at ${path.join('.')}`);
  return { obj: obj as Json, key };
}

interface Target {
  /** Which part of the machine state holds the field. */
  readonly part: (s: MachineState) => Json;
  /** Path inside that part, and how the error names it. */
  readonly path: readonly (string | number)[];
  readonly named: string;
  readonly mistyped: unknown;
  readonly outOfRange: unknown;
  /** What the error says the field must be. */
  readonly expected: string;
}

const TARGETS: Record<string, Target> = {
  kernel: {
    part: (s) => s.kernel as unknown as Json, path: ['procs', 0, 'pc'], named: 'kernel.procs[0].pc',
    mistyped: 'x', outOfRange: -4, expected: 'u32',
  },
  vfs: {
    part: (s) => serverState(s, 2), path: ['fs', 'inodes', 0, 'mode'], named: 'vfs.fs.inodes[0].mode',
    mistyped: 'rwx', outOfRange: 0o17777, expected: 'permission bits (0..0o7777)',
  },
  pm: {
    part: (s) => serverState(s, 3), path: ['procs', 1, 'uid'], named: 'pm.procs[1].uid',
    mistyped: '0', outOfRange: -1, expected: 'u32',
  },
  mm: {
    part: (s) => serverState(s, 4), path: ['procs', 0, 'brk'], named: 'mm.procs[0].brk',
    mistyped: true, outOfRange: 2 ** 33, expected: 'u32',
  },
  rs: {
    part: (s) => serverState(s, 7), path: ['policy', 'limit'], named: 'rs.policy.limit',
    mistyped: '3', outOfRange: 0, expected: 'an integer in [1, 1000000]',
  },
};

const KINDS = {
  missing: (t: Target, o: Json, k: string | number) => {
    delete o[k as string];
    return `${t.named}: expected ${t.expected}, got nothing (the field is missing)`;
  },
  mistyped: (t: Target, o: Json, k: string | number) => {
    o[k as string] = t.mistyped;
    return `${t.named}: expected ${t.expected}, got ${typeof t.mistyped === 'string' ? JSON.stringify(t.mistyped) : String(t.mistyped)}`;
  },
  'out of range': (t: Target, o: Json, k: string | number) => {
    o[k as string] = t.outOfRange;
    return `${t.named}: expected ${t.expected}, got ${String(t.outOfRange)}`;
  },
} as const;

describe('a corrupted snapshot is refused, naming the field', () => {
  for (const [name, target] of Object.entries(TARGETS)) {
    for (const [kind, corrupt] of Object.entries(KINDS)) {
      it(`${name}: a ${kind} field`, () => {
        const { state, load, secret } = snapshot();
        const bad = structuredClone(state);
        const { obj, key } = parentOf(target.part(bad), target.path);
        expect(obj[key as string], 'the field exists in a good snapshot').toBeDefined();
        const message = corrupt(target, obj, key);
        const fresh = testMachine({ seed: 2 }).machine;
        let thrown: unknown;
        try {
          fresh.setState(bad, load, secret);
        } catch (e) {
          thrown = e;
        }
        expect(thrown).toBeInstanceOf(StateError);
        expect((thrown as StateError).path).toBe(target.named);
        expect((thrown as StateError).message).toBe(message);
        // The untouched snapshot restores into the same kind of machine.
        expect(() => testMachine({ seed: 2 }).machine.setState(state, load, secret)).not.toThrow();
      });
    }
  }

  it('refers to saved things only: a current process that is not saved is refused', () => {
    const { state, load, secret } = snapshot();
    const bad = structuredClone(state) as unknown as { kernel: Json };
    bad.kernel['current'] = 4242;
    expect(() => testMachine().machine.setState(bad as unknown as MachineState, load, secret)).toThrow(
      'kernel.current: expected the pid of a saved process, got 4242',
    );
  });

  it('a refused restore changes nothing: the machine keeps its state and keeps running', () => {
    const { t, state, load, secret } = snapshot();
    // The last server in the kernel's order is bad: every server before it would have been restored.
    const bad = structuredClone(state);
    (serverState(bad, 7)['policy'] as Json)['windowNs'] = -5;
    for (const p of bad.kernel.procs as unknown as { pc: number }[]) p.pc += 2;
    const before = JSON.stringify(t.machine.getState());
    expect(() => t.machine.setState(bad, load, secret)).toThrow('rs.policy.windowNs: expected a non-negative integer, got -5');
    expect(JSON.stringify(t.machine.getState())).toBe(before);
    t.run(['echo still-here\n']);
    expect(t.output()).toMatch(/still-here\r?\n/);
  });
});
