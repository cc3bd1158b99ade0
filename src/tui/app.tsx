/**
 * The time-travel UI over one recording: header, timeline, event list around the cursor,
 * event detail and the state panes (processes, CPU, memory, servers, console). Keys move the
 * cursor; a move that needs a seek first renders "seeking..." and runs after that render
 * (an effect plus setImmediate), so a key press never leaves the screen frozen on stale state.
 * `f` forks the machine at the cursor and the UI goes live: keys go to the guest's console.
 */
import { Box, Text, useApp, useInput, useStdout, type Key } from 'ink';
import { useCallback, useEffect, useRef, useState, type ReactElement } from 'react';
import type { Fault, MachineEventKind } from '../core/events.js';
import { chaosSeed, parseFault } from '../timeline/fault-spec.js';
import type { Machine } from '../core/machine.js';
import type { BranchId } from '../journal/ids.js';
import type { StoredEvent } from '../journal/store.js';
import { openerFor } from './ipc-open.js';
import { KEY_HELP } from './keymap.js';
import { LiveRun } from './live-run.js';
import { cpuLines, defaultPid, eventDetailLines, memoryLines, processLines, serverLines, userPids } from './machine-view.js';
import { DivergenceError } from '../timeline/divergence.js';
import { CancelledError, CRASH_KINDS, describeFilter, eventText, isEmptyFilter, parseFilter, type Cursor, type TextFilter, type TuiSession } from './session.js';

export const PANES = ['detail', 'procs', 'cpu', 'memory', 'servers', 'console', 'branches'] as const;
export type PaneName = (typeof PANES)[number];
const LARGE_CYCLE: readonly PaneName[] = ['cpu', 'memory', 'servers', 'console', 'branches'];

type PromptKind = 'icount' | 'seq' | 'filter' | 'addr' | 'fork';
const PROMPT_LABEL: Record<PromptKind, string> = {
  icount: 'go to icount',
  seq: 'go to event seq',
  filter: 'filter (kind:K pid:P chan:A->B text; empty clears)',
  addr: 'memory address (hex)',
  fork: 'fork here with (chaos:N, faults like crash:vfs:3 drop:0:2:1)',
};

export interface AppProps {
  readonly session: TuiSession;
  readonly branch: BranchId;
  /** Terminal size; defaults to the output stream's (tests pass it). */
  readonly width?: number;
  readonly height?: number;
  /** Draw without color (NO_COLOR); every marker is a character anyway. */
  readonly noColor?: boolean;
  /** Where the cursor starts (default: the end of the recording). */
  readonly startIcount?: number;
  /** A machine recording onto `branch` (xrr tui --new): the UI starts live on it. */
  readonly live?: Machine;
}

interface Busy {
  readonly label: string;
  /** A move; long ones check `signal` between slices (Esc aborts it). */
  readonly run: (signal: AbortSignal) => void | Promise<void>;
}

const fmt = (n: number) => n.toLocaleString('en-US');
const fit = (s: string, w: number) => (s.length > w ? s.slice(0, Math.max(0, w)) : s.padEnd(w));

/** Bytes a key press stands for at the guest's console (live mode). */
export function keyBytes(input: string, key: Key): string {
  if (key.return) return '\r';
  if (key.backspace || key.delete) return '\x7f';
  if (key.tab) return '\t';
  if (key.escape) return '\x1b';
  if (key.upArrow) return '\x1b[A';
  if (key.downArrow) return '\x1b[B';
  if (key.rightArrow) return '\x1b[C';
  if (key.leftArrow) return '\x1b[D';
  if (key.ctrl && input.length === 1 && /[a-z]/i.test(input)) return String.fromCharCode(input.toLowerCase().charCodeAt(0) - 96);
  return input;
}

interface ForkInputs {
  readonly chaos?: number;
  readonly faults: readonly Fault[];
}

