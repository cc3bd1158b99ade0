/**
 * The keyboard: every key press is looked up in the keymap (keymap.ts) for the current mode and
 * runs the command it names; nothing else reacts to keys. Keys can arrive faster than renders
 * (tmux send-keys, a paste, typing during a seek), so each runs after the render the previous one
 * caused and sees the state that key produced: a key arriving before that waits in a queue.
 * While a move runs, keys the table does not bind in `seeking` mode wait for it to end
 * (type-ahead: `> > g 5000 Enter` does what it says); those it binds there (jumps, panes, help)
 * run at once, and Esc and q act even ahead of keys already waiting.
 */
import { useInput, type Key } from 'ink';
import { useCallback, useEffect, useRef, useState } from 'react';
import { dispatchOf, type Keystroke, type Mode } from '../keymap.js';
import type { RunCommand } from './use-commands.js';

const NO_KEY: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false,
  capsLock: false, numLock: false,
};

/** Several characters read at once (outside live mode, where they go to the console as they came) are several key presses. */
export function splitStrokes(stroke: Keystroke): Keystroke[] {
  const chars = [...stroke.input];
  if (chars.length <= 1 || stroke.input.includes('\x1b')) return [stroke];
  return chars.map((ch) => ({
    input: ch,
    key: { ...NO_KEY, tab: ch === '\t', return: ch === '\r', backspace: ch === '\x7f', shift: ch !== ch.toLowerCase() },
  }));
}

/** Whether `stroke` may run now in `mode`: during a move only what the table binds while seeking. */
function runsNow(mode: Mode, stroke: Keystroke): boolean {
  return mode !== 'seeking' || dispatchOf('seeking', stroke) !== null;
}

export function useKeys(mode: Mode, run: RunCommand): void {
  const latest = useRef({ mode, run });
  latest.current = { mode, run };
  const queue = useRef<Keystroke[]>([]);
  /** A key ran since the last render: the next waits for that render. */
  const ranSinceRender = useRef(false);
  const [, rerender] = useState(0);

  const dispatch = useCallback((stroke: Keystroke) => {
    const { mode: m, run: r } = latest.current;
    ranSinceRender.current = true;
    // A render even when the key changed nothing, so the queue behind it moves on.
    rerender((n) => n + 1);
    const d = dispatchOf(m, stroke);
    if (d) r(d.command, stroke, () => queue.current.splice(0));
  }, []);

  useEffect(() => {
    ranSinceRender.current = false;
    const head = queue.current[0];
    if (head && runsNow(latest.current.mode, head)) {
      queue.current.shift();
      dispatch(head);
    }
  });

  const onInput = useCallback(
    (input: string, key: Key) => {
      const { mode: m } = latest.current;
      for (const stroke of m === 'live' ? [{ input, key }] : splitStrokes({ input, key })) {
        if (m === 'seeking' && dispatchOf(m, stroke)?.binding.urgent) dispatch(stroke);
        else if (!ranSinceRender.current && queue.current.length === 0 && runsNow(m, stroke)) dispatch(stroke);
        else {
          queue.current.push(stroke);
          rerender((n) => n + 1);
        }
      }
    },
    [dispatch],
  );
  useInput(onInput);
}
