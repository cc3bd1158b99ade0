/**
 * Recording: the machine's events go into a journal branch, batched by the store, and the
 * whole machine is snapshotted at boot and then every SNAPSHOT_INTERVAL instructions, so any
 * point of the run can be reached by restoring a snapshot and replaying a bounded stretch.
 *
 * The snapshot at boot holds the root filesystem (inside the VFS server's state), so a
 * recording replays without the guest image it was made from.
 */
import type { EventSink, MachineEvent } from '../core/events.js';
import type { Machine, MachineState } from '../core/machine.js';
import type { BranchId, Icount, JournalSeq, PageHash } from './ids.js';
import type { ChannelKeysReport } from '../core/output-bus.js';
import type { ChannelKey, JournalStore, SnapshotRecord } from './store.js';

/**
 * Instructions between snapshots. A seek replays at most this many: about 0.1 s at the CPU's
 * speed, which keeps seeks well under the 200 ms target with restore time included.
 */
export const SNAPSHOT_INTERVAL = 20_000_000;

/**
 * Events between snapshots, whichever comes first. Replaying an event costs tens of
 * microseconds (a syscall and two sealed IPC messages re-executed, each event compared), so
 * in syscall-dense code 20 million instructions hold minutes of replay; this keeps a seek
 * there under about half a second. Recorders stop the machine at it with Machine.run's stopEarly.
 */
export const SNAPSHOT_EVENTS = 20_000;

/** When the next snapshot is due: `interval` instructions or `eventInterval` events after the last one. */
export class SnapshotSpacing {
  private icount = -Infinity;
  private events = 0;

  constructor(
    readonly interval = SNAPSHOT_INTERVAL,
    readonly eventInterval = SNAPSHOT_EVENTS,
  ) {}

  /** The icount at which a snapshot is due (run the machine no further at a time). */
  get due(): number {
    return this.icount + this.interval;
  }

  /** Due by events, `events` being how many the run has emitted (a Machine.run stopEarly asks this). */
  dueByEvents(events: number): boolean {
    return events - this.events >= this.eventInterval;
  }

  isDue(icount: number, events: number): boolean {
    return icount >= this.due || this.dueByEvents(events);
  }

  taken(icount: number, events: number): void {
    this.icount = icount;
    this.events = events;
  }
}

/**
 * The rows of the channel_key table for the keys a machine reports as it sets up a channel
 * (Kernel.keySink): one per direction, `forward` sealing initiator -> responder.
 */
export function channelKeyRows(branch: BranchId, k: Parameters<(keys: ChannelKeysReport) => void>[0]): ChannelKey[] {
  return k.directions.map((d) => ({
    branch,
    src: k.initiator,
    dst: k.responder,
    direction: d.from === k.initiator ? 'forward' : 'reverse',
    icount: k.icount as Icount,
    key: Uint8Array.from(Buffer.from(d.senderKey, 'hex')),
  }));
}

/** Journal the machine's channel keys into `store` on `branch` from now on (before boot, for the boot channels). */
export function journalChannelKeys(machine: Machine, store: JournalStore, branch: BranchId): void {
  machine.connect({
    channelKeys: (k) => {
      for (const row of channelKeyRows(branch, k)) store.putChannelKey(row);
    },
  });
}

/** An EventSink that appends to a journal branch; the store commits in batches. */
export class JournalSink implements EventSink {
  constructor(
    private readonly store: JournalStore,
    readonly branch: BranchId,
  ) {}

  emit(event: MachineEvent): void {
    this.store.append(this.branch, [event]);
  }
}

/** Encode a machine state for the snapshot table (JSON: plain data by construction). */
export function encodeState(state: MachineState): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(state));
}

export function decodeState(bytes: Uint8Array): MachineState {
  return JSON.parse(new TextDecoder().decode(bytes)) as MachineState;
}

/** Snapshot the machine into the store at its current position on `branch`. */
export function takeSnapshot(store: JournalStore, branch: BranchId, machine: Machine): SnapshotRecord {
  const pages = new Map<string, Uint8Array>();
  const state = machine.getState((hash, bytes) => {
    if (!pages.has(hash)) pages.set(hash, bytes);
  });
  const fresh = [...pages].filter(([hash]) => !store.hasPage(hash as PageHash));
  if (fresh.length > 0) store.putPages(fresh.map(([, bytes]) => bytes));
  store.flush();
  return store.putSnapshot({
    branch,
    icount: machine.icount as Icount,
    seq: store.branchLength(branch),
    state: encodeState(state),
    pages: [...pages.keys()] as PageHash[],
  });
}

/**
 * Takes snapshots while a run goes on: run the machine to `due` at most, with `stopEarly`, and
 * call `maybe()` between runs; it snapshots when SNAPSHOT_INTERVAL instructions or
 * SNAPSHOT_EVENTS events have passed since the last one.
 */
export class Snapshotter {
  private readonly spacing: SnapshotSpacing;
  readonly taken: SnapshotRecord[] = [];

  constructor(
    private readonly store: JournalStore,
    private readonly branch: BranchId,
    private readonly machine: Machine,
    interval = SNAPSHOT_INTERVAL,
    eventInterval = SNAPSHOT_EVENTS,
  ) {
    this.spacing = new SnapshotSpacing(interval, eventInterval);
    this.spacing.taken(machine.icount, machine.kernel.emitted);
  }

  /** The icount at which the next snapshot is due (run the machine no further at a time). */
  get due(): number {
    return this.spacing.due;
  }

  /** For Machine.run: true once enough events for a snapshot have passed. */
  readonly stopEarly = (): boolean => this.spacing.dueByEvents(this.machine.kernel.emitted);

  maybe(): void {
    if (this.spacing.isDue(this.machine.icount, this.machine.kernel.emitted)) this.now();
  }

  now(): SnapshotRecord {
    const s = takeSnapshot(this.store, this.branch, this.machine);
    this.taken.push(s);
    this.spacing.taken(this.machine.icount, this.machine.kernel.emitted);
    return s;
  }
}

export type { JournalSeq };
