/**
 * The recording engine as explore and explain use it: recording a run into a file, replaying a
 * recording against its events, and machines at an icount of a recording (seek, fork). Every call
 * into the timeline (its Recorder, replay and seek) is in this file, behind these few functions.
 */
import type { EventSink, MachineEvent, MachineEventKind } from '../core/events.js';
import { EventTee } from './event-tee.js';
import { MACHINE_VERSION, type Machine, type RunStop } from '../core/machine.js';
import { ROOT_BRANCH, type Icount, type JournalSeq } from '../journal/ids.js';
import { SqliteJournalStore } from '../journal/sqlite-store.js';
import type { ChannelKey, RecordingMeta } from '../journal/store.js';
import { DivergenceError } from '../timeline/divergence.js';
import { machineOf } from '../timeline/machines.js';
import { StoreTarget } from '../timeline/record-target.js';
import { Recorder } from '../timeline/recorder.js';
import { recordingDebugFiles } from '../timeline/recording-debug-files.js';
import { replay, seek } from '../timeline/replay.js';
import type { DebugFiles } from '../symbols/debug-files.js';

export type { ChannelKey, RecordingMeta };

/** What a recording says of itself (the journal's recording row). */
export interface RecordingIdentity {
  readonly imageHash: string;
  readonly seed: Uint8Array;
  readonly bootEpochNs: bigint;
  readonly keySeed: Uint8Array;
  /** The command that reproduces the run (explain reads the run's settings back from it). */
  readonly commandLine: readonly string[];
}

const XRR_VERSION = '0.1.0';

/**
 * Record a run into a new journal `file`: `machine` (built, not booted) is booted with its
 * events going to the journal (the timeline's Recorder) and to `observer`, snapshotted, given its
 * inputs by `start`, and run until it halts, idles or reaches `limit`. The debug file of each
 * program it execs that `debugFiles` (the guest image's) has is stored in the recording.
 */
export async function recordRun(
  file: string,
  id: RecordingIdentity,
  machine: Machine,
  start: (m: Machine) => void,
  limit: number,
  observer: EventSink,
  debugFiles?: DebugFiles,
): Promise<RunStop> {
  const store = await SqliteJournalStore.open(file, { create: true });
  try {
    store.createRecording({
      machineVersion: MACHINE_VERSION,
      imageHash: id.imageHash,
      seedHex: Buffer.from(id.seed).toString('hex'),
      bootEpochNs: id.bootEpochNs.toString(),
      commandLine: [...id.commandLine],
      xrrVersion: XRR_VERSION,
    });
    store.putKeySeed(id.keySeed);
    const target = new StoreTarget(store, ROOT_BRANCH);
    const recorder = new Recorder(machine, target, { snapshotNow: false, debugFiles });
    machine.connect({ events: new EventTee([target, observer]) });
    const err = machine.boot();
    if (err) throw new Error(err);
    recorder.snapshot();
    start(machine);
    return recorder.run(limit);
  } finally {
    store.close();
  }
}

/** A recording replayed to its end against its events. */
export type ReplayedRun =
  | { readonly ok: true; readonly machine: Machine }
  | { readonly ok: false; readonly divergence: string };

/** Replay `file` from its first snapshot, every replayed event also to `observer`. */
export async function replayRecording(file: string, observer: EventSink): Promise<ReplayedRun> {
  const store = await SqliteJournalStore.open(file, { readonly: true, create: false });
  try {
    const r = replay(store, ROOT_BRANCH, { from: 0, onEvent: (e) => observer.emit(e) });
    return { ok: true, machine: r.machine };
  } catch (e) {
    if (e instanceof DivergenceError) return { ok: false, divergence: e.message };
    throw e;
  } finally {
    store.close();
  }
}

/** A recording opened for analysis: its events, its keys, and live machines forked from it. */
export interface RecordingHandle {
  readonly file: string;
  readonly meta: RecordingMeta;
  /** The recorded events (of the main timeline) of these kinds, or all, in order. */
  events(kinds?: readonly MachineEventKind[]): MachineEvent[];
  /** The channel keys the recorder journaled (to open the sealed IPC wires). */
  channelKeys(): ChannelKey[];
  /**
   * The machine at `icount` (the last instruction boundary at or before it), live: its events
   * from there on go to `observer` only, which has also seen every event before that point.
   */
  machineAt(icount: number, observer: EventSink): Machine;
  /** A live copy of `machine` (same state), its events to `observer`: many runs from one point. */
  copyOf(machine: Machine, observer: EventSink): Machine;
  /** The recording's debug files: the full ELF of a stripped program that ran. */
  readonly debugFiles: DebugFiles;
  close(): void;
}

export async function openRecording(file: string): Promise<RecordingHandle> {
  const store = await SqliteJournalStore.open(file, { readonly: true, create: false });
  const meta = store.getRecording();
  if (!meta) {
    store.close();
    throw new Error(`${file} holds no recording`);
  }
  const all = (kinds?: readonly MachineEventKind[]) => store.events(ROOT_BRANCH, kinds ? { kinds } : {}).map((s) => s.event);
  return {
    file,
    meta,
    events: all,
    channelKeys: () => store.channelKeys({ branch: ROOT_BRANCH }),
    debugFiles: recordingDebugFiles(store),
    machineAt(icount, observer) {
      const snapshot = store.nearestSnapshot(ROOT_BRANCH, icount as Icount) ?? store.listSnapshots(ROOT_BRANCH)[0];
      if (!snapshot) throw new Error(`${file} has no snapshot to start from`);
      // Events before the snapshot are not re-executed: the observer reads them from the journal.
      if (snapshot.seq > 0) {
        for (const s of store.iterateEvents(ROOT_BRANCH, { toSeq: (snapshot.seq - 1) as JournalSeq })) observer.emit(s.event);
      }
      const r = seek(store, ROOT_BRANCH, icount, { onEvent: (e) => observer.emit(e) });
      r.machine.connect({ events: observer });
      return r.machine;
    },
    copyOf(machine, observer) {
      const pages = new Map<string, Uint8Array>();
      const state = machine.getState((hash, bytes) => pages.set(hash, bytes));
      const copy = machineOf(store, observer);
      copy.setState(state, (hash) => pages.get(hash), machine.getSecretState());
      return copy;
    },
    close: () => store.close(),
  };
}
