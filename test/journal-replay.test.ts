/**
 * Record -> replay -> seek -> fork on the real machine. A recording replays with every derived
 * event equal; seeking to any icount lands on exactly the state a straight run reaches; a
 * tampered event is reported as a divergence; a fork continues live in its own branch.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import type { Machine } from '../src/core/machine.js';
import { ROOT_BRANCH, type BranchId } from '../src/journal/ids.js';
import { MemoryJournalStore } from '../src/journal/memory-store.js';
import { decodeState, encodeState } from '../src/journal/snapshot-codec.js';
import { MACHINE_VERSION } from '../src/core/machine.js';
import { DivergenceError } from '../src/timeline/divergence.js';
import { forkAt } from '../src/timeline/fork.js';
import { StoreTarget } from '../src/timeline/record-target.js';
import { Recorder } from '../src/timeline/recorder.js';
import { replay, seek } from '../src/timeline/replay.js';
import type { JournalStore } from '../src/journal/store.js';
import { newMachine } from './support/boot.js';

const INPUT = ['ls /bin\n', 'forkrace\n', 'echo done | cat\n'];

function stateHash(m: Machine): string {
  return createHash('sha256').update(JSON.stringify(m.getState())).digest('hex');
}

/** Boot, record every event and a snapshot every `interval` instructions (or `eventInterval` events), feed INPUT when idle. */
async function record(interval = 3_000_000, eventInterval?: number): Promise<{ store: JournalStore; machine: Machine; output: string }> {
  const store = await MemoryJournalStore.create();
  store.createRecording({ machineVersion: 'test', imageHash: 'x', seedHex: '00'.repeat(32), bootEpochNs: '1750000000000000000', commandLine: [], xrrVersion: 'test' });
  const { machine, output } = newMachine({ seed: 0 });
  const recorder = new Recorder(machine, new StoreTarget(store, ROOT_BRANCH), { interval, eventInterval, snapshotNow: false });
  expect(machine.boot()).toBeUndefined();
  recorder.snapshot();
  const input = [...INPUT];
  for (;;) {
    const stop = recorder.run();
    if (stop.kind === 'idle') {
      if (input.length === 0) break;
      machine.input(new TextEncoder().encode(input.shift()!));
    }
    if (stop.kind === 'halted') break;
  }
  store.flush();
  return { store, machine, output: output() };
}

/** A straight run to `icount` with the same inputs, without a journal. */
function straightTo(icount: number): Machine {
  const { machine } = newMachine({ seed: 0 });
  machine.boot();
  const input = [...INPUT];
  for (;;) {
    const stop = machine.run(icount);
    // Input arrives when every process waits; a seek lands before any input at its icount.
    if (stop.kind === 'idle' && input.length > 0 && machine.icount < icount) {
      machine.input(new TextEncoder().encode(input.shift()!));
      continue;
    }
    return machine;
  }
}

