/**
 * The shipped sample recordings (recordings/sample-*.db) open, verify and replay with this
 * build's machine. When the machine changes so that one no longer replays, this fails and says
 * how to rebuild them (npm run samples), so users never get a sample that does not work.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MACHINE_VERSION } from '../src/core/machine.js';
import { ROOT_BRANCH } from '../src/journal/ids.js';
import { replay } from '../src/timeline/replay.js';
import { SqliteJournalStore } from '../src/journal/sqlite-store.js';
import { verify } from '../src/journal/verify.js';
import { openerFor } from '../src/tui/ipc-open.js';

const DIR = resolve(import.meta.dirname, '../recordings');
const samples = readdirSync(DIR).filter((f) => /^sample-.*\.db$/.test(f));

describe('shipped sample recordings', () => {
  it('there is at least one', () => {
    expect(samples).toContain('sample-vfs-crash.db');
  });

  for (const name of samples) {
    it(`${name} verifies and replays with no divergence`, async () => {
      const store = await SqliteJournalStore.open(join(DIR, name), { readonly: true, create: false });
      try {
        const meta = store.getRecording()!;
        expect(meta.machineVersion, `${name} was recorded by ${meta.machineVersion}; run npm run samples`).toBe(MACHINE_VERSION);
        const report = verify(store);
        expect(report.problems).toEqual([]);
        const r = replay(store, ROOT_BRANCH);
        expect(r.machine.icount).toBe(store.events(ROOT_BRANCH, { order: 'desc', limit: 1 })[0]!.icount);
      } finally {
        store.close();
      }
    });
  }

  it('sample-vfs-crash.db holds the injected VFS crash and the restart; every sealed message opens', async () => {
    const store = await SqliteJournalStore.open(join(DIR, 'sample-vfs-crash.db'), { readonly: true, create: false });
    try {
      const [crash] = store.events(ROOT_BRANCH, { kinds: ['server-crash'] });
      expect(crash).toBeDefined();
      expect(store.countEvents(ROOT_BRANCH, { kinds: ['server-restart'] })).toBe(1);
      // At the end the VFS has new channel keys; a message to it from before the crash opens only
      // with the key journaled when the first channel was set up.
      const atEnd = replay(store, ROOT_BRANCH).machine;
      const early = store.events(ROOT_BRANCH, { kinds: ['ipc'], toIcount: crash!.icount }).find((e) => e.event.kind === 'ipc' && e.event.dst === 2)!;
      const wire = (early.event as { wire: Uint8Array }).wire;
      expect(openerFor(atEnd)!(wire).ok).toBe(false);
      expect(openerFor(atEnd, store.channelKeys())!(wire)).toMatchObject({ ok: true, via: 'journal' });
      for (const e of store.events(ROOT_BRANCH, { kinds: ['ipc'] })) {
        expect(openerFor(atEnd, store.channelKeys())!((e.event as { wire: Uint8Array }).wire).ok, `event ${e.seq}`).toBe(true);
      }
    } finally {
      store.close();
    }
  });
});
