/**
 * The debug files of a recording (src/symbols/debug-files.ts): each time a process of the
 * recorded machine execs a program, the program's bytes are read from the machine's file system
 * and, when the image offers a debug file for them, it is stored in the recording once. A
 * recording so carries the DWARF of the programs that ran and of no other, the way rr keeps only
 * the files a trace mapped. Init's program, which the machine loads at boot without an exec event,
 * is read at the boot event. Both record targets (StoreTarget, BackgroundJournal) call it from
 * their emit, so it sees the exec events whatever else the machine's events are teed to.
 *
 * The program is read when its exec event is emitted: the kernel has just loaded it from the VFS,
 * so these are the bytes that run. A path the VFS cannot resolve from the root (a relative one)
 * stores nothing: that program is symbolized from its own bytes, as before debug files.
 */
import type { Machine } from '../core/machine.js';
import { guestFileSha256, type DebugFiles } from '../symbols/debug-files.js';
import { readGuestFile } from '../symbols/guest-images.js';

export class DebugFileCollector {
  /** Keys looked at already: each program is hashed and offered once per recording. */
  private readonly seen = new Set<string>();

  /** `store` puts a debug file into the recording (in the writer's order). */
  constructor(
    private readonly machine: Machine,
    readonly files: DebugFiles,
    private readonly store: (guestSha256: string, elf: Uint8Array) => void,
  ) {}

  /** The machine boots (its boot event, being emitted): init's program is loaded next, from its file system as it is. */
  boot(): void {
    const path = this.machine.initArgv[0];
    if (path !== undefined) this.exec(path);
  }

  /** A process of the machine has exec'd `path` (its exec event, being emitted). */
  exec(path: string): void {
    const bytes = readGuestFile(this.machine, path);
    if (bytes === undefined) return;
    const key = guestFileSha256(bytes);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const elf = this.files.debugFile(key);
    if (elf !== undefined) this.store(key, elf);
  }
}
