/**
 * Machines for a recording: one configured as the recording's (entropy seed, boot epoch, key
 * seed) with empty servers, filled from a snapshot of the journal or from a machine at hand.
 * Here rather than in the journal because building a machine takes the servers.
 */
import type { EventSink } from '../core/events.js';
import { Machine, MACHINE_VERSION } from '../core/machine.js';
import { bytesOfHex, hexOf } from '../protocol/hex.js';
import { createServers } from '../servers/create-servers.js';
import type { PageHash } from '../journal/ids.js';
import { decodeState } from '../journal/snapshot-codec.js';
import type { JournalStore, SnapshotRecord } from '../journal/store.js';

/** A machine at a timeline position: `seq` events of the branch applied to reach it. */
export interface Positioned {
  readonly machine: Machine;
  readonly seq: number;
}

/**
 * A machine configured as the recording's with empty servers, for a setState to fill. `keySeed`
 * stands in for a key seed the file does not hold (a copy shared without it, `xrr share`); given
 * for a recording that holds its own, it must be that one.
 */
export function machineOf(store: JournalStore, sink?: EventSink, keySeed?: Uint8Array): Machine {
  const meta = store.getRecording();
  if (!meta) throw new Error('the journal has no recording');
  const epoch = BigInt(meta.bootEpochNs);
  return new Machine({
    seed: bytesOfHex(meta.seedHex),
    bootEpochNs: epoch,
    servers: createServers([], epoch),
    sink,
    keySeed: recordingKeySeed(store, keySeed),
  });
}

/** The key seed a machine of this recording runs with (undefined: derived from the entropy seed, as before schema 3). */
function recordingKeySeed(store: JournalStore, given: Uint8Array | undefined): Uint8Array | undefined {
  const own = store.keySeed();
  if (own === 'withheld') {
    if (given) return given;
    throw new Error('this copy was shared without its channel keys and key seed: its events, hash chain and sealed wires can be read, but it cannot be replayed, seeked or decrypted (unless --key-seed gives the seed)');
  }
  if (given && (own === null || hexOf(own) !== hexOf(given))) {
    throw new Error(own === null ? 'this recording derives its IPC keys from its entropy seed: it takes no --key-seed' : 'the --key-seed given is not the one this recording holds');
  }
  return own ?? undefined;
}

/** A machine restored from a snapshot of the journal; refuses one made by another machine version. */
export function restoreMachine(store: JournalStore, snapshot: SnapshotRecord, sink?: EventSink, keySeed?: Uint8Array): Machine {
  const state = decodeState(store.loadSnapshotState(snapshot.id));
  if (state.machineVersion !== MACHINE_VERSION) {
    throw new Error(`the recording was made by machine ${state.machineVersion}; this xrr runs ${MACHINE_VERSION} and cannot replay it`);
  }
  const machine = machineOf(store, sink, keySeed);
  machine.setState(state, (hash) => store.getPage(hash as PageHash) ?? undefined);
  return machine;
}

/**
 * A deep, independent copy of `machine` whose events go to `sink`. Through getState/setState
 * (with the secret half, so no key is derived again): the original is never touched.
 */
export function copyMachine(store: JournalStore, machine: Machine, sink?: EventSink, keySeed?: Uint8Array): Machine {
  const pages = new Map<string, Uint8Array>();
  const state = structuredClone(machine.getState((hash, bytes) => pages.set(hash, bytes.slice())));
  const secret = structuredClone(machine.getSecretState());
  const copy = machineOf(store, sink, keySeed);
  copy.setState(state, (hash) => pages.get(hash) ?? store.getPage(hash as PageHash) ?? undefined, secret);
  return copy;
}
