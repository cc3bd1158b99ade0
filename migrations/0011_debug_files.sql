-- Debug files: the full ELF (with DWARF) of each program that ran, stored once.
--
-- The guest's file system holds programs stripped of their debug info (guest/image/, built by
-- guest/Makefile with --strip-debug, which keeps .symtab): a boot snapshot no longer carries the
-- DWARF of every program in the image (about 90% of its bytes). When a process execs a file whose
-- image entry has a debug companion, the recorder stores that companion here, keyed by the sha256
-- of the file as the guest's file system held it; symbols, backtraces, source lines and gdb's
-- vFile reads look it up by the bytes they read from the machine (src/symbols/debug-files.ts).
-- A recording without a row for a program (made before this schema, or killed before the row was
-- committed) symbolizes from the program's own .symtab, as before.
CREATE TABLE debug_file (
  guest_sha256 BLOB PRIMARY KEY,            -- 32 bytes: sha256 of the program in the guest's file system
  size         INTEGER NOT NULL,            -- bytes of the full ELF
  sha256       BLOB NOT NULL,               -- 32 bytes: sha256 of the full ELF, checked on every load
  data         BLOB NOT NULL,               -- the full ELF, zstd frames (against base's ELF when base is set)
  base         BLOB,                        -- NULL, or the guest_sha256 of the recording's first debug file, whose ELF is
                                            -- the raw-content dictionary of data (programs share their libraries' DWARF)
  mac          BLOB                         -- seal.ts tag of (guest_sha256, sha256, size); NULL when the recording has no seal key
);

-- What sqlite3 alone shows of them: hex keys and sizes.
CREATE VIEW v_debug_file AS
  SELECT lower(hex(guest_sha256)) AS guest_sha256, size, lower(hex(sha256)) AS sha256, length(data) AS stored_bytes,
         CASE WHEN base IS NULL THEN NULL ELSE lower(hex(base)) END AS base
  FROM debug_file;
