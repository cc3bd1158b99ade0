/**
 * Replay and seek. A machine is restored from a snapshot and re-executed; the recorded inputs
 * (console bytes, host idle time) are fed back at the icounts where they arrived, and every
 * event the machine derives is compared with the recorded one. The first mismatch stops the
 * replay with a divergence report: the recorded event (expected) and the replayed one (actual).
 *
 * Seeking to an icount is the same replay from the nearest snapshot at or before it.
 */
import { INPUT_KINDS, type EventSink, type MachineEvent } from '../core/events.js';
import { Machine, MACHINE_VERSION } from '../core/machine.js';
import { createServers } from '../servers/create-servers.js';
import type { BranchId, Icount, JournalSeq, PageHash } from './ids.js';
import { decodeState, journalChannelKeys, JournalSink } from './record.js';
import { rowMatches, storedOfRow } from './event-row.js';
import type { JournalStore, RawEventRow, SnapshotRecord, StoredEvent } from './store.js';

export interface Divergence {
  /** Position in the branch's timeline of the recorded event that did not match. */
  readonly seq: number;
  readonly expected: MachineEvent | null;
  readonly actual: MachineEvent | null;
}

export class DivergenceError extends Error {
  constructor(readonly divergence: Divergence) {
    super(
      `replay diverged at event ${divergence.seq}: expected ${JSON.stringify(divergence.expected)}, got ${JSON.stringify(divergence.actual)}`,
    );
  }
}

/** Rows read from the journal at a time while replaying. */
const PAGE = 1024;

/**
 * The recorded events of a timeline from a position, which replay holds the machine to. Each
 * emitted event is compared with the next row in the form the journal stores it (kind, icount,
 * seq in icount and the canonical payload text of event-row.ts, whose keys are sorted at every
 * depth), so no row is parsed but the inputs replay feeds back and a mismatch it reports:
 * parsing every row and comparing re-serialized objects was most of a replay's own cost.
 */
export class RecordedTimeline {
  private page: RawEventRow[] = [];
  private at = 0;
  private parsed: StoredEvent | null = null;
  /** Events matched so far. */
  matched = 0;

  constructor(
    private readonly store: JournalStore,
    private readonly branch: BranchId,
    private readonly fromSeq: number,
  ) {}

  /** The timeline position of the next recorded event not yet matched. */
  get seq(): number {
    return this.fromSeq + this.matched;
  }

  private row(): RawEventRow | null {
    if (this.at >= this.page.length) {
      this.page = this.store.timelineRows(this.branch, this.seq, PAGE);
      this.at = 0;
    }
    return this.page[this.at] ?? null;
  }

  /** The next recorded event not yet matched, or null at the end of the recording. */
  peek(): StoredEvent | null {
    const r = this.row();
    if (!r) return null;
    if (this.parsed?.seq !== r.seq) this.parsed = storedOfRow(r);
    return this.parsed;
  }

  /**
   * Holds `e` to the next recorded event and moves past it; false when the recording has no
   * more events to compare with. Throws DivergenceError at the first difference.
   */
  match(e: MachineEvent): boolean {
    const r = this.row();
    if (!r) return false;
    if (!rowMatches(r, e)) {
      throw new DivergenceError({ seq: r.seq, expected: this.peek()!.event, actual: e });
    }
    this.at++;
    this.matched++;
    return true;
  }
}

/**
 * Compares each event the machine emits with the next recorded one. Throws DivergenceError at
 * the first difference (the machine's run unwinds; the replaying machine is then discarded).
 */
class ComparingSink implements EventSink {
  constructor(
    readonly recorded: RecordedTimeline,
    private readonly forward?: EventSink,
  ) {}

  emit(event: MachineEvent): void {
    // Past the end of the recording there is nothing to compare with.
    if (this.recorded.match(event)) this.forward?.emit(event);
  }
}

/** A machine restored from a snapshot of the journal. */
export function restoreMachine(store: JournalStore, snapshot: SnapshotRecord, sink?: EventSink): Machine {
  const state = decodeState(store.loadSnapshotState(snapshot.id));
  if (state.machineVersion !== MACHINE_VERSION) {
    throw new Error(`the recording was made by machine ${state.machineVersion}; this xrr runs ${MACHINE_VERSION} and cannot replay it`);
  }
  const machine = machineOf(store, sink);
  machine.setState(state, (hash) => store.getPage(hash as PageHash) ?? undefined);
  return machine;
}

/**
 * A machine configured as the recording's (entropy seed, boot epoch, key seed) with empty servers,
 * for a setState to fill: from a snapshot (restoreMachine) or from a machine at hand (a copy).
 */
