/**
 * Where a Recorder puts a recording: a journal store on the machine's thread (StoreTarget), or
 * the journal writer thread (BackgroundJournal). Both take the machine's events, the keys of
 * each channel as it is set up, and snapshots.
 */
import type { EventSink, MachineEvent } from '../core/events.js';
import type { Machine } from '../core/machine.js';
import type { ChannelKeysReport } from '../core/output-bus.js';
import { bytesOfHex } from '../protocol/hex.js';
import { encodeState, isJournalError } from '../journal/index.js';
import type { BranchId, Icount, PageHash } from '../journal/ids.js';
import type { ChannelKey, JournalStore, SnapshotRecord } from '../journal/store.js';
import type { DebugFiles } from '../symbols/debug-files.js';
import { DebugFileCollector } from './debug-file-collector.js';

export interface RecordTarget extends EventSink {
  /** Events received so far (what snapshot spacing counts). */
  readonly events: number;
  readonly channelKeys: (keys: ChannelKeysReport) => void;
  /** Snapshot the machine at its current position (between runs). */
  snapshot(machine: Machine): void;
  /**
   * From now on, store the debug file `files` has for each program `machine` execs
   * (DebugFileCollector), once each.
   */
  collectDebugFiles(machine: Machine, files: DebugFiles): void;
}

/** The rows of the channel_key table for a channel's keys: one per direction, `forward` sealing initiator -> responder. */
export function channelKeyRows(branch: BranchId, k: ChannelKeysReport): ChannelKey[] {
  return k.directions.map((d) => ({
    branch,
    src: k.initiator,
    dst: k.responder,
    direction: d.from === k.initiator ? 'forward' : 'reverse',
    icount: k.icount as Icount,
    key: bytesOfHex(d.senderKey),
  }));
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
 * A branch of a journal store, written on this thread; the store commits events in batches, and
 * commit() commits now. A store that can no longer be written (disk full, I/O error) never
 * throws into the machine's run: the target stops taking events and `failure` says why; a
 * later batch would leave a gap in the timeline.
 */
export class StoreTarget implements RecordTarget {
  events = 0;
  readonly taken: SnapshotRecord[] = [];
  private failed: string | undefined;
  private debugFiles: DebugFileCollector | undefined;

  constructor(
    readonly store: JournalStore,
    readonly branch: BranchId,
  ) {}

  /** Why the store could not be written (nothing was committed after), or undefined. */
  get failure(): string | undefined {
    return this.failed;
  }

  private guarded(fn: () => void): void {
    if (this.failed !== undefined) return;
    try {
      fn();
    } catch (e) {
      if (!isJournalError(e, 'IO') && !isJournalError(e, 'CORRUPT') && !isJournalError(e, 'READONLY')) throw e;
      this.failed = e.message;
    }
  }

  emit(event: MachineEvent): void {
    this.guarded(() => this.store.append(this.branch, [event]));
    this.events++;
    if (event.kind === 'exec') this.debugFiles?.exec(event.path);
    else if (event.kind === 'boot') this.debugFiles?.boot();
  }

  collectDebugFiles(machine: Machine, files: DebugFiles): void {
    this.debugFiles = new DebugFileCollector(machine, files, (key, elf) => this.guarded(() => void this.store.putDebugFile(key, elf)));
  }

  /** Commit everything appended so far. */
  commit(): void {
    this.guarded(() => this.store.flush());
  }

  readonly channelKeys = (k: ChannelKeysReport): void => {
    this.guarded(() => {
      for (const row of channelKeyRows(this.branch, k)) this.store.putChannelKey(row);
    });
  };

  snapshot(machine: Machine): void {
    this.guarded(() => {
      this.taken.push(takeSnapshot(this.store, this.branch, machine));
    });
  }
}
