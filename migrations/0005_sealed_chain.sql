-- Schema 5: a keyed seal over the hash chain, the branch heads and the snapshots.
-- The sha256 chain of schema 4 catches accidental damage, but anyone can recompute it after an
-- edit. Every recording now gets a random seal key of its own, kept apart like the channel keys
-- and the key seed (`xrr share` empties it); an HMAC-SHA256 under a key derived from it
-- (src/journal/seal.ts) is stored with every chain block, every branch head and every snapshot,
-- so the owner of the file detects any edit, a recomputed chain included. A recording made
-- before this schema has no seal_key row: `xrr verify` reports it as unsealed.

CREATE TABLE seal_key (
  id  INTEGER PRIMARY KEY CHECK (id = 1),
  key BLOB NOT NULL                      -- 32 random bytes; empty in a copy shared without keys
);

-- HMAC of (branch, block, count, hash): a recomputed chain no longer matches.
ALTER TABLE event_block ADD COLUMN mac BLOB;

-- The branch's snapshots as a chain of their digests (count and value after the last), and an
-- HMAC over the branch (parent, fork point), its head (head_seq, head_hash), its snapshot chain
-- and the recording row: a cut tail, a deleted snapshot or an edited seed no longer matches.
ALTER TABLE branch ADD COLUMN snap_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE branch ADD COLUMN snap_hash BLOB;
ALTER TABLE branch ADD COLUMN head_mac BLOB;

-- sha256 over the snapshot's position, its uncompressed state, its page list and the chain value
-- at its seq; and the HMAC of that digest. NULL in snapshots made before schema 5.
ALTER TABLE snapshot ADD COLUMN digest BLOB;
ALTER TABLE snapshot ADD COLUMN mac BLOB;
