/**
 * A snapshot hashes only the file chunks written since the last one (chunk-hashes.ts); the others
 * keep the hash they had. This checks that the remembered hashes never go stale: after random
 * writes (in place, across chunk boundaries, appends, sparse writes past the end, O_TRUNC opens,
 * unlinks), each snapshot's chunk list equals the one hashing every chunk afresh, every chunk's
 * hash is the sha256 of its bytes, and the state restores to the same files.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BlobSink } from '../src/core/kernel/server-port.js';
import { O, SEEK_SET } from '../src/protocol/index.js';
import { buildRootFs, VfsServer } from '../src/servers/vfs/index.js';
import { VFS_CLIENT_PID, VfsClient } from './support/vfs-client.js';

const P = VFS_CLIENT_PID;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The journal's kind of sink (content hashes, taking known ones), recording what it stored. */
function contentSink(stored: Map<string, Uint8Array>, counts: { hashed: number; known: number }): BlobSink {
  return Object.assign(
    (bytes: Uint8Array): string => {
      counts.hashed++;
      const h = sha(bytes);
      stored.set(h, bytes.slice());
      return h;
    },
    {
      known: (hash: string, bytes: Uint8Array): void => {
        counts.known++;
        stored.set(hash, bytes.slice());
      },
    },
  );
}

describe('file chunk hashes kept between snapshots', () => {
  it('equal fresh hashes of the bytes after random writes, truncations and unlinks, and restore the same files', () => {
    const v = new VfsClient([{ path: '/bin/prog', mode: 0o100755, data: new Uint8Array(3 * 4096 + 77).map((_, i) => i * 7) }, { path: '/tmp', mode: 0o041777 }]);
    let x = 0x2545f491;
    const rand = (n: number): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return Math.floor((x / 0x1_0000_0000) * n);
    };
    const fds: number[] = [];
    const paths = ['/tmp/a', '/tmp/b', '/tmp/c', '/bin/prog'];
    let reused = 0;
    for (let round = 0; round < 40; round++) {
      for (let op = 0; op < 6; op++) {
        const path = paths[rand(paths.length)]!;
        const what = rand(10);
        if (what === 0) {
          v.call(P, { kind: 'unlink', path });
        } else {
          const flags = O.CREAT | O.RDWR | (what === 1 ? O.TRUNC : 0) | (what === 2 ? O.APPEND : 0);
          const fd = v.call(P, { kind: 'open', path, flags, mode: 0o644 });
          expect(fd).toBeGreaterThanOrEqual(0);
          fds.push(fd);
          // Offsets within, across and past chunk boundaries; lengths from one byte to a few chunks.
          const offset = rand(4) === 0 ? 4096 * rand(5) - rand(2) : rand(5 * 4096);
          expect(v.call(P, { kind: 'lseek', fd, offset: Math.max(0, offset), whence: SEEK_SET })).toBeGreaterThanOrEqual(0);
          // A message carries at most 4064 bytes: larger writes are several, as the guest's libc does.
          const n = 1 + rand(rand(3) === 0 ? 3 * 4096 : 300);
          for (let done = 0; done < n; done += 4000) {
            const part = Math.min(4000, n - done);
            expect(v.call(P, { kind: 'write', fd, data: new Uint8Array(part).fill(1 + rand(255)) })).toBe(part);
          }
          expect(v.call(P, { kind: 'close', fd })).toBe(0);
        }
      }
      const counts = { hashed: 0, known: 0 };
      const stored = new Map<string, Uint8Array>();
      const cached = v.server.getState(contentSink(stored, counts));
      reused += counts.known;
      // Hashing every chunk again (a sink without `known`) gives the same state.
      const fresh = v.server.getState((bytes) => sha(bytes));
      expect(cached).toEqual(fresh);
      for (const [hash, bytes] of stored) expect(sha(bytes)).toBe(hash);
      const back = new VfsServer(buildRootFs([], v.now));
      back.setState(JSON.parse(JSON.stringify(cached)), (h) => stored.get(h));
      expect(back.getState((bytes) => sha(bytes))).toEqual(fresh);
    }
    // The point of it: most chunks were not hashed again.
    expect(reused).toBeGreaterThan(40);
  });
});
