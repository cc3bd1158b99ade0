/**
 * A timeline as a Chrome trace-event JSON file, which ui.perfetto.dev and chrome://tracing open
 * (the format: https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU).
 *
 * The clock is the icount: `ts` is in the format's microseconds, one instruction a microsecond, so
 * the viewer's time axis reads as instructions. Every guest process and server has a track (a
 * thread of one trace process, the machine), plus a `cpu` track showing who ran and a `machine`
 * track for machine-wide events. Syscalls are complete slices (X) from the call to its return on
 * the caller's track; an IPC message is a slice on its sender's track, and a flow arrow goes from
 * each request to the reply that answers it. Interrupts, signals, traps, crashes, console output,
 * exec/exit/fork and the points where this timeline diverges from its parent (fork points) are
 * instants. Servers take no virtual time, so a delegated call's slices are zero-width: the
 * nesting and the arrows say what happened inside one instruction.
 */
import type { MachineEvent } from '../core/events.js';
import type { BranchId, JournalSeq } from '../journal/ids.js';
import type { JournalStore } from '../journal/store.js';
import { KERNEL_AND_SERVER_NAMES, MSG, RS_MSG, messageTypeName } from '../protocol/message-types.js';
import { EventDecoder, summaryOf } from './decode-event.js';

/** One trace event as the format defines it (the fields this exporter uses). */
export interface TraceEvent {
  readonly name: string;
  readonly cat?: string;
  readonly ph: 'X' | 'i' | 's' | 'f' | 'M' | 'C';
  readonly ts: number;
  readonly dur?: number;
  readonly pid: number;
  readonly tid: number;
  /** Instants: thread ('t') or global ('g') scope. */
  readonly s?: 't' | 'g';
  /** Flows: the id that joins a start to its finish; bp 'e' binds the finish to its enclosing slice. */
  readonly id?: number;
  readonly bp?: 'e';
  readonly args?: Record<string, unknown>;
}

export interface TraceFile {
  readonly traceEvents: TraceEvent[];
  readonly displayTimeUnit: 'ns';
  readonly otherData: Record<string, string>;
}

export interface PerfettoOptions {
  /** Decoded IPC fields (and console text) in the slices' args. */
  readonly decode?: boolean;
}

const MACHINE_PID = 1;
/** Thread ids: the guest pid plus this (tid 0 is not shown by every viewer). */
const TID_BASE = 1000;
const CPU_TID = 1;
const MACHINE_TID = 2;
const REPLY_TYPES: ReadonlySet<number> = new Set([MSG.VFS_REPLY, MSG.PROC_REPLY, MSG.MM_REPLY, RS_MSG.RS_REPLY]);
const TYPE_BY_NAME: ReadonlyMap<string, number> = new Map([...Object.entries(MSG), ...Object.entries(RS_MSG)]);

const tidOf = (pid: number) => TID_BASE + pid;

interface OpenSyscall {
  readonly ts: number;
  readonly nr: number;
  readonly name: string;
  readonly args: readonly number[];
  readonly seq: number;
}

/** A request whose reply has not come yet: its arrow is drawn only once the reply is seen. */
interface PendingRequest {
  readonly mType: number;
  readonly ts: number;
  readonly tid: number;
}

/** What a trace file says of itself besides its events. */
export function traceInfo(store: JournalStore, branch: BranchId): Record<string, string> {
  const meta = store.getRecording();
  return {
    clock: 'icount: ts counts guest instructions (one a microsecond on the time axis)',
    machine: meta?.machineVersion ?? '',
    branch: String(branch),
    command: meta?.commandLine.join(' ') ?? '',
  };
}

/** The whole trace in memory (tests, small recordings); the CLI streams traceEvents() instead. */
export function exportPerfetto(store: JournalStore, branch: BranchId, options: PerfettoOptions = {}): TraceFile {
  return { traceEvents: [...traceEvents(store, branch, options)], displayTimeUnit: 'ns', otherData: traceInfo(store, branch) };
}

/**
 * The trace's events as the timeline is read: a slice when it closes, an instant as it happens,
 * the tracks' names at the end (the format takes metadata anywhere), so a long recording streams.
 */