describe('record and replay', () => {
  it('replays a recording with every event equal, from the boot snapshot', async () => {
    const { store, machine, output } = await record();
    expect(output).toContain('done');
    const total = store.branchLength(ROOT_BRANCH);
    let console = '';
    const r = replay(store, ROOT_BRANCH, { consoleOut: (b) => (console += Buffer.from(b).toString('latin1')), from: 0 });
    expect(r.matched + r.snapshot.seq).toBe(total);
    expect(r.machine.icount).toBe(machine.icount);
    expect(stateHash(r.machine)).toBe(stateHash(machine));
    expect(console.length).toBeGreaterThan(100);
  });

  it('seeks to any icount and lands on the state of a straight run', async () => {
    const { store, machine } = await record();
    for (const t of [1, 2_500_000, 3_000_000, 4_321_987, Math.floor(machine.icount * 0.8), machine.icount]) {
      const r = seek(store, ROOT_BRANCH, t);
      const straight = straightTo(t);
      expect(r.machine.icount, `seek ${t}`).toBe(straight.icount);
      expect(stateHash(r.machine), `seek ${t}`).toBe(stateHash(straight));
    }
  });

  it('snapshots by event count too, so syscall-dense stretches stay cheap to seek into', async () => {
    const { store, machine } = await record(1e12, 300);
    const snaps = store.listSnapshots(ROOT_BRANCH);
    const length = store.branchLength(ROOT_BRANCH);
    expect(snaps.length).toBeGreaterThan(length / 1000);
    // A run stops at the first slice boundary past the count: one syscall (an exec reads a whole
    // program through the VFS) can add a few hundred events more.
    for (let i = 1; i < snaps.length; i++) expect(snaps[i]!.seq - snaps[i - 1]!.seq).toBeLessThan(300 + 1000);
    for (const t of [snaps[3]!.icount + 17, Math.floor(machine.icount * 0.7)]) {
      const r = seek(store, ROOT_BRANCH, t);
      expect(stateHash(r.machine), `seek ${t}`).toBe(stateHash(straightTo(t)));
    }
    expect(replay(store, ROOT_BRANCH).machine.icount).toBe(machine.icount);
  });

  it('refuses a recording made by another machine version, naming both', async () => {
    const { store } = await record();
    const snap = store.listSnapshots(ROOT_BRANCH)[0]!;
    const state = decodeState(store.loadSnapshotState(snap.id));
    const other = await MemoryJournalStore.create();
    other.createRecording(store.getRecording()!);
    other.append(ROOT_BRANCH, store.events(ROOT_BRANCH).map((e) => e.event));
    for (const h of store.snapshotPages(snap.id)) other.putPage(store.getPage(h)!);
    other.putSnapshot({ branch: ROOT_BRANCH, icount: snap.icount, seq: snap.seq, state: encodeState({ ...state, machineVersion: 'xrr-machine/0' }), pages: store.snapshotPages(snap.id) });
    other.flush();
    expect(() => replay(other, ROOT_BRANCH)).toThrow(new RegExp(`made by machine xrr-machine/0; this xrr runs ${MACHINE_VERSION}`));
    expect(() => seek(other, ROOT_BRANCH, 1000)).toThrow(/cannot replay it/);
  });

  it('reports the first divergence when a recorded event was changed', async () => {
    const { store } = await record();
    // A store whose stream claims a different syscall result at one point.
    const events = store.events(ROOT_BRANCH);
    const victim = events.find((e) => e.kind === 'syscall-return' && e.seq > 200)!;
    const forged = await MemoryJournalStore.create();
    forged.createRecording(store.getRecording()!);
    forged.append(ROOT_BRANCH, events.map((e) => (e.seq === victim.seq ? { ...e.event, result: 12345 } : e.event)) as never);
    const snap = store.listSnapshots(ROOT_BRANCH)[0]!;
    for (const h of store.snapshotPages(snap.id)) forged.putPage(store.getPage(h)!);
    forged.putSnapshot({ branch: ROOT_BRANCH, icount: snap.icount, seq: snap.seq, state: store.loadSnapshotState(snap.id), pages: store.snapshotPages(snap.id) });
    let err: unknown;
    try {
      replay(forged, ROOT_BRANCH);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DivergenceError);
    const d = (err as DivergenceError).divergence;
    expect(d.seq).toBe(victim.seq);
    expect(d.expected).toMatchObject({ result: 12345 });
    expect(d.actual).toMatchObject({ kind: 'syscall-return' });
  });

  it('forks a branch that continues live with new input, leaving the parent as it was', async () => {
    const { store } = await record();
    const parentLength = store.branchLength(ROOT_BRANCH);
    const firstInput = store.events(ROOT_BRANCH, { kinds: ['console-input'] })[0]!;
    const { branch, machine } = forkAt(store, ROOT_BRANCH, firstInput.icount, 'other input');
    machine.input(new TextEncoder().encode('echo forked-branch\n'));
    let out = '';
    machine.connect({ console: (b) => (out += Buffer.from(b).toString('latin1')) });
    machine.run(machine.icount + 50_000_000);
    store.flush();
    expect(out).toContain('forked-branch');
    expect(store.branchLength(ROOT_BRANCH)).toBe(parentLength);
    const own = store.events(branch as BranchId, { fromSeq: store.getBranch(branch)!.forkSeq });
    expect(own[0]!.event).toMatchObject({ kind: 'console-input' });
    // The branch replays too: its inherited prefix and its own events.
    const r = replay(store, branch);
    expect(r.machine.icount).toBe(machine.icount);
    expect(stateHash(r.machine)).toBe(stateHash(machine));
  });
});


describe('recorded fault injection', () => {
  it('a server crash injected during recording happens again, identically, on replay', async () => {
    const store = await MemoryJournalStore.create();
    store.createRecording({ machineVersion: 'test', imageHash: 'x', seedHex: '00'.repeat(32), bootEpochNs: '1750000000000000000', commandLine: [], xrrVersion: 'test' });
    const { machine, output } = newMachine({ seed: 0 });
    const recorder = new Recorder(machine, new StoreTarget(store, ROOT_BRANCH), { snapshotNow: false });
    machine.boot();
    recorder.snapshot();
    const input = ['ls /bin\n', 'cat /etc/motd\n', 'echo after-crash\n'];
    let injected = false;
    for (;;) {
      const stop = machine.run(Number.MAX_SAFE_INTEGER);
      if (stop.kind !== 'idle' || input.length === 0) break;
      if (!injected && input.length === 2) {
        machine.inject({ kind: 'crash', server: 2, mType: -1, nth: 3 }); // the VFS dies handling its 3rd message
        injected = true;
      }
      machine.input(new TextEncoder().encode(input.shift()!));
    }
    store.flush();
    expect(output()).toContain('after-crash');
    const kinds = new Set(store.events(ROOT_BRANCH).map((e) => e.kind));
    expect(kinds.has('inject')).toBe(true);
    expect(kinds.has('server-crash')).toBe(true);
    expect(kinds.has('server-restart')).toBe(true);
    const r = replay(store, ROOT_BRANCH, { from: 0 });
    expect(r.machine.icount).toBe(machine.icount);
    expect(stateHash(r.machine)).toBe(stateHash(machine));
  });
});
