/**
 * Live mode: a machine running on a branch with the keyboard as its console. `f` forks the
 * machine at the cursor onto a new branch and goes live; Ctrl-] pauses (the branch keeps what
 * it recorded) and `l` resumes the same run; when the machine halts, live mode ends by itself.
 * The run's changes reach the screen as a stream, redrawn at most every LIVE_REDRAW_MS (redraws.ts).
 */
import { basename } from 'node:path';
import { useCallback, useEffect, useRef, useState } from 'react';
import { filter, Subject } from 'rxjs';
import type { Machine } from '../../core/machine.js';
import type { BranchId } from '../../journal/ids.js';
import { describeForkInputs, type ForkInputs } from '../fork-inputs.js';
import { LiveRun } from '../live-run.js';
import { throttledRedraws } from '../redraws.js';
import type { TuiSession } from '../session.js';
import { fmt } from '../text.js';
import type { Seek } from './use-seek.js';

export interface Live {
  /** The run that owns the keyboard, or null when paused. */
  readonly run: LiveRun | null;
  /** Fork at the cursor (after the next frame) and go live; `inputs` go in first, recorded on the new branch. */
  fork(inputs?: ForkInputs): void;
  /** Pause (`note`: what the status line says instead of "paused"): the cursor goes to where the run stopped. */
  leave(note?: string): void;
  /** Resume the run the last pause left. */
  resume(): void;
  /** Bytes typed at the guest's console. */
  type(bytes: Uint8Array): void;
}

export function useLiveRun(session: TuiSession, seek: Seek, say: (message: string) => void, startLive?: { readonly machine: Machine; readonly branch: BranchId }): Live {
  const [run, setRun] = useState<LiveRun | null>(null);
  const runRef = useRef<LiveRun | null>(null);
  /** The run Ctrl-] paused: `l` resumes it on its branch (the recording never ended). */
  const paused = useRef<LiveRun | null>(null);
  const [, setFrame] = useState(0);
  const [changes] = useState(() => new Subject<LiveRun>());
  const leaveRef = useRef<(note?: string) => void>(() => undefined);

  useEffect(() => {
    const redraws = throttledRedraws(changes).subscribe(() => setFrame((n) => n + 1));
    // A halted machine takes no more input: the keys go back to the UI at once.
    const halts = changes.pipe(filter((r) => r.state === 'halted' && r === runRef.current)).subscribe((r) => {
      const how = r.lastStop?.kind === 'halted' ? ` (${r.lastStop.reason}, status ${r.lastStop.status})` : '';
      leaveRef.current(`branch ${r.branch} halted${how} at icount ${fmt(r.machine.icount)}: f forks a live branch from any point`);
    });
    return () => {
      redraws.unsubscribe();
      halts.unsubscribe();
    };
  }, [changes]);

  const go = useCallback(
    (r: LiveRun, note: string) => {
      session.live = { branch: r.branch, machine: r.machine };
      runRef.current = r;
      paused.current = null;
      setRun(r);
      seek.placeCursor({ branch: r.branch, icount: r.machine.icount, seq: session.length(r.branch) });
      say(note);
      r.start();
    },
    [session, seek, say],
  );

  const newRun = useCallback(
    (branch: BranchId, machine: Machine) => {
      const r: LiveRun = new LiveRun(session.store, branch, machine, () => changes.next(r), session.imageDebugFiles);
      return r;
    },
    [session, changes],
  );

  // A new recording is live from the start, without a seek.
  useEffect(() => {
    if (startLive) go(newRun(startLive.branch, startLive.machine), `LIVE, recording into ${basename(session.file)}: keys go to the console; Ctrl-] pauses, l resumes`);
    return () => runRef.current?.stop();
    // Once, on mount: the machine it was given is the one it runs.
  }, []);

  const fork = useCallback(
    (inputs: ForkInputs = { faults: [] }) => {
      const at = seek.cursor;
      seek.move({
        label: `forking at icount ${fmt(at.icount)}...`,
        run: () => {
          const { branch, machine } = session.fork(at, 'tui');
          for (const f of inputs.faults) machine.inject(f);
          if (inputs.chaos !== undefined) machine.chaos(inputs.chaos);
          const what = describeForkInputs(inputs);
          go(newRun(branch, machine), `LIVE on branch ${branch}${what ? ` (${what})` : ''}: keys go to the console; Ctrl-] pauses`);
        },
      });
    },
    [seek, session, go, newRun],
  );

  const leave = useCallback((note?: string) => {
    const r = runRef.current;
    if (!r) return;
    r.stop();
    seek.placeCursor({ branch: r.branch, icount: r.machine.icount, seq: session.length(r.branch) });
    runRef.current = null;
    paused.current = r;
    setRun(null);
    say(note ?? `paused branch ${r.branch} at icount ${fmt(r.machine.icount)}${r.state === 'halted' ? '' : '; l resumes'}`);
  }, [seek, session, say]);
  leaveRef.current = leave;

  const resume = useCallback(() => {
    const r = paused.current;
    if (!r) return say('nothing to resume: f forks a live branch here');
    if (r.state === 'halted') return say(`branch ${r.branch} halted: f forks a live branch from any point`);
    r.resume();
    go(r, `LIVE again on branch ${r.branch} at icount ${fmt(r.machine.icount)}: Ctrl-] pauses`);
  }, [go, say]);

  const type = useCallback((bytes: Uint8Array) => runRef.current?.input(bytes), []);

  return { run, fork, leave, resume, type };
}
