/**
 * Reading a saved state that may be corrupt: a snapshot comes from a journal file, which may be
 * damaged, hand-edited or written by another build, so the kernel and the servers check every field
 * (presence, type, range) before they apply any of it, as the devices do (src/hw/state.ts). A bad
 * field is refused with its path, `kernel.procs[2].pc: expected u32, got "x"`, so the user learns
 * which part of which snapshot is wrong.
 *
 * It lives in src/core so that the kernel and the servers (which stand on core) both use it.
 */

export class StateError extends Error {
  readonly code = 'ESTATE';
  constructor(
    /** Where in the state: `kernel.procs[2].pc`. */
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${path}: ${detail}`);
    this.name = 'StateError';
  }
}

/** A value for an error message: strings quoted, long ones cut. */
function shown(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object' && v !== null) return 'an object';
  return String(v);
}

const HEX_RE = /^(?:[0-9a-f]{2})*$/;

/** One value of a saved state and where it sits; each reader checks and returns it typed. */
export class StateValue {
  constructor(
    readonly value: unknown,
    readonly path: string,
  ) {}

  static root(value: unknown, name: string): StateValue {
    return new StateValue(value, name);
  }

  fail(expected: string): never {
    throw new StateError(this.path, `expected ${expected}, got ${shown(this.value)}`);
  }

  /** The field `name` of this object (checks that this is an object). */
  at(name: string): StateValue {
    const o = this.object();
    return new StateValue(o[name], `${this.path}.${name}`);
  }

  /** True when the field is absent or null. */
  isNull(): boolean {
    return this.value === null || this.value === undefined;
  }

  object(): Record<string, unknown> {
    const v = this.value;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail('an object');
    return v as Record<string, unknown>;
  }

  /** The elements of an array of at most `max` entries, each with its path. */
  array(max = Number.MAX_SAFE_INTEGER): StateValue[] {
    const v = this.value;
    if (!Array.isArray(v)) this.fail('an array');
    if (v.length > max) this.fail(`an array of at most ${max} entries`);
    return v.map((e: unknown, i) => new StateValue(e, `${this.path}[${i}]`));
  }

  /** An integer in [min, max]. */
  int(min: number, max: number, what = `an integer in [${min}, ${max}]`): number {
    const v = this.value;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) this.fail(what);
    return v;
  }

  /** A finite number >= min (a virtual time that may exceed 2^53 ns). */
  finite(min: number): number {
    const v = this.value;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) this.fail(`a finite number >= ${min}`);
    return v;
  }

  u8(): number {
    return this.int(0, 0xff, 'u8');
  }

  u16(): number {
    return this.int(0, 0xffff, 'u16');
  }

  u32(): number {
    return this.int(0, 0xffff_ffff, 'u32');
  }

  i32(): number {
    return this.int(-0x8000_0000, 0x7fff_ffff, 'i32');
  }

  /** An i32 or a u32 (a register, an address the guest may see either way). */
  word(): number {
    return this.int(-0x8000_0000, 0xffff_ffff, 'a 32-bit word');
  }

  /** A count or an icount: a non-negative safe integer. */
  count(): number {
    return this.int(0, Number.MAX_SAFE_INTEGER, 'a non-negative integer');
  }

  /** A pid as the kernel numbers them (0 the kernel, user pids up to 2^31). */
  pid(): number {
    return this.int(0, 0x7fff_ffff, 'a pid');
  }

  bool(): boolean {
    if (typeof this.value !== 'boolean') this.fail('a boolean');
    return this.value;
  }

  string(maxLength = 1 << 20): string {
    const v = this.value;
    if (typeof v !== 'string' || v.length > maxLength) this.fail(maxLength < 1 << 20 ? `a string of at most ${maxLength} characters` : 'a string');
    return v;
  }

  /** Lower-case hex of a byte string (at most `maxBytes`). */
  hex(maxBytes = 1 << 20): string {
    const v = this.value;
    if (typeof v !== 'string' || v.length > maxBytes * 2 || !HEX_RE.test(v)) this.fail(`lower-case hex of at most ${maxBytes} bytes`);
    return v;
  }

  /** One of `choices` (a string or number literal). */
  oneOf<const T extends string | number>(choices: readonly T[]): T {
    const v = this.value;
    if (!choices.includes(v as T)) this.fail(`one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`);
    return v as T;
  }

  /** A decimal string of a bigint (timestamps in ns). */
  bigintString(): bigint {
    const v = this.value;
    if (typeof v !== 'string' || !/^-?\d{1,30}$/.test(v)) this.fail('a decimal integer string');
    return BigInt(v);
  }

  /** `read(this)` unless the value is null or absent. */
  nullable<T>(read: (v: StateValue) => T): T | null {
    return this.isNull() ? null : read(this);
  }

  /** Exactly `n` entries. */
  tuple(n: number): StateValue[] {
    const v = this.value;
    if (!Array.isArray(v) || v.length !== n) this.fail(`an array of ${n} entries`);
    return v.map((e: unknown, i) => new StateValue(e, `${this.path}[${i}]`));
  }

  /** The version field, which must be exactly `supported`. */
  version(supported: number): number {
    const v = this.at('version');
    if (v.value !== supported) throw new StateError(v.path, `version ${shown(v.value)} is not supported (this build reads version ${supported})`);
    return supported;
  }
}

/** Refuses a second entry with the same key (two processes with one pid...). */
export function uniqueBy<T>(items: readonly T[], key: (t: T) => number | string, path: string, what: string): void {
  const seen = new Set<number | string>();
  items.forEach((t, i) => {
    const k = key(t);
    if (seen.has(k)) throw new StateError(`${path}[${i}]`, `duplicate ${what} ${String(k)}`);
    seen.add(k);
  });
}
