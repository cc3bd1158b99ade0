/**
 * How busy the rest of the host is, seen from a long-lived process between two recordings
 * (background-journal.ts writerNice). Host state, never the machine's: nothing here reaches a
 * recording.
 */
import { cpuTicks, spareCore } from '../journal/writer-priority.mjs';

/** Looks at the host from its creation, or its last answer, to each question. */
export class HostLoad {
  private last = cpuTicks();
  private lastAt = performance.now();

  /** Whether the rest of the host left a core idle since the last look; null when it cannot tell (too short a look, say). */
  spareCoreSinceLast(): boolean | null {
    const now = cpuTicks();
    const at = performance.now();
    const answer = spareCore(this.last, now, at - this.lastAt);
    this.last = now;
    this.lastAt = at;
    return answer;
  }
}
