/**
 * When a recorder snapshots the machine: at boot (or the fork point) and then every
 * SNAPSHOT_INTERVAL instructions or SNAPSHOT_EVENTS events, whichever comes first, so any point
 * of a recording is reached by restoring a snapshot and replaying a bounded stretch; and where the
 * recording ends (Recorder.finish), so opening it at its end replays nothing.
 */

/**
 * Instructions between snapshots. A seek replays at most this many: about 0.1 s at the CPU's
 * speed, which keeps seeks well under the 200 ms target with restore time included.
 */
export const SNAPSHOT_INTERVAL = 20_000_000;

/**
 * Events between snapshots. Replaying an event costs tens of microseconds (a syscall and two
 * sealed IPC messages re-executed, each event compared), so in syscall-dense code 20 million
 * instructions hold minutes of replay; this keeps a seek there under about half a second.
 */
export const SNAPSHOT_EVENTS = 20_000;

export class SnapshotSpacing {
  private icount = -Infinity;
  private events = 0;

  constructor(
    readonly interval = SNAPSHOT_INTERVAL,
    readonly eventInterval = SNAPSHOT_EVENTS,
  ) {}

  /** The icount at which a snapshot is due (run the machine no further at a time). */
  get due(): number {
    return this.icount + this.interval;
  }

  /** Due by events, `events` being how many the run has emitted (a Machine.run stopEarly asks this). */
  dueByEvents(events: number): boolean {
    return events - this.events >= this.eventInterval;
  }

  isDue(icount: number, events: number): boolean {
    return icount >= this.due || this.dueByEvents(events);
  }

  /** Whether the last snapshot was taken at this very position (nothing ran or was emitted since). */
  takenAt(icount: number, events: number): boolean {
    return icount === this.icount && events === this.events;
  }

  taken(icount: number, events: number): void {
    this.icount = icount;
    this.events = events;
  }
}
