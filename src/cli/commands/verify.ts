/** `xrr verify FILE`: the hash chain, the schema, every page, and that every snapshot restores into a machine. */
import { SqliteJournalStore, verify, walDamage, type SealStatus, type VerifyProblem } from '../../journal/index.js';
import { MACHINE_VERSION } from '../../core/machine.js';
import { restoreMachine } from '../../timeline/machines.js';
import { parseArgs, type OptionSpec } from '../args.js';
import { one, printHelp, type Command } from '../command.js';
import { progressLine } from '../progress.js';
import { openExisting } from '../recording-file.js';
import { counted } from '../counted.js';

/** What a verdict rests on: the recording's own key, or only hashes anyone can recompute. */
const SEAL_NOTES: Record<SealStatus, string> = {
  keyed: 'seal: sealed, checked with this recording\'s key: every event, the end of every branch, every snapshot and the recording row are as the recorder committed them',
  withheld:
    'seal: withheld (a copy shared without its keys): the hashes show accidental damage, but not an edit whose hashes were recomputed; only the owner\'s file proves that',
  none: 'seal: unsealed (made before schema 5, or its key removed): the hashes show accidental damage, but not an edit whose hashes were recomputed',
};

const OPTIONS: Record<string, OptionSpec> = {
  upgrade: { kind: 'flag', help: 'if it verifies, upgrade a recording made by an older xrr to this schema, in place' },
  help: { kind: 'flag', help: 'show this help' },
};
const SYNOPSIS = '[--upgrade] FILE';

export const verifyCommand: Command = {
  name: 'verify',
  synopsis: SYNOPSIS,
  help: 'check the hash chain, the schema and that every snapshot restores',
  async run(argv) {
    if (argv.includes('--help')) return printHelp('verify', SYNOPSIS, OPTIONS);
    const { options, positional } = parseArgs(argv, OPTIONS, true);
    const file = one(positional, 'FILE');
    // What SQLite reads may be a shorter recording than was committed: its WAL cut short by damage.
    const wal = walDamage(file);
    let store: SqliteJournalStore;
    try {
      store = await openExisting(file);
    } catch (e) {
      if (wal === undefined) throw e;
      console.log(`problem: ${wal}`);
      console.log(`FAILED: ${(e as Error).message}`);
      return 3;
    }
    const upgrade = options.get('upgrade') === true && store.upgradedFrom !== null;
    try {
      const stats = store.stats();
      const total = { events: stats.events, snapshots: stats.snapshots, pages: stats.pages };
      const bars = { events: progressLine('verifying events'), snapshots: progressLine('restoring snapshots'), pages: progressLine('checking pages') };
      const report = verify(store, { progress: (phase, done) => bars[phase](done, total[phase]) });
      let ok = report.ok;
      for (const p of report.problems) console.log(`problem: ${describeProblem(p)}`);
      if (wal !== undefined) {
        ok = false;
        console.log(`problem: ${wal}`);
      }
      // Every snapshot must restore into a machine; a copy shared without its keys cannot restore
      // any (the IPC key pairs are re-derived from the key seed), and says so instead.
      const shared = store.keySeed() === 'withheld';
      if (shared) console.log('note: a copy shared without its keys: snapshots are checked for their pages, not restored');
      // A recording of another machine version is intact or not all the same; this xrr just cannot
      // run its snapshots, which replay refuses with both versions named.
      const made = store.getRecording()?.machineVersion;
      const foreign = made !== undefined && made !== MACHINE_VERSION;
      if (foreign) console.log(`note: made by machine ${made}; this xrr runs ${MACHINE_VERSION}: snapshots are checked for their pages and digests, not restored`);
      for (const s of shared || foreign ? [] : store.allSnapshots()) {
        try {
          restoreMachine(store, s);
        } catch (e) {
          ok = false;
          console.log(`problem: snapshot ${s.id} (branch ${s.branch}, icount ${s.icount}) does not restore: ${(e as Error).message}`);
        }
      }
      console.log(SEAL_NOTES[report.seal]);
      const chain = report.firstBrokenEvent ? `broken at branch ${report.firstBrokenEvent.branch} seq ${report.firstBrokenEvent.seq}` : 'intact';
      console.log(`${ok ? 'ok' : 'FAILED'}: ${counted(report.branches, 'branch', 'branches')}, ${counted(report.events, 'event')} (hash chain ${chain}), ${counted(report.snapshots, 'snapshot')}, ${counted(report.pages, 'page')}, ${counted(report.debugFiles, 'debug file')}`);
      if (!ok) return 3;
      if (upgrade) {
        // Only a file that verified is rewritten: upgrading a damaged one would destroy what could be recovered.
        store.close();
        const writable = await SqliteJournalStore.open(file, { readonly: false, create: false });
        const unsealed = report.seal === 'none' ? ' (still unsealed: an upgrade cannot vouch for what it did not record)' : '';
        console.log(`upgraded ${file} from schema version ${store.upgradedFrom} to schema version ${writable.schemaVersion}${unsealed}`);
        writable.close();
      }
      return 0;
    } finally {
      store.close();
    }
  },
};

/** A problem as a line for people: what it is about, then what is wrong with it. */
function describeProblem(p: VerifyProblem): string {
  switch (p.kind) {
    case 'container': return p.message;
    case 'event': return `event ${p.seq} of branch ${p.branch}: ${p.message}`;
    case 'branch': return `branch ${p.branch}: ${p.message}`;
    case 'snapshot': return `snapshot ${p.snapshot}: ${p.message}`;
    case 'page': return `page ${p.hash}: ${p.message}`;
    case 'debug-file': return `debug file ${p.guestSha256}: ${p.message}`;
  }
}