export function machineOf(store: JournalStore, sink?: EventSink): Machine {
  const meta = store.getRecording();
  if (!meta) throw new Error('the journal has no recording');
  const keySeed = store.keySeed();
  if (keySeed === 'withheld') {
    throw new Error('this copy was shared without its channel keys and key seed: its events, hash chain and sealed wires can be read, but it cannot be replayed, seeked or decrypted');
  }
  const epoch = BigInt(meta.bootEpochNs);
  return new Machine({
    seed: Uint8Array.from(Buffer.from(meta.seedHex, 'hex')),
    bootEpochNs: epoch,
    servers: createServers([], epoch),
    sink,
    keySeed: keySeed ?? undefined,
  });
}

export interface ReplayOptions {
  /** Stop at this icount (default: the end of the recording). */
  readonly to?: number;
  /** Start from the nearest snapshot at or before this icount (default: the first snapshot). */
  readonly from?: number;
  /** Receives the replayed events that matched (e.g. to print them). */
  readonly forward?: EventSink;
  /** Console output of the replayed machine. */
  readonly consoleOut?: (bytes: Uint8Array) => void;
  /** Called between slices with the icount reached. */
  readonly progress?: (icount: number) => void;
}

export interface ReplayResult {
  readonly machine: Machine;
  /** Events compared and found equal. */
  readonly matched: number;
  /** The branch timeline position after the last matched event. */
  readonly seq: number;
  readonly snapshot: SnapshotRecord;
}

const SLICE = 5_000_000;

/**
 * Re-execute `branch` from a snapshot up to `to`, checking every event. Throws DivergenceError
 * at the first mismatch.
 */
export function replay(store: JournalStore, branch: BranchId, opts: ReplayOptions = {}): ReplayResult {
  store.flush();
  const last = store.events(branch, { order: 'desc', limit: 1 })[0];
  const end = Math.min(opts.to ?? Number.MAX_SAFE_INTEGER, last ? last.icount : 0);
  const snapshot = store.nearestSnapshot(branch, (opts.from ?? end) as Icount) ?? store.listSnapshots(branch)[0];
  if (!snapshot) throw new Error('the recording has no snapshot to replay from');
  const recorded = new RecordedTimeline(store, branch, snapshot.seq);
  const machine = restoreMachine(store, snapshot, new ComparingSink(recorded, opts.forward));
  if (opts.consoleOut) machine.connect({ console: opts.consoleOut });

  // A seek stops when the machine reaches `to`, before any input that arrived at `to`; a full
  // replay goes through the last recorded event.
  const full = opts.to === undefined;
  for (;;) {
    const next = recorded.peek();
    if (!next || next.icount > end || machine.kernel.halted) break;
    if (!full && machine.icount >= end) break;
    if (INPUT_KINDS.has(next.kind) && machine.icount === next.icount) {
      // Feed the recorded input; the machine emits the same input event, which is compared.
      machine.applyInput(next.event);
      continue;
    }
    // Run to the next input (or the end); the sink checks every event on the way.
    const target = INPUT_KINDS.has(next.kind) ? next.icount : Math.min(end, nextInputIcount(store, branch, next.seq, end));
    const before = machine.icount;
    const stop = machine.run(Math.min(target, machine.icount + SLICE));
    opts.progress?.(machine.icount);
    if (stop.kind === 'halted') break;
    if (machine.icount === before && recorded.seq === next.seq) {
      // The machine cannot get further, yet the recording has more: it went another way.
      throw new DivergenceError({ seq: next.seq, expected: next.event, actual: null });
    }
  }
  if (!full && machine.icount < end && !machine.kernel.halted) machine.run(end);
  return { machine, matched: recorded.matched, seq: recorded.seq, snapshot };
}

function nextInputIcount(store: JournalStore, branch: BranchId, afterSeq: number, fallback: number): number {
  const e = store.nextEvent(branch, (afterSeq - 1) as JournalSeq, { kinds: [...INPUT_KINDS] });
  return e ? e.icount : fallback;
}

/** The machine at `icount` on `branch` (the last instruction boundary at or before it). */
export function seek(store: JournalStore, branch: BranchId, icount: number, opts: Omit<ReplayOptions, 'to' | 'from'> = {}): ReplayResult {
  return replay(store, branch, { ...opts, from: icount, to: icount });
}

/**
 * Fork: a new branch that starts from the machine at `icount` of `parent` and continues live.
 * Returns the branch and the machine, whose events now go to the branch.
 */
export function forkAt(store: JournalStore, parent: BranchId, icount: number, label = '', progress?: (icount: number) => void): { branch: BranchId; machine: Machine } {
  const r = seek(store, parent, icount, { progress });
  const info = store.createBranch({ parent, forkIcount: r.machine.icount as Icount, forkSeq: r.seq as JournalSeq, label });
  r.machine.connect({ events: new JournalSink(store, info.id) });
  journalChannelKeys(r.machine, store, info.id);
  return { branch: info.id, machine: r.machine };
}
