/** The servers of a freshly booted machine: VFS (with the root filesystem), Process Manager, Memory Manager, Reincarnation Server. */
import type { ServerPort } from '../core/kernel/server-port.js';
import { MmPort } from './mm-port.js';
import { PmPort } from './pm-port.js';
import type { RsPolicy } from './rs/rs-server.js';
import { RsPort } from './rs-port.js';
import type { RootFsEntry } from './vfs/root-fs.js';
import { VfsPort } from './vfs-port.js';

export function createServers(root: readonly RootFsEntry[], bootEpochNs: bigint, rsPolicy?: RsPolicy): ServerPort[] {
  return [new VfsPort(root, bootEpochNs), new PmPort(), new MmPort(), new RsPort(rsPolicy)];
}
