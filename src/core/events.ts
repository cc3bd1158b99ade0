/**
 * Everything that happens in the machine is one of these events, keyed by the icount at
 * which it happened and a sequence number that orders events of the same icount
 * (DESIGN.md section 3). The machine emits them into an EventSink; the journal is one sink,
 * a test harness another.
 *
 * Inputs (the only nondeterministic events, which replay feeds back in) are marked in
 * INPUT_KINDS; every other kind is derived and is recomputed and compared on replay.
 */

export type MachineEventBody =
  | { readonly kind: 'boot'; readonly seedHex: string; readonly bootEpochNs: string; readonly machineVersion: string }
  /** Input: bytes typed on the console. `data` is the event's own copy; in JSON, an array of numbers (event-json.ts). */
  | { readonly kind: 'console-input'; readonly data: Uint8Array }
  /** Input: a live run waited this long (host time) for console input. */
  | { readonly kind: 'idle'; readonly skippedNs: number }
  /** Every process was blocked: virtual time jumped to the next timer deadline. */
  | { readonly kind: 'timer-skip'; readonly skippedNs: number }
  | { readonly kind: 'irq'; readonly line: number }
  /** Bytes the machine wrote to the console (its own copy, as console-input's). */
  | { readonly kind: 'console-output'; readonly data: Uint8Array }
  /**
   * The CPU changes hands. `to` -1: `from` was preempted (back to the run queue) and `reason` is
   * why: 'timer', 'yield', 'chaos', 'pct-change' (a PCT change point lowered its priority) or
   * 'priority' (PCT: a process of higher priority is ready). Otherwise `to` is given the CPU and
   * `reason` says why `from` left it: one of those, or 'block', 'exit', 'start' (nothing ran yet).
   * A SchedReason; typed as text because recordings of older machines hold other words.
   */
  | { readonly kind: 'sched'; readonly from: number; readonly to: number; readonly reason: string }
  | { readonly kind: 'syscall'; readonly pid: number; readonly nr: number; readonly name: string; readonly args: readonly number[] }
  | { readonly kind: 'syscall-return'; readonly pid: number; readonly nr: number; readonly result: number }
  /**
   * One message carried by Lattice IPC. src/dst are the logical ends (m_source as authenticated, and
   * the process or server it reached); the channel is in the wire's header. With encryption on the
   * event holds the sealed wire (`wire`, encodeWire bytes: header with the channel's ends and
   * sequence number, nonce, ciphertext and tag; what the journal keeps; decrypt with the channel
   * keys); with encryption off, the plaintext `payload`. The bytes are the event's own: nothing
   * writes to them after the emit. In JSON they are hex text, `wireHex` and `payloadHex`
   * (event-json.ts).
   */
  | {
      readonly kind: 'ipc'; readonly src: number; readonly dst: number; readonly mType: number;
      readonly payload?: Uint8Array; readonly wire?: Uint8Array;
    }
  /**
   * A wire the receiver refused (failed authentication, replayed, altered header); the sender got
   * an error. `wire` as in `ipc`: the bytes that arrived, well-formed or not.
   */
  | {
      readonly kind: 'ipc-reject'; readonly src: number; readonly dst: number; readonly mType: number;
      readonly error: string; readonly wire: Uint8Array;
    }
  /** The capability table refused a message (EPERM to the sender). */
  | { readonly kind: 'ipc-denied'; readonly src: number; readonly dst: number; readonly mType: number; readonly reason: string }
  /** A message an injected fault dropped, held back or tampered with. */
  | { readonly kind: 'ipc-fault'; readonly src: number; readonly dst: number; readonly mType: number; readonly fault: 'drop' | 'delay' | 'corrupt' | 'replay' | 'alter' }
  /** A Lattice channel was set up (ML-KEM encapsulation from initiator to responder): new keys from here on. */
  | { readonly kind: 'channel'; readonly initiator: number; readonly responder: number }
  /**
   * A server crashed handling a message (it threw, or did not answer within the deadline). Replay
   * compares it byte for byte, so it holds nothing of the host's code: no stack, no function names,
   * no file paths or line numbers (the error's text is cleaned of source locations), and moving
   * code cannot make a recording diverge.
   */
  | {
      readonly kind: 'server-crash'; readonly server: number; readonly name: string; readonly cause: 'threw' | 'hung';
      readonly mType: number; readonly source: number; readonly error: string;
    }
  /** The Reincarnation Server started a fresh instance; `lost` says what did not survive. */
  | { readonly kind: 'server-restart'; readonly server: number; readonly name: string; readonly restarts: number; readonly lost: readonly string[] }
  /** The Reincarnation Server gave up on a server (restart limit reached): it stays down. */
  | { readonly kind: 'server-down'; readonly server: number; readonly name: string; readonly crashes: number; readonly reason: string }
  /** Input: a fault injected from outside (a test, a fork exploring a crash). */
  | { readonly kind: 'inject'; readonly fault: Fault }
  /** Input: chaos scheduling from here on, its choices drawn from `seed` (0: the plain round robin again). */
  | { readonly kind: 'chaos'; readonly seed: number }
  /** Input: the scheduling policy from here on (round robin, chaos or PCT). */
  | { readonly kind: 'schedule'; readonly policy: SchedulePolicySpec }
  /**
   * Every process is blocked, no timer deadline is pending and none waits for console input:
   * nothing can ever wake one. The machine halts (reason 'deadlock') right after.
   */
  | { readonly kind: 'deadlock'; readonly waiting: readonly DeadlockWait[] }
  | { readonly kind: 'trap'; readonly pid: number; readonly cause: number; readonly pc: number; readonly tval: number }
  | { readonly kind: 'signal'; readonly pid: number; readonly signo: number; readonly action: 'deliver' | 'terminate' | 'interrupt' }
  | { readonly kind: 'fork'; readonly parent: number; readonly child: number }
  | { readonly kind: 'exec'; readonly pid: number; readonly path: string }
  | { readonly kind: 'exit'; readonly pid: number; readonly status: number }
  | { readonly kind: 'halt'; readonly reason: string; readonly status: number };

