/**
 * A machine state as the snapshot table stores it (the `state` blob, before the store
 * compresses it): JSON, since every getState() returns plain data by construction. The page
 * bytes are not in it: they are in the page table, by content hash.
 */
import type { MachineState } from '../core/machine.js';
import { JournalError } from './errors.js';

export function encodeState(state: MachineState): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(state));
}

/**
 * The state a snapshot blob holds. Only its container is checked here (a JSON object with a
 * version and a machine version); Machine.setState validates every field as it restores.
 */
export function decodeState(bytes: Uint8Array): MachineState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new JournalError('CORRUPT', 'a snapshot state is not JSON (run xrr verify)', { cause: e });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new JournalError('CORRUPT', 'a snapshot state is not a JSON object');
  const rec = parsed as Record<string, unknown>;
  if (typeof rec['machineVersion'] !== 'string') throw new JournalError('CORRUPT', 'a snapshot state has no machineVersion');
  // The rest is checked field by field by Machine.setState (a corrupted state is an error naming the field).
  return parsed as MachineState;
}
