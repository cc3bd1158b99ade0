/**
 * `xrr gdb FILE [--branch B] [--pid P] [--port N]`: serve a recorded process to gdb-multiarch
 * over the GDB remote protocol on 127.0.0.1, forward and backward (src/gdb). Thin: parses the
 * arguments, opens the recording read-only, starts the server and waits for the debugger to
 * leave.
 */
import { existsSync } from 'node:fs';
import { ROOT_BRANCH, branchId, type BranchId } from '../../journal/ids.js';
import { SqliteJournalStore } from '../../journal/index.js';
import { DebugSession } from '../../gdb/debug-session.js';
import { startGdbServer } from '../../gdb/rsp-server.js';
import { parseArgs, UsageError, usageOf, type OptionSpec } from '../args.js';
import type { Command } from '../command.js';

const GDB_SYNOPSIS = 'FILE [--branch B] [--pid P] [--port N] [--trace]';
const GDB_HELP = 'serve a recorded process to gdb-multiarch (reverse-stepi, reverse-continue, watchpoints)';

const GDB_OPTIONS: Record<string, OptionSpec> = {
  branch: { kind: 'int', help: 'the branch to debug (default 1, the recording)', valueName: 'B' },
  pid: { kind: 'int', help: 'the process to follow (default: the last program started); its forked children are threads', valueName: 'P' },
  port: { kind: 'int', help: 'TCP port on 127.0.0.1 (default 0: a free port, printed)', valueName: 'N' },
  trace: { kind: 'flag', help: 'print every packet on stderr' },
};

async function runGdb(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(usageOf('gdb', GDB_SYNOPSIS, GDB_OPTIONS));
    return 0;
  }
  const { options, positional } = parseArgs(argv, GDB_OPTIONS, true);
  const [file, ...extra] = positional;
  if (file === undefined) throw new UsageError('which recording? (FILE)');
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  if (!existsSync(file)) throw new UsageError(`no such recording: ${file}`);
  const port = options.get('port') as number | undefined;
  if (port !== undefined && port > 65535) throw new UsageError(`--port ${port}: not a TCP port`);
  const store = await SqliteJournalStore.open(file, { readonly: true, create: false });
  try {
    const branch = branchOption(store.listBranches().map((b) => b.id as number), options.get('branch'));
    const session = new DebugSession(store, { branch, pid: options.get('pid') as number | undefined });
    const trace = options.get('trace') === true ? (line: string) => process.stderr.write(`${line}\n`) : undefined;
    const server = await startGdbServer(session, { port, log: trace });
    const image = session.imagePath(session.pid) ?? '?';
    console.log(`xrr gdb: pid ${session.pid} (${image}) of ${file}, icounts ${session.beginIcount}..${session.endIcount}, listening on 127.0.0.1:${server.port}`);
    console.log(`  gdb-multiarch -ex 'target remote 127.0.0.1:${server.port}'`);
    await server.closed;
    return 0;
  } finally {
    store.close();
  }
}

function branchOption(known: readonly number[], v: unknown): BranchId {
  if (v === undefined) return ROOT_BRANCH;
  if (!known.includes(v as number)) throw new UsageError(`--branch ${String(v)}: the recording has branches ${known.join(', ')}`);
  return branchId(v as number);
}

export const gdbCommand: Command = { name: 'gdb', synopsis: GDB_SYNOPSIS, help: GDB_HELP, options: GDB_OPTIONS, run: runGdb };
