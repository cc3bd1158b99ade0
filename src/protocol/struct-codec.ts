/**
 * Binary struct codecs for IPC payloads: explicit little-endian field offsets, a fixed part followed by
 * a variable tail, and a decoder that validates instead of throwing.
 *
 * Layout rule (DESIGN.md section 6): every struct has a fixed part whose fields sit at the offsets
 * written in its definition. Variable-length fields (byte strings, strings, lists) keep a u16 length or
 * count at an explicit offset in the fixed part and put their contents in the tail, one after the
 * other in declaration order. A payload must be exactly fixed part + tail: anything shorter or longer
 * is EBADMSG. Values that are well-formed bytes but not meaningful (a 64-bit number beyond 2^53, a
 * string with a NUL, a length beyond the field's maximum) are EINVAL.
 *
 * `decode` never throws on any byte string. `encode` throws a RangeError on values that do not fit:
 * callers validate guest input (ENAMETOOLONG, E2BIG, ...) before building a message, so an encode
 * failure is a bug in the caller, not an expected failure.
 */

export type DecodeError = 'EBADMSG' | 'EINVAL';

export type DecodeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: DecodeError; readonly detail: string };

export function decodeOk<T>(value: T): DecodeResult<T> {
  return { ok: true, value };
}

export function decodeFail<T = never>(error: DecodeError, detail: string): DecodeResult<T> {
  return { ok: false, error, detail };
}

/** Maximum size of one message payload. Larger data is split by the sender (see the VFS protocol). */
export const MAX_PAYLOAD = 4096;

type ScalarType = 'u8' | 'u16' | 'u32' | 'i32' | 'u64' | 'i64';

const SCALAR_SIZE: Readonly<Record<ScalarType, number>> = { u8: 1, u16: 2, u32: 4, i32: 4, u64: 8, i64: 8 };

type ReadStep<T> = { ok: true; value: T; tail: number } | { ok: false; error: DecodeError; detail: string };

/** One field of a struct. `T` is the decoded value type. */
export interface Field<T> {
  /** Human-readable layout, e.g. `u32 @4` or `bytes[len u16 @8, max 4064]`. */
  readonly layout: string;
  /** Byte ranges of the fixed part this field occupies, as [offset, size]. */
  readonly fixedRanges: readonly (readonly [number, number])[];
  /** Whether the field has contents in the tail. */
  readonly inTail: boolean;
  tailLength(value: T): number;
  /** Checks that `value` can be encoded; returns a reason when it cannot. */
  check(value: T): string | undefined;
  write(view: DataView, bytes: Uint8Array, value: T, tail: number): number;
  read(view: DataView, bytes: Uint8Array, tail: number): ReadStep<T>;
}

function scalar(type: ScalarType, offset: number): Field<number> {
  const size = SCALAR_SIZE[type];
  return {
    layout: `${type} @${offset}`,
    fixedRanges: [[offset, size]],
    inTail: false,
    tailLength: () => 0,
    check(value) {
      if (!Number.isInteger(value)) return `${type} value ${value} is not an integer`;
      switch (type) {
        case 'u8':
          return value >= 0 && value <= 0xff ? undefined : `${value} out of u8 range`;
        case 'u16':
          return value >= 0 && value <= 0xffff ? undefined : `${value} out of u16 range`;
        case 'u32':
          return value >= 0 && value <= 0xffffffff ? undefined : `${value} out of u32 range`;
        case 'i32':
          return value >= -0x80000000 && value <= 0x7fffffff ? undefined : `${value} out of i32 range`;
        case 'u64':
          return value >= 0 && Number.isSafeInteger(value) ? undefined : `${value} out of u64 safe range`;
        case 'i64':
          return Number.isSafeInteger(value) ? undefined : `${value} out of i64 safe range`;
        default: {
          const _exhaustive: never = type;
          return _exhaustive;
        }
      }
    },
    write(view, _bytes, value, tail) {
      switch (type) {
        case 'u8':
          view.setUint8(offset, value);
          break;
        case 'u16':
          view.setUint16(offset, value, true);
          break;
        case 'u32':
          view.setUint32(offset, value, true);
          break;
        case 'i32':
          view.setInt32(offset, value, true);
          break;
        case 'u64':
          view.setBigUint64(offset, BigInt(value), true);
          break;
        case 'i64':
          view.setBigInt64(offset, BigInt(value), true);
          break;
        default: {
          const _exhaustive: never = type;
          return _exhaustive;
        }
      }
      return tail;
    },
    read(view, _bytes, tail) {
      switch (type) {
        case 'u8':
          return { ok: true, value: view.getUint8(offset), tail };
        case 'u16':
          return { ok: true, value: view.getUint16(offset, true), tail };
        case 'u32':
          return { ok: true, value: view.getUint32(offset, true), tail };
        case 'i32':
          return { ok: true, value: view.getInt32(offset, true), tail };
        case 'u64':
        case 'i64': {
          const big = type === 'u64' ? view.getBigUint64(offset, true) : view.getBigInt64(offset, true);
          const value = Number(big);
          if (!Number.isSafeInteger(value) || BigInt(value) !== big) {
            return { ok: false, error: 'EINVAL', detail: `${type} @${offset} = ${big} exceeds 2^53` };
          }
          return { ok: true, value, tail };
        }
        default: {
          const _exhaustive: never = type;
          return _exhaustive;
        }
      }
    },
  };
}

