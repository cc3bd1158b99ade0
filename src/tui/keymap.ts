/**
 * Every key binding of the TUI, in one table that both the key handler dispatches through and
 * the `?` overlay lists: a binding names its keys, the command each runs, the modes it applies
 * in and its help text, so what the help says and what a key does cannot drift apart. A key
 * with no binding in the current mode does nothing (while a seek runs, it waits for the seek
 * to end and is then looked up again: see hooks/use-keys.ts).
 */
import type { Key } from 'ink';

/**
 * What the keys act on. `live`: a running machine owns the keyboard (its console); `prompt`: a
 * line of text is being typed; `help`: the overlay is open; `diff`: the diff view of two
 * timelines is open (its keys act during its own moves too: the newest move wins);
 * `seeking`: a move (seek, search, fork) is under way; `browse`: the paused timeline.
 */
export type Mode = 'browse' | 'seeking' | 'help' | 'prompt' | 'live' | 'diff';

export const MODES: readonly Mode[] = ['browse', 'seeking', 'help', 'prompt', 'live', 'diff'];

/** The mode the keys are in: a live machine owns them first, then an open prompt, the help, the diff view, a move. */
export function modeOf(s: { readonly live: boolean; readonly prompt: boolean; readonly help: boolean; readonly seeking: boolean; readonly diff?: boolean }): Mode {
  return s.live ? 'live' : s.prompt ? 'prompt' : s.help ? 'help' : s.diff ? 'diff' : s.seeking ? 'seeking' : 'browse';
}

export type PromptKind = 'icount' | 'seq' | 'filter' | 'addr' | 'fork';

export type Command =
  | { readonly kind: 'step-event'; readonly dir: 1 | -1 }
  /** Move the cursor by a number of instructions (from where a pending seek is heading). */
  | { readonly kind: 'jump'; readonly by: number }
  | { readonly kind: 'find-syscall'; readonly dir: 1 | -1 }
  /** The next or previous server crash or deadlock (landmarks.ts). */
  | { readonly kind: 'find-crash'; readonly dir: 1 | -1 }
  | { readonly kind: 'find-trap'; readonly dir: 1 | -1 }
  /** The last write (-1) to the memory pane's address before the cursor, or the next (1) after it. */
  | { readonly kind: 'find-write'; readonly dir: 1 | -1 }
  /** The CPU pane: disassembly or the selected process's backtrace. */
  | { readonly kind: 'toggle-backtrace' }
  /** Pick the cursor's branch for a diff; with one picked, open the diff view of the two. */
  | { readonly kind: 'diff-branch' }
  /** In the diff view: the next or previous difference. */
  | { readonly kind: 'diff-step'; readonly dir: 1 | -1 }
  | { readonly kind: 'close-diff' }
  | { readonly kind: 'continue'; readonly dir: 1 | -1 }
  /** Move the selection in the event list (among matches when filtered). */
  | { readonly kind: 'select'; readonly by: number }
  | { readonly kind: 'seek-selected' }
  | { readonly kind: 'open-prompt'; readonly prompt: PromptKind }
  | { readonly kind: 'bookmark' }
  | { readonly kind: 'next-bookmark' }
  | { readonly kind: 'fork' }
  | { readonly kind: 'resume-live' }
  | { readonly kind: 'next-branch' }
  | { readonly kind: 'next-process' }
  | { readonly kind: 'cycle-pane'; readonly dir: 1 | -1 }
  | { readonly kind: 'open-help' }
  | { readonly kind: 'quit' }
  | { readonly kind: 'cancel-move' }
  | { readonly kind: 'help-next-page' }
  | { readonly kind: 'close-help' }
  | { readonly kind: 'prompt-submit' }
  | { readonly kind: 'prompt-cancel' }
  | { readonly kind: 'prompt-erase' }
  | { readonly kind: 'prompt-type' }
  | { readonly kind: 'leave-live' }
  | { readonly kind: 'console-input' };

/**
 * A key as the table and the help name it: a printable character stands for itself; the others
 * are `Up`, `Down`, `PgUp`, `PgDn`, `Enter`, `Tab`, `Shift-Tab`, `Esc`, `Backspace`, `Space`,
 * `Ctrl-]`, ... Two names match more than one key: `text` (any printable text) and `any key`.
 */
export type KeyName = string;
export const TEXT: KeyName = 'text';
export const ANY_KEY: KeyName = 'any key';

export interface Binding {
  /** Each key with the command it runs; the help shows them as `n / N`. */
  readonly keys: readonly (readonly [KeyName, Command])[];
  /** What the help shows instead of the key names when the keys take an argument (`g N Enter`). */
  readonly usage?: string;
  readonly help: string;
  readonly modes: readonly Mode[];
  /** Acts at once, ahead of keys typed before it (cancel and quit while a seek runs). */
  readonly urgent?: boolean;
}

