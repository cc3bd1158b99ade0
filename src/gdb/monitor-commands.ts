/**
 * gdb's `monitor` commands for a recording (the qRcmd packet), after rr's: where the position
 * is (`when`, `icount`), moving it (`goto`, `goto-event`), the symbolized backtrace the TUI
 * shows, and the last write to an address. Each returns the text gdb prints.
 */
import { hexAddr } from '../protocol/hex.js';
import type { BranchId, JournalSeq } from '../journal/ids.js';
import type { DebugSession } from './debug-session.js';
import { describeWrite, findWrites } from './last-write.js';

export const MONITOR_HELP = [
  'xrr monitor commands:',
  '  when                 the icount and event number at the position (as rr)',
  '  icount               the icount at the position',
  '  goto ICOUNT          go to an icount (then `flushregs` so gdb reads the registers again)',
  '  goto-event SEQ       go to the icount of event SEQ',
  '  backtrace            the thread\'s stack, by frame pointers, with the image\'s symbols',
  '  last-write ADDR      the last write to ADDR before the position, and the next after it',
  '  fork                 fork a live branch here',
  '',
].join('\n');

export function runMonitorCommand(session: DebugSession, pid: number, line: string): string {
  const [cmd = '', ...args] = line.trim().split(/\s+/);
  const num = (s: string | undefined) => (s !== undefined && /^(0x[0-9a-f]+|\d+)$/i.test(s) ? Number(s) : undefined);
  switch (cmd) {
    case '': case 'help':
      return MONITOR_HELP;
    case 'when':
      return `Current event: ${session.seq}\nCurrent icount: ${session.icount}\nThread: ${pid} retired ${session.retired(pid) ?? '-'} instructions\n`;
    case 'icount':
      return `${session.icount}\n`;
    case 'goto': case 'seek': {
      const t = num(args[0]);
      if (t === undefined) return 'usage: monitor goto ICOUNT\n';
      const stop = session.goto(t);
      const note = stop.kind === 'history-begin' ? ' (the beginning of the history)' : stop.kind === 'history-end' ? ' (the end of the history)' : '';
      return `at icount ${session.icount}${note}; run \`flushregs\` so gdb reads the registers again\n`;
    }
    case 'goto-event': {
      const seq = num(args[0]);
      if (seq === undefined) return 'usage: monitor goto-event SEQ\n';
      const e = session.target.store.eventAt(session.target.branch as BranchId, seq as JournalSeq);
      if (!e) return `no event ${seq} in this timeline\n`;
      session.goto(e.icount);
      return `at event ${seq} (${e.kind}), icount ${session.icount}; run \`flushregs\` so gdb reads the registers again\n`;
    }
    case 'backtrace': case 'bt': {
      const frames = session.backtrace(pid);
      if (frames.length === 0) return `thread ${pid} is not alive here\n`;
      return frames.map((f) => `#${f.level}  ${hexAddr(f.pc)} in ${f.where}`).join('\n') + '\n';
    }
    case 'last-write': {
      const addr = num(args[0]);
      if (addr === undefined) return 'usage: monitor last-write ADDR\n';
      const here = session.icount;
      const found = findWrites(session.target, session.history, { pid, addr, len: Number(args[1] ?? 1) || 1, at: here });
      session.goto(here, pid);
      return describeWrite(found, session.target.machine) + "\n";
    }
    case 'fork':
      return `forking a live branch from gdb is not supported: the recording stays read-only here. Run:\n  xrr fork FILE --at ${session.icount}\n(or \`f\` in \`xrr tui FILE --at ${session.icount}\`)\n`;
    default:
      return `unknown monitor command ${JSON.stringify(cmd)}\n${MONITOR_HELP}`;
  }
}
