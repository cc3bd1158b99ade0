/** `xrr ls [DIR]`: the recordings in recordings/ (or DIR): size on disk, age, events, branches, command line. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, UsageError } from '../args.js';
import { printHelp, type Command } from '../command.js';
import { RECORDINGS_DIR } from '../recording-file.js';
import { humanAge, humanSize, recordingFacts, sizeOnDisk } from '../recording-files.js';

const SYNOPSIS = '[DIR]';

export const lsCommand: Command = {
  name: 'ls',
  synopsis: SYNOPSIS,
  help: 'list the recordings in recordings/ with their sizes and ages',
  options: {},
  async run(argv) {
    if (argv.includes('--help')) return printHelp('ls', SYNOPSIS, {});
    const { positional } = parseArgs(argv, {}, true);
    if (positional.length > 1) throw new UsageError(`one directory, got ${positional.length}`);
    const dir = positional[0] ?? RECORDINGS_DIR;
    if (!existsSync(dir)) {
      console.log(`no recordings (${dir} does not exist)`);
      return 0;
    }
    const files = readdirSync(dir).filter((f) => f.endsWith('.db')).sort();
    if (files.length === 0) {
      console.log(`no recordings in ${dir}`);
      return 0;
    }
    const now = Date.now();
    let total = 0;
    console.log(`${'FILE'.padEnd(36)} ${'SIZE'.padStart(10)} ${'AGE'.padStart(5)} ${'EVENTS'.padStart(10)}  BRANCHES  COMMAND`);
    for (const f of files) {
      const path = join(dir, f);
      const bytes = sizeOnDisk(path);
      total += bytes;
      const age = humanAge(now - statSync(path).mtimeMs);
      const r = await recordingFacts(path);
      const head = `${f.padEnd(36)} ${humanSize(bytes).padStart(10)} ${age.padStart(5)}`;
      if (!r.ok) {
        console.log(`${head}  not a recording xrr can open: ${r.error}`);
        continue;
      }
      const { meta, events, branches } = r.facts;
      console.log(`${head} ${String(events).padStart(10)}  ${String(branches).padStart(8)}  ${meta.commandLine.slice(1).join(' ')}`);
    }
    console.log(`${files.length} file${files.length === 1 ? '' : 's'}, ${humanSize(total)}; xrr rm FILE... or xrr prune --older-than 7d frees space`);
    return 0;
  },
};
