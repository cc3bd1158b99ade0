/**
 * Chaos scheduling (Machine.chaos, `--chaos N`): an input like typed bytes, after which the
 * scheduler picks among ready processes and preempts at points drawn from the seed. It finds the
 * race `forkrace file` hides under round robin; it is as deterministic as the rest of the machine
 * (same seed, same events; a run split anywhere or restored from a snapshot goes on alike); and a
 * recording made with it replays exactly, while a fork may take another seed.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { MachineEvent } from '../src/core/events.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { MemoryJournalStore } from '../src/journal/memory-store.js';
import { forkAt } from '../src/timeline/fork.js';
import { StoreTarget } from '../src/timeline/record-target.js';
import { Recorder } from '../src/timeline/recorder.js';
import { replay } from '../src/timeline/replay.js';
import { newMachine } from './support/boot.js';

const FORKRACE_FILE = ['/sbin/init', '/bin/forkrace', 'file'];

function hashOf(events: readonly MachineEvent[]): string {
  const h = createHash('sha256');
  for (const e of events) h.update(JSON.stringify(e));
  return h.digest('hex');
}

/** Boot init running forkrace file, with chaos from `seed` (undefined: round robin), to the halt. */
function forkraceFile(seed: number | undefined, stopEarly?: () => boolean) {
  const t = newMachine({ seed: 4, initArgv: FORKRACE_FILE });
  expect(t.machine.boot()).toBeUndefined();
  if (seed !== undefined) t.machine.chaos(seed);
  let stop = t.machine.run(2_000_000_000, stopEarly);
  while (stop.kind === 'limit') stop = t.machine.run(2_000_000_000, stopEarly);
  return { ...t, stop };
}

describe('chaos scheduling', () => {
  it('shows the race forkrace file hides under round robin', () => {
    const plain = forkraceFile(undefined);
    expect(plain.output()).toContain('OK: read all 400 lines');
    expect(plain.stop).toMatchObject({ kind: 'halted', status: 0 });
    const chaotic = forkraceFile(1);
    expect(chaotic.output()).toMatch(/RACE: read \d+ of 400 lines/);
    expect(chaotic.stop).toMatchObject({ kind: 'halted', status: 1 });
    expect(chaotic.sink.events.filter((e) => e.kind === 'sched').length).toBeGreaterThan(plain.sink.events.filter((e) => e.kind === 'sched').length * 3);
    expect(chaotic.sink.events.filter((e) => e.kind === 'chaos')).toEqual([expect.objectContaining({ seed: 1 })]);
  });

  it('is deterministic: the same seed gives the same events, another seed another schedule', () => {
    const a = forkraceFile(7);
    const b = forkraceFile(7);
    expect(hashOf(a.sink.events)).toBe(hashOf(b.sink.events));
    const other = forkraceFile(8);
    expect(hashOf(other.sink.events)).not.toBe(hashOf(a.sink.events));
  });

  it('a run stopped early anywhere, and resumed, meets the same chaos points', () => {
    const straight = forkraceFile(3);
    let asked = 0;
    const split = forkraceFile(3, () => ++asked % 5 === 0);
    expect(asked).toBeGreaterThan(50);
    expect(hashOf(split.sink.events)).toBe(hashOf(straight.sink.events));
  });

  it('a snapshot keeps the chaos state: restored, the run goes on as it would have', () => {
    const straight = forkraceFile(5);
    const first = newMachine({ seed: 4, initArgv: FORKRACE_FILE });
    first.machine.boot();
    first.machine.chaos(5);
    first.machine.run(300_000);
    const pages = new Map<string, Uint8Array>();
    const saved = JSON.parse(JSON.stringify(first.machine.getState((h, b) => pages.set(h, b.slice())))) as ReturnType<typeof first.machine.getState>;
    const second = newMachine({ seed: 4, initArgv: FORKRACE_FILE });
    second.machine.setState(saved, (h) => pages.get(h));
    second.machine.run(2_000_000_000);
    expect(hashOf([...first.sink.events, ...second.sink.events])).toBe(hashOf(straight.sink.events));
    expect(first.output() + second.output()).toBe(straight.output());
  });

  it('is recorded as an input: the recording replays exactly, and a fork can take another seed', async () => {
    const store = await MemoryJournalStore.create();
    // seedHex is newMachine's seedBytes(4): a restore re-derives the channel keys from it.
    store.createRecording({ machineVersion: 'test', imageHash: 'x', seedHex: '04' + '00'.repeat(31), bootEpochNs: '1750000000000000000', commandLine: [], xrrVersion: 'test' });
    const { machine, output } = newMachine({ seed: 4, initArgv: FORKRACE_FILE });
    const target = new StoreTarget(store, ROOT_BRANCH);
    const recorder = new Recorder(machine, target, { interval: 100_000, snapshotNow: false });
    expect(machine.boot()).toBeUndefined();
    recorder.snapshot();
    machine.chaos(2);
    expect(recorder.run()).toMatchObject({ kind: 'halted' });
    store.flush();
    expect(output()).toContain('RACE');
    const snaps = { taken: target.taken };
    expect(snaps.taken.length).toBeGreaterThanOrEqual(2);
    const r = replay(store, ROOT_BRANCH);
    expect(r.machine.icount).toBe(machine.icount);
    expect(r.seq).toBe(store.branchLength(ROOT_BRANCH)); // every recorded event compared and matched

    // From the second snapshot, round robin again: a branch of its own that replays too.
    const at = snaps.taken[1]!.icount + 10;
    const fork = forkAt(store, ROOT_BRANCH, at, 'round robin');
    fork.machine.chaos(0);
    let stop = fork.machine.run(2_000_000_000);
    while (stop.kind === 'limit') stop = fork.machine.run(2_000_000_000);
    store.flush();
    expect(store.events(fork.branch, { kinds: ['chaos'] }).map((e) => e.event)).toEqual([
      expect.objectContaining({ seed: 2 }),
      expect.objectContaining({ seed: 0 }),
    ]);
    expect(replay(store, fork.branch, { from: 0 }).machine.icount).toBe(fork.machine.icount);
  });
});
