/**
 * How the kernel talks to a server: a mailbox that takes one message at a time and returns
 * what the kernel must carry out (replies, console operations, signals, and effects on
 * processes and address spaces). The concrete servers live in src/servers; adapters there
 * implement this port, so the kernel depends only on the shared message protocol.
 */
import type { Message } from '../../protocol/message-types.js';

export interface ServerContext {
  /** Virtual wall-clock time in ns since the Unix epoch. */
  readonly now: bigint;
  /** What the kernel knows of a process that servers do not own (for ps). */
  readonly procFacts: (pid: number) => { readonly icount: number; readonly rssPages: number; readonly state?: 'R' | 'S' } | undefined;
}

/** Console I/O the VFS hands to the kernel, which owns the UART and the line discipline. */
export type ConsoleOp =
  | { readonly kind: 'console-read'; readonly pid: number; readonly fd: number; readonly count: number; readonly nonblocking: boolean }
  | { readonly kind: 'console-write'; readonly pid: number; readonly fd: number; readonly data: Uint8Array; readonly nonblocking: boolean }
  | { readonly kind: 'console-ioctl'; readonly pid: number; readonly fd: number; readonly request: number; readonly arg: number };

/** What the Process Manager and Memory Manager ask the kernel to do. */
export type KernelEffect =
  /** Clone `parent`'s address space and registers into the new process `child` (a0 = 0). */
  | { readonly kind: 'fork'; readonly parent: number; readonly child: number }
  /** The process is gone (exit or a fatal signal): tear it down; status is a wait status. */
  | { readonly kind: 'exited'; readonly pid: number; readonly status: number }
  /** Interrupt the blocking call of `pid` (a signal arrives): it returns EINTR. */
  | { readonly kind: 'interrupt'; readonly pid: number }
  /** Run a signal handler in `pid`: push a frame saving registers and `savedMask`. */
  | {
      readonly kind: 'deliver'; readonly pid: number; readonly signo: number; readonly handler: number;
      readonly restorer: number; readonly flags: number; readonly savedMask: number;
    }
  | { readonly kind: 'map'; readonly pid: number; readonly addr: number; readonly length: number; readonly perm: number }
  | { readonly kind: 'unmap'; readonly pid: number; readonly addr: number; readonly length: number }
  | { readonly kind: 'protect'; readonly pid: number; readonly addr: number; readonly length: number; readonly perm: number }
  | {
      readonly kind: 'shm-attach'; readonly pid: number; readonly addr: number; readonly segment: number;
      readonly length: number; readonly perm: number;
    }
  | { readonly kind: 'shm-detach'; readonly pid: number; readonly addr: number; readonly length: number }
  | { readonly kind: 'shm-destroy'; readonly segment: number };

export type ServerOutput =
  | { readonly kind: 'reply'; readonly to: number; readonly message: Message }
  | { readonly kind: 'console'; readonly op: ConsoleOp }
  | { readonly kind: 'signal'; readonly pid: number; readonly signo: number }
  | { readonly kind: 'effect'; readonly effect: KernelEffect };

/**
 * Where a server's bulky data (file contents) goes in a snapshot: called with bytes, it stores
 * them and returns the key they are stored under. `known` is there when the key is the bytes'
 * content hash (pageHash, the journal's page store): a caller that remembers the hash of bytes
 * it has not changed since hands them over with it, and the sink skips hashing them again.
 */
export interface BlobSink {
  (bytes: Uint8Array): string;
  readonly known?: (hash: string, bytes: Uint8Array) => void;
}

export interface ServerPort {
  readonly pid: number;
  readonly name: string;
  receive(m: Message, ctx: ServerContext): ServerOutput[];
  /** The server's state; bulky data (file contents) may go to `blobs` by content hash. */
  getState(blobs?: BlobSink): unknown;
  /** Restore a saved state; a bad field is refused (a StateError naming it) before anything changes. */
  setState(state: unknown, load?: (hash: string) => Uint8Array | undefined): void;
  /**
   * Check a saved state as setState would, changing nothing: the kernel checks every server's
   * state before it restores any, so a bad one leaves the whole machine as it was.
   */
  checkState?(state: unknown): void;
  /**
   * After a crash: replace the instance with a fresh one rebuilt from what the old one persisted
   * (its durable state, minus the requests it was holding, which the kernel failed with EIO).
   * Returns what did not survive, for the restart event. A port without it cannot be restarted.
   */
  reincarnate?(): readonly string[];
}
