/**
 * Validation helpers for device `setState()`. A snapshot comes from a journal file, which may be
 * corrupt, hand-edited or written by a newer build, so every field is checked before any of it is
 * applied: a bad state throws a `DeviceStateError` and leaves the device untouched.
 */

import { bytesOfHex } from '../protocol/hex.js';

export class DeviceStateError extends Error {
  readonly code = 'EDEVSTATE';
  constructor(
    readonly device: string,
    detail: string,
  ) {
    super(`${device}: invalid saved state: ${detail}`);
    this.name = 'DeviceStateError';
  }
}

export type StateRecord = Record<string, unknown>;

/** Checks that `state` is a plain object whose `version` this build can read, and returns it. */
export function expectState(device: string, state: unknown, supportedVersion: number): StateRecord {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new DeviceStateError(device, 'expected an object');
  }
  const record = state as StateRecord;
  const version = record['version'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new DeviceStateError(device, `missing or malformed version ${String(version)}`);
  }
  if (version > supportedVersion) {
    throw new DeviceStateError(
      device,
      `version ${version} is newer than this build supports (${supportedVersion}); upgrade xrr`,
    );
  }
  if (version < supportedVersion) {
    throw new DeviceStateError(device, `version ${version} is no longer supported (expected ${supportedVersion})`);
  }
  return record;
}

export function expectInt(device: string, record: StateRecord, field: string, min: number, max: number): number {
  const value = record[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new DeviceStateError(device, `field ${field} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

export function expectBool(device: string, record: StateRecord, field: string): boolean {
  const value = record[field];
  if (typeof value !== 'boolean') {
    throw new DeviceStateError(device, `field ${field} must be a boolean, got ${String(value)}`);
  }
  return value;
}

export function expectBytes(device: string, record: StateRecord, field: string, maxLength: number): number[] {
  const value = record[field];
  if (!Array.isArray(value) || value.length > maxLength) {
    throw new DeviceStateError(device, `field ${field} must be an array of at most ${maxLength} bytes`);
  }
  for (const b of value) {
    if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 0xff) {
      throw new DeviceStateError(device, `field ${field} holds a non-byte value ${String(b)}`);
    }
  }
  return [...(value as number[])];
}

export function expectHex(device: string, record: StateRecord, field: string, maxBytes: number): Uint8Array {
  const value = record[field];
  if (typeof value !== 'string' || value.length % 2 !== 0 || value.length > maxBytes * 2 || !/^[0-9a-f]*$/.test(value)) {
    throw new DeviceStateError(device, `field ${field} must be lowercase hex of at most ${maxBytes} bytes`);
  }
  return bytesOfHex(value);
}
