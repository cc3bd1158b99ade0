/**
 * The counters the machine's thread and the journal writer thread share (an Int32Array on a
 * SharedArrayBuffer, in the writer's workerData): the machine's thread waits on them when the
 * writer falls behind (background-journal.ts keepWithin), and the writer learns from them that
 * it has nothing queued (writer-worker.ts). writer-worker-entry.mjs, plain JavaScript, sets GONE
 * by its number.
 */

/** Messages the writer has handled; it notifies after each. */
export const HANDLED = 0;
/** 1 once the writer will handle nothing more (it did not open the file, or it closed). */
export const GONE = 1;
/** Messages the machine's thread has posted, counted before each post. */
export const POSTED = 2;
export const PROGRESS_SLOTS = 3;

export function newProgress(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * PROGRESS_SLOTS));
}