export function* traceEvents(store: JournalStore, branch: BranchId, options: PerfettoOptions = {}): Generator<TraceEvent> {
  const meta = store.getRecording();
  const decoder = new EventDecoder(store, branch);
  /** Events made by the current journal event, handed out before the next is read. */
  let out: TraceEvent[] = [];
  // init is started by the kernel, not by an exec event.
  const names = new Map<number, string>([[1, 'init'], ...Object.entries(KERNEL_AND_SERVER_NAMES).map(([pid, n]): [number, string] => [Number(pid), n])]);
  const seenPids = new Set<number>();
  const openCalls = new Map<number, OpenSyscall>();
  /** Requests awaiting their reply, by "requester->replier". */
  const pending = new Map<string, PendingRequest[]>();
  let nextFlow = 1;
  let running: { pid: number; since: number } | null = null;
  let lastTs = 0;

  const touch = (pid: number) => seenPids.add(pid);
  const instant = (name: string, cat: string, ts: number, tid: number, args?: Record<string, unknown>, scope: 't' | 'g' = 't') =>
    out.push({ name, cat, ph: 'i', s: scope, ts, pid: MACHINE_PID, tid, ...(args ? { args } : {}) });
  const closeCall = (pid: number, ts: number, result: number | null) => {
    const c = openCalls.get(pid);
    if (!c) return;
    openCalls.delete(pid);
    out.push({
      name: c.name,
      cat: 'syscall',
      ph: 'X',
      ts: c.ts,
      dur: ts - c.ts,
      pid: MACHINE_PID,
      tid: tidOf(pid),
      args: { nr: c.nr, args: c.args, seq: c.seq, ...(result === null ? { unfinished: true } : { result }) },
    });
  };
  const endRunning = (ts: number) => {
    if (running && ts >= running.since) {
      out.push({ name: `${names.get(running.pid) ?? 'pid'} ${running.pid}`, cat: 'cpu', ph: 'X', ts: running.since, dur: ts - running.since, pid: MACHINE_PID, tid: CPU_TID, args: { pid: running.pid } });
    }
    running = null;
  };

  // The points where this timeline leaves its ancestors' (its own fork point and theirs).
  for (let b = store.getBranch(branch); b && b.parent !== null; b = store.getBranch(b.parent)) {
    instant(`divergence: branch ${b.id} forks from branch ${b.parent}`, 'divergence', b.forkIcount, MACHINE_TID, { branch: b.id, parent: b.parent, forkSeq: b.forkSeq }, 'g');
  }

  yield* out;
  out = [];
  for (const s of store.iterateEvents(branch, { fromSeq: 0 as JournalSeq })) {
    if (out.length > 0) {
      yield* out;
      out = [];
    }
    const e: MachineEvent = s.event;
    const ts = e.icount;
    lastTs = ts;
    switch (e.kind) {
      case 'syscall':
        touch(e.pid);
        closeCall(e.pid, ts, null); // a call that never returned (the process was replaced)
        openCalls.set(e.pid, { ts, nr: e.nr, name: e.name || `syscall ${e.nr}`, args: e.args, seq: s.seq });
        break;
      case 'syscall-return':
        touch(e.pid);
        closeCall(e.pid, ts, e.result);
        break;
      case 'ipc': {
        touch(e.src);
        touch(e.dst);
        const decoded = decoder.decode(e);
        const typeName = messageTypeName(e.mType) ?? `type ${e.mType}`;
        const sliceName = decoded.message ? decoded.message.typeName : typeName;
        const args: Record<string, unknown> = { src: e.src, dst: e.dst, mType: e.mType, seq: s.seq };
        if (options.decode) {
          args['summary'] = decoded.summary;
          if (decoded.message) args['fields'] = Object.fromEntries(decoded.message.fields.map((f) => [f.name, f.value]));
        }
        out.push({ name: sliceName, cat: 'ipc', ph: 'X', ts, dur: 0, pid: MACHINE_PID, tid: tidOf(e.src), args });
        if (REPLY_TYPES.has(e.mType)) {
          // The request this answers: by the type the decoded reply names, else the oldest on the channel.
          const queue = pending.get(`${e.dst}->${e.src}`) ?? [];
          const answered = /\((\w+)\)/.exec(decoded.message?.typeName ?? '')?.[1];
          const want = answered === undefined ? undefined : TYPE_BY_NAME.get(answered);
          const at = want === undefined ? 0 : queue.findIndex((r) => r.mType === want);
          const req = at >= 0 ? queue.splice(at, 1)[0] : undefined;
          if (req) {
            const id = nextFlow++;
            out.push({ name: 'request', cat: 'ipc', ph: 's', id, ts: req.ts, pid: MACHINE_PID, tid: req.tid });
            out.push({ name: 'reply', cat: 'ipc', ph: 'f', bp: 'e', id, ts, pid: MACHINE_PID, tid: tidOf(e.src) });
          }
        } else {
          // Notifications get no reply and a crashed server's requests none either: no arrow then.
          const key = `${e.src}->${e.dst}`;
          const queue = pending.get(key) ?? [];
          queue.push({ mType: e.mType, ts, tid: tidOf(e.src) });
          pending.set(key, queue);
        }
        break;
      }
      case 'sched':
        endRunning(ts);
        if (e.to >= 0) {
          touch(e.to);
          running = { pid: e.to, since: ts };
        }
        break;
      case 'irq':
        instant(`irq ${e.line}`, 'interrupt', ts, MACHINE_TID, { line: e.line });
        break;
      case 'signal':
        touch(e.pid);
        instant(`signal ${e.signo} ${e.action}`, 'signal', ts, tidOf(e.pid), { signo: e.signo, action: e.action });
        break;
      case 'trap':
        touch(e.pid);
        instant(`trap cause ${e.cause}`, 'crash', ts, tidOf(e.pid), { cause: e.cause, pc: e.pc, tval: e.tval });
        break;
      case 'server-crash':
      case 'server-down':
      case 'server-restart':
        touch(e.server);
        instant(summaryOf(e), e.kind === 'server-restart' ? 'server' : 'crash', ts, tidOf(e.server), { server: e.server, name: e.name });
        break;
      case 'ipc-reject':
      case 'ipc-denied':
      case 'ipc-fault':
        touch(e.src);
        instant(summaryOf(e), 'ipc', ts, tidOf(e.src), { src: e.src, dst: e.dst, mType: e.mType });
        break;
      case 'exec':
        touch(e.pid);
        names.set(e.pid, e.path.split('/').pop() || e.path);
        instant(`exec ${e.path}`, 'process', ts, tidOf(e.pid), { path: e.path });
        break;
      case 'fork':
        touch(e.parent);
        touch(e.child);
        if (!names.has(e.child) && names.has(e.parent)) names.set(e.child, names.get(e.parent)!);
        instant(`fork ${e.child}`, 'process', ts, tidOf(e.parent), { child: e.child });
        break;
      case 'exit':
        touch(e.pid);
        closeCall(e.pid, ts, null);
        instant(`exit ${e.status}`, 'process', ts, tidOf(e.pid), { status: e.status });
        break;
      case 'console-output':
      case 'console-input':
        instant(e.kind === 'console-output' ? 'output' : 'input', 'console', ts, MACHINE_TID, options.decode ? { text: Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength).toString('latin1') } : { bytes: e.data.length });
        break;
      case 'halt':
        instant(summaryOf(e), e.status === 0 ? 'machine' : 'crash', ts, MACHINE_TID, { reason: e.reason, status: e.status }, 'g');
        break;
      case 'boot':
      case 'idle':
      case 'timer-skip':
      case 'channel':
      case 'inject':
      case 'chaos':
      case 'schedule':
        instant(summaryOf(e), e.kind === 'inject' || e.kind === 'chaos' || e.kind === 'schedule' ? 'input' : 'machine', ts, MACHINE_TID);
        break;
      case 'deadlock':
        instant(summaryOf(e), 'crash', ts, MACHINE_TID, { waiting: e.waiting.map((w) => `${w.pid} ${w.name}: ${w.wait}`) }, 'g');
        break;
      default: {
        const _exhaustive: never = e;
        return _exhaustive;
      }
    }
  }
  endRunning(lastTs);
  for (const pid of [...openCalls.keys()]) closeCall(pid, lastTs, null);
  yield* out;

  yield { name: 'process_name', ph: 'M', ts: 0, pid: MACHINE_PID, tid: CPU_TID, args: { name: `XINIM machine (${meta?.machineVersion ?? 'unknown'})` } };
  yield { name: 'thread_name', ph: 'M', ts: 0, pid: MACHINE_PID, tid: CPU_TID, args: { name: 'cpu' } };
  yield { name: 'thread_sort_index', ph: 'M', ts: 0, pid: MACHINE_PID, tid: CPU_TID, args: { sort_index: -2 } };
  yield { name: 'thread_name', ph: 'M', ts: 0, pid: MACHINE_PID, tid: MACHINE_TID, args: { name: 'machine' } };
  yield { name: 'thread_sort_index', ph: 'M', ts: 0, pid: MACHINE_PID, tid: MACHINE_TID, args: { sort_index: -1 } };
  for (const pid of [...seenPids].sort((x, y) => x - y)) {
    const label = pid in KERNEL_AND_SERVER_NAMES ? `${KERNEL_AND_SERVER_NAMES[pid]} (${pid})` : `pid ${pid} ${names.get(pid) ?? ''}`.trim();
    yield { name: 'thread_name', ph: 'M', ts: 0, pid: MACHINE_PID, tid: tidOf(pid), args: { name: label } };
    yield { name: 'thread_sort_index', ph: 'M', ts: 0, pid: MACHINE_PID, tid: tidOf(pid), args: { sort_index: pid } };
  }
}
