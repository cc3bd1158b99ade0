/** `xrr info FILE`: what a recording holds: machine, seed, image, keys, the branch tree, sizes. */
import { statSync } from 'node:fs';
import { MACHINE_VERSION } from '../../core/machine.js';
import { buildBranchTree, type BranchTreeNode } from '../../journal/store.js';
import { parseArgs } from '../args.js';
import { one, printHelp, type Command } from '../command.js';
import { openExisting } from '../recording-file.js';
import { counted } from '../counted.js';

export const infoCommand: Command = {
  name: 'info',
  synopsis: 'FILE',
  help: 'what a recording holds: machine, seed, branches, sizes',
  options: {},
  async run(argv) {
    if (argv.includes('--help')) return printHelp('info', 'FILE', {});
    const { positional } = parseArgs(argv, {}, true);
    const file = one(positional, 'FILE');
    const store = await openExisting(file);
    try {
      const meta = store.getRecording();
      if (!meta) throw new Error(`${file} has no recording`);
      const stats = store.stats();
      console.log(`recording   ${file} (${(statSync(file).size / 1024).toFixed(0)} KiB, schema ${store.schemaVersion})`);
      console.log(`machine     ${meta.machineVersion}${meta.machineVersion === MACHINE_VERSION ? '' : ` (this xrr runs ${MACHINE_VERSION}: cannot replay)`}`);
      console.log(`created     ${meta.createdAt} by xrr ${meta.xrrVersion}`);
      console.log(`command     ${meta.commandLine.join(' ')}`);
      console.log(`seed        ${meta.seedHex}`);
      console.log(`boot epoch  ${new Date(Number(BigInt(meta.bootEpochNs) / 1_000_000n)).toISOString()}`);
      console.log(`image       ${meta.imageHash.slice(0, 16)}`);
      console.log(`contents    ${counted(stats.events, 'event')}, ${counted(stats.snapshots, 'snapshot')}, ${counted(stats.pages, 'page')} (${(stats.pageBytes / 1024).toFixed(0)} KiB compressed)`);
      const debugFiles = store.debugFileKeys().length;
      console.log(`debug info  ${debugFiles === 0 ? 'no debug files: programs are symbolized from the file system as recorded' : `${counted(debugFiles, 'debug file')}: the full ELFs of the programs that ran (symbols, source lines, gdb)`}`);
      const seed = store.keySeed();
      const keys = store.channelKeys().length;
      console.log(
        `keys        ${
          seed === 'withheld'
            ? 'withheld: a shared copy (sealed messages stay sealed; it cannot be replayed)'
            : seed === null
              ? `${keys} channel keys (channel_key); recorded before keys were kept apart, so the seed derives them too`
              : `${keys} channel keys and the key seed, kept apart (xrr share writes a copy without them)`
        }`,
      );
      console.log('branches');
      const print = (n: BranchTreeNode, depth: number) => {
        const b = n.branch;
        const last = store.events(b.id, { order: 'desc', limit: 1 })[0];
        const halted = store.countEvents(b.id, { kinds: ['halt'] }) > 0;
        const crashes = store.countEvents(b.id, { kinds: ['server-crash'] });
        console.log(
          `  ${'  '.repeat(depth)}${b.id} ${b.label || '(unnamed)'}: ${counted(store.branchLength(b.id), 'event')}, to icount ${last?.icount ?? 0}` +
            (b.parent === null ? '' : `, forked from ${b.parent} at icount ${b.forkIcount}`) +
            (crashes ? `, ${crashes} server crash${crashes === 1 ? '' : 'es'}` : '') +
            (halted ? ', halted' : ''),
        );
        for (const c of n.children) print(c, depth + 1);
      };
      for (const root of buildBranchTree(store.listBranches())) print(root, 0);
      return 0;
    } finally {
      store.close();
    }
  },
};
