/**
 * A live run reports every change (a slice run, output printed, a wait for input); the UI
 * redraws at most once per `ms`, and always after the last change of a burst (trailing), so the
 * screen never stays on a stale frame when the machine goes quiet.
 */
import { asyncScheduler, throttleTime, type Observable, type SchedulerLike } from 'rxjs';

/** Redraws a live run's screen wants: at most one per `ms` (a frame of 200 columns costs a few ms). */
export const LIVE_REDRAW_MS = 50;

export function throttledRedraws<T>(changes: Observable<T>, ms = LIVE_REDRAW_MS, scheduler: SchedulerLike = asyncScheduler): Observable<T> {
  return changes.pipe(throttleTime(ms, scheduler, { leading: true, trailing: true }));
}
