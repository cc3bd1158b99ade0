/**
 * Binary layouts the guest sees directly: `struct stat` and the `getdents` records. The VFS puts them
 * into reply bodies in exactly this form, so the kernel copies the bytes to the guest buffer as they are.
 *
 * Until guest/ABI.md (written with the guest C library) says otherwise, these follow Linux's
 * asm-generic layouts for a 32-bit little-endian target (RV32, ILP32): `struct stat` of
 * <asm-generic/stat.h> (80 bytes, 32-bit time fields) and `struct linux_dirent64`.
 * If the guest library changes a layout, this file is the only place to change.
 */
import { decodeFail, decodeOk, struct, u32, i32, type DecodeResult, type StructValue } from './struct-codec.js';

/** struct stat, 80 bytes. `__pad1` @28, `__pad2` @40, `__unused4/5` @72/@76 are written as 0 and ignored. */
export const STAT = struct('stat', 80, {
  st_dev: u32(0),
  st_ino: u32(4),
  st_mode: u32(8),
  st_nlink: u32(12),
  st_uid: u32(16),
  st_gid: u32(20),
  st_rdev: u32(24),
  st_size: i32(32),
  st_blksize: i32(36),
  st_blocks: i32(44),
  st_atime: i32(48),
  st_atime_nsec: u32(52),
  st_mtime: i32(56),
  st_mtime_nsec: u32(60),
  st_ctime: i32(64),
  st_ctime_nsec: u32(68),
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
 * struct linux_dirent64: @0 u64 d_ino, @8 i64 d_off, @16 u16 d_reclen, @18 u8 d_type,
 * @19 char d_name[] NUL-terminated, record padded with zeros to a multiple of 8.
 */
export interface Dirent {
  readonly ino: number;
  /** Cookie of the next entry: lseek(fd, d_off, SEEK_SET) resumes after this one. */
  readonly off: number;
  readonly type: number;
  readonly name: string;
}

export const DIRENT_HEADER = 19;

export function direntRecordLength(nameLength: number): number {
  return (DIRENT_HEADER + nameLength + 1 + 7) & ~7;
}

export function encodeDirent(d: Dirent): Uint8Array {
  const len = direntRecordLength(d.name.length);
  const out = new Uint8Array(len);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(d.ino), true);
  view.setBigInt64(8, BigInt(d.off), true);
  view.setUint16(16, len, true);
  view.setUint8(18, d.type);
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
    const reclen = view.getUint16(pos + 16, true);
    if (reclen < DIRENT_HEADER + 1 || reclen % 8 !== 0 || pos + reclen > data.length) {
      return decodeFail('EBADMSG', `dirent @${pos}: bad d_reclen ${reclen}`);
    }
    const ino = Number(view.getBigUint64(pos, true));
    const off = Number(view.getBigInt64(pos + 8, true));
    const type = view.getUint8(pos + 18);
    let name = '';
    let i = pos + DIRENT_HEADER;
    for (; i < pos + reclen && data[i] !== 0; i++) name += String.fromCharCode(data[i]!);
    if (i === pos + reclen) return decodeFail('EBADMSG', `dirent @${pos}: name not NUL-terminated`);
    out.push({ ino, off, type, name });
    pos += reclen;
  }
  return decodeOk(out);
}
