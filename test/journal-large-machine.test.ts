/**
 * A large machine records and replays: 250 processes alive at once (guest/src/fillfs.c) over a
 * 400 MiB file system. (A process's stack counts against the machine's 256 MiB only as far as it
 * has grown, src/core/kernel/stack-growth.ts: each of these maps about 200 KiB, so the Process
 * Manager's limit of 256 comes before the memory; with the whole 1 MiB stack mapped, as before
 * machine 7, about 236 fitted.) Its snapshots used to exceed zstd-codec's 16 MiB heap (a stream of "OOM"
 * lines and a journal that silently stopped at the last good snapshot); now every snapshot is
 * stored, the journal verifies, and a replay from the crowded snapshot reaches the end with every
 * event equal.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT_BRANCH, SqliteJournalStore, verify } from '../src/journal/index.js';
import { decodeState } from '../src/journal/snapshot-codec.js';
import type { SnapshotRecord } from '../src/journal/store.js';
import { StoreTarget } from '../src/timeline/record-target.js';
import { Recorder } from '../src/timeline/recorder.js';
import { replay } from '../src/timeline/replay.js';
import { newMachine, seedBytes } from './support/boot.js';

const dir = mkdtempSync(join(tmpdir(), 'xrr-large-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MIB = 1 << 20;
const FILES = 100;
const FILE_BYTES = 4 * MIB;
const PROCS = 250;

/** File f of the big file system: every 4 KiB block different (its number first), the rest one byte, so it compresses. */
function bigFile(f: number): Uint8Array {
  const b = new Uint8Array(FILE_BYTES);
  const v = new DataView(b.buffer);
  for (let block = 0; block < FILE_BYTES / 4096; block++) {
    b.fill((f + block) & 0xff, block * 4096, (block + 1) * 4096);
    v.setUint32(block * 4096, f, true);
    v.setUint32(block * 4096 + 4, block, true);
  }
  return b;
}

describe('a machine with 250 processes and a 400 MiB file system', () => {
  it('records every snapshot and replays from the crowded one', { timeout: 900_000 }, async () => {
    const files: Record<string, Uint8Array> = {};
    for (let f = 0; f < FILES; f++) files[`/home/big-${f}`] = bigFile(f);
    const path = join(dir, 'large.db');
    const store = await SqliteJournalStore.open(path);
    store.createRecording({ machineVersion: 'test', imageHash: 'x', seedHex: Buffer.from(seedBytes(3)).toString('hex'), bootEpochNs: '1750000000000000000', commandLine: [], xrrVersion: 'test' });
    const { machine, output } = newMachine({ seed: 3, initArgv: ['/sbin/init', '/bin/fillfs', '1', String(PROCS)], files });
    const target = new StoreTarget(store, ROOT_BRANCH);
    const recorder = new Recorder(machine, target, { snapshotNow: false });
    expect(machine.boot()).toBeUndefined();
    recorder.snapshot();
    let crowded: SnapshotRecord | undefined;
    for (let i = 0; i < 10_000; i++) {
      const stop = recorder.run();
      if (stop.kind === 'halted') break;
      if (stop.kind === 'idle') {
        expect(crowded, 'waits for input once').toBeUndefined();
        // Every process is blocked: the parent on the console, its children on a pipe.
        recorder.snapshot();
        crowded = target.taken.at(-1);
        machine.input(new TextEncoder().encode('go\n'));
      }
    }
    store.flush();
    expect(output()).toContain(`fillfs: ${PROCS} processes running`);
    expect(output()).toContain(`fillfs: reaped ${PROCS - 1} children`);
    expect(crowded).toBeDefined();
    const state = decodeState(store.loadSnapshotState(crowded!.id));
    // zstd-codec cannot compress this in one call: input and output together exceed its 16 MiB heap.
    expect(JSON.stringify(state).length).toBeGreaterThan(8 * MIB);
    expect(store.snapshotPages(crowded!.id).length).toBeGreaterThan((FILES * FILE_BYTES) / 4096);
    // The file system is stored once, compressed, however many snapshots name it.
    expect(statSync(path).size).toBeLessThan(FILES * FILE_BYTES / 4);
    const total = store.branchLength(ROOT_BRANCH);
    store.close();

    const reopened = await SqliteJournalStore.open(path, { readonly: true });
    const report = verify(reopened);
    expect(report.problems).toEqual([]);
    expect(report.snapshots).toBe(reopened.listSnapshots(ROOT_BRANCH).length);
    const r = replay(reopened, ROOT_BRANCH, { from: crowded!.icount });
    expect(r.snapshot.id).toBe(crowded!.id);
    expect(r.snapshot.seq + r.matched).toBe(total);
    expect(r.machine.kernel.halted).toBeTruthy();
    reopened.close();
  });
});