export const u8 = (offset: number): Field<number> => scalar('u8', offset);
export const u16 = (offset: number): Field<number> => scalar('u16', offset);
export const u32 = (offset: number): Field<number> => scalar('u32', offset);
export const i32 = (offset: number): Field<number> => scalar('i32', offset);
/** 64-bit unsigned, carried as a `number`: values at or beyond 2^53 decode as EINVAL. */
export const u64 = (offset: number): Field<number> => scalar('u64', offset);
/** 64-bit signed, carried as a `number`: values beyond +-2^53 decode as EINVAL. */
export const i64 = (offset: number): Field<number> => scalar('i64', offset);

/** A byte string: u16 length at `lenOffset`, contents in the tail. */
export function bytes(lenOffset: number, max: number): Field<Uint8Array> {
  return {
    layout: `bytes[len u16 @${lenOffset}, max ${max}]`,
    fixedRanges: [[lenOffset, 2]],
    inTail: true,
    tailLength: (value) => value.length,
    check: (value) => (value.length <= max ? undefined : `byte string of ${value.length} exceeds ${max}`),
    write(view, out, value, tail) {
      view.setUint16(lenOffset, value.length, true);
      out.set(value, tail);
      return tail + value.length;
    },
    read(view, input, tail) {
      const len = view.getUint16(lenOffset, true);
      if (len > max) return { ok: false, error: 'EINVAL', detail: `length ${len} @${lenOffset} exceeds ${max}` };
      if (tail + len > input.length) {
        return { ok: false, error: 'EBADMSG', detail: `length ${len} @${lenOffset} runs past the payload` };
      }
      return { ok: true, value: input.slice(tail, tail + len), tail: tail + len };
    },
  };
}

/**
 * Guest strings (paths, names) are byte strings; inside the machine they are JS strings with one
 * char per byte (latin1), so any byte sequence round-trips exactly. NUL is not allowed inside.
 */
export function bytesToString(data: Uint8Array): string {
  let s = '';
  for (let i = 0; i < data.length; i++) s += String.fromCharCode(data[i]!);
  return s;
}

export function stringToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new RangeError(`string has a char beyond one byte at ${i}`);
    out[i] = c;
  }
  return out;
}

function stringProblem(s: string, max: number): string | undefined {
  if (s.length > max) return `string of ${s.length} exceeds ${max}`;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return `string has a NUL at ${i}`;
    if (c > 0xff) return `string has a char beyond one byte at ${i}`;
  }
  return undefined;
}

/** A string without NUL: u16 length at `lenOffset`, bytes in the tail. */
export function str(lenOffset: number, max: number): Field<string> {
  const raw = bytes(lenOffset, max);
  return {
    layout: `str[len u16 @${lenOffset}, max ${max}]`,
    fixedRanges: raw.fixedRanges,
    inTail: true,
    tailLength: (value) => value.length,
    check: (value) => stringProblem(value, max),
    write: (view, out, value, tail) => raw.write(view, out, stringToBytes(value), tail),
    read(view, input, tail) {
      const step = raw.read(view, input, tail);
      if (!step.ok) return step;
      if (step.value.includes(0)) return { ok: false, error: 'EINVAL', detail: `string @${lenOffset} contains NUL` };
      return { ok: true, value: bytesToString(step.value), tail: step.tail };
    },
  };
}

/** A fixed-size, NUL-terminated and NUL-padded char array inside the fixed part (at most size - 1 chars). */
export function fixedStr(offset: number, size: number): Field<string> {
  return {
    layout: `char[${size}] @${offset}`,
    fixedRanges: [[offset, size]],
    inTail: false,
    tailLength: () => 0,
    check: (value) => stringProblem(value, size - 1),
    write(_view, out, value, tail) {
      out.set(stringToBytes(value), offset);
      return tail;
    },
    read(_view, input, tail) {
      const raw = input.subarray(offset, offset + size);
      const nul = raw.indexOf(0);
      const end = nul < 0 ? size : nul;
      for (let i = end; i < size; i++) {
        if (raw[i] !== 0) return { ok: false, error: 'EINVAL', detail: `char[${size}] @${offset} has bytes after its NUL` };
      }
      return { ok: true, value: bytesToString(raw.subarray(0, end)), tail };
    },
  };
}

