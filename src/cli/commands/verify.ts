/** `xrr verify FILE`: the hash chain, the schema, every page, and that every snapshot restores into a machine. */
import { verify } from '../../journal/verify.js';
import { restoreMachine } from '../../timeline/machines.js';
import { parseArgs } from '../args.js';
import { one, printHelp, type Command } from '../command.js';
import { progressLine } from '../progress.js';
import { openExisting } from '../recording-file.js';
import { counted } from '../counted.js';

export const verifyCommand: Command = {
  name: 'verify',
  synopsis: 'FILE',
  help: 'check the hash chain, the schema and that every snapshot restores',
  async run(argv) {
    if (argv.includes('--help')) return printHelp('verify', 'FILE', {});
    const { positional } = parseArgs(argv, {}, true);
    const store = await openExisting(one(positional, 'FILE'));
    try {
      const stats = store.stats();
      const total = { events: stats.events, snapshots: stats.snapshots, pages: stats.pages };
      const bars = { events: progressLine('verifying events'), snapshots: progressLine('restoring snapshots'), pages: progressLine('checking pages') };
      const report = verify(store, { progress: (phase, done) => bars[phase](done, total[phase]) });
      let ok = report.ok;
      for (const p of report.problems) console.log(`problem: ${JSON.stringify(p)}`);
      // Every snapshot must restore into a machine; a copy shared without its keys cannot restore
      // any (the IPC key pairs are re-derived from the key seed), and says so instead.
      const shared = store.keySeed() === 'withheld';
      if (shared) console.log('note: a copy shared without its keys: snapshots are checked for their pages, not restored');
      for (const s of shared ? [] : store.allSnapshots()) {
        try {
          restoreMachine(store, s);
        } catch (e) {
          ok = false;
          console.log(`problem: snapshot ${s.id} (branch ${s.branch}, icount ${s.icount}) does not restore: ${(e as Error).message}`);
        }
      }
      const chain = report.firstBrokenEvent ? `broken at branch ${report.firstBrokenEvent.branch} seq ${report.firstBrokenEvent.seq}` : 'intact';
      console.log(`${ok ? 'ok' : 'FAILED'}: ${counted(report.branches, 'branch', 'branches')}, ${counted(report.events, 'event')} (hash chain ${chain}), ${counted(report.snapshots, 'snapshot')}, ${counted(report.pages, 'page')}`);
      return ok ? 0 : 3;
    } finally {
      store.close();
    }
  },
};
