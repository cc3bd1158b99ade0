/** `xrr ls [DIR]`: the recordings in recordings/ (or DIR), with their sizes and command lines. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SqliteJournalStore } from '../../journal/sqlite-store.js';
import { parseArgs } from '../args.js';
import { printHelp, type Command } from '../command.js';
import { RECORDINGS_DIR } from '../recording-file.js';

export const lsCommand: Command = {
  name: 'ls',
  synopsis: '[DIR]',
  help: 'list the recordings in recordings/',
  async run(argv) {
    if (argv.includes('--help')) return printHelp('ls', '[DIR]', {});
    const { positional } = parseArgs(argv, {}, true);
    const dir = positional[0] ?? RECORDINGS_DIR;
    if (!existsSync(dir)) {
      console.log(`no recordings (${dir} does not exist)`);
      return 0;
    }
    const files = readdirSync(dir).filter((f) => f.endsWith('.db')).sort();
    if (files.length === 0) console.log(`no recordings in ${dir}`);
    for (const f of files) {
      const path = join(dir, f);
      try {
        const store = await SqliteJournalStore.open(path, { readonly: true, create: false });
        const meta = store.getRecording();
        const stats = store.stats();
        console.log(`${basename(f).padEnd(32)} ${(statSync(path).size / 1024).toFixed(0).padStart(7)} KiB  ${String(stats.events).padStart(9)} events  ${stats.branches} branch(es)  ${meta?.commandLine.slice(1).join(' ') ?? ''}`);
        store.close();
      } catch (e) {
        console.log(`${basename(f).padEnd(32)} unreadable: ${(e as Error).message}`);
      }
    }
    return 0;
  },
};
