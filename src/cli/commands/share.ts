/**
 * `xrr share FILE --out COPY`: a compacted copy of a recording without its channel keys and key
 * seed: its events, snapshots and hash chain can be read and verified and its wires seen, but not
 * opened, nor the run replayed (re-sealing needs the keys). A recording made before keys were kept
 * apart is refused: its keys follow from the seed that every copy holds.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, UsageError, type OptionSpec } from '../args.js';
import { one, printHelp, type Command } from '../command.js';
import { openExisting } from '../recording-file.js';

const OPTIONS: Record<string, OptionSpec> = {
  out: { kind: 'string', help: 'the copy to write (must not exist)', valueName: 'COPY' },
  help: { kind: 'flag', help: 'show this help' },
};

export const shareCommand: Command = {
  name: 'share',
  synopsis: 'FILE --out COPY',
  help: 'a copy without the channel keys and key seed, to share',
  async run(argv) {
    if (argv.includes('--help')) return printHelp('share', 'FILE --out COPY', OPTIONS);
    const { options, positional } = parseArgs(argv, OPTIONS, true);
    const file = one(positional, 'FILE');
    const out = options.get('out') as string | undefined;
    if (out === undefined) throw new UsageError('--out COPY is required');
    if (existsSync(out)) throw new UsageError(`${out} exists; choose another --out`);
    const store = await openExisting(file);
    try {
      if (store.keySeed() === null) {
        console.error(`xrr share: ${file} was recorded before the key seed was kept apart: anyone with a copy can derive its keys from the recorded seed`);
        return 1;
      }
      store.exportTo(resolve(out), { withKeys: false });
      console.log(`wrote ${out}: events, snapshots and the hash chain; no channel keys, no key seed`);
      return 0;
    } finally {
      store.close();
    }
  },
};
