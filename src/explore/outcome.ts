/**
 * How a run ended, judged from its events: the verdict explore sorts runs by and explain holds
 * a forked run to. A run fails when a server crashed, when it deadlocked (every process waits
 * and nothing can wake one), when it reached the instruction limit, when a process was killed
 * by a signal, when the console matched the --fail-on pattern, or when the program exited
 * non-zero; otherwise it passed. The judgement reads events only (no machine internals), so a
 * run, its recording and a replay of that recording are judged alike.
 */
import type { EventSink, MachineEvent } from '../core/events.js';
import { messageTypeName, SERVER_NAMES } from '../protocol/message-types.js';

/** Signals by number, as the guest ABI numbers them (Linux). */
const SIGNAL_NAMES: Readonly<Record<number, string>> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE',
  9: 'SIGKILL', 10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM',
  17: 'SIGCHLD',
};

export function signalName(signo: number): string {
  return SIGNAL_NAMES[signo] ?? `signal ${signo}`;
}


export function serverName(pid: number): string {
  return SERVER_NAMES[pid] ?? `pid ${pid}`;
}

export function messageName(mType: number): string {
  return messageTypeName(mType) ?? `type ${mType}`;
}

/** A server crash as the summary names it. */
export interface CrashNote {
  readonly icount: number;
  readonly server: string;
  readonly cause: 'threw' | 'hung';
  readonly message: string;
  readonly source: number;
  readonly error: string;
}

/** A process killed by a signal. */
export interface KillNote {
  readonly icount: number;
  readonly pid: number;
  readonly signal: string;
}

/** How the machine stopped, as the run loop saw it. */
export type EndOfRun =
  | { readonly kind: 'halted'; readonly status: number; readonly reason: string }
  /** Every process waits and nothing can wake one (no timer, no input source): `waiting` says for what. */
  | { readonly kind: 'deadlock'; readonly waiting: readonly string[] }
  | { readonly kind: 'timeout'; readonly icount: number };

export type Outcome =
  | { readonly kind: 'pass'; readonly line: string }
  | { readonly kind: 'server-crash'; readonly crash: CrashNote }
  | { readonly kind: 'deadlock'; readonly waiting: readonly string[] }
  | { readonly kind: 'timeout'; readonly icount: number }
  | { readonly kind: 'killed'; readonly kill: KillNote }
  | { readonly kind: 'console'; readonly pattern: string; readonly line: string }
  | { readonly kind: 'exit'; readonly status: number; readonly line: string }
  | { readonly kind: 'halt'; readonly reason: string; readonly status: number }
  /** The run could not be carried out: xrr itself failed (a bug to report, not the guest's doing). */
  | { readonly kind: 'host-error'; readonly message: string };

export function isFailure(o: Outcome): boolean {
  return o.kind !== 'pass';
}

/** Numbers vary from run to run of one bug (how many lines were read, which pid): a class ignores them. */
function normalized(line: string): string {
  const s = line.replace(/0x[0-9a-f]+/gi, '#').replace(/\d+/g, '#').trim();
  return s.length > 72 ? `${s.slice(0, 71)}~` : s;
}

/**
 * The outcome class: what runs failing the same way share (the table of explore groups by it).
 * Numbers in console lines are ignored, so "read 3 of 400 lines" and "read 17 of 400 lines" are
 * one class.
 */
export function classOf(o: Outcome): string {
  switch (o.kind) {
    case 'pass': return 'pass';
    case 'server-crash': return `server crash: ${o.crash.server} (${o.crash.cause}) on ${o.crash.message}`;
    case 'deadlock': return `deadlock: ${o.waiting.map((w) => w.replace(/^\d+ /, '')).join(', ')}`;
    case 'timeout': return 'timeout: instruction limit reached';
    case 'killed': return `killed by ${o.kill.signal}`;
    case 'console': return `console /${o.pattern}/: ${normalized(o.line)}`;
    case 'exit': return `exit ${o.status}: ${normalized(o.line)}`;
    case 'halt': return `halt: ${o.reason} (status ${o.status})`;
    case 'host-error': return `xrr error: ${o.message}`;
    default: {
      const _exhaustive: never = o;
      return _exhaustive;
    }
  }
}

