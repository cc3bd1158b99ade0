/**
 * Scheduling policies as a recorded input (Machine.schedule: round robin, chaos, PCT), the
 * reasons `sched` events give, and the deadlock event. PCT runs are as deterministic as the rest
 * of the machine (same policy, same events; a run split anywhere or restored from a snapshot
 * goes on alike; a recording replays exactly); a saved policy is checked field by field on
 * restore; a machine whose processes all wait for what cannot come halts with a `deadlock`
 * event naming each wait, and `xrr run` / `xrr record` exit non-zero and say so.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MachineEvent, SchedulePolicySpec } from '../src/core/events.js';
import type { Machine } from '../src/core/machine.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { MemoryJournalStore } from '../src/journal/memory-store.js';
import { StoreTarget } from '../src/timeline/record-target.js';
import { Recorder } from '../src/timeline/recorder.js';
import { replay } from '../src/timeline/replay.js';
import { newMachine } from './support/boot.js';
import { A0, A1, A2, DATA_BASE, linkProgram, sys } from './support/guest-asm.js';
import { li } from './support/rv-encode.js';

const ORDERING2 = ['/sbin/init', '/bin/ordering2'];
const PCT: SchedulePolicySpec = { kind: 'pct', seed: 3, depth: 3, steps: 80 };
const dir = mkdtempSync(join(tmpdir(), 'xrr-schedule-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hashOf(events: readonly MachineEvent[]): string {
  const h = createHash('sha256');
  for (const e of events) h.update(JSON.stringify(e));
  return h.digest('hex');
}

function runToEnd(machine: Machine, stopEarly?: () => boolean) {
  let stop = machine.run(2_000_000_000, stopEarly);
  while (stop.kind === 'limit') stop = machine.run(2_000_000_000, stopEarly);
  return stop;
}

function ordering2(policy: SchedulePolicySpec, stopEarly?: () => boolean) {
  const t = newMachine({ seed: 4, initArgv: ORDERING2 });
  expect(t.machine.boot()).toBeUndefined();
  t.machine.schedule(policy);
  return { ...t, stop: runToEnd(t.machine, stopEarly) };
}

const reasonsOf = (events: readonly MachineEvent[]) =>
  new Set(events.flatMap((e) => (e.kind === 'sched' ? [`${e.reason}${e.to < 0 ? ' (preempt)' : ''}`] : [])));

/** pipe(), then read(3) from its read end: nobody will ever write, so init waits for ever. */
const blockedForEver = linkProgram([li(A0, DATA_BASE), sys(13), li(A0, 3), li(A1, DATA_BASE + 8), li(A2, 1), sys(5), li(A0, 0), sys(25)]);

