/**
 * Binary layouts the guest sees directly: `struct xk_stat` and the `getdents` records, as defined by
 * the guest C library in guest/include/xinim/abi.h (prose: guest/ABI.md). The VFS puts them into
 * reply bodies in exactly this form, so the kernel copies the bytes to the guest buffer as they are.
 * If the guest library changes a layout, this file is the only place to change.
 */
import { decodeFail, decodeOk, struct, u32, i32, i64, type DecodeResult, type StructValue } from './struct-codec.js';

/** struct xk_stat, 96 bytes; times are struct xk_timespec (i64 seconds, i32 nanoseconds, i32 zero pad). */
export const STAT = struct('xk_stat', 96, {
  st_dev: u32(0),
  st_ino: u32(4),
  st_mode: u32(8),
  st_nlink: u32(12),
  st_uid: u32(16),
  st_gid: u32(20),
  st_rdev: u32(24),
  st_blksize: u32(28),
  st_size: i64(32),
  st_blocks: i64(40),
  st_atime: i64(48),
  st_atime_nsec: i32(56),
  st_mtime: i64(64),
  st_mtime_nsec: i32(72),
  st_ctime: i64(80),
  st_ctime_nsec: i32(88),
});

export type Stat = StructValue<typeof STAT>;

/** File type bits of st_mode (octal, as <sys/stat.h>). */
export const S_IFMT = 0o170000;
export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_ISUID = 0o4000;
export const S_ISGID = 0o2000;
export const S_ISVTX = 0o1000;

/** d_type values. */
export const DT_FIFO = 1;
export const DT_CHR = 2;
export const DT_DIR = 4;
export const DT_REG = 8;

/**
 * struct xk_dirent: @0 u32 d_ino, @4 u16 d_reclen, @6 u8 d_type, @7 char d_name[] NUL-terminated;
 * records back to back, each padded with zeros to a multiple of 4. There is no d_off: a directory's
 * file offset is the index of the next entry, so lseek(fd, 0, SEEK_SET) restarts a listing.
 */
export interface Dirent {
  readonly ino: number;
  readonly type: number;
  readonly name: string;
}

export const DIRENT_HEADER = 7;

export function direntRecordLength(nameLength: number): number {
  return (DIRENT_HEADER + nameLength + 1 + 3) & ~3;
}

export function encodeDirent(d: Dirent): Uint8Array {
  const len = direntRecordLength(d.name.length);
  const out = new Uint8Array(len);
  const view = new DataView(out.buffer);
  view.setUint32(0, d.ino, true);
  view.setUint16(4, len, true);
  view.setUint8(6, d.type);
  for (let i = 0; i < d.name.length; i++) out[DIRENT_HEADER + i] = d.name.charCodeAt(i) & 0xff;
  return out;
}

/** Parses a buffer of dirent records (for tests and the pretty-printer); never throws. */
export function decodeDirents(data: Uint8Array): DecodeResult<Dirent[]> {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: Dirent[] = [];
  let pos = 0;
  while (pos < data.length) {
    if (pos + DIRENT_HEADER + 1 > data.length) return decodeFail('EBADMSG', `dirent @${pos}: truncated header`);
    const reclen = view.getUint16(pos + 4, true);
    if (reclen < DIRENT_HEADER + 1 || reclen % 4 !== 0 || pos + reclen > data.length) {
      return decodeFail('EBADMSG', `dirent @${pos}: bad d_reclen ${reclen}`);
    }
    const ino = view.getUint32(pos, true);
    const type = view.getUint8(pos + 6);
    let name = '';
    let i = pos + DIRENT_HEADER;
    for (; i < pos + reclen && data[i] !== 0; i++) name += String.fromCharCode(data[i]!);
    if (i === pos + reclen) return decodeFail('EBADMSG', `dirent @${pos}: name not NUL-terminated`);
    out.push({ ino, type, name });
    pos += reclen;
  }
  return decodeOk(out);
}
