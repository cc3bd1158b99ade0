/**
 * What handling one Memory Manager request produces: the reply plus the changes to the caller's
 * address space the kernel must make, in order. Addresses and lengths are page-aligned; perm bits are
 * R=1 W=2 X=4 (src/core/memory.ts PERM_*, the same values as PROT_*).
 */
import type { MmReply } from '../../protocol/mm-protocol.js';

export type MmEffect =
  /** Map fresh zero-filled private pages (replacing nothing: the range was free or unmapped before). */
  | { readonly kind: 'map'; readonly pid: number; readonly addr: number; readonly length: number; readonly perm: number }
  /** Remove private pages. */
  | { readonly kind: 'unmap'; readonly pid: number; readonly addr: number; readonly length: number }
  /** Change the permissions of mapped pages (private or shared). */
  | { readonly kind: 'protect'; readonly pid: number; readonly addr: number; readonly length: number; readonly perm: number }
  /**
   * Map the whole of `segment` (`length` bytes from its start) at `addr`. The pages are shared with
   * every other attachment of the segment and stay shared across fork; the kernel creates the
   * segment's zero-filled backing on its first attach.
   */
  | {
      readonly kind: 'shm-attach';
      readonly pid: number;
      readonly addr: number;
      readonly segment: number;
      readonly length: number;
      readonly perm: number;
    }
  /** Remove (part of) a shared attachment from the address space; the segment lives on. */
  | { readonly kind: 'shm-detach'; readonly pid: number; readonly addr: number; readonly length: number }
  /** The segment has no attachment left and is removed: free its backing. */
  | { readonly kind: 'shm-destroy'; readonly segment: number };

export interface MmResult {
  /** Every MM request is answered at once. */
  readonly reply: MmReply;
  readonly effects: readonly MmEffect[];
}