describe('PCT scheduling', () => {
  it('is deterministic: the same policy gives the same events, another seed another schedule', () => {
    const a = ordering2(PCT);
    const b = ordering2(PCT);
    expect(a.stop).toMatchObject({ kind: 'halted', reason: 'init exited' });
    expect(hashOf(a.sink.events)).toBe(hashOf(b.sink.events));
    expect(hashOf(ordering2({ ...PCT, seed: 4 }).sink.events)).not.toBe(hashOf(a.sink.events));
    expect(a.sink.events.filter((e) => e.kind === 'schedule')).toEqual([expect.objectContaining({ policy: PCT })]);
  });

  it('says why the CPU changed hands: priorities and change points under PCT, chaos points, blocking, exits', () => {
    const pct = reasonsOf(ordering2(PCT).sink.events);
    for (const r of ['start', 'block', 'exit', 'priority (preempt)', 'pct-change (preempt)']) expect(pct, r).toContain(r);
    // Under PCT only priorities preempt: no timer, yield or chaos preemptions.
    expect([...pct].filter((r) => /^(timer|yield|chaos)/.test(r))).toEqual([]);
    const chaos = reasonsOf(ordering2({ kind: 'chaos', seed: 1 }).sink.events);
    expect(chaos).toContain('chaos (preempt)');
    expect(chaos).not.toContain('priority (preempt)');
    // Round robin: the timer preempts a process that computes through its slice.
    const t = newMachine({ seed: 4, initArgv: ['/sbin/init', '/bin/lockorder', '1', '3000000'] });
    t.machine.boot();
    runToEnd(t.machine);
    expect(reasonsOf(t.sink.events)).toContain('timer (preempt)');
  });

  it('a run stopped early anywhere, and resumed, meets the same change points', () => {
    const straight = ordering2(PCT);
    let asked = 0;
    const split = ordering2(PCT, () => ++asked % 3 === 0);
    expect(asked).toBeGreaterThan(20);
    expect(hashOf(split.sink.events)).toBe(hashOf(straight.sink.events));
  });

  it('a snapshot keeps the policy: restored, the run goes on as it would have', () => {
    const straight = ordering2(PCT);
    const first = newMachine({ seed: 4, initArgv: ORDERING2 });
    first.machine.boot();
    first.machine.schedule(PCT);
    first.machine.run(10_000); // init and ordering2 live, one change point passed and one to come
    const pages = new Map<string, Uint8Array>();
    const saved = JSON.parse(JSON.stringify(first.machine.getState((h, b) => pages.set(h, b.slice())))) as ReturnType<Machine['getState']>;
    expect(saved.kernel.policy).toMatchObject({ kind: 'pct', depth: 3, steps: 80, lowered: 1, changePoints: [expect.any(Number)] });
    expect(saved.kernel.policy.kind === 'pct' && saved.kernel.policy.priorities.length).toBe(2);
    const second = newMachine({ seed: 4, initArgv: ORDERING2 });
    second.machine.setState(saved, (h) => pages.get(h));
    runToEnd(second.machine);
    expect(hashOf([...first.sink.events, ...second.sink.events])).toBe(hashOf(straight.sink.events));
  });

  it('a restore refuses a policy that is not one, naming the field', () => {
    const t = newMachine({ seed: 4, initArgv: ORDERING2 });
    t.machine.boot();
    t.machine.schedule(PCT);
    t.machine.run(10_000);
    const pages = new Map<string, Uint8Array>();
    const good = JSON.stringify(t.machine.getState((h, b) => pages.set(h, b.slice())));
    const withPolicy = (change: (p: Record<string, unknown>) => void) => {
      const s = JSON.parse(good) as { kernel: { policy: Record<string, unknown> } };
      change(s.kernel.policy);
      return s as unknown as ReturnType<Machine['getState']>;
    };
    const restore = (s: ReturnType<Machine['getState']>) => () => newMachine({ seed: 4, initArgv: ORDERING2 }).machine.setState(s, (h) => pages.get(h));
    expect(restore(withPolicy(() => undefined))).not.toThrow();
    expect(restore(withPolicy((p) => (p.kind = 'fifo')))).toThrow(/kernel\.policy\.kind/);
    expect(restore(withPolicy((p) => (p.depth = 0)))).toThrow(/kernel\.policy\.depth/);
    expect(restore(withPolicy((p) => (p.s = 0)))).toThrow(/kernel\.policy\.s/);
    expect(restore(withPolicy((p) => (p.changePoints = [500])))).toThrow(/kernel\.policy\.changePoints/);
    expect(restore(withPolicy((p) => (p.priorities = [{ pid: 999, priority: 10 }])))).toThrow(/kernel\.policy\.priorities\[0\]\.pid/);
    expect(restore(withPolicy((p) => (p.priorities = [{ pid: 1, priority: 10 }, { pid: 1, priority: 11 }])))).toThrow(/duplicate pid/);
    // And Machine.schedule refuses a policy it cannot run, before anything is recorded.
    expect(() => t.machine.schedule({ kind: 'pct', seed: 1, depth: 0, steps: 10 })).toThrow(RangeError);
    expect(() => t.machine.schedule({ kind: 'chaos', seed: 0 })).toThrow(RangeError);
  });

  it('is recorded as an input: the recording replays exactly, through its snapshots', async () => {
    const store = await MemoryJournalStore.create();
    store.createRecording({ machineVersion: 'test', imageHash: 'x', seedHex: '04' + '00'.repeat(31), bootEpochNs: '1750000000000000000', commandLine: [], xrrVersion: 'test' });
    const { machine } = newMachine({ seed: 4, initArgv: ORDERING2 });
    const target = new StoreTarget(store, ROOT_BRANCH);
    const recorder = new Recorder(machine, target, { interval: 5_000, snapshotNow: false });
    expect(machine.boot()).toBeUndefined();
    recorder.snapshot();
    machine.schedule(PCT);
    expect(recorder.run()).toMatchObject({ kind: 'halted' });
    store.flush();
    expect(target.taken.length).toBeGreaterThanOrEqual(3);
    const r = replay(store, ROOT_BRANCH);
    expect(r.machine.icount).toBe(machine.icount);
    expect(r.seq).toBe(store.branchLength(ROOT_BRANCH)); // every recorded event compared and matched
    // From a snapshot taken under PCT (its policy state restored), the rest replays too.
    const late = target.taken[target.taken.length - 1]!;
    expect(replay(store, ROOT_BRANCH, { from: late.icount }).machine.icount).toBe(machine.icount);
  });
});

