/**
 * What the rest of the host does with its cores, from /proc (Linux): the recorder lowers its
 * journal writer only when the host leaves a core idle beside the machine (background-journal.ts
 * writerNice). Host state, never the machine's: nothing here reaches a recording.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Busy clock ticks of the whole host and of this process (all its threads). */
export interface CpuTicks {
  readonly busy: number;
  readonly own: number;
}

/** Clock ticks per second of /proc's counters (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;
/** Host milliseconds a look needs at least: ticks are 10 ms. */
export const MIN_WINDOW_MS = 50;

/** /proc/stat's first line (all but idle and iowait) and /proc/self/stat's utime and stime, or null when /proc cannot tell. */
export function cpuTicks(): CpuTicks | null {
  try {
    const host = (readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const self = readFileSync('/proc/self/stat', 'utf8');
    const fields = self.slice(self.lastIndexOf(')') + 2).split(' ');
    const [user = NaN, nice = NaN, system = NaN, , , irq = NaN, softirq = NaN, steal = 0] = host;
    const busy = user + nice + system + irq + softirq + steal;
    const own = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(busy) && Number.isFinite(own) ? { busy, own } : null;
  } catch {
    return null;
  }
}

/** Cores the rest of the host kept busy between two looks `elapsedMs` apart. */
export function othersBusyCores(before: CpuTicks, after: CpuTicks, elapsedMs: number): number {
  const others = after.busy - before.busy - (after.own - before.own);
  return Math.max(0, others) / TICKS_PER_S / (elapsedMs / 1000);
}

/** Looks at the host from its creation (or its last answer) to each question. */
export class HostLoad {
  private last = cpuTicks();
  private lastAt = performance.now();

  /**
   * Whether the rest of the host left a core idle for this process's two threads since the last
   * look (kept busy at most `maxOthers` cores out of all but two); null when it cannot tell (no
   * /proc, too short a look, one core).
   */
  spareCoreSinceLast(maxOthers = 0.5): boolean | null {
    const now = cpuTicks();
    const at = performance.now();
    const before = this.last;
    const elapsed = at - this.lastAt;
    this.last = now;
    this.lastAt = at;
    if (before === null || now === null || elapsed < MIN_WINDOW_MS || availableParallelism() < 2) return null;
    return othersBusyCores(before, now, elapsed) <= maxOthers + Math.max(0, availableParallelism() - 2);
  }
}
