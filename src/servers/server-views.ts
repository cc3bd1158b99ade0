/**
 * Read-only views of the servers' state, for inspection (the TUI's panes, `xrr state`): typed
 * by server, found by what the port is (not by casting a pid), and deeply read-only in type so a
 * view cannot change the machine. A view is the live state, not a copy: it holds until the
 * machine runs again.
 */
import type { Machine } from '../core/machine.js';
import type { ServerPort } from '../core/kernel/server-port.js';
import type { MmState } from './mm/mm-state.js';
import type { PmState } from './pm/pm-state.js';
import type { RsSnapshot } from './rs/rs-server.js';
import type { VfsState } from './vfs/vfs-state.js';
import { MmPort } from './mm-port.js';
import { PmPort } from './pm-port.js';
import { RsPort } from './rs-port.js';
import { VfsPort } from './vfs-port.js';

/** `T` read-only all the way down (maps, arrays and objects). */
export type ReadonlyDeep<T> =
  T extends Uint8Array ? Readonly<Uint8Array>
    : T extends Map<infer K, infer V> ? ReadonlyMap<K, ReadonlyDeep<V>>
      : T extends readonly (infer E)[] ? readonly ReadonlyDeep<E>[]
        : T extends object ? { readonly [P in keyof T]: ReadonlyDeep<T[P]> }
          : T;

export type VfsStateView = ReadonlyDeep<VfsState>;
export type PmStateView = ReadonlyDeep<PmState>;
export type MmStateView = ReadonlyDeep<MmState>;
export type RsStateView = ReadonlyDeep<RsSnapshot>;

export interface ServerViews {
  /** The VFS's filesystem, open files and per-process fd tables. */
  vfs(): VfsStateView | undefined;
  /** The Process Manager's process table. */
  pm(): PmStateView | undefined;
  /** The Memory Manager's regions and shared memory segments. */
  mm(): MmStateView | undefined;
  /** The Reincarnation Server's policy and crash records. */
  rs(): RsStateView | undefined;
}

/** The views of `machine`'s servers; undefined for a server the machine does not have. */
export function serverViews(machine: Machine): ServerViews {
  return viewsOf(machine.kernel.servers.values());
}

/** The same from a set of ports (a machine's, or ones a test built). */
export function viewsOf(ports: Iterable<ServerPort>): ServerViews {
  const all = [...ports];
  const find = <P extends ServerPort>(cls: abstract new (...args: never[]) => P): P | undefined => all.find((s): s is P => s instanceof cls);
  return {
    vfs: () => find(VfsPort)?.view(),
    pm: () => find(PmPort)?.view(),
    mm: () => find(MmPort)?.view(),
    rs: () => find(RsPort)?.view(),
  };
}