/**
 * Faults a user injects (recorded inputs, so replay injects them again at the same icount).
 * `nth` counts from the injection: the Nth matching message after it. `mType` -1 matches any type.
 * Channel faults name the channel's ends as on the wire: a delegated call travels on (0, server)
 * and its reply on (server, 0); a process-to-process message on (sender, receiver).
 */
export type Fault =
  /** Server `server` throws when it handles its Nth message of type mType. */
  | { readonly kind: 'crash'; readonly server: number; readonly mType: number; readonly nth: number }
  /** Server `server` stops answering at its Nth message of type mType (a hang; the watchdog notices). */
  | { readonly kind: 'hang'; readonly server: number; readonly mType: number; readonly nth: number }
  /** Flip a ciphertext byte of the Nth message on channel src -> dst (the receiver rejects it). */
  | { readonly kind: 'corrupt'; readonly src: number; readonly dst: number; readonly nth: number; readonly byteIndex?: number }
  /** The Nth message on src -> dst is lost. */
  | { readonly kind: 'drop'; readonly src: number; readonly dst: number; readonly nth: number }
  /** The Nth message on src -> dst is held back `ns` of virtual time before it is sent. */
  | { readonly kind: 'delay'; readonly src: number; readonly dst: number; readonly nth: number; readonly ns: number }
  /** The Nth message on src -> dst arrives twice, as a replaying attacker sends it: the copy is refused, the original goes through. */
  | { readonly kind: 'replay'; readonly src: number; readonly dst: number; readonly nth: number }
  /** The Nth message on src -> dst arrives with its header rewritten (another m_type): refused, the sender gets an error. */
  | { readonly kind: 'alter'; readonly src: number; readonly dst: number; readonly nth: number };

/** Why a `sched` event happened (see the event). */
export type SchedReason = 'timer' | 'yield' | 'chaos' | 'pct-change' | 'priority' | 'block' | 'exit' | 'start';

/**
 * How the scheduler picks, a recorded input. PCT (Burckhardt et al., ASPLOS 2010): random
 * distinct priorities, the highest-priority ready process runs, and at `depth - 1` change points
 * drawn among the first `steps` scheduling steps (a step is a system call) the running process
 * drops below every other. It finds any bug of depth `depth` with probability at least
 * 1/(n steps^(depth-1)) per run (n processes).
 */
export type SchedulePolicySpec =
  | { readonly kind: 'round-robin' }
  | { readonly kind: 'chaos'; readonly seed: number }
  | { readonly kind: 'pct'; readonly seed: number; readonly depth: number; readonly steps: number };

