/**
 * Moving forward without a seek: a copy of the machine at the cursor is run on to the target,
 * fed the recorded inputs at their icounts, exactly as replay does from a snapshot. A seek
 * replays from the nearest snapshot (up to 20 million instructions, seconds on a large
 * recording); stepping forward by an event or a thousand instructions from the machine already
 * at hand costs the copy and the few instructions in between. The copy goes through
 * getState/setState, so the cached machine it starts from is never mutated.
 *
 * Events are not compared on the way (replay and verify do that); they are counted, so the
 * result carries the timeline position like a seek's.
 */
import { INPUT_KINDS, type MachineEvent } from '../core/events.js';
import { Machine } from '../core/machine.js';
import type { BranchId, JournalSeq, PageHash } from '../journal/ids.js';
import type { JournalStore } from '../journal/store.js';
import { createServers } from '../servers/create-servers.js';

export interface Positioned {
  readonly machine: Machine;
  /** Timeline position: events applied to reach the machine. */
  readonly seq: number;
}

/** A deep, independent copy of `machine` whose events go nowhere but `onEvent`. */
export function copyMachine(store: JournalStore, machine: Machine, onEvent: (e: MachineEvent) => void): Machine {
  const meta = store.getRecording();
  if (!meta) throw new Error('the journal has no recording');
  const pages = new Map<string, Uint8Array>();
  const state = structuredClone(machine.getState((hash, bytes) => pages.set(hash, bytes.slice())));
  const secret = structuredClone(machine.getSecretState());
  const epoch = BigInt(meta.bootEpochNs);
  const copy = new Machine({
    seed: Uint8Array.from(Buffer.from(meta.seedHex, 'hex')),
    bootEpochNs: epoch,
    servers: createServers([], epoch),
    sink: { emit: onEvent },
  });
  copy.setState(state, (hash) => pages.get(hash) ?? store.getPage(hash as PageHash) ?? undefined, secret);
  return copy;
}

/** The machine at `target` (>= from.machine.icount) on `branch`, run on from `from`. */
export function runForward(store: JournalStore, branch: BranchId, from: Positioned, target: number): Positioned {
  let emitted = 0;
  const m = copyMachine(store, from.machine, () => emitted++);
  for (;;) {
    if (m.kernel.halted || m.icount >= target) break;
    const seq = from.seq + emitted;
    const next = store.nextEvent(branch, (seq - 1) as JournalSeq, { kinds: [...INPUT_KINDS] });
    // An input goes in once every event recorded before it has happened, at its icount.
    if (next && next.seq === seq && next.icount === m.icount) {
      m.applyInput(next.event);
      continue;
    }
    const before = m.icount;
    const beforeEmitted = emitted;
    const stop = m.run(next && next.icount <= target ? next.icount : target);
    if (stop.kind === 'halted') break;
    if (m.icount === before && emitted === beforeEmitted) break; // idle with no input due: the end of the recording
  }
  return { machine: m, seq: from.seq + emitted };
}
