/**
 * What each command of the keymap does: the one interpreter of `Command` (keymap.ts), whose
 * switch is exhaustive, so a command added to the table without a meaning here does not compile.
 * Moves that need a machine go through the seek hook (after a frame that says so); the rest
 * change what is shown.
 */
import { sideOf } from '../../diff/side.js';
import { findLastWrite } from '../../gdb/last-write.js';
import type { BranchId } from '../../journal/ids.js';
import type { StoredEvent } from '../../journal/store.js';
import { hexAddr } from '../../protocol/hex.js';
import { parseForkInputs } from '../fork-inputs.js';
import { consoleBytes, helpRows, type Command, type Keystroke, type PromptKind } from '../keymap.js';
import { userPids } from '../machine-view.js';
import { helpPages, shownPane, type Layout } from '../panes/layout.js';
import { LANDMARKS, type LandmarkKind } from '../landmarks.js';
import { writeText } from '../write-text.js';
import { describeFilter, isEmptyFilter, parseFilter, type TextFilter, type TuiSession } from '../session.js';
import { fmt } from '../text.js';
import type { DiffView } from './use-diff-view.js';
import type { Inspected } from './use-inspected.js';
import type { Live } from './use-live-run.js';
import type { Seek } from './use-seek.js';
import type { ViewState } from './use-view-state.js';

export interface CommandContext {
  readonly session: TuiSession;
  readonly seek: Seek;
  readonly live: Live;
  readonly view: ViewState;
  readonly layout: Layout;
  readonly inspected: Inspected;
  readonly diff: DiffView;
  readonly quit: () => void;
}

/** Bytes the last-write keys watch from the memory pane's address: a word, what a value usually is. */
const WATCHED_BYTES = 4;

/** Runs a command for a key press; `dropTypeAhead` forgets the keys typed while a move ran. */
export type RunCommand = (command: Command, stroke: Keystroke, dropTypeAhead: () => void) => void;

