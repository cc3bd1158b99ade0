/**
 * `xrr tui FILE [--branch B] [--at T]`: the time-travel terminal UI over a recording. Thin:
 * opens the journal (writable when it can, for bookmarks and forks), checks it can be replayed,
 * and renders src/tui's App on the alternate screen. Exit codes: 0 quit, 1 the recording cannot
 * be opened or replayed, 2 usage.
 */
import { existsSync } from 'node:fs';
import { createElement } from 'react';
import { render } from 'ink';
import { MACHINE_VERSION } from '../core/machine.js';
import { isJournalError } from '../journal/errors.js';
import { ROOT_BRANCH, branchId, type BranchId } from '../journal/ids.js';
import { restoreMachine } from '../journal/replay.js';
import { SqliteJournalStore } from '../journal/sqlite-store.js';
import { App } from '../tui/app.js';
import { TuiSession } from '../tui/session.js';
import { parseArgs, UsageError, usageOf, type OptionSpec } from './args.js';

export const TUI_SYNOPSIS = 'FILE [--branch B] [--at T]';
export const TUI_HELP = 'the time-travel UI: step, seek, inspect and fork a recording';

const TUI_OPTIONS: Record<string, OptionSpec> = {
  branch: { kind: 'int', help: 'branch to open (default 1, the recording itself)', valueName: 'B' },
  at: { kind: 'int', help: 'start at this icount (default: the end)', valueName: 'T' },
  help: { kind: 'flag', help: 'show this help' },
};

/** Opens FILE for the TUI, or returns why it cannot (a message, never an exception). */
export async function openRecording(file: string): Promise<{ ok: true; store: SqliteJournalStore; writable: boolean } | { ok: false; error: string }> {
  if (!existsSync(file)) return { ok: false, error: `no such recording: ${file}` };
  let store: SqliteJournalStore;
  let writable = true;
  try {
    store = await SqliteJournalStore.open(file, { readonly: false, create: false });
  } catch (e) {
    if (isJournalError(e, 'NOT_A_DATABASE') || isJournalError(e, 'NOT_A_JOURNAL') || isJournalError(e, 'NEWER_SCHEMA') || isJournalError(e, 'TRUNCATED') || isJournalError(e, 'CORRUPT')) {
      return { ok: false, error: `${file} is not a recording xrr can open: ${(e as Error).message}` };
    }
    try {
      store = await SqliteJournalStore.open(file, { readonly: true, create: false });
      writable = false;
    } catch (e2) {
      return { ok: false, error: `cannot open ${file}: ${(e2 as Error).message}` };
    }
  }
  try {
    const meta = store.getRecording();
    if (!meta) throw new Error(`${file} holds no recording`);
    const snaps = store.listSnapshots(ROOT_BRANCH);
    if (snaps.length === 0) throw new Error(`${file} has no snapshot to replay from (was the recording cut off?)`);
    const state = store.loadSnapshotState(snaps[0]!.id);
    if (state.length === 0) throw new Error(`${file}: the boot snapshot is empty`);
    if (meta.machineVersion !== MACHINE_VERSION && meta.machineVersion !== 'test') {
      throw new Error(`${file} was recorded by machine ${meta.machineVersion}; this xrr runs ${MACHINE_VERSION}`);
    }
    // Every view needs a machine: a recording whose boot snapshot does not restore is refused here,
    // with the reason, rather than on the first seek.
    try {
      restoreMachine(store, snaps[0]!);
    } catch (e) {
      throw new Error(`${file}: its boot snapshot does not restore in this xrr: ${(e as Error).message}`);
    }
  } catch (e) {
    store.close();
    return { ok: false, error: (e as Error).message };
  }
  return { ok: true, store, writable };
}

export async function tuiCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(usageOf('tui', TUI_SYNOPSIS, TUI_OPTIONS));
    return 0;
  }
  const { options, positional } = parseArgs(argv, TUI_OPTIONS, true);
  if (positional.length !== 1) throw new UsageError(positional.length === 0 ? 'FILE is required' : `unexpected argument ${positional[1]}`);
  const file = positional[0]!;
  const opened = await openRecording(file);
  if (!opened.ok) {
    console.error(`xrr tui: ${opened.error}`);
    return 1;
  }
  const { store } = opened;
  try {
    const branch: BranchId = options.get('branch') === undefined ? ROOT_BRANCH : branchId(options.get('branch') as number);
    if (!store.getBranch(branch)) {
      console.error(`xrr tui: ${file} has no branch ${branch}`);
      return 1;
    }
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      console.error('xrr tui: needs a terminal (stdin and stdout must be a TTY)');
      return 1;
    }
    const noColor = process.env['NO_COLOR'] !== undefined && process.env['NO_COLOR'] !== '';
    const session = new TuiSession(store, file);
    process.stdout.write('\x1b[?1049h\x1b[H'); // alternate screen: the shell's screen comes back on quit
    try {
      const app = render(createElement(App, { session, branch, noColor, startIcount: options.get('at') as number | undefined }), { exitOnCtrlC: false, patchConsole: true });
      await app.waitUntilExit();
    } finally {
      process.stdout.write('\x1b[?1049l');
    }
    return 0;
  } finally {
    store.close();
  }
}
