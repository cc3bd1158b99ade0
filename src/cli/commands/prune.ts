/**
 * `xrr prune --older-than DURATION [--dry-run] [DIR]`: remove the recordings in recordings/ (or
 * DIR) last written more than DURATION ago. Only *.db files xrr opens as recordings go, and never
 * a shipped sample (sample-*.db: `xrr rm` removes one when it is named).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, UsageError, type OptionSpec } from '../args.js';
import { printHelp, type Command } from '../command.js';
import { RECORDINGS_DIR } from '../recording-file.js';
import { humanAge, humanSize, isSample, parseDuration, recordingFacts, removeRecording, sizeOnDisk } from '../recording-files.js';

const OPTIONS: Record<string, OptionSpec> = {
  'older-than': { kind: 'string', help: 'remove recordings last written longer ago than this: 30m, 12h, 7d, 2w', valueName: 'DURATION' },
  'dry-run': { kind: 'flag', help: 'say what would be removed, remove nothing' },
  help: { kind: 'flag', help: 'show this help' },
};
const SYNOPSIS = '--older-than DURATION [--dry-run] [DIR]';

export const pruneCommand: Command = {
  name: 'prune',
  synopsis: SYNOPSIS,
  help: 'remove the recordings older than a duration (never the shipped samples)',
  options: OPTIONS,
  async run(argv) {
    if (argv.includes('--help')) return printHelp('prune', SYNOPSIS, OPTIONS);
    const { options, positional } = parseArgs(argv, OPTIONS, true);
    const olderThan = options.get('older-than') as string | undefined;
    if (olderThan === undefined) throw new UsageError('--older-than DURATION is required');
    const maxAge = parseDuration(olderThan, '--older-than');
    if (positional.length > 1) throw new UsageError(`one directory, got ${positional.length}`);
    const dir = positional[0] ?? RECORDINGS_DIR;
    if (!existsSync(dir)) throw new UsageError(`no such directory ${dir}`);
    const dry = options.get('dry-run') === true;
    const now = Date.now();
    let count = 0;
    let freed = 0;
    for (const f of readdirSync(dir).filter((name) => name.endsWith('.db')).sort()) {
      const file = join(dir, f);
      if (isSample(file)) continue;
      const age = now - statSync(file).mtimeMs;
      if (age <= maxAge) continue;
      if (!(await recordingFacts(file)).ok) continue;
      const bytes = sizeOnDisk(file);
      if (!dry) removeRecording(file);
      count++;
      freed += bytes;
      console.log(`${dry ? 'would remove' : 'removed'} ${file} (${humanSize(bytes)}, ${humanAge(age)} old)`);
    }
    console.log(`${dry ? 'would remove' : 'removed'} ${count} recording${count === 1 ? '' : 's'}, ${humanSize(freed)}`);
    return 0;
  },
};
