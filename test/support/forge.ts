/**
 * What an editor without the seal key can do to a recording after changing its rows, through
 * sqlite3 as anyone with the file can: recompute the SHA-256 block chain and branch head of the
 * root timeline, and the chain of its snapshots' digests. Shared by the tamper test and the
 * edit campaign of `npm run soak`.
 */
import type Database from 'better-sqlite3';
import { BLOCK_EVENTS, ChainCursor, ZERO_HASH } from '../../src/journal/block-chain.js';
import { ROOT_BRANCH } from '../../src/journal/ids.js';
import { nextSnapshotHash } from '../../src/journal/seal.js';
import { SqliteJournalStore } from '../../src/journal/sqlite-store.js';

/** Recomputes every block hash and the head of branch 1 from its rows as they now are. */
export async function recomputeChain(db: Database.Database): Promise<void> {
  const path = db.name;
  const s = await SqliteJournalStore.open(path, { readonly: true, create: false });
  const rows = s.rawEvents(ROOT_BRANCH, 0, 10_000_000);
  s.close();
  const chain = ChainCursor.at(0, ZERO_HASH, []);
  db.prepare('DELETE FROM event_block WHERE branch = 1').run();
  const put = db.prepare('INSERT INTO event_block (branch, block, count, hash, mac) VALUES (1, ?, ?, ?, (SELECT mac FROM event_block WHERE 0))');
  for (const r of rows) if (chain.add(r)) put.run(chain.block - 1, BLOCK_EVENTS, Buffer.from(chain.previousBlockHash));
  if (chain.rowsInBlock > 0) put.run(chain.block, chain.rowsInBlock, Buffer.from(chain.current()));
  db.prepare('UPDATE branch SET head_seq = ?, head_hash = ? WHERE id = 1').run(rows.length, Buffer.from(chain.current()));
}

/** Recomputes branch 1's snapshot count and the chain of its snapshots' digests, as its rows now are. */
export function recomputeSnapshotChain(db: Database.Database): void {
  let chain: Uint8Array | null = null;
  const rows = db.prepare('SELECT digest FROM snapshot WHERE branch = 1 ORDER BY id').all() as { digest: Buffer }[];
  for (const r of rows) chain = nextSnapshotHash(chain, r.digest);
  db.prepare('UPDATE branch SET snap_count = ?, snap_hash = ? WHERE id = 1').run(rows.length, chain === null ? null : Buffer.from(chain));
}
