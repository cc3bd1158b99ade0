/**
 * The keyboard: every key press is looked up in the keymap (keymap.ts) for the current mode and
 * runs the command it names; nothing else reacts to keys. Keys can arrive faster than renders
 * (tmux send-keys, a paste, typing during a seek), so each runs after the render the previous one
 * caused and sees the state that key produced: a key arriving before that waits in a queue
 * (typing at a prompt or at the guest's console needs no render in between: see SAME_FRAME).
 * While a move runs, keys the table does not bind in `seeking` mode wait for it to end
 * (type-ahead: `> > g 5000 Enter` does what it says); those it binds there (jumps, panes, help)
 * run at once, and Esc and q act even ahead of keys already waiting.
 */
import { useInput, type Key } from 'ink';
import { useCallback, useEffect, useRef, useState } from 'react';
import { dispatchOf, type Command, type Keystroke, type Mode } from '../keymap.js';
import type { RunCommand } from './use-commands.js';

const NO_KEY: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false,
  capsLock: false, numLock: false,
};

/** The key press one character stands for. */
function strokeOf(ch: string): Keystroke {
  return { input: ch, key: { ...NO_KEY, tab: ch === '\t', return: ch === '\r', backspace: ch === '\x7f', shift: ch !== ch.toLowerCase() } };
}

/** Several characters read at once (a paste, tmux send-keys, keys typed during a busy turn) are several key presses. */
export function splitStrokes(stroke: Keystroke): Keystroke[] {
  const chars = [...stroke.input];
  if (chars.length <= 1 || stroke.input.includes('\x1b')) return [stroke];
  return chars.map(strokeOf);
}

/**
 * Live, what was read at once goes to the console as it came (one input), except a key the table
 * binds to something else there (Ctrl-] typed right after text): it is cut out and runs as itself.
 */
export function splitLiveStrokes(stroke: Keystroke): Keystroke[] {
  const chars = [...stroke.input];
  if (chars.length <= 1 || stroke.input.includes('\x1b')) return [stroke];
  const out: Keystroke[] = [];
  let text = '';
  for (const ch of chars) {
    const own = strokeOf(ch);
    if (dispatchOf('live', own)?.command.kind === 'console-input') {
      text += ch;
      continue;
    }
    if (text) out.push({ input: text, key: NO_KEY });
    text = '';
    out.push(own);
  }
  if (text) out.push({ input: text, key: NO_KEY });
  return out;
}

/**
 * Commands after which the next key needs no new frame: they keep the mode and keep what they
 * change where the next key reads it at once (the prompt's text), so a typed-ahead argument runs
 * in one go rather than a render per character. Not console input: the live run takes typed
 * bytes on its next turn, which must come before a Ctrl-] typed after them.
 */
const SAME_FRAME: ReadonlySet<Command['kind']> = new Set(['prompt-type', 'prompt-erase']);

/** Whether `stroke` may run now in `mode`: during a move only what the table binds while seeking. */
function runsNow(mode: Mode, stroke: Keystroke): boolean {
  return mode !== 'seeking' || dispatchOf('seeking', stroke) !== null;
}

export function useKeys(mode: Mode, run: RunCommand): void {
  // Renders are counted so that a key runs only on state rendered after the previous key ran
  // (an effect can belong to a render older than the last key: effects run after the frame).
  const renders = useRef(0);
  renders.current++;
  const latest = useRef({ mode, run, render: renders.current });
  latest.current = { mode, run, render: renders.current };
  const queue = useRef<Keystroke[]>([]);
  /** The render the last key saw: the next key waits for a later one. */
  const ranAt = useRef(0);
  const [, rerender] = useState(0);
  const fresh = () => latest.current.render > ranAt.current;

  const dispatch = useCallback((next: Keystroke) => {
    const { mode: m, run: r, render } = latest.current;
    // Read at once in live mode, then left waiting when live mode ended: keys one by one now.
    const [stroke = next, ...rest] = m === 'live' ? [next] : splitStrokes(next);
    queue.current.unshift(...rest);
    const d = dispatchOf(m, stroke);
    if (!d) return; // a key the table does not bind changes nothing
    if (!SAME_FRAME.has(d.command.kind)) ranAt.current = render;
    r(d.command, stroke, () => queue.current.splice(0));
    // A render even when the command changed no state, so the keys waiting behind it move on.
    rerender((n) => n + 1);
  }, []);

  /** Runs the waiting keys that may run now, in order. */
  const drain = useCallback(() => {
    for (let head = queue.current[0]; head && fresh() && runsNow(latest.current.mode, head); head = queue.current[0]) {
      queue.current.shift();
      dispatch(head);
    }
  }, [dispatch]);

  // The waiting keys run on a turn of their own: run from the effect itself, a long paste would
  // nest one update per key and React stops nested updates at a depth of 50.
  useEffect(() => {
    if (queue.current.length === 0) return;
    const t = setImmediate(drain);
    return () => clearImmediate(t);
  });

  const onInput = useCallback(
    (input: string, key: Key) => {
      const { mode: m } = latest.current;
      for (const stroke of m === 'live' ? splitLiveStrokes({ input, key }) : splitStrokes({ input, key })) {
        if (m === 'seeking' && dispatchOf(m, stroke)?.binding.urgent) dispatch(stroke);
        else if (fresh() && queue.current.length === 0 && runsNow(m, stroke)) dispatch(stroke);
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
