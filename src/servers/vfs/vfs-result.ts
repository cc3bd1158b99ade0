/**
 * What handling one VFS request produces. The handler never performs I/O or talks to other parts of
 * the machine: it returns an outcome plus effects, and the runner (VfsServer, then the kernel) carries
 * them out (STYLE.md: pure transitions, effects at the edge).
 */
import type { VfsReply } from '../../protocol/vfs-protocol.js';
import type { Ino } from './vfs-state.js';

/** A queue of requests blocked inside the VFS, woken by a `wake` effect naming it. */
export type WaitQueue =
  | { readonly kind: 'pipe-readable'; readonly pipe: Ino }
  | { readonly kind: 'pipe-writable'; readonly pipe: Ino };

export function waitQueueKey(q: WaitQueue): string {
  switch (q.kind) {
    case 'pipe-readable':
      return `pipe:${q.pipe}:readable`;
    case 'pipe-writable':
      return `pipe:${q.pipe}:writable`;
    default: {
      const _exhaustive: never = q;
      return _exhaustive;
    }
  }
}

/**
 * Console I/O, which the kernel owns (UART and line discipline). The VFS has checked the fd and its
 * access mode; the kernel performs the operation and sends the caller the VFS reply itself, built
 * with `VFS_PROTOCOL.encodeReply('read' | 'write' | 'ioctl', ...)` and m_source = 2 (VFS), blocking
 * the caller in the kernel for as long as the line discipline needs.
 */
export type ConsoleOp =
  | { readonly kind: 'console-read'; readonly pid: number; readonly fd: number; readonly count: number; readonly nonblocking: boolean }
  | { readonly kind: 'console-write'; readonly pid: number; readonly fd: number; readonly data: Uint8Array; readonly nonblocking: boolean }
  | { readonly kind: 'console-ioctl'; readonly pid: number; readonly fd: number; readonly request: number; readonly arg: number };

export type VfsEffect =
  /** Ask the Process Manager to send `signo` to `pid` (SIGPIPE on a write to a pipe without readers). */
  | { readonly kind: 'signal'; readonly pid: number; readonly signo: number }
  /** Requests blocked on `queue` may now complete: retry them (in arrival order). */
  | { readonly kind: 'wake'; readonly queue: WaitQueue };

export type VfsOutcome =
  /** Reply to the caller now. */
  | { readonly kind: 'reply'; readonly reply: VfsReply }
  /**
   * The request cannot complete yet. Nothing in the state was changed; keep the request pending and
   * handle it again, unchanged, when `queue` is woken.
   */
  | { readonly kind: 'blocked'; readonly queue: WaitQueue }
  /** The kernel completes the request (and replies to the caller). */
  | { readonly kind: 'console'; readonly op: ConsoleOp };

export interface VfsResult {
  readonly outcome: VfsOutcome;
  /** In the order they arose. A blocked outcome never carries effects. */
  readonly effects: readonly VfsEffect[];
}

export const SIGPIPE = 13;