/** One line for a person: the class plus the particulars it leaves out. */
export function describeOutcome(o: Outcome): string {
  switch (o.kind) {
    case 'pass': return `passed${o.line ? `: ${o.line}` : ''}`;
    case 'server-crash': {
      const c = o.crash;
      return `server ${c.server} crashed (${c.cause}) handling ${c.message} from ${c.source} at icount ${c.icount}: ${c.error}`;
    }
    case 'deadlock': return `deadlock: ${o.waiting.join('; ')}`;
    case 'timeout': return `stopped at the instruction limit (icount ${o.icount})`;
    case 'killed': return `process ${o.kill.pid} killed by ${o.kill.signal} at icount ${o.kill.icount}`;
    case 'console': return `the console matched /${o.pattern}/: ${o.line}`;
    case 'exit': return `exit status ${o.status}: ${o.line}`;
    case 'halt': return `halted: ${o.reason} (status ${o.status})`;
    case 'host-error': return `xrr failed to run it: ${o.message}`;
    default: {
      const _exhaustive: never = o;
      return _exhaustive;
    }
  }
}

/** The console is kept up to this many bytes (a --fail-on pattern is matched against it). */
const CONSOLE_LIMIT = 1 << 20;

/**
 * Watches a run's events and keeps what the judgement and the summary need: the console text,
 * server crashes, processes killed by signals, and how many messages each server received (the
 * random fault mode draws its message numbers from these).
 */
export class RunObserver implements EventSink {
  private consoleBytes: number[] = [];
  readonly crashes: CrashNote[] = [];
  readonly kills: KillNote[] = [];
  /** Messages delivered to each pid (ipc events by destination). */
  readonly received = new Map<number, number>();
  events = 0;
  /** System calls made (PCT's step horizon is measured in them). */
  syscalls = 0;
  halt: { readonly reason: string; readonly status: number } | undefined;
  /** The machine's `deadlock` event: who waited for what ("12 lockorder: read: reply from vfs"). */
  deadlock: readonly string[] | undefined;

  emit(e: MachineEvent): void {
    this.events++;
    switch (e.kind) {
      case 'console-output':
        if (this.consoleBytes.length < CONSOLE_LIMIT) for (const b of e.data) this.consoleBytes.push(b);
        break;
      case 'ipc':
        this.received.set(e.dst, (this.received.get(e.dst) ?? 0) + 1);
        break;
      case 'server-crash':
        this.crashes.push({ icount: e.icount, server: e.name || serverName(e.server), cause: e.cause, message: messageName(e.mType), source: e.source, error: e.error });
        break;
      case 'signal':
        if (e.action === 'terminate') this.kills.push({ icount: e.icount, pid: e.pid, signal: signalName(e.signo) });
        break;
      case 'halt':
        this.halt = { reason: e.reason, status: e.status };
        break;
      case 'syscall':
        this.syscalls++;
        break;
      case 'deadlock':
        this.deadlock = e.waiting.map((w) => `${w.pid} ${w.name}: ${w.wait}`);
        break;
      default:
        break;
    }
  }

  get console(): string {
    return Buffer.from(this.consoleBytes).toString('latin1');
  }

  /** The last non-empty line of the console (what a failing test program says last). */
  lastLine(): string {
    const lines = this.console.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
    return lines[lines.length - 1] ?? '';
  }

  /** A copy that goes on observing independently (a run forked many times from one point). */
  clone(): RunObserver {
    const c = new RunObserver();
    c.consoleBytes = [...this.consoleBytes];
    c.crashes.push(...this.crashes);
    c.kills.push(...this.kills);
    for (const [k, v] of this.received) c.received.set(k, v);
    c.events = this.events;
    c.syscalls = this.syscalls;
    c.halt = this.halt;
    c.deadlock = this.deadlock;
    return c;
  }
}

export interface JudgeRules {
  /** A console pattern that marks a run as failing (the source of a RegExp, multiline). */
  readonly failOn?: string;
}

/** The verdict on a run from what was observed and how it ended. */
export function judge(seen: RunObserver, end: EndOfRun, rules: JudgeRules = {}): Outcome {
  const crash = seen.crashes[0];
  if (crash) return { kind: 'server-crash', crash };
  if (seen.deadlock) return { kind: 'deadlock', waiting: seen.deadlock };
  if (end.kind === 'deadlock') return { kind: 'deadlock', waiting: end.waiting };
  if (end.kind === 'timeout') return { kind: 'timeout', icount: end.icount };
  const kill = seen.kills.find((k) => k.signal !== 'SIGCHLD');
  if (kill) return { kind: 'killed', kill };
  if (rules.failOn !== undefined) {
    const m = new RegExp(rules.failOn, 'm').exec(seen.console);
    if (m) {
      const start = seen.console.lastIndexOf('\n', m.index) + 1;
      const stop = seen.console.indexOf('\n', m.index);
      return { kind: 'console', pattern: rules.failOn, line: seen.console.slice(start, stop < 0 ? undefined : stop).trim() };
    }
  }
  if (end.reason !== 'init exited') return { kind: 'halt', reason: end.reason, status: end.status };
  if (end.status !== 0) return { kind: 'exit', status: end.status, line: seen.lastLine() };
  return { kind: 'pass', line: seen.lastLine() };
}