const both = (a: KeyName, b: KeyName, make: (dir: 1 | -1) => Command): Binding['keys'] => [
  [a, make(1)],
  [b, make(-1)],
];
/** Jumps apply while a seek runs too: the new target replaces the stale one (see use-seek). */
const MOVING: readonly Mode[] = ['browse', 'seeking'];
/** Help and quit work in the diff view too. */
const ALWAYS: readonly Mode[] = ['browse', 'seeking', 'diff'];
const BROWSE: readonly Mode[] = ['browse'];

export const KEYMAP: readonly Binding[] = [
  { keys: both('n', 'N', (dir) => ({ kind: 'step-event', dir })), help: 'step one event forward / back', modes: BROWSE },
  { keys: [['s', { kind: 'jump', by: 1 }], ['S', { kind: 'jump', by: -1 }]], help: 'step one instruction forward / back', modes: MOVING },
  { keys: both('y', 'Y', (dir) => ({ kind: 'find-syscall', dir })), help: 'next / previous syscall of the selected process', modes: BROWSE },
  { keys: [[']', { kind: 'jump', by: 1_000 }], ['[', { kind: 'jump', by: -1_000 }]], help: 'jump +1k / -1k instructions', modes: MOVING },
  { keys: [['}', { kind: 'jump', by: 10_000 }], ['{', { kind: 'jump', by: -10_000 }]], help: 'jump +10k / -10k instructions', modes: MOVING },
  { keys: [['>', { kind: 'jump', by: 100_000 }], ['<', { kind: 'jump', by: -100_000 }]], help: 'jump +100k / -100k instructions', modes: MOVING },
  { keys: [['g', { kind: 'open-prompt', prompt: 'icount' }]], usage: 'g N Enter', help: 'go to icount N', modes: BROWSE },
  { keys: [['e', { kind: 'open-prompt', prompt: 'seq' }]], usage: 'e N Enter', help: 'go to event seq N', modes: BROWSE },
  { keys: both('x', 'X', (dir) => ({ kind: 'find-crash', dir })), help: 'next / previous server crash or deadlock', modes: BROWSE },
  { keys: both('t', 'T', (dir) => ({ kind: 'find-trap', dir })), help: 'next / previous trap (a process fault)', modes: BROWSE },
  { keys: [['/', { kind: 'open-prompt', prompt: 'filter' }]], usage: '/ F Enter', help: 'filter the list: kind:K[,K] pid:P chan:A->B text (empty: all)', modes: BROWSE },
  { keys: both('c', 'C', (dir) => ({ kind: 'continue', dir })), help: 'continue / reverse-continue to the filter', modes: BROWSE },
  {
    keys: [['Up', { kind: 'select', by: -1 }], ['Down', { kind: 'select', by: 1 }], ['PgUp', { kind: 'select', by: -10 }], ['PgDn', { kind: 'select', by: 10 }]],
    help: 'select an event (a match when filtered)',
    modes: BROWSE,
  },
  { keys: [['Enter', { kind: 'seek-selected' }]], help: 'seek to the selected event', modes: BROWSE },
  { keys: [['m', { kind: 'bookmark' }]], help: 'bookmark here', modes: BROWSE },
  { keys: [["'", { kind: 'next-bookmark' }]], help: 'go to the next bookmark', modes: BROWSE },
  { keys: [['f', { kind: 'fork' }]], help: 'fork here: live, keys go to the console', modes: BROWSE },
  { keys: [['F', { kind: 'open-prompt', prompt: 'fork' }]], usage: 'F SPEC Enter', help: 'fork here with chaos:N and/or faults (crash:vfs:3 ...)', modes: BROWSE },
  { keys: [['l', { kind: 'resume-live' }]], help: 'resume the paused live run on its branch', modes: BROWSE },
  { keys: [['b', { kind: 'next-branch' }]], help: 'switch to the next branch', modes: BROWSE },
  { keys: [['p', { kind: 'next-process' }]], help: 'select the next process (CPU, memory, y)', modes: BROWSE },
  { keys: [['a', { kind: 'open-prompt', prompt: 'addr' }]], usage: 'a HEX Enter', help: 'memory pane: go to address', modes: BROWSE },
  { keys: [['w', { kind: 'find-write', dir: -1 }], ['W', { kind: 'find-write', dir: 1 }]], help: "memory pane: last write to its address's word before the cursor / next after", modes: BROWSE },
  { keys: [['k', { kind: 'toggle-backtrace' }]], help: "cpu pane: the selected process's backtrace / disassembly", modes: BROWSE },
  { keys: [['d', { kind: 'diff-branch' }]], help: 'diff: pick this branch; b to another, d again opens the diff view', modes: BROWSE },
  { keys: both('n', 'N', (dir) => ({ kind: 'diff-step', dir })), help: 'diff view: next / previous difference', modes: ['diff'] },
  { keys: [['p', { kind: 'next-process' }]], help: 'diff view: registers of the next process', modes: ['diff'] },
  { keys: [['Esc', { kind: 'close-diff' }]], help: 'diff view: close it (back to the timeline of A)', modes: ['diff'] },
  { keys: both('Tab', 'Shift-Tab', (dir) => ({ kind: 'cycle-pane', dir })), help: 'cycle panes', modes: MOVING },
  { keys: [['?', { kind: 'open-help' }]], help: 'this help', modes: ALWAYS },
  { keys: [['q', { kind: 'quit' }]], help: 'quit', modes: ALWAYS, urgent: true },
  { keys: [['Esc', { kind: 'cancel-move' }]], help: 'while seeking: cancel the seek and the keys typed after it', modes: ['seeking'], urgent: true },
  { keys: [['Space', { kind: 'help-next-page' }]], help: 'in this help: the next page', modes: ['help'] },
  { keys: [[ANY_KEY, { kind: 'close-help' }]], help: 'in this help: close it', modes: ['help'] },
  { keys: [[TEXT, { kind: 'prompt-type' }]], help: 'at a prompt: type its argument', modes: ['prompt'] },
  {
    keys: [['Enter', { kind: 'prompt-submit' }], ['Esc', { kind: 'prompt-cancel' }], ['Backspace', { kind: 'prompt-erase' }]],
    help: 'at a prompt: submit / cancel / erase a character',
    modes: ['prompt'],
  },
  { keys: [['Ctrl-]', { kind: 'leave-live' }]], help: 'live: pause (leave live mode; the branch stays)', modes: ['live'] },
  { keys: [[ANY_KEY, { kind: 'console-input' }]], help: "live: goes to the guest's console", modes: ['live'] },
];

