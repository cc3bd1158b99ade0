-- Pages found by an index of their hash's first 8 bytes instead of a unique index of the whole
-- 32-byte hash (src/journal/README.md "Snapshots and pages"): the index entry shrinks from about
-- 40 to 16 bytes a page (1% of a journal holding 128 MiB of guest files). The full hash stays in
-- the row, and every lookup compares it (`substr(hash, 1, 8) = ? AND hash = ?`), so two pages
-- sharing a prefix are still told apart; the store inserts only pages it did not find, which is
-- what the UNIQUE constraint used to enforce. The table is rebuilt because SQLite cannot drop the
-- index a UNIQUE constraint made; the ids are kept (snapshots refer to pages by id).
CREATE TABLE page_without_unique (
  id         INTEGER PRIMARY KEY,
  hash       BLOB NOT NULL,                 -- sha256 of the uncompressed bytes
  size       INTEGER NOT NULL,              -- uncompressed bytes
  data       BLOB NOT NULL,                 -- zstd frames
  dictionary INTEGER                        -- page_dictionary.id data was compressed with; NULL: none
);
INSERT INTO page_without_unique (id, hash, size, data, dictionary) SELECT id, hash, size, data, dictionary FROM page ORDER BY id;
DROP TABLE page;
ALTER TABLE page_without_unique RENAME TO page;
CREATE INDEX page_hash_prefix ON page (substr(hash, 1, 8));
