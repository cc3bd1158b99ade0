/**
 * `xrr events FILE`: the events of a branch, filtered by process, kind and icount range; as
 * fields, as decoded one-line summaries (`--decode`: IPC messages opened with the recording's
 * keys, as the TUI's detail pane shows them), or JSON lines (those of `xrr export --format jsonl`).
 * Numbers follow one convention (src/export/number-names.ts): hex addresses, named message types,
 * signals and trap causes.
 */
import { jsonOfEvent } from '../../core/event-json.js';
import type { MachineEvent } from '../../core/events.js';
import { EventDecoder } from '../../export/decode-event.js';
import { jsonlRecord } from '../../export/jsonl.js';
import { fieldName } from '../../export/number-names.js';
import type { Icount } from '../../journal/ids.js';
import { parseArgs, UsageError, type OptionSpec } from '../args.js';
import { one, printHelp, type Command } from '../command.js';
import { EVENT_KINDS, isEventKind } from '../event-kinds.js';
import { branchOf, openExisting } from '../recording-file.js';

const OPTIONS: Record<string, OptionSpec> = {
  pid: { kind: 'int', help: 'only events of this process', valueName: 'P' },
  kind: { kind: 'string', help: 'only these kinds (comma-separated), e.g. syscall,ipc', valueName: 'K' },
  from: { kind: 'int', help: 'from this icount', valueName: 'T' },
  to: { kind: 'int', help: 'to this icount', valueName: 'T' },
  branch: { kind: 'int', help: 'branch (default 1)', valueName: 'B' },
  limit: { kind: 'int', help: 'at most N events', valueName: 'N' },
  decode: { kind: 'flag', help: 'one decoded line per event: IPC messages opened and decoded field by field' },
  json: { kind: 'flag', help: 'one JSON object per line (with --decode, a "decoded" object too)' },
  help: { kind: 'flag', help: 'show this help' },
};
const SYNOPSIS = 'FILE [--pid P] [--kind K] [--from T] [--to T] [--branch B] [--limit N] [--decode] [--json]';

/** A field's value on an event line: the convention's name where it gives one, else the value shortened. */
function valueText(e: MachineEvent, key: string, v: unknown): string {
  if (typeof v === 'number') {
    const name = fieldName(e, key, v);
    return name === undefined ? String(v) : /\s/.test(name) ? JSON.stringify(name) : name;
  }
  if (Array.isArray(v)) return v.length > 24 ? `[${v.length} items]` : JSON.stringify(v);
  if (typeof v === 'string' && v.length > 48) return `${v.slice(0, 48)}...`;
  return JSON.stringify(v);
}

/** One line for an event: icount:seq, kind, its fields (long values shortened). */
export function formatEvent(e: MachineEvent): string {
  const fields = Object.entries(jsonOfEvent(e))
    .filter(([k]) => k !== 'kind' && k !== 'icount' && k !== 'seq')
    .map(([k, v]) => `${k}=${valueText(e, k, v)}`)
    .join(' ');
  return `${String(e.icount).padStart(12)}:${String(e.seq).padEnd(3)} ${e.kind.padEnd(15)} ${fields}`;
}

/** The --kind option: known kinds only, or a usage error that lists them. */
function kindsOf(v: string | undefined): MachineEvent['kind'][] | undefined {
  if (v === undefined) return undefined;
  const kinds = v.split(',').filter(Boolean);
  const unknown = kinds.filter((k) => !isEventKind(k));
  if (kinds.length === 0 || unknown.length > 0) {
    throw new UsageError(`--kind: ${unknown.length > 0 ? `no event kind ${unknown.join(', ')}` : 'no kind given'}; the kinds are ${EVENT_KINDS.join(', ')}`);
  }
  return kinds.filter(isEventKind);
}

export const eventsCommand: Command = {
  name: 'events',
  synopsis: SYNOPSIS,
  help: 'list the events of a recording',
  options: OPTIONS,
  async run(argv) {
    if (argv.includes('--help')) return printHelp('events', SYNOPSIS, OPTIONS);
    const { options, positional } = parseArgs(argv, OPTIONS, true);
    const file = one(positional, 'FILE');
    const kinds = kindsOf(options.get('kind') as string | undefined);
    const store = await openExisting(file);
    try {
      const branch = branchOf(store, options.get('branch'));
      const it = store.iterateEvents(branch, {
        pid: options.get('pid') as number | undefined,
        kinds,
        fromIcount: options.get('from') as Icount | undefined,
        toIcount: options.get('to') as Icount | undefined,
        limit: options.get('limit') as number | undefined,
      });
      const json = options.get('json') === true;
      const decoder = options.get('decode') === true ? new EventDecoder(store, branch) : null;
      for (const s of it) {
        if (json) console.log(JSON.stringify(jsonlRecord(s, decoder)));
        else if (decoder) console.log(`${String(s.seq).padStart(8)} ${String(s.event.icount).padStart(12)}  ${decoder.decode(s.event).summary}`);
        else console.log(`${String(s.seq).padStart(8)} ${formatEvent(s.event)}`);
      }
      return 0;
    } finally {
      store.close();
    }
  },
};