export function useCommands(ctx: CommandContext): RunCommand {
  const { session, seek, live, view, layout, inspected, diff, quit } = ctx;
  const { cursor, selSeq } = seek;
  const say = view.say;
  const filtered = !isEmptyFilter(view.filter);

  /** Select `e`, seeking to it unless it is at the cursor's icount. `signal`: already inside a move. */
  const goToEvent = async (e: StoredEvent | null, what: string, signal?: AbortSignal): Promise<void> => {
    if (!e) return say(`no ${what} in that direction`);
    if (e.icount === cursor.icount) {
      seek.setSelSeq(e.seq);
      return say(`${what}: event ${e.seq}`);
    }
    const note = `${what}: event ${e.seq} at icount ${fmt(e.icount)}`;
    if (signal) await seek.seekNow(cursor.branch, e.icount, signal, e.seq, note);
    else seek.seekTo(cursor.branch, e.icount, e.seq, note);
  };

  const find = (dir: 1 | -1, f: TextFilter, what: string) =>
    seek.move({
      label: `searching for ${what}...`,
      run: async (signal) => {
        const from = dir === 1 ? Math.max(selSeq, cursor.seq - 1) : Math.min(selSeq, cursor.seq);
        await goToEvent(session.findEvent(cursor.branch, from, dir, f), what, signal);
      },
    });

  const findLandmark = (dir: 1 | -1, kind: LandmarkKind) => {
    const landmark = LANDMARKS[kind];
    seek.move({
      label: `searching for a ${landmark.what}...`,
      run: async (signal) => {
        const from = dir === 1 ? Math.max(selSeq, cursor.seq - 1) : Math.min(selSeq, cursor.seq);
        await goToEvent(session.findLandmark(cursor.branch, from, dir, landmark), landmark.what, signal);
      },
    });
  };

  /** `w` / `W`: replays around the cursor watching the word at the memory pane's address, and goes to the write found. */
  const findWrite = (dir: 1 | -1) => {
    const m = inspected.machine;
    const pid = inspected.pid;
    if (!m || pid === null) return say('no process selected (p) or no machine at the cursor yet');
    const sp = m.kernel.procs.get(pid)?.regs[2] ?? 0;
    const addr = (view.memAddr ?? sp & ~0xf) >>> 0;
    const branch = cursor.branch;
    // "Next" is strictly after the cursor: standing on a write, W goes on to the one after it.
    const at = dir === 1 ? cursor.icount + 1 : cursor.icount;
    const word = `the ${WATCHED_BYTES} bytes at ${hexAddr(addr)} of pid ${pid}`;
    seek.move({
      label: `replaying to find the ${dir === 1 ? 'next' : 'last'} write to ${word}...`,
      run: async (signal) => {
        const found = findLastWrite(session.store, branch, { pid, addr, len: WATCHED_BYTES, at });
        const w = dir === 1 ? found.after : found.before;
        if (!w) return say(`no write to ${word} ${dir === 1 ? 'after' : 'before'} icount ${fmt(cursor.icount)}`);
        const text = writeText(w);
        view.setMemAddr(addr);
        view.setPidChoice(pid);
        await seek.seekNow(branch, w.icount, signal, undefined, `${dir === 1 ? 'next' : 'last'} write: ${text}`);
        view.setWriteNote(`${dir === 1 ? 'next' : 'last'} write: ${text}`);
      },
    });
  };

  const submit = (kind: PromptKind, text: string): void => {
    const t = text.trim();
    switch (kind) {
      case 'icount': {
        const n = Number(t.replace(/[_,]/g, ''));
        if (t === '' || !Number.isSafeInteger(n) || n < 0) return say(`not an icount: ${t}`);
        return seek.seekTo(cursor.branch, n);
      }
      case 'seq': {
        const n = Number(t);
        const e = t !== '' && Number.isSafeInteger(n) ? session.eventAt(cursor.branch, n) : null;
        if (!e) return say(`no event ${t} on branch ${cursor.branch}`);
        return seek.seekTo(cursor.branch, e.icount, e.seq, `event ${e.seq} at icount ${fmt(e.icount)}`);
      }
      case 'filter': {
        const f = parseFilter(t);
        view.setFilter(f);
        if (isEmptyFilter(f)) return say('filter cleared: the list shows every event');
        return say(`the list shows ${describeFilter(f)}; c / C continue / reverse-continue to it`);
      }
      case 'fork': {
        const inputs = parseForkInputs(t);
        if (typeof inputs === 'string') return say(inputs);
        return live.fork(inputs);
      }
      case 'addr': {
        const a = /^(0x)?[0-9a-f]+$/i.test(t) ? Number.parseInt(t.replace(/^0x/i, ''), 16) : NaN;
        if (!Number.isFinite(a)) return say(`not a hex address: ${t}`);
        view.setMemAddr(a >>> 0);
        view.setPane('memory');
        return say(`memory at ${hexAddr(a)}`);
      }
      default: {
        const _exhaustive: never = kind;
        return _exhaustive;
      }
    }
  };

  return (command, stroke, dropTypeAhead) => {
    switch (command.kind) {
      case 'step-event':
        return void (command.dir === 1
          ? goToEvent(session.eventAt(cursor.branch, Math.max(selSeq, cursor.seq - 1) + 1), 'next event')
          : goToEvent(session.eventAt(cursor.branch, Math.min(selSeq, cursor.seq) - 1), 'previous event'));
      case 'jump': {
        const from = seek.heading();
        return seek.seekTo(from.branch, from.icount + command.by);
      }
      case 'find-syscall': {
        const pid = inspected.pid;
        if (pid === null) return say('no process selected');
        return find(command.dir, { kinds: ['syscall'], pid }, `syscall of pid ${pid}`);
      }
      case 'find-crash':
        return findLandmark(command.dir, 'crash');
      case 'find-trap':
        return findLandmark(command.dir, 'trap');
      case 'find-write':
        return findWrite(command.dir);
      case 'toggle-backtrace': {
        view.setCpuView((v) => (v === 'disasm' ? 'backtrace' : 'disasm'));
        view.setPane('cpu');
        return say(view.cpuView === 'disasm' ? `backtrace of pid ${inspected.pid ?? '-'} (k: disassembly)` : 'disassembly around pc');
      }
      case 'diff-branch': {
        const picked = view.diffPick;
        if (picked === null || picked === cursor.branch) {
          view.setDiffPick(cursor.branch);
          view.setPane('branches');
          return say(`branch ${cursor.branch} picked as A: b to another branch, then d compares them`);
        }
        view.setDiffPick(null);
        try {
          const side = (b: BranchId) => sideOf(session.store, { file: session.file, branch: b, branchNamed: true });
          return diff.open(side(picked), side(cursor.branch));
        } catch (e) {
          return say(`cannot compare: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      case 'diff-step':
        return diff.step(command.dir);
      case 'close-diff':
        diff.close();
        return say(`back on the timeline of A at icount ${fmt(cursor.icount)}`);
      case 'continue':
        return find(command.dir, view.filter, `match of ${describeFilter(view.filter)}`);
      case 'select': {
        const dir = command.by < 0 ? -1 : 1;
        if (filtered) {
          // The list shows matches only: move among them (no seek; Enter goes there).
          const found = session.findEvents(cursor.branch, selSeq, dir, view.filter, Math.abs(command.by));
          const to = found[found.length - 1];
          return to ? seek.setSelSeq(to.seq) : say(`no more matches of ${describeFilter(view.filter)} that way`);
        }
        return seek.setSelSeq((s) => Math.max(0, Math.min(session.length(cursor.branch) - 1, s + command.by)));
      }
      case 'seek-selected': {
        const e = session.eventAt(cursor.branch, selSeq);
        if (!e) return say('no event selected');
        return seek.seekTo(cursor.branch, e.icount, e.seq, `event ${e.seq} at icount ${fmt(e.icount)}`);
      }
      case 'open-prompt':
        return view.setPrompt({ kind: command.prompt, text: '' });
      case 'bookmark': {
        const name = `bm${session.bookmarks(cursor.branch).length + 1}`;
        try {
          session.putBookmark(cursor, name);
          return say(`bookmark ${name} at icount ${fmt(cursor.icount)}`);
        } catch (e) {
          return say(`cannot bookmark: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      case 'next-bookmark': {
        const marks = session.bookmarks(cursor.branch).sort((a, b) => a.icount - b.icount);
        const next = marks.find((b) => b.icount > cursor.icount) ?? marks[0];
        if (!next) return say('no bookmarks on this branch (m adds one)');
        return seek.seekTo(cursor.branch, next.icount, undefined, `bookmark ${next.name} at icount ${fmt(next.icount)}`);
      }
      case 'fork':
        return live.fork();
      case 'resume-live':
        return live.resume();
      case 'next-branch': {
        const all = session.branches();
        const i = all.findIndex((b) => b.id === cursor.branch);
        const next = all[(i + 1) % all.length];
        if (!next || next.id === cursor.branch) return say('only one branch (f forks a new one)');
        const to: BranchId = next.id;
        return seek.seekTo(to, Math.min(cursor.icount, session.endIcount(to)), undefined, `branch ${to} ${next.label}`);
      }
      case 'next-process': {
        const m = inspected.machine;
        if (!m) return say('no machine at the cursor yet');
        const pids = userPids(m);
        const i = inspected.pid === null ? -1 : pids.indexOf(inspected.pid);
        const pid = pids[(i + 1) % pids.length];
        if (pid === undefined) return say('no process to select');
        view.setPidChoice(pid);
        view.setMemAddr(null);
        return say(`process ${pid} selected`);
      }
      case 'cycle-pane': {
        const cycle = layout.cycle;
        return view.setPane((cur) => {
          const i = cycle.indexOf(shownPane(layout, cur));
          return cycle[(i + (command.dir === 1 ? 1 : cycle.length - 1)) % cycle.length] ?? cur;
        });
      }
      case 'open-help':
        return view.setHelp(0);
      case 'quit':
        return quit();
      case 'cancel-move':
        dropTypeAhead();
        return seek.cancel();
      case 'help-next-page': {
        const page = view.help ?? 0;
        return view.setHelp(page + 1 < helpPages(layout, helpRows().length) ? page + 1 : null);
      }
      case 'close-help':
        return view.setHelp(null);
      case 'prompt-submit': {
        const p = view.promptNow();
        view.setPrompt(null);
        return p ? submit(p.kind, p.text) : undefined;
      }
      case 'prompt-cancel':
        return view.setPrompt(null);
      case 'prompt-erase': {
        const p = view.promptNow();
        return p ? view.setPrompt({ ...p, text: p.text.slice(0, -1) }) : undefined;
      }
      case 'prompt-type': {
        const p = view.promptNow();
        return p ? view.setPrompt({ ...p, text: p.text + stroke.input.replace(/[\r\n]/g, '') }) : undefined;
      }
      case 'leave-live':
        return live.leave();
      case 'console-input': {
        const bytes = consoleBytes(stroke);
        return bytes ? live.type(new TextEncoder().encode(bytes)) : undefined;
      }
      default: {
        const _exhaustive: never = command;
        return _exhaustive;
      }
    }
  };
}