/** `chaos:7 crash:vfs:3 ...` (xrr fork's --chaos and --inject, parsed by the same code) -> inputs, or what is wrong. */
export function parseForkInputs(text: string): ForkInputs | string {
  let chaos: number | undefined;
  const faults: Fault[] = [];
  try {
    for (const w of text.split(/\s+/).filter(Boolean)) {
      const c = /^chaos:(\d+)$/.exec(w);
      if (c) chaos = chaosSeed(Number(c[1]));
      else faults.push(parseFault(w));
    }
  } catch (e) {
    return (e as Error).message.replace(/^--(inject|chaos):? /, '');
  }
  return { chaos, faults };
}

function isLeaveLive(input: string, key: Key): boolean {
  return input === '\x1d' || (key.ctrl && (input === ']' || input === '5'));
}

export function App(props: AppProps): ReactElement {
  const { session } = props;
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [size, setSize] = useState({ w: props.width ?? stdout.columns ?? 80, h: props.height ?? stdout.rows ?? 24 });
  useEffect(() => {
    if (props.width !== undefined) return;
    const onResize = () => setSize({ w: stdout.columns ?? 80, h: stdout.rows ?? 24 });
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, props.width]);

  // The first seek runs after the first frame, like every other (see the effect below).
  const [cursor, setCursor] = useState<Cursor>(() => {
    const last = session.lastEvent(props.branch);
    return { branch: props.branch, icount: props.live?.icount ?? props.startIcount ?? last?.icount ?? 0, seq: session.length(props.branch) };
  });
  const [selSeq, setSelSeq] = useState(() => cursor.seq - 1);
  const cursorRef = useRef(cursor);
  cursorRef.current = cursor;
  const [pane, setPane] = useState<PaneName>('detail');
  const [pidChoice, setPidChoice] = useState<number | null>(null);
  const [memAddr, setMemAddr] = useState<number | null>(null);
  const [prompt, setPromptState] = useState<{ kind: PromptKind; text: string } | null>(null);
  const promptRef = useRef<{ kind: PromptKind; text: string } | null>(null);
  const setPrompt = (p: { kind: PromptKind; text: string } | null) => {
    promptRef.current = p;
    setPromptState(p);
  };
  const [filter, setFilter] = useState<TextFilter>({});
  const filtered = !isEmptyFilter(filter);
  const [message, setMessage] = useState('? for help');
  // The first seek is pending from the start, so the first frame says SEEKING and the seek
  // runs after it (as every seek does, see the effect below).
  const [busy, setBusy] = useState<Busy | null>(() => props.live ? null : ({
    label: 'seeking...',
    run: async (signal) => {
      const c = await session.cursorAtAsync(props.branch, Math.min(props.startIcount ?? session.endIcount(props.branch), session.endIcount(props.branch)), signal, onProgress);
      setCursor(c);
      setSelSeq(c.seq - 1);
    },
  }));
  // A new recording goes live at once, without a seek.
  useEffect(() => {
    if (props.live) goLive(new LiveRun(session.store, props.branch, props.live, () => setTick((t) => t + 1)), `LIVE, recording into ${session.file}: keys go to the console; Ctrl-] pauses, l resumes`);
    // Once, on mount.
  }, []);
  const [progress, setProgress] = useState('');
  const lastProgress = useRef(0);
  /** When the seek under way started and how far it had got then (its replay speed). */
  const seekStart = useRef<{ t: number; done: number } | null>(null);
  // Progress of a long seek, redrawn at most ten times a second, with its replay speed.
  function onProgress(done: number, total: number): void {
    const now = Date.now();
    if (!seekStart.current || done < seekStart.current.done) seekStart.current = { t: now, done };
    const ms = now - seekStart.current.t;
    if (ms === 0 || now - lastProgress.current < 100) return; // the first report only starts the clock
    lastProgress.current = now;
    const mips = ((done - seekStart.current.done) / ms / 1000).toFixed(1);
    setProgress(` ${total > 0 ? Math.floor((done / total) * 100) : 0}% of ${fmt(total)} instructions at ${mips} MIPS (Esc cancels)`);
  }
  const abortRef = useRef<AbortController | null>(null);
  /** The help overlay's page, or null when it is closed. */
  const [help, setHelp] = useState<number | null>(null);
  const [live, setLive] = useState<LiveRun | null>(null);
  const [, setTick] = useState(0);
  const liveRef = useRef<LiveRun | null>(null);
  /** The live run Ctrl-] paused: `l` resumes it on its branch (the recording never ended). */
  const pausedRef = useRef<LiveRun | null>(null);

  // A move that needs a seek runs after the frame that says so has been drawn.
  useEffect(() => {
    if (!busy) return;
    const ctrl = new AbortController();
    abortRef.current = ctrl;
    const t = setImmediate(() => {
      void (async () => {
        try {
          await busy.run(ctrl.signal);
        } catch (e) {
          if (e instanceof DivergenceError) {
            const d = e.divergence;
            const at = d.expected?.icount ?? d.actual?.icount ?? 0;
            session.divergences.set(cursorRef.current.branch, { seq: d.seq, icount: at });
            setMessage(`DIVERGENCE at event ${d.seq} (icount ${fmt(at)}): recorded ${d.expected?.kind ?? 'nothing'}, replayed ${d.actual?.kind ?? 'nothing'}; marked D`);
          } else {
            setMessage(e instanceof CancelledError ? 'cancelled: the cursor stays where it was' : `error: ${(e as Error).message.slice(0, 300)}`);
          }
        }
        abortRef.current = null;
        busyRef.current = false;
        seekStart.current = null;
        setProgress('');
        setBusy(null);
      })();
    });
    return () => clearImmediate(t);
  }, [busy]);

  useEffect(() => () => liveRef.current?.stop(), []);

  function goLive(run: LiveRun, note: string): void {
    session.live = { branch: run.branch, machine: run.machine };
    liveRef.current = run;
    pausedRef.current = null;
    setLive(run);
    setCursor({ branch: run.branch, icount: run.machine.icount, seq: session.length(run.branch) });
    setMessage(note);
    run.start();
  }

  // One move at a time (keys typed meanwhile queue, see below).
  const busyRef = useRef(!props.live);
  const later = useCallback((label: string, run: (signal: AbortSignal) => void | Promise<void>) => {
    if (busyRef.current) return; // cannot happen: keys queue while a move runs
    busyRef.current = true;
    setBusy({ label, run });
  }, []);

  const machine = live ? live.machine : session.cachedMachine(cursor);
  // The process the CPU and memory panes show: the one chosen with p, else the selected event's.
  const selectedPid = session.eventAt(cursor.branch, selSeq)?.pid ?? null;
  const pid = machine
    ? pidChoice !== null && machine.kernel.procs.has(pidChoice)
      ? pidChoice
      : selectedPid !== null && machine.kernel.procs.has(selectedPid)
        ? selectedPid
        : defaultPid(machine)
    : pidChoice;

  /** Seek to `icount` on `branch` (in slices) and select `sel` (default: the last event applied). */
  const seekNow = async (branch: BranchId, icount: number, signal: AbortSignal, sel?: number, note?: string) => {
    const end = session.endIcount(branch);
    const c = await session.cursorAtAsync(branch, Math.max(0, Math.min(icount, end)), signal, onProgress);
    setCursor(c);
    setSelSeq(sel ?? c.seq - 1);
    setMessage(note ?? `at icount ${fmt(c.icount)}`);
  };

  /** The same after the next frame, which says "seeking...". */
  const goTo = (branch: BranchId, icount: number, sel?: number, note?: string) =>
    later(`seeking to icount ${fmt(Math.max(0, icount))}...`, (signal) => seekNow(branch, icount, signal, sel, note));

  /** Select `e`, seeking to it unless it is at the cursor's icount. `signal`: already inside a move. */
  const goToEvent = async (e: StoredEvent | null, what: string, signal?: AbortSignal) => {
    if (!e) {
      setMessage(`no ${what} in that direction`);
      return;
    }
    if (e.icount === cursor.icount) {
      setSelSeq(e.seq);
      setMessage(`${what}: event ${e.seq}`);
      return;
    }
    const note = `${what}: event ${e.seq} at icount ${fmt(e.icount)}`;
    if (signal) await seekNow(cursor.branch, e.icount, signal, e.seq, note);
    else goTo(cursor.branch, e.icount, e.seq, note);
  };

  const find = (dir: 1 | -1, f: TextFilter, what: string) => {
    later(`searching for ${what}...`, async (signal) => {
      const from = dir === 1 ? Math.max(selSeq, cursor.seq - 1) : Math.min(selSeq, cursor.seq);
      await goToEvent(session.findEvent(cursor.branch, from, dir, f), what, signal);
    });
  };

  /** Fork at the cursor and go live; `inputs` (a chaos seed, faults) go in first, recorded on the new branch. */
  const startFork = (inputs: ForkInputs = { faults: [] }) => {
    later(`forking at icount ${fmt(cursor.icount)}...`, () => {
      const { branch, machine: m } = session.fork(cursor, 'tui');
      for (const f of inputs.faults) m.inject(f);
      if (inputs.chaos !== undefined) m.chaos(inputs.chaos);
      const what = [...(inputs.chaos !== undefined ? [`chaos ${inputs.chaos}`] : []), ...inputs.faults.map((f) => f.kind)].join(', ');
      goLive(new LiveRun(session.store, branch, m, () => setTick((t) => t + 1)), `LIVE on branch ${branch}${what ? ` (${what})` : ''}: keys go to the console; Ctrl-] pauses`);
    });
  };

  const resumeLive = () => {
    const run = pausedRef.current;
    if (!run) return setMessage('nothing to resume: f forks a live branch here');
    if (run.state === 'halted') return setMessage(`branch ${run.branch} halted: f forks a live branch from any point`);
    run.resume();
    goLive(run, `LIVE again on branch ${run.branch} at icount ${fmt(run.machine.icount)}: Ctrl-] pauses`);
  };

  const leaveLive = () => {
    if (!live) return;
    live.stop();
    const branch = live.branch;
    const c: Cursor = { branch, icount: live.machine.icount, seq: session.length(branch) };
    setCursor(c);
    setSelSeq(c.seq - 1);
    liveRef.current = null;
    pausedRef.current = live;
    setLive(null);
    setMessage(`paused branch ${branch} at icount ${fmt(c.icount)}${live.state === 'halted' ? '' : '; l resumes'}`);
  };

  const submitPrompt = (kind: PromptKind, text: string) => {
    const t = text.trim();
    switch (kind) {
      case 'icount': {
        const n = Number(t.replace(/[_,]/g, ''));
        if (!Number.isSafeInteger(n) || n < 0) return setMessage(`not an icount: ${t}`);
        return goTo(cursor.branch, n);
      }
      case 'seq': {
        const n = Number(t);
        const e = Number.isSafeInteger(n) ? session.eventAt(cursor.branch, n) : null;
        if (!e) return setMessage(`no event ${t} on branch ${cursor.branch}`);
        return goTo(cursor.branch, e.icount, e.seq, `event ${e.seq} at icount ${fmt(e.icount)}`);
      }
      case 'filter': {
        const f = parseFilter(t);
        setFilter(f);
        if (isEmptyFilter(f)) return setMessage('filter cleared: the list shows every event');
        return setMessage(`the list shows ${describeFilter(f)}; c / C continue / reverse-continue to it`);
      }
      case 'fork': {
        const inputs = parseForkInputs(t);
        if (typeof inputs === 'string') return setMessage(inputs);
        return startFork(inputs);
      }
      case 'addr': {
        const a = Number.parseInt(t.replace(/^0x/i, ''), 16);
        if (!Number.isFinite(a)) return setMessage(`not a hex address: ${t}`);
        setMemAddr(a >>> 0);
        setPane('memory');
        return setMessage(`memory at 0x${(a >>> 0).toString(16)}`);
      }
      default: {
        const _exhaustive: never = kind;
        return _exhaustive;
      }
    }
  };

  const W = Math.max(40, size.w);
  const H = Math.max(12, size.h - 1); // the last row stays free so the terminal does not scroll
  const large = W >= 110 && H >= 32;
  // The help overlay takes the main area: its title and legend lines, and the bindings in pages.
  const helpPerPage = Math.max(1, H - 5 - 2);
  const helpPages = Math.ceil(KEY_HELP.length / helpPerPage);
  // A large screen always shows the event detail (left) and the processes (right, top); Tab
  // cycles what the other right pane shows. A compact one shows one pane beside the events.
  const cycle: readonly PaneName[] = large ? LARGE_CYCLE : PANES;
  const shownPane: PaneName = cycle.includes(pane) ? pane : cycle[0]!;

  // Ink re-subscribes the handler after each commit; keys that arrive before that would see
  // the previous frame's state, so the handler is read through a ref updated at every render.
  const onKey = (input: string, key: Key): void => {
    if (live) {
      if (isLeaveLive(input, key)) return leaveLive();
      const bytes = keyBytes(input, key);
      if (bytes) live.input(new TextEncoder().encode(bytes));
      return;
    }
    if (help !== null) {
      // Space turns the page when the bindings do not fit the screen; any other key closes.
      setHelp(input === ' ' && help + 1 < helpPages ? help + 1 : null);
      return;
    }
    // Keys can arrive faster than renders (tmux, a paste): the prompt's text lives in a ref.
    const pr = promptRef.current;
    if (pr) {
      const set = setPrompt;
      if (key.escape) return set(null);
      if (key.return) {
        set(null);
        return submitPrompt(pr.kind, pr.text);
      }
      if (key.backspace || key.delete) return set({ ...pr, text: pr.text.slice(0, -1) });
      if (input && !key.ctrl && !key.meta) set({ ...pr, text: pr.text + input.replace(/[\r\n]/g, '') });
      if (input.includes('\r')) {
        set(null);
        return submitPrompt(pr.kind, pr.text + input.replace(/[\r\n].*$/s, ''));
      }
      return;
    }
    const jump = (d: number) => goTo(cursor.branch, cursor.icount + d);
    if (key.tab) {
      return setPane((cur) => {
        const i = Math.max(0, cycle.indexOf(cur));
        return cycle[(i + (key.shift ? cycle.length - 1 : 1)) % cycle.length]!;
      });
    }
    if (key.upArrow || key.downArrow || key.pageUp || key.pageDown) {
      const dir = key.upArrow || key.pageUp ? -1 : 1;
      const step = key.pageUp || key.pageDown ? 10 : 1;
      if (filtered) {
        // The list shows matches only: move among them (no seek; Enter goes there).
        const found = session.findEvents(cursor.branch, selSeq, dir, filter, step);
        const to = found[found.length - 1];
        return to ? setSelSeq(to.seq) : setMessage(`no more matches of ${describeFilter(filter)} that way`);
      }
      return setSelSeq((s) => Math.max(0, Math.min(session.length(cursor.branch) - 1, s + dir * step)));
    }
    if (key.return) {
      const e = session.eventAt(cursor.branch, selSeq);
      if (e) goTo(cursor.branch, e.icount, e.seq, `event ${e.seq} at icount ${fmt(e.icount)}`);
      return;
    }
    switch (input) {
      case 'q':
        exit();
        return;
      case '?':
        return setHelp(0);
      case 'n':
        return void goToEvent(session.eventAt(cursor.branch, Math.max(selSeq, cursor.seq - 1) + 1), 'next event');
      case 'N':
        return void goToEvent(session.eventAt(cursor.branch, Math.min(selSeq, cursor.seq) - 1), 'previous event');
      case 's':
        return jump(1);
      case 'S':
        return jump(-1);
      case ']':
        return jump(1_000);
      case '[':
        return jump(-1_000);
      case '}':
        return jump(10_000);
      case '{':
        return jump(-10_000);
      case '>':
        return jump(100_000);
      case '<':
        return jump(-100_000);
      case 'y':
      case 'Y':
        if (pid === null) return setMessage('no process selected');
        return find(input === 'y' ? 1 : -1, { kinds: ['syscall'], pid }, `syscall of pid ${pid}`);
      case 'x':
      case 'X':
        return find(input === 'x' ? 1 : -1, { kinds: CRASH_KINDS as MachineEventKind[] }, 'halt/crash/trap');
      case 'c':
      case 'C':
        return find(input === 'c' ? 1 : -1, filter, `match of ${describeFilter(filter)}`);
      case 'g':
        return setPrompt({ kind: 'icount', text: '' });
      case 'e':
        return setPrompt({ kind: 'seq', text: '' });
      case '/':
        return setPrompt({ kind: 'filter', text: '' });
      case 'a':
        return setPrompt({ kind: 'addr', text: '' });
      case 'm': {
        const name = `bm${session.bookmarks(cursor.branch).length + 1}`;
        try {
          session.putBookmark(cursor, name);
          setMessage(`bookmark ${name} at icount ${fmt(cursor.icount)}`);
        } catch (e) {
          setMessage(`cannot bookmark: ${(e as Error).message}`);
        }
        return;
      }
      case "'": {
        const marks = session.bookmarks(cursor.branch).sort((a, b) => a.icount - b.icount);
        const next = marks.find((b) => b.icount > cursor.icount) ?? marks[0];
        if (!next) return setMessage('no bookmarks on this branch (m adds one)');
        return goTo(cursor.branch, next.icount, undefined, `bookmark ${next.name} at icount ${fmt(next.icount)}`);
      }
      case 'f':
        return startFork();
      case 'F':
        return setPrompt({ kind: 'fork', text: '' });
      case 'l':
        return resumeLive();
      case 'b': {
        const all = session.branches();
        const i = all.findIndex((b) => b.id === cursor.branch);
        const next = all[(i + 1) % all.length]!;
        if (next.id === cursor.branch) return setMessage('only one branch (f forks a new one)');
        return goTo(next.id, Math.min(cursor.icount, session.endIcount(next.id)), undefined, `branch ${next.id} ${next.label}`);
      }
      case 'p': {
        if (!machine) return;
        const pids = userPids(machine);
        if (pids.length === 0) return;
        const i = pid === null ? -1 : pids.indexOf(pid);
        const nextPid = pids[(i + 1) % pids.length]!;
        setPidChoice(nextPid);
        setMemAddr(null);
        return setMessage(`process ${nextPid} selected`);
      }
      default:
        return;
    }
  };
  const onKeyRef = useRef(onKey);
  onKeyRef.current = onKey;
  // Keys typed during a seek wait their turn (type-ahead), and so do several keys read at once
  // (tmux send-keys, a paste): each runs after the render that the previous one caused, so it
  // sees the state that key produced, and `> > g 5000 Enter` does what it says.
  const queue = useRef<[string, Key][]>([]);
  useEffect(() => {
    if (live && queue.current.length > 0) {
      // Typed ahead of a fork: it was meant for the console.
      for (const [i, k] of queue.current.splice(0)) live.input(new TextEncoder().encode(keyBytes(i, k)));
      return;
    }
    if (busy || live || queue.current.length === 0) return;
    const next = queue.current.shift()!;
    onKeyRef.current(next[0], next[1]);
    if (!busyRef.current && queue.current.length > 0) setTick((t) => t + 1);
  });
  useInput((input, key) => {
    if (live) return onKeyRef.current(input, key);
    if (busyRef.current && key.escape) return abortRef.current?.abort();
    // Looking around (panes, help) needs no machine: it works while a seek runs.
    if (busyRef.current && queue.current.length === 0 && !promptRef.current && (key.tab || input === '?' || help !== null)) return onKeyRef.current(input, key);
    if (input === 'q' && !promptRef.current && busyRef.current) return exit();
    const several = input.length > 1 && !input.includes('\x1b');
    if (!busyRef.current && queue.current.length === 0 && (!several || promptRef.current)) return onKeyRef.current(input, key);
    if (several) for (const ch of input) queue.current.push([ch, { ...key, tab: ch === '\t', return: ch === '\r', shift: ch !== ch.toLowerCase() }]);
    else queue.current.push([input, key]);
    setTick((t) => t + 1);
  });

  // ---- layout ------------------------------------------------------------------------------
  const color = !props.noColor;
  const info = session.branchInfo(cursor.branch);
  const length = session.length(cursor.branch);
  const mode = busy ? 'SEEKING' : live ? `LIVE (${live.state}${live.state === 'running' ? `, ${live.mips.toFixed(1)} MIPS` : ''})` : 'PAUSED';
  const icountNow = live ? live.machine.icount : cursor.icount;
  const vtime = machine ? (machine.clock.nowNs(machine.icount) / 1e9).toFixed(6) : '?';

  const header1 = `xrr ${session.file}  branch ${cursor.branch}${info?.label ? ` (${info.label})` : ''}${info?.parent ? ` forked from ${info.parent}@${fmt(info.forkIcount)}` : ''}`;
  const header2 = `icount ${fmt(icountNow)}/${fmt(session.endIcount(cursor.branch))}  t=${vtime}s  seq ${fmt(live ? length : cursor.seq)}/${fmt(length)}  pid ${pid ?? '-'}${filtered ? `  filter ${describeFilter(filter)}` : ''}`;

  const tl = session.timeline(cursor.branch, W - 2);
  const tcol = Math.min(W - 3, Math.max(0, Math.floor((icountNow / tl.end) * (W - 2))));
  const markLine = tl.marks.slice(0, tcol) + '^' + tl.marks.slice(tcol + 1);

  const mainH = H - 2 /* header */ - 2 /* timeline */ - 1 /* status */;
  const leftW = large ? Math.floor(W * 0.5) : Math.floor(W * 0.5);
  const rightW = W - leftW - 1;

  const eventRows = large ? Math.max(4, Math.floor(mainH * 0.55) - 1) : mainH - 1;
  const listCenter = live ? length - 1 : selSeq;
  const eventWindow = filtered ? session.matchingWindow(cursor.branch, listCenter, eventRows, filter) : session.window(cursor.branch, listCenter, eventRows);
  const open = openerFor(machine, session.journaledKeys());
  const seqW = String(length).length;
  const icW = String(tl.end).length;
  const eventLines = eventWindow.map((e) => {
    const applied = e.seq < (live ? length : cursor.seq);
    const mark = e.seq === selSeq ? '>' : applied ? ' ' : '.';
    return { text: `${mark}${String(e.seq).padStart(seqW)} ${String(e.icount).padStart(icW)} ${eventText(e.event, open)}`, sel: e.seq === selSeq, future: !applied };
  });

  const selected = session.eventAt(cursor.branch, live ? length - 1 : selSeq);
  const detail = selected ? eventDetailLines(selected.event, selected.seq, open) : ['no event selected'];

  const consoleText = live ? session.consoleBefore(cursor.branch, length) : session.consoleBefore(cursor.branch, cursor.seq);

  const paneLines = (name: PaneName, rows: number, width: number): string[] => {
    if (name === 'detail') return detail;
    if (name === 'branches') return session.branchLines(cursor.branch);
    if (name === 'console') {
      const lines = consoleText.replace(/\r/g, '').split('\n');
      return lines.slice(-rows);
    }
    if (!machine) return [busy ? busy.label : 'seeking...'];
    switch (name) {
      case 'procs':
        return processLines(machine, pid);
      case 'cpu':
        return cpuLines(machine, pid, Math.max(3, rows - 13), width >= 60);
      case 'memory': {
        const p = pid === null ? undefined : machine.kernel.procs.get(pid);
        const addr = memAddr ?? ((p?.regs[2] ?? 0) & ~0xf);
        return memoryLines(machine, pid, addr, rows - 1, width >= 76 ? 16 : 8);
      }
      case 'servers':
        return serverLines(machine, pid);
      default: {
        const _exhaustive: never = name;
        return _exhaustive;
      }
    }
  };

  const status = prompt
    ? `${PROMPT_LABEL[prompt.kind]}: ${prompt.text}_  (Enter, Esc cancels)`
    : busy
      ? busy.label + progress
      : message;

  // A compact pane has no room for every tab name: it shows its own and where it is in the cycle.
  const tabs = large ? cycle.map((p) => (p === shownPane ? `[${p}]` : ` ${p} `)).join('') : `[${shownPane}] ${cycle.indexOf(shownPane) + 1}/${cycle.length} Tab`;

  const rightPanes: { name: PaneName; rows: number }[] = large
    ? [
        { name: 'procs', rows: Math.floor(mainH * 0.4) },
        { name: shownPane, rows: mainH - Math.floor(mainH * 0.4) },
      ]
    : [{ name: shownPane, rows: mainH }];

  return (
    <Box flexDirection="column" width={W} height={H}>
      <Text bold wrap="truncate">
        {fit(header1, W - mode.length - 3)} <Text inverse={color}>[{mode}]</Text>
      </Text>
      <Text wrap="truncate">{fit(header2, W)}</Text>
      <Text color={color ? 'cyan' : undefined} wrap="truncate">
        {'|' + tl.spark + '|'}
      </Text>
      <Text wrap="truncate">{' ' + markLine}</Text>
      {help !== null ? (
        <Box flexDirection="column" height={mainH}>
          <Text bold>{helpPages > 1 ? `Keys, page ${help + 1}/${helpPages} (Space: next page; any other key closes this help)` : 'Keys (any key closes this help)'}</Text>
          {KEY_HELP.slice(help * helpPerPage, (help + 1) * helpPerPage).map(([k, d]) => (
            <Text key={k} wrap="truncate">
              {`  ${k.padEnd(18)} ${d}`}
            </Text>
          ))}
          <Text wrap="truncate">{'  timeline: S snapshot  B bookmark  F fork  X halt/crash  T trap  D divergence  ^ cursor;  event list: > selected  . not yet applied'}</Text>
        </Box>
      ) : (
        <Box flexDirection="row" height={mainH}>
          <Box flexDirection="column" width={leftW}>
            <PaneView title={filtered ? `events matching ${describeFilter(filter)}` : `events ${fmt(length)}`} lines={eventLines.map((l) => l.text)} width={leftW} rows={eventRows + 1} color={color} highlight={eventLines.map((l) => (l.sel ? 'sel' : l.future ? 'dim' : ''))} />
            {large ? <PaneView title="detail" lines={detail} width={leftW} rows={mainH - eventRows - 1} color={color} /> : null}
          </Box>
          <Box width={1} />
          <Box flexDirection="column" width={rightW}>
            {rightPanes.map((rp, i) => (
              <PaneView key={i} title={i === rightPanes.length - 1 ? tabs : rp.name} lines={paneLines(rp.name, rp.rows - 1, rightW)} width={rightW} rows={rp.rows} color={color} tail={rp.name === 'console'} />
            ))}
          </Box>
        </Box>
      )}
      <Text inverse={color} wrap="truncate">
        {fit(status, W)}
      </Text>
    </Box>
  );
}

function PaneView(p: { title: string; lines: readonly string[]; width: number; rows: number; color: boolean; highlight?: readonly string[]; tail?: boolean }): ReactElement {
  const body = p.rows - 1;
  const shown = p.tail ? p.lines.slice(-body) : p.lines.slice(0, body);
  return (
    <Box flexDirection="column" width={p.width} height={p.rows}>
      <Text bold underline={p.color} wrap="truncate">
        {fit(`-- ${p.title} `, p.width).replace(/ +$/, (s) => '-'.repeat(s.length))}
      </Text>
      {shown.map((l, i) => {
        const h = p.highlight?.[i];
        return (
          <Text key={i} wrap="truncate" inverse={p.color && h === 'sel'} dimColor={p.color && h === 'dim'}>
            {fit(l, p.width)}
          </Text>
        );
      })}
    </Box>
  );
}