/** A list of fixed-size entries: u16 count at `countOffset`, entries back to back in the tail. */
export function list<T>(countOffset: number, entry: StructCodec<T>, max: number): Field<readonly T[]> {
  if (entry.hasTail) throw new Error(`list entry ${entry.name} must be fixed-size`);
  return {
    layout: `${entry.name}[count u16 @${countOffset}, max ${max}, ${entry.fixedSize} bytes each]`,
    fixedRanges: [[countOffset, 2]],
    inTail: true,
    tailLength: (value) => value.length * entry.fixedSize,
    check(value) {
      if (value.length > max) return `list of ${value.length} exceeds ${max}`;
      for (const v of value) {
        const problem = entry.check(v);
        if (problem !== undefined) return problem;
      }
      return undefined;
    },
    write(view, out, value, tail) {
      view.setUint16(countOffset, value.length, true);
      for (const v of value) {
        out.set(entry.encode(v), tail);
        tail += entry.fixedSize;
      }
      return tail;
    },
    read(view, input, tail) {
      const count = view.getUint16(countOffset, true);
      if (count > max) return { ok: false, error: 'EINVAL', detail: `count ${count} @${countOffset} exceeds ${max}` };
      if (tail + count * entry.fixedSize > input.length) {
        return { ok: false, error: 'EBADMSG', detail: `count ${count} @${countOffset} runs past the payload` };
      }
      const values: T[] = [];
      for (let i = 0; i < count; i++) {
        const r = entry.decode(input.subarray(tail, tail + entry.fixedSize));
        if (!r.ok) return { ok: false, error: r.error, detail: `entry ${i}: ${r.detail}` };
        values.push(r.value);
        tail += entry.fixedSize;
      }
      return { ok: true, value: values, tail };
    },
  };
}

export type FieldsOf<T> = { readonly [K in keyof T]: Field<T[K]> };
type ValueOf<S> = { -readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never };

export interface StructCodec<T> {
  readonly name: string;
  readonly fixedSize: number;
  readonly hasTail: boolean;
  readonly fields: FieldsOf<T>;
  check(value: T): string | undefined;
  encodedLength(value: T): number;
  encode(value: T): Uint8Array;
  decode(payload: Uint8Array): DecodeResult<T>;
  /** Field name -> layout, in declaration order, for documentation and the pretty-printer. */
  describeLayout(): readonly { readonly name: string; readonly layout: string }[];
}

/**
 * Defines a struct. `fixedSize` is written out (not inferred) so the layout reads like a C struct;
 * the definition is checked at module load: no overlapping fields, everything inside the fixed part.
 */
export function struct<S extends Record<string, Field<unknown>>>(
  name: string,
  fixedSize: number,
  fields: S,
  validate?: (value: ValueOf<S>) => string | undefined,
): StructCodec<ValueOf<S>> {
  type T = ValueOf<S>;
  const names = Object.keys(fields) as (keyof S & string)[];
  const used = new Uint8Array(fixedSize);
  let hasTail = false;
  for (const n of names) {
    const f = fields[n]!;
    if (f.inTail) hasTail = true;
    for (const [off, size] of f.fixedRanges) {
      if (off < 0 || off + size > fixedSize) throw new Error(`${name}.${n} lies outside the fixed part`);
      for (let i = off; i < off + size; i++) {
        if (used[i]) throw new Error(`${name}.${n} overlaps another field at byte ${i}`);
        used[i] = 1;
      }
    }
  }
  const check = (value: T): string | undefined => {
    for (const n of names) {
      const problem = (fields[n] as Field<unknown>).check(value[n]);
      if (problem !== undefined) return `${name}.${n}: ${problem}`;
    }
    return validate?.(value);
  };
  const encodedLength = (value: T): number => {
    let len = fixedSize;
    for (const n of names) len += (fields[n] as Field<unknown>).tailLength(value[n]);
    return len;
  };
  return {
    name,
    fixedSize,
    hasTail,
    fields: fields as unknown as FieldsOf<T>,
    check,
    encodedLength,
    encode(value) {
      const problem = check(value);
      if (problem !== undefined) throw new RangeError(problem);
      const out = new Uint8Array(encodedLength(value));
      const view = new DataView(out.buffer);
      let tail = fixedSize;
      for (const n of names) tail = (fields[n] as Field<unknown>).write(view, out, value[n], tail);
      return out;
    },
    decode(payload) {
      if (payload.length < fixedSize) {
        return decodeFail('EBADMSG', `${name}: ${payload.length} bytes, fixed part needs ${fixedSize}`);
      }
      if (payload.length > MAX_PAYLOAD) {
        return decodeFail('EBADMSG', `${name}: ${payload.length} bytes exceeds the ${MAX_PAYLOAD}-byte payload limit`);
      }
      const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
      const value: Record<string, unknown> = {};
      let tail = fixedSize;
      for (const n of names) {
        const step = (fields[n] as Field<unknown>).read(view, payload, tail);
        if (!step.ok) return decodeFail(step.error, `${name}.${n}: ${step.detail}`);
        value[n] = step.value;
        tail = step.tail;
      }
      if (tail !== payload.length) {
        return decodeFail('EBADMSG', `${name}: ${payload.length - tail} trailing bytes`);
      }
      const problem = validate?.(value as T);
      if (problem !== undefined) return decodeFail('EINVAL', `${name}: ${problem}`);
      return decodeOk(value as T);
    },
    describeLayout: () => names.map((n) => ({ name: n, layout: (fields[n] as Field<unknown>).layout })),
  };
}

export type StructValue<C> = C extends StructCodec<infer T> ? T : never;

/** The empty struct (requests with no arguments). */
export const EMPTY = struct('Empty', 0, {});
