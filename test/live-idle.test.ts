/**
 * Idle time in a live run follows the host clock: when every process sleeps until a timer
 * deadline, the machine stops where it would skip (Machine.run with holdIdleSkips), the driver
 * waits that long on the host and then lets it skip (skipIdle, the same derived event an
 * unattended run has); a key typed meanwhile goes in at once, after an idle input for the host
 * time waited, and a replay puts both back before the skip. The machine reads no clock: the same
 * run held and skipped by hand gives the events of a straight run, and replays never wait.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MachineEvent } from '../src/core/events.js';
import type { Machine } from '../src/core/machine.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { MemoryJournalStore } from '../src/journal/memory-store.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';
import type { JournalStore } from '../src/journal/store.js';
import { StoreTarget } from '../src/timeline/record-target.js';
import { Recorder } from '../src/timeline/recorder.js';
import { replay } from '../src/timeline/replay.js';
import { LiveRun, type LiveState } from '../src/tui/live-run.js';
import { newMachine, seedBytes } from './support/boot.js';
import { stateHash } from './support/recording.js';

const XRR = resolve(import.meta.dirname, '../bin/xrr.mjs');

/** Until `pred` holds, polled (bounded by a generous host time for a busy machine). */
async function until(pred: () => boolean, what: string, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A machine booted live as `xrr tui --new` boots it, recorded into a store, and the TUI's LiveRun on it. */
async function liveMachine(initArgv?: string[]): Promise<{ store: JournalStore; machine: Machine; live: LiveRun; output: () => string; states: Set<LiveState> }> {
  const store = await MemoryJournalStore.create();
  store.createRecording({ machineVersion: 'test', imageHash: 'x', seedHex: Buffer.from(seedBytes(9)).toString('hex'), bootEpochNs: '1750000000000000000', commandLine: [], xrrVersion: 'test' });
  const { machine, output } = newMachine({ seed: 9, initArgv });
  const recorder = new Recorder(machine, new StoreTarget(store, ROOT_BRANCH), { snapshotNow: false });
  const err = machine.boot();
  if (err) throw new Error(err);
  recorder.snapshot();
  const states = new Set<LiveState>();
  const live: LiveRun = new LiveRun(store, ROOT_BRANCH, machine, () => states.add(live.state));
  return { store, machine, live, output, states };
}

const kinds = <T extends { readonly event: MachineEvent }>(events: readonly T[], k: MachineEvent['kind']): T[] => events.filter((e) => e.event.kind === k);
const text = (s: string) => new TextEncoder().encode(s);

describe('idle time in a live run', () => {
  it('held and skipped by hand, a run gives the events of a straight run', () => {
    const straight = newMachine({ seed: 3, initArgv: ['/bin/sleep', '2.5'] });
    expect(straight.machine.boot()).toBeUndefined();
    expect(straight.machine.run()).toMatchObject({ kind: 'halted' });

    const held = newMachine({ seed: 3, initArgv: ['/bin/sleep', '2.5'] });
    expect(held.machine.boot()).toBeUndefined();
    const waits: number[] = [];
    for (let i = 0; i < 100; i++) {
      const stop = held.machine.run(Number.MAX_SAFE_INTEGER, undefined, { holdIdleSkips: true });
      if (stop.kind === 'halted') break;
      expect(stop.kind).toBe('idle-until');
      if (stop.kind === 'idle-until') waits.push(stop.ns);
      held.machine.skipIdle();
    }
    expect(held.machine.kernel.halted).toBeTruthy();
    // The sleep's deadline, 2.5 s of virtual time from the nanosleep, is where the run stopped.
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBe(2_500_000_000);
    expect(held.sink.events).toEqual(straight.sink.events);
    const skips = held.sink.events.filter((e) => e.kind === 'timer-skip');
    expect(skips).toEqual([expect.objectContaining({ skippedNs: 2_500_000_000 })]);
  });

  it('the TUI\'s live run waits for `sleep` on the host clock; its recording is an unattended run\'s and replays without waiting', async () => {
    const { store, machine, live, states } = await liveMachine(['/bin/sleep', '1']);
    const t0 = performance.now();
    live.start();
    await until(() => live.state === 'halted', 'the sleep to end and init to exit');
    const liveMs = performance.now() - t0;
    expect(liveMs).toBeGreaterThanOrEqual(1000);
    expect(states).toContain('sleeping');

    store.flush();
    const events = store.events(ROOT_BRANCH);
    expect(kinds(events, 'idle')).toHaveLength(0); // nothing was typed: the wait is the derived skip
    expect(kinds(events, 'timer-skip').map((e) => e.event)).toEqual([expect.objectContaining({ skippedNs: 1_000_000_000 })]);
    const straight = newMachine({ seed: 9, initArgv: ['/bin/sleep', '1'] });
    straight.machine.boot();
    straight.machine.run();
    expect(events.map((e) => e.event)).toEqual(straight.sink.events);

    const r0 = performance.now();
    const r = replay(store, ROOT_BRANCH);
    const replayMs = performance.now() - r0;
    expect(r.seq).toBe(store.branchLength(ROOT_BRANCH));
    expect(stateHash(r.machine)).toBe(stateHash(machine));
    expect(replayMs).toBeLessThan(liveMs);
  });

  it('stopped while waiting for input, past a timer tick: the end snapshot is the machine a replay reaches', async () => {
    const { store, machine, live, output } = await liveMachine();
    live.start();
    await until(() => live.state === 'waiting-input' && output().includes('# '), 'the shell prompt');
    // Wait past several 10 ms ticks of host time: the idle input stop() records makes them due.
    const t0 = performance.now();
    await until(() => performance.now() - t0 > 50, '50 ms of host time');
    live.stop();
    const end = store.listSnapshots(ROOT_BRANCH).at(-1)!;
    expect(end).toMatchObject({ icount: machine.icount, seq: store.branchLength(ROOT_BRANCH) });
    const r = replay(store, ROOT_BRANCH);
    expect(r.seq).toBe(store.branchLength(ROOT_BRANCH));
    // Before the fix the ticks were serviced by the replay but not in the stopped live machine.
    expect(stateHash(r.machine)).toBe(stateHash(machine));
  });

  it('a key typed while every process sleeps goes in at once after an idle input; the replay puts it back before the skip', async () => {
    const { store, machine, live, output } = await liveMachine();
    live.start();
    await until(() => live.state === 'waiting-input' && output().includes('# '), 'the shell prompt');
    const t0 = performance.now();
    live.input(text('sleep 2; echo slept\n'));
    await until(() => live.state === 'sleeping', 'the shell to sleep');
    live.input(text('echo typed-meanwhile\n'));
    await until(() => /^slept\r?$/m.test(output()), 'the sleep to end');
    const hostMs = performance.now() - t0;
    // Echoed when typed; its output comes after the sleep's (the shell reads it then).
    await until(() => /^slept\r?\n[\s\S]*typed-meanwhile\r?\n/m.test(output()) && live.state === 'waiting-input', 'the command typed meanwhile to run, then the prompt');
    live.stop();
    expect(hostMs).toBeGreaterThanOrEqual(2000);

    const events = store.events(ROOT_BRANCH);
    const typed = kinds(events, 'console-input')[1]!;
    const idle = events[typed.seq - 1]!;
    expect(idle.event).toMatchObject({ kind: 'idle' });
    expect(idle.icount).toBe(typed.icount);
    // The sleep's skip comes after the key, for what was left of the 2 s; virtual time went on by 2 s in all.
    const skip = kinds(events, 'timer-skip').find((e) => e.seq > typed.seq)!;
    expect(skip.icount).toBe(typed.icount);
    const waited = (idle.event.kind === 'idle' ? idle.event.skippedNs : 0) + (skip.event.kind === 'timer-skip' ? skip.event.skippedNs : 0);
    expect(waited).toBe(2_000_000_000);

    // stop() left a snapshot at the end; the whole recording replays from the boot, every event equal.
    expect(store.listSnapshots(ROOT_BRANCH).at(-1)).toMatchObject({ icount: machine.icount, seq: store.branchLength(ROOT_BRANCH) });
    let console = '';
    const r = replay(store, ROOT_BRANCH, { consoleOut: (b) => (console += Buffer.from(b).toString('latin1')) });
    expect(r.snapshot.seq).toBe(store.listSnapshots(ROOT_BRANCH)[0]!.seq);
    expect(r.seq).toBe(store.branchLength(ROOT_BRANCH));
    expect(stateHash(r.machine)).toBe(stateHash(machine));
    expect(console).toContain('typed-meanwhile');
  });

  it('a recorded run without a terminal keeps skipping: `sleep 600` in xrr record --input takes far less than 600 s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xrr-live-idle-'));
    try {
      const input = join(dir, 'input.txt');
      const file = join(dir, 'sleep.db');
      // A sleep much longer than the run takes even on a busy host (5 s beside the suite under
      // load): a run that waited would be stopped by spawnSync's timeout, not pass by luck.
      writeFileSync(input, 'sleep 600; echo slept-600\n');
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [XRR, 'record', '--seed', '1', '--input', input, '--out', file], { encoding: 'utf8', timeout: 300_000 });
      const ms = performance.now() - t0;
      expect(r.signal, 'xrr record waited out the sleep on the host clock').toBeNull();
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('slept-600');
      expect(ms).toBeLessThan(300_000);
      const store = await SqliteJournalStore.open(file, { readonly: true, create: false });
      try {
        const skips = store.events(ROOT_BRANCH, { kinds: ['timer-skip'] }).map((e) => (e.event.kind === 'timer-skip' ? e.event.skippedNs : 0));
        expect(skips.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(600_000_000_000);
        expect(store.countEvents(ROOT_BRANCH, { kinds: ['idle'] })).toBe(0);
      } finally {
        store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 360_000);
});
