/** `xrr events FILE`: the events of a branch, filtered by process, kind and icount range; text or JSON lines. */
import type { MachineEvent, MachineEventKind } from '../../core/events.js';
import type { Icount } from '../../journal/ids.js';
import { parseArgs, UsageError, type OptionSpec } from '../args.js';
import { one, printHelp, type Command } from '../command.js';
import { branchOf, openExisting } from '../recording-file.js';

const OPTIONS: Record<string, OptionSpec> = {
  pid: { kind: 'int', help: 'only events of this process', valueName: 'P' },
  kind: { kind: 'string', help: 'only these kinds (comma-separated), e.g. syscall,ipc', valueName: 'K' },
  from: { kind: 'int', help: 'from this icount', valueName: 'T' },
  to: { kind: 'int', help: 'to this icount', valueName: 'T' },
  branch: { kind: 'int', help: 'branch (default 1)', valueName: 'B' },
  limit: { kind: 'int', help: 'at most N events', valueName: 'N' },
  json: { kind: 'flag', help: 'one JSON object per line' },
  help: { kind: 'flag', help: 'show this help' },
};
const SYNOPSIS = 'FILE [--pid P] [--kind K] [--from T --to T] [--json]';

/** One line for an event: icount:seq, kind, its fields (long values shortened). */
export function formatEvent(e: MachineEvent): string {
  const { kind, icount, seq, ...rest } = e as MachineEvent & Record<string, unknown>;
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? (v.length > 24 ? `[${v.length} items]` : JSON.stringify(v)) : typeof v === 'string' && v.length > 48 ? `${v.slice(0, 48)}...` : JSON.stringify(v)}`)
    .join(' ');
  return `${String(icount).padStart(12)}:${String(seq).padEnd(3)} ${kind.padEnd(15)} ${fields}`;
}

export const eventsCommand: Command = {
  name: 'events',
  synopsis: SYNOPSIS,
  help: 'list the events of a recording',
  async run(argv) {
    if (argv.includes('--help')) return printHelp('events', SYNOPSIS, OPTIONS);
    const { options, positional } = parseArgs(argv, OPTIONS, true);
    const store = await openExisting(one(positional, 'FILE'));
    try {
      const kinds = (options.get('kind') as string | undefined)?.split(',').filter(Boolean);
      if (kinds?.some((k) => !/^[a-z][a-z-]*$/.test(k))) throw new UsageError(`--kind: event kinds look like syscall,ipc,console-output`);
      const it = store.iterateEvents(branchOf(store, options.get('branch')), {
        pid: options.get('pid') as number | undefined,
        kinds: kinds as MachineEventKind[] | undefined,
        fromIcount: options.get('from') as Icount | undefined,
        toIcount: options.get('to') as Icount | undefined,
        limit: options.get('limit') as number | undefined,
      });
      const json = options.get('json') === true;
      for (const e of it) console.log(json ? JSON.stringify({ ...e.event, journalSeq: e.seq }) : `${String(e.seq).padStart(8)} ${formatEvent(e.event)}`);
      return 0;
    } finally {
      store.close();
    }
  },
};
