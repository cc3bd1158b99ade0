/**
 * The ramfs under a hostile guest: files together hold at most FS_CAPACITY_BYTES and the file
 * system at most FS_INODES_MAX inodes; past them writes and creations are ENOSPC (a write that
 * partly fits is short, as Linux), and what is freed can be used again.
 */
import { describe, expect, it } from 'vitest';
import { ERRNO, O, SEEK_SET } from '../src/protocol/index.js';
import { checkVfsInvariants, FILE_SIZE_MAX, FS_CAPACITY_BYTES, FS_INODES_MAX, VfsServer } from '../src/servers/vfs/index.js';
import { VFS_CLIENT_PID, VfsClient } from './support/vfs-client.js';

const P = VFS_CLIENT_PID;

class Vfs extends VfsClient {
  constructor() {
    super([{ path: '/etc/motd', mode: 0o100644, data: new TextEncoder().encode('hello\n') }, { path: '/tmp', mode: 0o041777 }]);
  }

  open(path: string): number {
    return this.call(P, { kind: 'open', path, flags: O.CREAT | O.RDWR, mode: 0o644 });
  }

  /** Writes `n` bytes at `offset` of fd: the result of the write. */
  writeAt(fd: number, offset: number, n: number): number {
    expect(this.call(P, { kind: 'lseek', fd, offset, whence: SEEK_SET })).toBe(0); // the offset is in the body
    return this.call(P, { kind: 'write', fd, data: new Uint8Array(n).fill(0x61) });
  }
}

describe('ramfs capacity', () => {
  it(`files together hold at most ${FS_CAPACITY_BYTES} bytes: a write past it is short, then ENOSPC; unlinking frees the space`, () => {
    const v = new Vfs();
    const full = Math.floor(FS_CAPACITY_BYTES / FILE_SIZE_MAX) - 1;
    for (let i = 0; i < full; i++) expect(v.writeAt(v.open(`/tmp/big${i}`), FILE_SIZE_MAX - 1, 1)).toBe(1);
    const fd = v.open('/tmp/last');
    const left = FS_CAPACITY_BYTES - full * FILE_SIZE_MAX - 6; // /etc/motd holds 6 bytes
    expect(v.writeAt(fd, left - 10, 100)).toBe(10);
    expect(v.writeAt(fd, left, 1)).toBe(-ERRNO.ENOSPC);
    // Overwriting bytes a file already has needs no space.
    expect(v.writeAt(fd, 0, 100)).toBe(100);
    expect(checkVfsInvariants(v.server.state)).toEqual([]);
    // Space comes back when the last link and descriptor go.
    expect(v.call(P, { kind: 'unlink', path: '/tmp/big0' })).toBe(0);
    const other = v.open('/tmp/other');
    expect(v.writeAt(other, 0, 4000)).toBe(-ERRNO.ENOSPC); // /tmp/big0 is still open
    expect(v.call(P, { kind: 'close', fd: 3 })).toBe(0);
    expect(v.writeAt(other, 0, 4000)).toBe(4000);
  });

  it('a restored file system counts the bytes its files hold', () => {
    const v = new Vfs();
    expect(v.writeAt(v.open('/tmp/a'), 5000, 10)).toBe(10);
    const again = new VfsServer(v.server.state);
    again.setState(JSON.parse(JSON.stringify(v.server.getState())));
    expect(again.state.fileBytes).toBe(5010 + 6);
    expect(checkVfsInvariants(again.state)).toEqual([]);
  });

  it(`the file system holds at most ${FS_INODES_MAX} inodes: then open(O_CREAT) and mkdir are ENOSPC`, () => {
    const v = new Vfs();
    let made = 0;
    for (let i = 0; i < FS_INODES_MAX + 10; i++) {
      const fd = v.open(`/tmp/f${i}`);
      if (fd < 0) {
        expect(fd).toBe(-ERRNO.ENOSPC);
        break;
      }
      expect(v.call(P, { kind: 'close', fd })).toBe(0);
      made++;
    }
    expect(v.server.state.inodes.size).toBe(FS_INODES_MAX);
    expect(made).toBeLessThan(FS_INODES_MAX);
    expect(v.call(P, { kind: 'mkdir', path: '/tmp/d', mode: 0o755 })).toBe(-ERRNO.ENOSPC);
    expect(v.call(P, { kind: 'unlink', path: '/tmp/f0' })).toBe(0);
    expect(v.call(P, { kind: 'mkdir', path: '/tmp/d', mode: 0o755 })).toBe(0);
  });
});
