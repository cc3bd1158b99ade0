/** Busy clock ticks of the host and of this process (all threads). */
export interface CpuTicks {
  readonly busy: number;
  readonly own: number;
}
/** How background-journal.ts asks the writer to lower itself: now, or once loaded if the host left a core idle. */
export interface WriterPrioritySetting {
  readonly by: number;
  readonly whenSpare?: boolean;
}
/** Busy clock ticks of the host and of this process, or null without /proc. */
export function cpuTicks(): CpuTicks | null;
/** Cores the rest of the host kept busy between two cpuTicks() `elapsedMs` apart. */
export function othersBusyCores(before: CpuTicks, after: CpuTicks, elapsedMs: number): number;
/** Whether the rest of the host left a core idle between two looks; null when it cannot tell. */
export function spareCore(before: CpuTicks | null, after: CpuTicks | null, elapsedMs: number): boolean | null;
/** A look at the host from now: each call says whether the rest of it left a core idle since the last (null: cannot tell). */
export function lookAtHost(): () => boolean | null;
/** Lowers the calling thread by `by` steps of nice; false when 0, refused or not Linux. */
export function lowerThisThread(by: number): boolean;
/** Applies a setting in the writer thread; the returned function settles a deferred one. */
export function writerPriority(setting: WriterPrioritySetting | undefined): () => void;
