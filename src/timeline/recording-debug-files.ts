/**
 * A recording's debug files (the journal's debug_file table) as the symbol readers' lookup
 * (src/symbols/debug-files.ts). A debug file that fails its checks (its bytes, size or seal) is
 * as good as none: the program is symbolized from its own bytes, and `xrr verify` names the
 * damage; a reader never fails on it.
 */
import { isJournalError } from '../journal/index.js';
import type { JournalStore } from '../journal/store.js';
import type { DebugFiles } from '../symbols/debug-files.js';

export function recordingDebugFiles(store: JournalStore): DebugFiles {
  // Found files are kept (a key's file never changes); a miss is asked again, since a live run's
  // recording may store the file later.
  const found = new Map<string, Uint8Array>();
  return {
    debugFile(guestSha256) {
      const hit = found.get(guestSha256);
      if (hit !== undefined) return hit;
      let elf: Uint8Array | null;
      try {
        elf = store.debugFile(guestSha256);
      } catch (e) {
        if (isJournalError(e, 'CORRUPT')) return undefined;
        throw e;
      }
      if (elf === null) return undefined;
      found.set(guestSha256, elf);
      return elf;
    },
  };
}
