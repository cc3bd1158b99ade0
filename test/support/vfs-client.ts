/**
 * The VFS server driven directly, as the kernel drives it: one process (pid 8, a console) made
 * at construction, requests encoded, the reply to the caller decoded, its result returned; a
 * nanosecond clock moving 1 µs a request. For tests of the server alone (no machine).
 */
import { expect } from 'vitest';
import { MSG, PROC_NEW_CONSOLE, VFS_PROTOCOL, type VfsRequest } from '../../src/protocol/index.js';
import { buildRootFs, VfsServer } from '../../src/servers/vfs/index.js';

export const VFS_CLIENT_PID = 8;

export class VfsClient {
  now = 1_700_000_000_000_000_000n;
  readonly server: VfsServer;

  constructor(files: Parameters<typeof buildRootFs>[0]) {
    this.server = new VfsServer(buildRootFs(files, this.now));
    expect(this.call(0, { kind: 'procNew', pid: VFS_CLIENT_PID, uid: 0, gid: 0, flags: PROC_NEW_CONSOLE })).toBe(0);
  }

  /** The result of `req` sent by `pid` (an exception when no reply comes back or it does not decode). */
  call(pid: number, req: VfsRequest): number {
    this.now += 1000n;
    const { m_type, payload } = VFS_PROTOCOL.encodeRequest(req);
    const out = this.server.receive({ m_source: pid, m_type, payload }, { now: this.now });
    const mine = out.find((o) => o.kind === 'reply' && o.to === pid);
    if (mine?.kind !== 'reply' || mine.message.m_type !== MSG.VFS_REPLY) throw new Error(`${req.kind}: no reply`);
    const r = VFS_PROTOCOL.decodeReply(mine.message.payload);
    if (!r.ok) throw new Error(r.detail);
    return r.value.result;
  }
}
