// Lowers the journal writer thread's priority (loaded by writer-worker-entry.mjs before the writer,
// so plain JavaScript); background-journal.ts decides by how much (writerNice).
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Lowers the calling thread by `by` steps of nice (capped at 19): Linux names one thread to
 * setpriority by its id. False when `by` is 0, elsewhere than Linux, or refused; the thread then
 * keeps the process's priority.
 */
export function lowerThisThread(by) {
  if (!(by > 0) || process.platform !== 'linux') return false;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isSafeInteger(tid) || tid <= 0) return false;
    setPriority(tid, Math.min(19, getPriority(tid) + by));
    return true;
  } catch {
    return false;
  }
}
