/**
 * Damage in a recording's WAL that SQLite hides. SQLite reads a WAL up to its first frame whose
 * salt or checksum does not match and silently ignores the rest, so one flipped byte there makes
 * every commit after it vanish and the file still reads (and verified) as an intact, shorter
 * recording. This reads the -wal file itself (https://www.sqlite.org/fileformat2.html#walformat)
 * and tells damage from what a WAL legitimately ends with:
 * - damage: a header whose checksum fails while frames follow it; a broken frame followed by
 *   frames of the same generation (same salts: written after it, so it was whole once); a broken
 *   full frame of the current generation at the very end of the file (a frame being appended is
 *   never seen whole before its data is written: the file grows as the data is copied in);
 * - not damage: frames of an older generation after the valid ones (left from before a reset),
 *   a partial frame at the end, or a broken frame followed only by older frames (one being
 *   written over an old one by a live writer, or the torn last write of a killed one).
 * Only that last shape hides a flipped byte: the last frame of a WAL reused after a checkpoint.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';

const HEADER = 32;
const FRAME_HEADER = 24;
const MAGIC_LE = 0x377f0682;
const MAGIC_BE = 0x377f0683;

/** SQLite's WAL checksum over `data` (a multiple of 8 bytes), continuing from (s0, s1). */
function checksum(data: Buffer, bigEndian: boolean, s0: number, s1: number): [number, number] {
  for (let i = 0; i < data.length; i += 8) {
    const x0 = bigEndian ? data.readUInt32BE(i) : data.readUInt32LE(i);
    const x1 = bigEndian ? data.readUInt32BE(i + 4) : data.readUInt32LE(i + 4);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return [s0, s1];
}

function readAll(path: string): Buffer {
  const size = statSync(path).size;
  const out = Buffer.alloc(size);
  const fd = openSync(path, 'r');
  try {
    let got = 0;
    while (got < size) {
      const n = readSync(fd, out, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return out.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** What is wrong with the WAL beside database `dbPath` (frames SQLite will not read that held commits), or undefined. */
export function walDamage(dbPath: string): string | undefined {
  const path = `${dbPath}-wal`;
  if (!existsSync(path)) return undefined;
  const wal = readAll(path);
  if (wal.length < HEADER) return undefined;
  const magic = wal.readUInt32BE(0);
  const bigEndian = magic === MAGIC_BE;
  const rawPageSize = wal.readUInt32BE(8);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const headerOk =
    (magic === MAGIC_LE || magic === MAGIC_BE) &&
    pageSize >= 512 &&
    pageSize <= 65536 &&
    (pageSize & (pageSize - 1)) === 0 &&
    ((s) => s[0] === wal.readUInt32BE(24) && s[1] === wal.readUInt32BE(28))(checksum(wal.subarray(0, 24), bigEndian, 0, 0));
  // Without a readable header no frame size is known: any bytes past one smallest frame held something.
  if (!headerOk) return wal.length >= HEADER + FRAME_HEADER + 512 ? `${path}: its header is damaged, so SQLite ignores all ${wal.length} bytes of it (every commit in it is lost to readers)` : undefined;
  const frameSize = FRAME_HEADER + pageSize;
  const frames = Math.floor((wal.length - HEADER) / frameSize);
  const salt1 = wal.readUInt32BE(16);
  const salt2 = wal.readUInt32BE(20);
  const current = (i: number) => wal.readUInt32BE(HEADER + i * frameSize + 8) === salt1 && wal.readUInt32BE(HEADER + i * frameSize + 12) === salt2;
  let s: [number, number] = [wal.readUInt32BE(24), wal.readUInt32BE(28)];
  for (let i = 0; i < frames; i++) {
    const at = HEADER + i * frameSize;
    if (current(i)) {
      s = checksum(wal.subarray(at, at + 8), bigEndian, ...s);
      s = checksum(wal.subarray(at + FRAME_HEADER, at + frameSize), bigEndian, ...s);
      if (s[0] === wal.readUInt32BE(at + 16) && s[1] === wal.readUInt32BE(at + 20)) continue;
    }
    // Frame i is where SQLite stops reading.
    const later = Array.from({ length: frames - i - 1 }, (_, k) => i + 1 + k).filter(current);
    const lastWhole = i === frames - 1 && current(i);
    if (later.length === 0 && !lastWhole) return undefined;
    return `${path}: frame ${i} of ${frames} (byte ${at}) is damaged, so SQLite stops reading there and every commit from it on is lost to readers (what they see is an older state of the recording)`;
  }
  return undefined;
}
