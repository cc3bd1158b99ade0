/**
 * The VFS server behind the kernel's ServerPort: its outputs already have the port's shapes
 * (reply, console, signal), so this adapter only names it and types its saved state.
 */
import type { ServerContext, ServerOutput, ServerPort } from '../core/kernel/server-port.js';
import { WELL_KNOWN_PID, type Message } from './protocol/message-types.js';
import { buildRootFs, type RootFsEntry } from './vfs/root-fs.js';
import { VfsServer, type VfsServerSnapshot } from './vfs/vfs-server.js';

export class VfsPort implements ServerPort {
  readonly pid = WELL_KNOWN_PID.VFS;
  readonly name = 'vfs';
  readonly server: VfsServer;

  constructor(root: readonly RootFsEntry[], bootEpochNs: bigint) {
    this.server = new VfsServer(buildRootFs(root, bootEpochNs));
  }

  receive(m: Message, ctx: ServerContext): ServerOutput[] {
    return this.server.receive(m, { now: ctx.now });
  }

  getState(blobs?: (bytes: Uint8Array) => string): unknown {
    return this.server.getState(blobs);
  }

  setState(state: unknown, load?: (hash: string) => Uint8Array | undefined): void {
    this.server.setState(state as VfsServerSnapshot, load);
  }
}
