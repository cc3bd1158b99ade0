-- Schema 8: compact snapshots and pages (src/journal/snapshot-codec.ts, measured in
-- src/journal/README.md). A snapshot's state may be compressed with an earlier snapshot's state (a
-- keyframe of its branch, `base`) as a zstd dictionary, and its page list is the pages' ids rather
-- than their 32-byte hashes: consecutive machine states share most of their bytes, so a snapshot
-- costs a tenth of what it did. `codec` says how a row's blobs are stored; rows written before keep
-- codec 0. Pages are compressed with a dictionary of sample pages (`page_dictionary`): a 4 KiB
-- page alone compresses poorly, and the guest's programs share most of their code (libc).

-- Pages get an explicit integer id, so that VACUUM (which `xrr share` and the samples run) keeps
-- it: a rowid alone may be renumbered. The ids are the old rowids.
CREATE TABLE page_by_id (
  id         INTEGER PRIMARY KEY,
  hash       BLOB NOT NULL UNIQUE,          -- sha256 of the uncompressed bytes
  size       INTEGER NOT NULL,              -- uncompressed bytes
  data       BLOB NOT NULL,                 -- zstd frames
  dictionary INTEGER                        -- page_dictionary.id data was compressed with; NULL: none
);
INSERT INTO page_by_id (id, hash, size, data) SELECT rowid, hash, size, data FROM page ORDER BY rowid;
DROP TABLE page;
ALTER TABLE page_by_id RENAME TO page;

-- A zstd raw-content dictionary: the first pages of the first large batch of pages, one after the
-- other, stored as zstd frames. One per journal in practice.
CREATE TABLE page_dictionary (
  id   INTEGER PRIMARY KEY,
  data BLOB NOT NULL
);

-- 0: state is zstd frames, page_hashes the 32-byte hashes one after the other.
-- 1: state is zstd frames made with the state of snapshot `base` as dictionary (base NULL: none),
--    page_hashes is zstd frames of page ids as zigzag varints of their differences.
ALTER TABLE snapshot ADD COLUMN codec INTEGER NOT NULL DEFAULT 0;
ALTER TABLE snapshot ADD COLUMN base INTEGER;              -- snapshot.id of the keyframe (the store checks it)

-- The two tables keyed by several columns, with few rows, become WITHOUT ROWID: the primary key is
-- then the table itself rather than a table and an index beside it, one 64 KiB page less each in
-- every new file (1% of a short recording).
CREATE TABLE channel_key_by_key (
  branch    INTEGER NOT NULL REFERENCES branch(id),
  src       INTEGER NOT NULL,
  dst       INTEGER NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('forward', 'reverse')),  -- forward seals src -> dst
  icount    INTEGER NOT NULL,               -- when the channel was (re)established
  key       BLOB NOT NULL,
  PRIMARY KEY (branch, src, dst, direction, icount)
) WITHOUT ROWID;
INSERT INTO channel_key_by_key (branch, src, dst, direction, icount, key) SELECT branch, src, dst, direction, icount, key FROM channel_key;
DROP TABLE channel_key;
ALTER TABLE channel_key_by_key RENAME TO channel_key;

CREATE TABLE bookmark_by_key (
  branch INTEGER NOT NULL REFERENCES branch(id),
  name   TEXT NOT NULL,
  icount INTEGER NOT NULL,
  note   TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (branch, name)
) WITHOUT ROWID;
INSERT INTO bookmark_by_key (branch, name, icount, note) SELECT branch, name, icount, note FROM bookmark;
DROP TABLE bookmark;
ALTER TABLE bookmark_by_key RENAME TO bookmark;
