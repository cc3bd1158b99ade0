/**
 * Opening a recording at its end replays nothing: the Recorder leaves a snapshot where a recording
 * ends (by itself when the machine halts; finish() when a run stops for good otherwise, as
 * `xrr record`, `xrr fork` and the TUI's live runs do), and that snapshot is the machine a whole
 * replay reaches. A recording made without it (an older one) still opens at the same end, by a
 * replay from its last spaced snapshot.
 */
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import { openRecording } from '../src/cli/commands/tui.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import type { JournalStore } from '../src/journal/store.js';
import { MemoryJournalStore } from '../src/journal/memory-store.js';
import { StoreTarget } from '../src/timeline/record-target.js';
import { restoreMachine } from '../src/timeline/machines.js';
import { Recorder } from '../src/timeline/recorder.js';
import { branchEndIcount } from '../src/timeline/branch-end.js';
import { replay } from '../src/timeline/replay.js';
import { Replayer } from '../src/timeline/replayer.js';
import { App } from '../src/tui/app.js';
import { TuiSession } from '../src/tui/session.js';
import { newMachine, seedBytes } from './support/boot.js';
import { recordRun, stateHash } from './support/recording.js';
import { recordBoot, settled, waitFor } from './support/tui-recording.js';

/** The recording's end: its last event's icount and its length. */
function endOf(store: JournalStore): { icount: number; seq: number } {
  return { icount: store.events(ROOT_BRANCH, { order: 'desc', limit: 1 })[0]!.icount, seq: store.branchLength(ROOT_BRANCH) };
}

describe('a snapshot where a recording ends', () => {
  it('a machine that halts leaves one at its last event: the machine a whole replay reaches', async () => {
    const { store, machine } = await recordRun({ seed: 4, input: [], initArgv: ['/bin/ls', '-l', '/bin'] });
    expect(machine.kernel.halted).toBeTruthy();
    const end = endOf(store);
    expect(machine.icount).toBe(end.icount);
    const last = store.listSnapshots(ROOT_BRANCH).at(-1)!;
    expect(last).toMatchObject({ icount: end.icount, seq: end.seq });

    // Opening there restores it and replays nothing.
    const r = Replayer.near(store, ROOT_BRANCH, end.icount);
    expect(r.startIcount).toBe(end.icount);
    expect(r.runUntil({ kind: 'icount', icount: end.icount })).toMatchObject({ kind: 'stopped' });
    expect(r.seq).toBe(end.seq);

    const whole = replay(store, ROOT_BRANCH); // from the boot snapshot, every event compared
    expect(whole.snapshot.id).toBe(store.listSnapshots(ROOT_BRANCH)[0]!.id);
    expect(whole.seq).toBe(end.seq);
    expect(stateHash(restoreMachine(store, last))).toBe(stateHash(whole.machine));
    expect(stateHash(whole.machine)).toBe(stateHash(machine));
  });

  it('finish() takes one where a run stopped for input, once; without it the recording opens at the same end by a replay', async () => {
    // Recorded to where the shell waits for more input, without finish(): as an older recording.
    const { store, machine } = await recordRun({ seed: 5, input: ['echo first\n', 'echo second\n'] });
    const end = endOf(store);
    expect(machine.icount).toBe(end.icount);
    const before = store.listSnapshots(ROOT_BRANCH);
    expect(before.at(-1)!.seq).toBeLessThan(end.seq);
    const older = new TuiSession(store, 'older.db', 0);
    expect(Replayer.near(store, ROOT_BRANCH, end.icount).startIcount).toBeLessThan(end.icount);
    const replayed = older.machineAt(ROOT_BRANCH, end.icount);
    expect(replayed.seq).toBe(end.seq);
    expect(stateHash(replayed.machine)).toBe(stateHash(machine));

    const recorder = Recorder.of(machine)!;
    recorder.finish();
    recorder.finish();
    store.flush();
    const after = store.listSnapshots(ROOT_BRANCH);
    expect(after).toHaveLength(before.length + 1);
    expect(after.at(-1)).toMatchObject({ icount: end.icount, seq: end.seq });
    expect(Replayer.near(store, ROOT_BRANCH, end.icount).startIcount).toBe(end.icount);
    const opened = new TuiSession(store, 'finished.db', 0).machineAt(ROOT_BRANCH, end.icount);
    expect(opened.seq).toBe(end.seq);
    expect(stateHash(opened.machine)).toBe(stateHash(machine));
  });

  it('a run stopped between two events ends where it stopped: a whole replay runs on past the last event to there', async () => {
    const store = await MemoryJournalStore.create();
    store.createRecording({ machineVersion: 'test', imageHash: 'x', seedHex: Buffer.from(seedBytes(6)).toString('hex'), bootEpochNs: '1750000000000000000', commandLine: [], xrrVersion: 'test' });
    const { machine } = newMachine({ seed: 6, initArgv: ['/sbin/init', '/bin/cpubench'] });
    const recorder = new Recorder(machine, new StoreTarget(store, ROOT_BRANCH), { interval: 100_000_000, snapshotNow: false });
    expect(machine.boot()).toBeUndefined();
    recorder.snapshot();
    // cpubench computes for millions of instructions between two writes: stop inside that stretch.
    recorder.run(2_345_677);
    recorder.finish();
    store.flush();
    const lastEvent = store.events(ROOT_BRANCH, { order: 'desc', limit: 1 })[0]!.icount;
    expect(machine.icount).toBe(2_345_677);
    expect(lastEvent).toBeLessThan(machine.icount);
    expect(branchEndIcount(store, ROOT_BRANCH)).toBe(machine.icount);

    const whole = replay(store, ROOT_BRANCH);
    expect(whole.snapshot.icount).toBeLessThan(lastEvent);
    expect(whole.machine.icount).toBe(machine.icount);
    expect(stateHash(whole.machine)).toBe(stateHash(machine));
    // Stepping forward from the last event reaches the end too, and no further.
    const r = Replayer.near(store, ROOT_BRANCH, lastEvent);
    expect(r.runUntil({ kind: 'icount', icount: lastEvent })).toMatchObject({ kind: 'stopped' });
    expect(r.runUntil()).toMatchObject({ kind: 'end' });
    expect(r.icount).toBe(machine.icount);
  });

  it('xrr record leaves one, and xrr tui opens there: the App settles at the end without a replay', async () => {
    const { store, file } = await recordBoot({ input: 'echo hello\n' });
    const end = endOf(store);
    expect(store.listSnapshots(ROOT_BRANCH).at(-1)).toMatchObject({ icount: end.icount, seq: end.seq });
    store.close();

    const opened = await openRecording(file);
    if (!opened.ok) throw new Error(opened.error);
    try {
      expect(Replayer.near(opened.store, ROOT_BRANCH, end.icount).startIcount).toBe(end.icount);
      const session = new TuiSession(opened.store, file);
      const ui = render(createElement(App, { session, branch: ROOT_BRANCH, width: 120, height: 40, noColor: true }));
      const f = await waitFor(ui.lastFrame, settled, 'the UI at the end of the recording');
      expect(f).toContain(`icount ${end.icount.toLocaleString('en-US')}/${end.icount.toLocaleString('en-US')}`);
      expect(session.cachedMachine({ branch: ROOT_BRANCH, ...end })).not.toBeNull();
      ui.unmount();
    } finally {
      opened.store.close();
    }
  });
});
