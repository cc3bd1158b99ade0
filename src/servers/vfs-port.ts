/**
 * The VFS server behind the kernel's ServerPort: its outputs already have the port's shapes
 * (reply, console, signal), so this adapter only names it and types its saved state.
 */
import type { BlobSink, ServerContext, ServerOutput, ServerPort } from '../core/kernel/server-port.js';
import { WELL_KNOWN_PID, type Message } from '../protocol/message-types.js';
import { buildRootFs, type RootFsEntry } from './vfs/root-fs.js';
import { parseVfsServerSnapshot, VfsServer } from './vfs/vfs-server.js';
import type { VfsStateView } from './server-views.js';

export class VfsPort implements ServerPort {
  readonly pid = WELL_KNOWN_PID.VFS;
  readonly name = 'vfs';
  server: VfsServer;

  constructor(root: readonly RootFsEntry[], private readonly bootEpochNs: bigint) {
    this.server = new VfsServer(buildRootFs(root, bootEpochNs));
  }

  /** The filesystem as it is now, read-only (see server-views.ts). */
  view(): VfsStateView {
    return this.server.state;
  }

  receive(m: Message, ctx: ServerContext): ServerOutput[] {
    return this.server.receive(m, { now: ctx.now });
  }

  getState(blobs?: BlobSink): unknown {
    return this.server.getState(blobs);
  }

  checkState(state: unknown): void {
    parseVfsServerSnapshot(state);
  }

  setState(state: unknown, load?: (hash: string) => Uint8Array | undefined): void {
    this.server.setState(state, load);
  }

  /**
   * The filesystem tree, open files, pipes and per-process fd tables live in the VFS's store (a
   * ramdisk outlives the server process), so the fresh instance starts from them; the requests the
   * crashed instance held (blocked pipe reads and writes) are gone: the kernel failed them with EIO.
   */
  reincarnate(): readonly string[] {
    const blobs = new Map<string, Uint8Array>();
    const saved = this.server.getState((bytes) => {
      const key = String(blobs.size);
      blobs.set(key, bytes);
      return key;
    });
    const fresh = new VfsServer(buildRootFs([], this.bootEpochNs));
    fresh.setState({ ...saved, pending: [] }, (key) => blobs.get(key));
    this.server = fresh;
    return saved.pending.length > 0 ? [`${saved.pending.length} pending request(s) (blocked pipe I/O), failed with EIO`] : [];
  }
}
