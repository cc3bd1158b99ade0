/**
 * The cursor, the selected event and the move under way. Moves (seeks, searches, forks) go
 * through one latest-wins stream (latest-move.ts): a jump pressed during a seek replaces it, and
 * counts from where the stale seek was heading, so `> > >` lands 300k instructions on after one
 * replay. A long seek reports its progress and replay speed for the status line; Esc cancels it.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { Subject } from 'rxjs';
import type { BranchId } from '../../journal/ids.js';
import { latestMove, type Move, type MoveOutcome } from '../latest-move.js';
import { divergenceOf, errorMessage, isCancelled } from '../move-error.js';
import { CancelledError, type Cursor, type TuiSession } from '../session.js';
import { fmt } from '../text.js';

export interface SeekTarget {
  readonly branch: BranchId;
  readonly icount: number;
}

export interface Seek {
  readonly cursor: Cursor;
  /** The selected event's seq (the detail pane's). */
  readonly selSeq: number;
  /** The move under way, or null. */
  readonly busy: Move | null;
  /** A long seek's progress and speed, for the status line. */
  readonly progress: string;
  setSelSeq(next: number | ((s: number) => number)): void;
  /** Put the cursor somewhere without a seek (the live machine is already there). */
  placeCursor(c: Cursor, sel?: number): void;
  /** Whether a move is under way (true from the moment one is asked for, before a render). */
  isBusy(): boolean;
  /** Where the cursor is going: the pending seek's target, else where it is. */
  heading(): SeekTarget;
  /** Start a move; one under way is aborted. */
  move(m: Move): void;
  /** Seek to `icount` on `branch` after the next frame (which says "seeking...") and select `sel` (default: the last event applied). */
  seekTo(branch: BranchId, icount: number, sel?: number, note?: string): void;
  /** The same, inside a move already under way. */
  seekNow(branch: BranchId, icount: number, signal: AbortSignal, sel?: number, note?: string): Promise<void>;
  /** Abort the move under way; the cursor stays. */
  cancel(): void;
}

export interface SeekStart {
  readonly branch: BranchId;
  /** Where the cursor starts (default: the end of the branch). */
  readonly icount?: number;
  /** The icount of a machine that is live from the start: no first seek then. */
  readonly liveIcount?: number;
  /** The event selected once there (default: the last one applied). */
  readonly sel?: number;
  /** What the status line says once there. */
  readonly note?: string;
}

/** A throttle for progress frames: a redraw costs more than a slice of replay. */
const PROGRESS_MS = 100;

export function useSeek(session: TuiSession, start: SeekStart, say: (message: string) => void): Seek {
  const [cursor, setCursorState] = useState<Cursor>(() => ({
    branch: start.branch,
    icount: start.liveIcount ?? start.icount ?? session.endIcount(start.branch),
    seq: session.length(start.branch),
  }));
  const cursorRef = useRef(cursor);
  const [selSeq, setSelSeq] = useState(() => cursor.seq - 1);
  const setCursor = useCallback((c: Cursor, sel?: number) => {
    cursorRef.current = c;
    setCursorState(c);
    setSelSeq(sel ?? c.seq - 1);
  }, []);

  const [progress, setProgress] = useState('');
  const rate = useRef<{ t: number; done: number; shown: number } | null>(null);
  const onProgress = useCallback((done: number, total: number) => {
    const now = Date.now();
    if (!rate.current || done < rate.current.done) rate.current = { t: now, done, shown: 0 };
    const r = rate.current;
    const ms = now - r.t;
    if (ms === 0 || now - r.shown < PROGRESS_MS) return; // the first report only starts the clock
    r.shown = now;
    const mips = ((done - r.done) / ms / 1000).toFixed(1);
    setProgress(` ${total > 0 ? Math.floor((done / total) * 100) : 0}% of ${fmt(total)} instructions at ${mips} MIPS (Esc cancels)`);
  }, []);

  const seekNow = useCallback(
    async (branch: BranchId, icount: number, signal: AbortSignal, sel?: number, note?: string) => {
      const end = session.endIcount(branch);
      const c = await session.cursorAtAsync(branch, Math.max(0, Math.min(icount, end)), signal, onProgress);
      // A newer move may have aborted this one while its last slice ran.
      if (signal.aborted) throw new CancelledError();
      setCursor(c, sel);
      say(note ?? `at icount ${fmt(c.icount)}`);
    },
    [session, onProgress, setCursor, say],
  );

  const firstMove = (): Move | null => {
    if (start.liveIcount !== undefined) return null;
    const end = session.endIcount(start.branch);
    const icount = Math.min(start.icount ?? end, end);
    return { label: 'seeking...', target: { branch: start.branch, icount }, run: (signal) => seekNow(start.branch, icount, signal, start.sel, start.note) };
  };
  const [busy, setBusy] = useState<Move | null>(firstMove);
  const busyRef = useRef(busy);
  const [requests] = useState(() => new Subject<Move | null>());

  const settle = useCallback(() => {
    busyRef.current = null;
    rate.current = null;
    setBusy(null);
    setProgress('');
  }, []);

  useEffect(() => {
    const onOutcome = (o: MoveOutcome) => {
      if (o.kind === 'cancelled') say('cancelled: the cursor stays where it was');
      else if (o.kind === 'failed') {
        const d = divergenceOf(o.error);
        if (d) {
          session.divergences.set(o.move.target?.branch ?? cursorRef.current.branch, { seq: d.seq, icount: d.icount });
          say(`DIVERGENCE at event ${d.seq} (icount ${fmt(d.icount)}): recorded ${d.recorded}, replayed ${d.replayed}; marked D`);
        } else say(isCancelled(o.error) ? 'cancelled: the cursor stays where it was' : errorMessage(o.error));
      }
      // A move asked for while this one finished is still to run: only the latest one settles.
      if (o.kind === 'cancelled' || busyRef.current === null || busyRef.current === o.move) settle();
    };
    const sub = latestMove(requests).subscribe(onOutcome);
    return () => sub.unsubscribe();
  }, [requests, session, say, settle]);

  // A move starts once the frame that announces it is drawn (effects run after the frame), so a
  // key press never leaves the screen on stale state while a replay runs.
  useEffect(() => {
    if (busy && busy === busyRef.current) requests.next(busy);
  }, [busy, requests]);

  const move = useCallback(
    (m: Move) => {
      busyRef.current = m;
      rate.current = null;
      setBusy(m);
      setProgress('');
    },
    [requests],
  );

  const heading = useCallback((): SeekTarget => {
    const t = busyRef.current?.target;
    return t ? { branch: t.branch, icount: t.icount } : { branch: cursorRef.current.branch, icount: cursorRef.current.icount };
  }, []);

  const seekTo = useCallback(
    (branch: BranchId, icount: number, sel?: number, note?: string) => {
      const to = Math.max(0, Math.min(icount, session.endIcount(branch)));
      move({ label: `seeking to icount ${fmt(to)}...`, target: { branch, icount: to }, run: (signal) => seekNow(branch, to, signal, sel, note) });
    },
    [move, seekNow, session],
  );

  const cancel = useCallback(() => {
    if (busyRef.current) requests.next(null);
  }, [requests]);

  return {
    cursor,
    selSeq,
    busy,
    progress,
    setSelSeq,
    placeCursor: setCursor,
    isBusy: () => busyRef.current !== null,
    heading,
    move,
    seekTo,
    seekNow,
    cancel,
  };
}
