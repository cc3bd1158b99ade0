/**
 * `xrr rm FILE...`: remove recordings with their WAL files. Only files xrr opens as recordings are
 * removed (a *.db that is something else is refused), so a slip of the shell cannot delete
 * another database. Exit status 1 when one was refused, 0 when every one was removed.
 */
import { existsSync } from 'node:fs';
import { parseArgs, UsageError, type OptionSpec } from '../args.js';
import { printHelp, type Command } from '../command.js';
import { humanSize, recordingFacts, removeRecording, sizeOnDisk } from '../recording-files.js';

const OPTIONS: Record<string, OptionSpec> = {
  'dry-run': { kind: 'flag', help: 'say what would be removed, remove nothing' },
  help: { kind: 'flag', help: 'show this help' },
};
const SYNOPSIS = '[--dry-run] FILE...';

export const rmCommand: Command = {
  name: 'rm',
  synopsis: SYNOPSIS,
  help: 'remove recordings (only files that are recordings)',
  options: OPTIONS,
  async run(argv) {
    if (argv.includes('--help')) return printHelp('rm', SYNOPSIS, OPTIONS);
    const { options, positional } = parseArgs(argv, OPTIONS, true);
    if (positional.length === 0) throw new UsageError('FILE... is required');
    const dry = options.get('dry-run') === true;
    let status = 0;
    let freed = 0;
    for (const file of positional) {
      if (!existsSync(file)) {
        console.error(`xrr rm: ${file}: no such file`);
        status = 1;
        continue;
      }
      const r = await recordingFacts(file);
      if (!r.ok) {
        console.error(`xrr rm: ${file}: not a recording xrr can open, left alone (${r.error})`);
        status = 1;
        continue;
      }
      const bytes = sizeOnDisk(file);
      if (!dry) removeRecording(file);
      freed += bytes;
      console.log(`${dry ? 'would remove' : 'removed'} ${file} (${humanSize(bytes)})`);
    }
    if (positional.length > 1) console.log(`${dry ? 'would free' : 'freed'} ${humanSize(freed)}`);
    return status;
  },
};
