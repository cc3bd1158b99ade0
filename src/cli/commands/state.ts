/** `xrr state FILE --at T`: the machine at an icount: processes, and for one its registers, memory, files. */
import { lastWriteReport, parseGuestAddress } from '../../gdb/last-write.js';
import { seek } from '../../timeline/replay.js';
import { parseArgs, UsageError, type OptionSpec } from '../args.js';
import { one, printHelp, type Command } from '../command.js';
import { seekProgress } from '../progress.js';
import { withinRecording } from '../recording-end.js';
import { branchOf, openExisting } from '../recording-file.js';
import { describeState, hexDump, vfsTree } from '../state-view.js';

const OPTIONS: Record<string, OptionSpec> = {
  at: { kind: 'int', help: 'the icount to inspect (at most the end of the recording)', valueName: 'T' },
  pid: { kind: 'int', help: 'show this process in detail (registers, memory map, fds)', valueName: 'P' },
  memory: { kind: 'string', help: 'with --pid: hex dump of LEN bytes at ADDR (hex or decimal)', valueName: 'ADDR[:LEN]' },
  vfs: { kind: 'flag', help: 'the VFS tree' },
  branch: { kind: 'int', help: 'branch (default 1)', valueName: 'B' },
  json: { kind: 'flag', help: 'the whole machine state as JSON' },
  'last-write': { kind: 'string', help: 'the last write to ADDR before T and the next after it (with --pid P; default the running process)', valueName: 'ADDR' },
  help: { kind: 'flag', help: 'show this help' },
};
const SYNOPSIS = 'FILE --at T [--branch B] [--pid P [--memory ADDR[:LEN]]] [--vfs] [--last-write ADDR] [--json]';

export const stateCommand: Command = {
  name: 'state',
  synopsis: SYNOPSIS,
  help: 'the machine state at an icount: processes, registers, files, memory',
  options: OPTIONS,
  async run(argv) {
    if (argv.includes('--help')) return printHelp('state', SYNOPSIS, OPTIONS);
    const { options, positional } = parseArgs(argv, OPTIONS, true);
    const file = one(positional, 'FILE');
    const at = options.get('at') as number | undefined;
    if (at === undefined) throw new UsageError('--at T is required');
    const store = await openExisting(file);
    try {
      const branch = branchOf(store, options.get('branch'));
      withinRecording(store, branch, '--at', at);
      const pid = options.get('pid') as number | undefined;
      const lastWrite = options.get('last-write') as string | undefined;
      if (lastWrite !== undefined) {
        let addr: number;
        try {
          addr = parseGuestAddress(lastWrite);
        } catch (e) {
          throw new UsageError(`--last-write: ${(e as Error).message}`);
        }
        console.log(lastWriteReport(store, branch, at, addr, pid));
        return 0;
      }
      const r = seek(store, branch, at, { progress: seekProgress(store, branch, at) });
      if (options.get('json')) {
        console.log(JSON.stringify(r.machine.getState(), null, 1));
        return 0;
      }
      console.log(describeState(r.machine, pid));
      const memory = options.get('memory') as string | undefined;
      if (memory !== undefined) {
        if (pid === undefined) throw new UsageError('--memory needs --pid');
        const [a, l] = memory.split(':');
        const addr = Number(a);
        const len = l === undefined ? 256 : Number(l);
        if (!Number.isInteger(addr) || !Number.isInteger(len) || len <= 0 || len > 1 << 20) throw new UsageError(`--memory: cannot read ${memory} as ADDR[:LEN]`);
        console.log(`\nmemory of ${pid} at 0x${(addr >>> 0).toString(16)}\n${hexDump(r.machine, pid, addr, len)}`);
      }
      if (options.get('vfs')) console.log(`\n${vfsTree(r.machine)}`);
      return 0;
    } finally {
      store.close();
    }
  },
};