/** The largest PCT depth and step horizon a policy may ask for. */
export const PCT_MAX_DEPTH = 64;
export const PCT_MAX_STEPS = 100_000_000;

/** Why a schedule policy (from a user, a CLI, a journal) cannot be used; undefined when it can. */
export function schedulePolicyProblem(p: SchedulePolicySpec): string | undefined {
  const u32 = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffff_ffff;
  if (typeof p !== 'object' || p === null) return 'not an object';
  switch (p.kind) {
    case 'round-robin': return undefined;
    case 'chaos': return u32(p.seed) && p.seed !== 0 ? undefined : 'seed must be a u32 other than 0';
    case 'pct':
      if (!u32(p.seed)) return 'seed must be a u32';
      if (!(Number.isInteger(p.depth) && p.depth >= 1 && p.depth <= PCT_MAX_DEPTH)) return `depth must be an integer from 1 to ${PCT_MAX_DEPTH}`;
      if (!(Number.isInteger(p.steps) && p.steps >= 1 && p.steps <= PCT_MAX_STEPS)) return `steps must be an integer from 1 to ${PCT_MAX_STEPS}`;
      return undefined;
    default:
      return `unknown kind ${String((p as { kind?: unknown }).kind)}`;
  }
}

/** A policy as people read it: "round robin", "chaos seed 7", "pct seed 7 depth 2 over 120 steps". */
export function schedulePolicyText(p: SchedulePolicySpec): string {
  switch (p.kind) {
    case 'round-robin': return 'round robin';
    case 'chaos': return `chaos seed ${p.seed}`;
    case 'pct': return `pct seed ${p.seed} depth ${p.depth} over ${p.steps} steps`;
    default: return `unknown policy ${String((p as { kind?: unknown }).kind)}`;
  }
}

/** "2 ordering2: wait4: reply from pm; 9 ordering2: read: reply from vfs". */
export function deadlockText(waiting: readonly DeadlockWait[]): string {
  return waiting.length === 0 ? 'no process left' : waiting.map((w) => `${w.pid} ${w.name}: ${w.wait}`).join('; ');
}

/** A process of a deadlock and what it waits for ("wait4: reply from pm", "recv from pid 9"). */
export interface DeadlockWait {
  readonly pid: number;
  readonly name: string;
  readonly wait: string;
}

export type MachineEventKind = MachineEventBody['kind'];

export type MachineEvent = MachineEventBody & { readonly icount: number; readonly seq: number };

/** Kinds whose content comes from outside the machine; replay feeds them back in. */
export const INPUT_KINDS: ReadonlySet<MachineEventKind> = new Set(['boot', 'console-input', 'idle', 'inject', 'chaos', 'schedule']);

export interface EventSink {
  emit(event: MachineEvent): void;
}

/** Drops every event (a run nobody records). */
export class NullEventSink implements EventSink {
  emit(): void {}
}

/** Keeps every event in memory (tests, short runs). */
export class ArrayEventSink implements EventSink {
  readonly events: MachineEvent[] = [];
  emit(event: MachineEvent): void {
    this.events.push(event);
  }
}

export { hexOf } from '../protocol/hex.js';

/** Why a fault (from a user, a CLI, a journal) cannot be injected; undefined when it can. */
export function faultProblem(f: Fault): string | undefined {
  const pid = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffff_ffff;
  const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 1;
  if (typeof f !== 'object' || f === null) return 'not an object';
  if (!count(f.nth)) return 'nth must be an integer >= 1';
  switch (f.kind) {
    case 'crash': case 'hang':
      if (!pid(f.server)) return 'server must be a pid';
      if (!(Number.isInteger(f.mType) && f.mType >= -1)) return 'mType must be a message type or -1 (any)';
      return undefined;
    case 'corrupt': case 'drop': case 'delay': case 'replay': case 'alter':
      if (!pid(f.src) || !pid(f.dst)) return 'src and dst must be pids';
      if (f.kind === 'corrupt' && f.byteIndex !== undefined && !(Number.isSafeInteger(f.byteIndex) && f.byteIndex >= 0)) return 'byteIndex must be >= 0';
      if (f.kind === 'delay' && !(Number.isSafeInteger(f.ns) && f.ns >= 0)) return 'ns must be an integer >= 0';
      return undefined;
    default:
      return `unknown kind ${String((f as { kind?: unknown }).kind)}`;
  }
}
