// The journal writer thread's priority, in plain JavaScript: the writer's entry
// (writer-worker-entry.mjs) runs it before the TypeScript loader; background-journal.ts decides
// (writerNice), looking at the host with lookAtHost too. Host state, never the machine's: nothing
// here reaches a recording. Linux only: a thread id names one thread to setpriority, and
// /proc tells how busy the host is; elsewhere the writer keeps the process's priority.
import { readFileSync, readlinkSync } from 'node:fs';
import { availableParallelism, getPriority, setPriority } from 'node:os';

/** Host milliseconds a look at the host needs at least (/proc's clock ticks are 10 ms): the writer loads in 40-70. */
const MIN_WINDOW_MS = 30;
/** Clock ticks a second of /proc's counters (USER_HZ). */
const TICKS_PER_S = 100;

/**
 * Busy clock ticks of the whole host (/proc/stat's first line: all but idle and iowait) and of
 * this process, all its threads (/proc/self/stat utime and stime); null when /proc cannot tell.
 */
export function cpuTicks() {
  try {
    const host = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    const self = readFileSync('/proc/self/stat', 'utf8');
    const fields = self.slice(self.lastIndexOf(')') + 2).split(' ');
    const [user, nice, system, , , irq, softirq, steal = 0] = host;
    const busy = user + nice + system + irq + softirq + steal;
    const own = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(busy) && Number.isFinite(own) ? { busy, own } : null;
  } catch {
    return null;
  }
}

/** Cores the rest of the host kept busy between two cpuTicks() `elapsedMs` apart. */
export function othersBusyCores(before, after, elapsedMs) {
  const others = after.busy - before.busy - (after.own - before.own);
  return Math.max(0, others) / TICKS_PER_S / (elapsedMs / 1000);
}

/**
 * Whether the rest of the host left a core idle for the machine's thread and the writer between
 * two looks (it kept busy at most half a core beyond the cores past two); null when it cannot
 * tell (no /proc, a look shorter than MIN_WINDOW_MS, one core).
 */
export function spareCore(before, after, elapsedMs) {
  const cores = availableParallelism();
  if (before === null || after === null || elapsedMs < MIN_WINDOW_MS || cores < 2) return null;
  return othersBusyCores(before, after, elapsedMs) <= 0.5 + (cores - 2);
}

/**
 * A look at the host from now: each call of the result says whether the rest of the host left a
 * core idle since the look began or the previous call (null: it cannot tell), and starts anew.
 */
export function lookAtHost() {
  let before = cpuTicks();
  let t0 = performance.now();
  return () => {
    const now = cpuTicks();
    const at = performance.now();
    const answer = spareCore(before, now, at - t0);
    before = now;
    t0 = at;
    return answer;
  };
}

/** Lowers the calling thread by `by` steps of nice (capped at 19); false when 0, refused, or not Linux. */
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

/**
 * The writer thread's priority as background-journal.ts asked: `{ by }` lowers it now; `{ by,
 * whenSpare: true }` looks at the host from now until the returned function is called (once the
 * writer has loaded, 50-100 ms) and lowers it then if the host left a core idle meanwhile.
 */
export function writerPriority(setting) {
  const by = setting?.by ?? 0;
  if (setting?.whenSpare !== true) {
    lowerThisThread(by);
    return () => {};
  }
  const spareSince = lookAtHost();
  return () => {
    if (spareSince() === true) lowerThisThread(by);
  };
}