describe('deadlock', () => {
  it('halts a machine whose processes all wait for what cannot come, naming each wait', () => {
    const t = newMachine({ seed: 4, initArgv: ['/tmp/stuck'], files: { '/tmp/stuck': blockedForEver } });
    t.machine.boot();
    expect(runToEnd(t.machine)).toEqual({ kind: 'halted', reason: 'deadlock', status: 1 });
    const tail = t.sink.events.slice(-2);
    expect(tail).toEqual([
      expect.objectContaining({ kind: 'deadlock', waiting: [{ pid: 1, name: 'init', wait: 'read: reply from vfs' }] }),
      expect.objectContaining({ kind: 'halt', reason: 'deadlock', status: 1 }),
    ]);
    // Halted for good: running again changes nothing.
    expect(t.machine.run()).toEqual({ kind: 'halted', reason: 'deadlock', status: 1 });
    expect(t.sink.events.slice(-2)).toEqual(tail);
  });

  it('is not a machine waiting for console input: that one idles', () => {
    const t = newMachine({ seed: 4, initArgv: ['/sbin/init', '/bin/cat'] });
    t.machine.boot();
    expect(runToEnd(t.machine)).toEqual({ kind: 'idle' });
    expect(t.sink.events.some((e) => e.kind === 'deadlock')).toBe(false);
    expect(t.machine.waiting()).toEqual([{ pid: 1, name: 'init', wait: 'wait4: reply from pm' }, expect.objectContaining({ name: 'cat', wait: 'console input' })]);
  });

  it('makes xrr run and xrr record exit non-zero and say so (lockorder, whose timer preemption deadlocks it)', () => {
    const xrr = (args: string[]) => spawnSync(process.execPath, ['bin/xrr.mjs', ...args], { encoding: 'utf8', timeout: 120_000 });
    const run = xrr(['run', '--seed', '1', '/bin/lockorder', '2', '300000']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/xrr: deadlock: every process waits and nothing can wake one \(1 init: wait4: reply from pm; \d+ lockorder: read: reply from vfs; \d+ lockorder: read: reply from vfs\)/);
    const stuck = join(dir, 'stuck.elf');
    writeFileSync(stuck, blockedForEver);
    const rec = xrr(['record', '--seed', '1', '--out', join(dir, 'stuck.db'), stuck]);
    expect(rec.status).toBe(1);
    // A host ELF runs under init, from the guest's /tmp.
    expect(rec.stderr).toContain('xrr: deadlock: every process waits and nothing can wake one (1 init: wait4: reply from pm; 8 stuck.elf: read: reply from vfs)');
  });
});
