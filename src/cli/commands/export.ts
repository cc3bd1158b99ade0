/**
 * `xrr export FILE [--branch B] --format perfetto|jsonl [--decode] [--out OUT]`: a timeline for
 * other tools: Chrome trace-event JSON for ui.perfetto.dev and chrome://tracing, or JSON lines.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { ROOT_BRANCH, type BranchId } from '../../journal/ids.js';
import { exportJsonl } from '../../export/jsonl.js';
import { traceEvents, traceInfo } from '../../export/perfetto.js';
import { openRecording } from '../../diff/side.js';
import { parseArgs, usageOf, UsageError, type OptionSpec } from '../args.js';
import type { Command } from '../command.js';

const EXPORT_SYNOPSIS = 'FILE [--branch B] --format perfetto|jsonl [--decode] [--out OUT]';
const EXPORT_HELP = 'write a timeline for other tools: Perfetto/Chrome trace JSON, or JSON lines';

const EXPORT_OPTIONS: Record<string, OptionSpec> = {
  format: { kind: 'string', help: 'perfetto (Chrome trace-event JSON) or jsonl (one event a line)', valueName: 'FORMAT' },
  branch: { kind: 'int', help: 'branch (default 1, the recording itself)', valueName: 'B' },
  decode: { kind: 'flag', help: 'IPC messages opened with the journaled keys and decoded field by field' },
  out: { kind: 'string', help: 'write to OUT instead of standard output (must not exist)', valueName: 'OUT' },
  help: { kind: 'flag', help: 'show this help' },
};

/** Writes with back-pressure, so a large export streams instead of filling memory. */
async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function runExport(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(usageOf('export', EXPORT_SYNOPSIS, EXPORT_OPTIONS));
    return 0;
  }
  const { options, positional } = parseArgs(argv, EXPORT_OPTIONS, true);
  if (positional.length !== 1) throw new UsageError(positional.length === 0 ? 'FILE is required' : `unexpected argument ${positional[1]}`);
  const format = options.get('format') as string | undefined;
  if (format !== 'perfetto' && format !== 'jsonl') throw new UsageError(`--format is perfetto or jsonl${format === undefined ? '' : `, got ${format}`}`);
  const outPath = options.get('out') as string | undefined;
  if (outPath !== undefined && existsSync(outPath)) throw new UsageError(`${outPath} exists; choose another --out`);
  const store = await openRecording(positional[0]!);
  try {
    const b = options.get('branch') as number | undefined;
    const branch = (b ?? ROOT_BRANCH) as BranchId;
    if (store.getBranch(branch) === null) throw new UsageError(`--branch ${b}: the recording has branches ${store.listBranches().map((x) => x.id).join(', ')}`);
    const decode = options.get('decode') === true;
    const stream: Writable = outPath === undefined ? process.stdout : createWriteStream(outPath);
    if (format === 'perfetto') {
      // One event a line: still one JSON document, and a diff or grep of two exports reads well.
      await write(stream, `{"displayTimeUnit":"ns","otherData":${JSON.stringify(traceInfo(store, branch))},"traceEvents":[`);
      let first = true;
      for (const e of traceEvents(store, branch, { decode })) {
        await write(stream, `${first ? '' : ','}\n${JSON.stringify(e)}`);
        first = false;
      }
      await write(stream, '\n]}\n');
    } else {
      for (const line of exportJsonl(store, branch, { decode })) await write(stream, line + '\n');
    }
    if (stream !== process.stdout) {
      stream.end();
      await once(stream, 'finish');
      process.stderr.write(`xrr: wrote ${outPath}\n`);
    }
    return 0;
  } finally {
    store.close();
  }
}

export const exportCommand: Command = { name: 'export', synopsis: EXPORT_SYNOPSIS, help: EXPORT_HELP, options: EXPORT_OPTIONS, run: runExport };