/** A key press as Ink reports it. */
export interface Keystroke {
  readonly input: string;
  readonly key: Key;
}

/** The table's name for a key press; null for several characters at once (a paste) or a key it has no name for. */
export function keyName({ input, key }: Keystroke): KeyName | null {
  if (input === '\x1d' || (key.ctrl && (input === ']' || input === '5'))) return 'Ctrl-]';
  if (key.upArrow) return 'Up';
  if (key.downArrow) return 'Down';
  if (key.leftArrow) return 'Left';
  if (key.rightArrow) return 'Right';
  if (key.pageUp) return 'PgUp';
  if (key.pageDown) return 'PgDn';
  if (key.home) return 'Home';
  if (key.end) return 'End';
  if (key.return) return 'Enter';
  if (key.tab) return key.shift ? 'Shift-Tab' : 'Tab';
  if (key.escape) return 'Esc';
  if (key.backspace || key.delete) return 'Backspace';
  if (key.ctrl) return input.length === 1 ? `Ctrl-${input.toLowerCase()}` : null;
  if (input === ' ') return 'Space';
  return [...input].length === 1 ? input : null;
}

/** Printable text with no special key: what a prompt takes (a paste too). */
function isText({ input, key }: Keystroke): boolean {
  return input.length > 0 && !key.ctrl && !key.meta && !key.return && !key.tab && !key.escape && !/[\x00-\x1f\x7f]/.test(input);
}

export interface Dispatch {
  readonly binding: Binding;
  readonly command: Command;
}

/**
 * The binding a key press runs in `mode`, or null. A key named exactly wins over `text`, which
 * wins over `any key` (in help, Space turns the page and every other key closes it).
 */
export function dispatchOf(mode: Mode, stroke: Keystroke, table: readonly Binding[] = KEYMAP): Dispatch | null {
  const name = keyName(stroke);
  let text: Dispatch | null = null;
  let any: Dispatch | null = null;
  for (const binding of table) {
    if (!binding.modes.includes(mode)) continue;
    for (const [k, command] of binding.keys) {
      if (name !== null && k === name) return { binding, command };
      if (k === TEXT && !text && isText(stroke)) text = { binding, command };
      if (k === ANY_KEY && !any) any = { binding, command };
    }
  }
  return text ?? any;
}

/** The keys of a binding as the help shows them. */
export function usageOf(b: Binding): string {
  return b.usage ?? b.keys.map(([k]) => k).join(' / ');
}

/** One row per binding, in the table's order: what the `?` overlay lists. */
export function helpRows(table: readonly Binding[] = KEYMAP): readonly (readonly [string, string])[] {
  return table.map((b) => [usageOf(b), b.help] as const);
}

/** Bytes a key press stands for at the guest's console (live mode). */
export function consoleBytes({ input, key }: Keystroke): string {
  if (key.return) return '\r';
  if (key.backspace || key.delete) return '\x7f';
  if (key.tab) return key.shift ? '\x1b[Z' : '\t';
  if (key.escape) return '\x1b';
  if (key.upArrow) return '\x1b[A';
  if (key.downArrow) return '\x1b[B';
  if (key.rightArrow) return '\x1b[C';
  if (key.leftArrow) return '\x1b[D';
  if (key.ctrl && input.length === 1 && /[a-z]/i.test(input)) return String.fromCharCode(input.toLowerCase().charCodeAt(0) - 96);
  return input;
}
