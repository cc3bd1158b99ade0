/** Values the kernel writes into guest memory itself, laid out as the guest ABI has them (little-endian). */

/** An i64 (time_t). */
export function i64Bytes(v: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, BigInt(v), true);
  return b;
}

/** struct timespec for a duration or a time since boot in ns. */
export function timespecBytes(ns: number): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, BigInt(Math.floor(ns / 1e9)), true);
  v.setInt32(8, ns % 1e9, true);
  return b;
}

/** struct timespec from the RTC's (sec, nsec). */
export function rtcTimespecBytes(t: { readonly sec: number; readonly nsec: number }): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, BigInt(t.sec), true);
  v.setInt32(8, t.nsec, true);
  return b;
}

/** struct timeval from the RTC's (sec, usec). */
export function timevalBytes(t: { readonly sec: number; readonly usec: number }): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, BigInt(t.sec), true);
  v.setInt32(8, t.usec, true);
  return b;
}
