/**
 * A run's events read as operations of processes: each system call with its arguments, its
 * result, the IPC request it became (decoded), and the file its descriptor refers to, in the
 * order of the timeline. Explain compares two runs as sequences of these.
 */
import type { MachineEvent } from '../core/events.js';
import { describeResult } from '../protocol/errno.js';
import { fieldOf, type MessageReader } from './ipc-opener.js';

export interface Operation {
  /** Position of the syscall event in the run's timeline. */
  readonly index: number;
  readonly pid: number;
  /** The process's program (basename of what it executed). */
  readonly process: string;
  readonly icount: number;
  readonly name: string;
  readonly args: readonly number[];
  /** Undefined while the call had not returned when the run ended. */
  result: number | undefined;
  /** The IPC request the call became, decoded (`VFS_READ fd=3 count=256`). */
  message: string | undefined;
  /** The path behind the descriptor the call used, when it used one the run opened. */
  file: string | undefined;
}

/** `read(3, 0x7ffef918, 256) = 0`. */
export function callText(op: Operation): string {
  const args = op.args.slice(0, 3).map((a) => (a >>> 0 > 0xffff ? `0x${(a >>> 0).toString(16)}` : String(a)));
  const result = op.result === undefined ? ' (did not return)' : ` = ${describeResult(op.result)}`;
  return `${op.name}(${args.join(', ')})${result}`;
}

/** A string field as describeMessage shows it ("..." with escapes, maybe cut short) back to text. */
function unquote(shown: string): string {
  const m = /^"(.*)"(?:\.\.\. \(\d+ bytes\))?$/.exec(shown);
  return m ? m[1]!.replace(/\\(["\\])/g, '$1') : shown;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The operations of every process in `events`, in timeline order. */
export function operationsOf(events: readonly MachineEvent[], read: MessageReader): Operation[] {
  const ops: Operation[] = [];
  const open = new Map<number, Operation>();
  const names = new Map<number, string>([[1, 'init']]);
  const fds = new Map<number, Map<number, string>>();
  const pendingPath = new Map<number, string>();
  const fdsOf = (pid: number) => {
    let m = fds.get(pid);
    if (!m) fds.set(pid, (m = new Map()));
    return m;
  };
  events.forEach((e, index) => {
    switch (e.kind) {
      case 'exec':
        names.set(e.pid, baseName(e.path));
        break;
      case 'fork':
        names.set(e.child, names.get(e.parent) ?? `pid ${e.parent}`);
        fds.set(e.child, new Map(fdsOf(e.parent)));
        break;
      case 'syscall': {
        const op: Operation = { index, pid: e.pid, process: names.get(e.pid) ?? `pid ${e.pid}`, icount: e.icount, name: e.name, args: e.args, result: undefined, message: undefined, file: undefined };
        ops.push(op);
        open.set(e.pid, op);
        break;
      }
      case 'ipc': {
        const op = open.get(e.src);
        if (!op || op.message !== undefined) break;
        const view = read(e);
        if (!view) break;
        op.message = view.summary.replace(/ from \d+/, '');
        const path = fieldOf(view, 'path');
        if (path !== undefined) pendingPath.set(e.src, unquote(path));
        const fd = fieldOf(view, 'fd');
        if (fd !== undefined) op.file = fdsOf(e.src).get(Number(fd));
        else if (path !== undefined) op.file = pendingPath.get(e.src);
        break;
      }
      case 'syscall-return': {
        const op = open.get(e.pid);
        if (!op) break;
        op.result = e.result;
        open.delete(e.pid);
        if (op.name === 'open' && e.result >= 0 && op.file !== undefined) fdsOf(e.pid).set(e.result, op.file);
        if (op.name === 'close' && e.result === 0 && op.args[0] !== undefined) fdsOf(e.pid).delete(op.args[0]);
        break;
      }
      default:
        break;
    }
  });
  return ops;
}
