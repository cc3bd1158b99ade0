/**
 * The UI's moves (seeks, searches, forks) as one stream where the newest wins: a move asked for
 * while another runs aborts the stale one (rxjs switchMap over an abortable run), so a burst of
 * jump keys replays once, to where the last key points, instead of once per key. A move starts
 * after a turn of the event loop, so the frame that announces it is drawn before it runs, and
 * `null` cancels whatever runs without starting anything.
 */
import { Observable, of, switchMap } from 'rxjs';
import type { BranchId } from '../journal/ids.js';

export interface Move {
  /** What the status line says while it runs. */
  readonly label: string;
  /** Where the cursor is going, when the move is a seek (jumps count from it). */
  readonly target?: { readonly branch: BranchId; readonly icount: number };
  /** The work; long work checks `signal` between slices and stops when it is aborted. */
  readonly run: (signal: AbortSignal) => void | Promise<void>;
}

export type MoveOutcome =
  | { readonly kind: 'done'; readonly move: Move }
  | { readonly kind: 'failed'; readonly move: Move; readonly error: unknown }
  /** `null` was asked for: the running move (if any) was aborted. */
  | { readonly kind: 'cancelled' };

/** Runs `move` after a turn of the event loop; unsubscribing aborts it (its outcome is then never emitted). */
export function abortableMove(move: Move): Observable<MoveOutcome> {
  return new Observable<MoveOutcome>((subscriber) => {
    const ctrl = new AbortController();
    let ended = false;
    const timer = setImmediate(() => {
      Promise.resolve()
        .then(() => move.run(ctrl.signal))
        .then(
          () => subscriber.next({ kind: 'done', move }),
          (error: unknown) => subscriber.next({ kind: 'failed', move, error }),
        )
        .finally(() => {
          ended = true;
          subscriber.complete();
        });
    });
    return () => {
      clearImmediate(timer);
      // Only a move still under way is aborted (its signal says so afterwards).
      if (!ended) ctrl.abort();
    };
  });
}

/** Each request's outcome, except those of requests a newer one (or a `null`) superseded. */
export function latestMove(requests: Observable<Move | null>): Observable<MoveOutcome> {
  return requests.pipe(switchMap((m) => (m ? abortableMove(m) : of<MoveOutcome>({ kind: 'cancelled' }))));
}
