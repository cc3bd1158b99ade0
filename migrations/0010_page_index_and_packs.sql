-- Snapshots and pages, smaller (src/journal/README.md "Snapshots and pages", measured there).
--
-- 1. Pages found by an index of their hash's first 8 bytes instead of a unique index of the whole
-- 32-byte hash (src/journal/README.md "Snapshots and pages"): the index entry shrinks from about
-- 40 to 16 bytes a page (1% of a journal holding 128 MiB of guest files). The full hash stays in
-- the row, and every lookup compares it (`substr(hash, 1, 8) = ? AND hash = ?`), so two pages
-- sharing a prefix are still told apart; the store inserts only pages it did not find, which is
-- what the UNIQUE constraint used to enforce. The table is rebuilt because SQLite cannot drop the
-- index a UNIQUE constraint made; the ids are kept (snapshots refer to pages by id).
--
-- 2. Pages in packs: consecutive pages of a batch (up to 64, 256 KiB) compressed as one zstd frame,
-- which the pack's first page holds (`data`, `dictionary`); every member names that page's id in
-- `pack` and holds an empty `data`; a member's bytes are the pack's, cut by the members' sizes in id
-- order. NULL `pack`: the page's own frames, as every page written before.
--
-- 3. (No column: snapshot.codec 2.) A snapshot state names its pages by their index in its own page
-- list rather than by their hex hashes (src/journal/snapshot-codec.ts referPages).
CREATE TABLE page_without_unique (
  id         INTEGER PRIMARY KEY,
  hash       BLOB NOT NULL,                 -- sha256 of the uncompressed bytes
  size       INTEGER NOT NULL,              -- uncompressed bytes
  data       BLOB NOT NULL,                 -- zstd frames
  dictionary INTEGER,                       -- page_dictionary.id data was compressed with; NULL: none
  pack       INTEGER                        -- NULL: data is this page's; else the id of its pack's first page
);
INSERT INTO page_without_unique (id, hash, size, data, dictionary) SELECT id, hash, size, data, dictionary FROM page ORDER BY id;
DROP TABLE page;
ALTER TABLE page_without_unique RENAME TO page;
CREATE INDEX page_hash_prefix ON page (substr(hash, 1, 8));
