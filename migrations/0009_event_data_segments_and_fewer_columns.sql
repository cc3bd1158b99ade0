-- Schema 9: the event table's bytes on disk (src/journal/README.md "Event encoding", measured there).
-- - New files have 4 KiB SQLite pages (set by the store before the first write), so a short
--   recording no longer pays a 64 KiB page for each of its small tables and indexes.
-- - Byte data moves out of the rows into `event_data`: the data of consecutive events of one
--   commit, concatenated into segments of up to 256 KiB. Large rows inline (a 4 KiB message) left
--   unused page tails; a segment is one long overflow chain, full but for its last page. Small data
--   (up to 128 bytes) stays inline, where it is cheaper than a reference.
-- - `body` (canonical JSON of the fields of rare kinds) merges into `data` as TEXT: one column less
--   in every row (SQLite writes a header byte for every column, NULLs included).
-- - A syscall's name is NULL when it is the name recorded in `syscall_name` for its number (the
--   first name seen for that number), which is every syscall the machine makes.
-- - A syscall and the return right after it (same process, number, icount; the next seq and
--   seq_in_icount) are one row of kind 0, `data` holding the result: nearly every call of a
--   program that does not block. The return's row is not stored; its seq is the row's seq + 1.
-- `event.data` is therefore: NULL; a BLOB (the bytes, inline); TEXT (the JSON of the fields no
-- column holds); or an INTEGER `offset << 24 | length`: the bytes are
-- substr(bytes, offset + 1, length) of the event_data row with the greatest id <= the event's id.
-- v_event_fields puts every row back in its logical form (name id, data bytes, body); the v_* views
-- read it and answer the same questions as before. The canonical row bytes of the hash chain are
-- over the logical form, so the chain, its blocks and the seal stay valid without re-chaining.

DROP VIEW IF EXISTS v_crashes;
DROP VIEW IF EXISTS v_event;
DROP VIEW IF EXISTS v_ipc;
DROP VIEW IF EXISTS v_syscalls;
DROP VIEW IF EXISTS v_console;

-- The name of each syscall number, as first recorded: a syscall row whose name is this one stores NULL.
CREATE TABLE syscall_name (
  nr   INTEGER PRIMARY KEY,
  name INTEGER NOT NULL REFERENCES name(id)
);
INSERT INTO syscall_name (nr, name)
SELECT e.nr, e.name FROM event e
 WHERE e.id IN (SELECT min(f.id) FROM event f WHERE f.kind = 1 AND f.nr IS NOT NULL AND f.name IS NOT NULL GROUP BY f.nr);

-- Segments of byte data: id is the event id (see event.id) of the first event whose bytes it holds.
CREATE TABLE event_data (
  id    INTEGER PRIMARY KEY,
  bytes BLOB NOT NULL
);

CREATE TABLE event_v9 (
  id            INTEGER PRIMARY KEY,        -- (branch - 1) * 1099511627776 + seq
  icount        INTEGER NOT NULL,           -- guest instructions retired at the event
  seq_in_icount INTEGER NOT NULL,           -- orders events sharing an icount
  kind          INTEGER NOT NULL,           -- event_kind.code; negated: every field is in data (JSON); 0: a syscall and its return
  pid           INTEGER,                    -- the process concerned, NULL for machine-wide events
  nr            INTEGER,                    -- syscall number, message type, irq line, signal, trap cause
  a0            INTEGER,                    -- the kind's numbers: syscall args, result, peer, status ...
  a1            INTEGER,
  a2            INTEGER,
  a3            INTEGER,
  a4            INTEGER,
  a5            INTEGER,
  name          INTEGER REFERENCES name(id),  -- reason, path, server name ...; a syscall's when not syscall_name's
  data,                                     -- BLOB bytes | TEXT JSON of fields no column holds | INTEGER offset << 24 | length in event_data
                                            -- (kind 0: INTEGER, the return's result)
  branch        INTEGER AS ((id >> 40) + 1) VIRTUAL,        -- the branch (timeline) of the row
  seq           INTEGER AS (id & 1099511627775) VIRTUAL     -- position in the branch's timeline
);
-- No row of schema 4 to 8 has both data and body (event-row.ts writes one or the other).
INSERT INTO event_v9 (id, icount, seq_in_icount, kind, pid, nr, a0, a1, a2, a3, a4, a5, name, data)
SELECT e.id, e.icount, e.seq_in_icount, e.kind, e.pid, e.nr, e.a0, e.a1, e.a2, e.a3, e.a4, e.a5,
       CASE WHEN e.kind = 1 AND e.name = (SELECT s.name FROM syscall_name s WHERE s.nr = e.nr) THEN NULL ELSE e.name END,
       coalesce(e.data, e.body)
  FROM event e ORDER BY e.id;
DROP TABLE event;
ALTER TABLE event_v9 RENAME TO event;
-- The rare kinds, as before; kind 0 (a syscall and its return) is frequent.
CREATE INDEX event_kind_at ON event (kind) WHERE kind NOT BETWEEN 0 AND 3;
INSERT INTO event_kind (code, name) VALUES (0, 'syscall+return');

-- Every event row in its logical form: the name's id (a syscall's from syscall_name when its row
-- has none), the byte data wherever it is stored, and body (the JSON of fields no column holds).
-- A row of kind 0 is its syscall here (its return is the next seq, its result event.data).
CREATE VIEW v_event_fields AS
SELECT e.id, e.branch, e.seq, e.icount, e.seq_in_icount, e.kind, e.pid, e.nr, e.a0, e.a1, e.a2, e.a3, e.a4, e.a5,
       coalesce(e.name, CASE WHEN e.kind IN (0, 1) THEN (SELECT s.name FROM syscall_name s WHERE s.nr = e.nr) END) AS name,
       CASE WHEN e.kind = 0 THEN NULL ELSE CASE typeof(e.data)
         WHEN 'blob' THEN e.data
         WHEN 'integer' THEN (SELECT substr(d.bytes, (e.data >> 24) + 1, e.data & 16777215) FROM event_data d WHERE d.id <= e.id ORDER BY d.id DESC LIMIT 1)
       END END AS data,
       CASE typeof(e.data) WHEN 'text' THEN e.data END AS body
  FROM event e;

CREATE VIEW v_event AS
SELECT e.id, e.branch, e.seq, e.icount, e.seq_in_icount, k.name AS kind, e.pid,
       CASE WHEN e.kind < 0 THEN e.body ELSE CASE (CASE e.kind WHEN 0 THEN 1 ELSE e.kind END)
         WHEN 1 THEN json_object('args', json_array(e.a0, e.a1, e.a2, e.a3, e.a4, e.a5), 'name', n.text, 'nr', e.nr, 'pid', e.pid)
         WHEN 2 THEN json_object('nr', e.nr, 'pid', e.pid, 'result', e.a0)
         WHEN 3 THEN CASE e.a1
           WHEN 0 THEN json_object('dst', e.a0, 'mType', e.nr, 'payloadHex', lower(hex(e.data)), 'src', e.pid)
           WHEN 1 THEN json_object('dst', e.a0, 'mType', e.nr, 'src', e.pid, 'wireHex', CASE e.a1 WHEN 2 THEN lower(hex(e.data)) WHEN 1 THEN '01000000' || printf('%02x%02x%02x%02x', (e.a2) & 255, ((e.a2) >> 8) & 255, ((e.a2) >> 16) & 255, ((e.a2) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a3) & 255, ((e.a3) >> 8) & 255, ((e.a3) >> 16) & 255, ((e.a3) >> 24) & 255) || printf('%02x%02x%02x%02x', (coalesce(e.a5, e.nr)) & 255, ((coalesce(e.a5, e.nr)) >> 8) & 255, ((coalesce(e.a5, e.nr)) >> 16) & 255, ((coalesce(e.a5, e.nr)) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 % 4294967296) & 255, ((e.a4 % 4294967296) >> 8) & 255, ((e.a4 % 4294967296) >> 16) & 255, ((e.a4 % 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 / 4294967296) & 255, ((e.a4 / 4294967296) >> 8) & 255, ((e.a4 / 4294967296) >> 16) & 255, ((e.a4 / 4294967296) >> 24) & 255) || lower(hex(substr(e.data, 1, 24))) || printf('%02x%02x%02x%02x', (length(e.data) - 24) & 255, ((length(e.data) - 24) >> 8) & 255, ((length(e.data) - 24) >> 16) & 255, ((length(e.data) - 24) >> 24) & 255) || lower(hex(substr(e.data, 25))) WHEN 3 THEN '01000000' || printf('%02x%02x%02x%02x', (e.a2) & 255, ((e.a2) >> 8) & 255, ((e.a2) >> 16) & 255, ((e.a2) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a3) & 255, ((e.a3) >> 8) & 255, ((e.a3) >> 16) & 255, ((e.a3) >> 24) & 255) || printf('%02x%02x%02x%02x', (coalesce(e.a5, e.nr)) & 255, ((coalesce(e.a5, e.nr)) >> 8) & 255, ((coalesce(e.a5, e.nr)) >> 16) & 255, ((coalesce(e.a5, e.nr)) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 % 4294967296) & 255, ((e.a4 % 4294967296) >> 8) & 255, ((e.a4 % 4294967296) >> 16) & 255, ((e.a4 % 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 / 4294967296) & 255, ((e.a4 / 4294967296) >> 8) & 255, ((e.a4 / 4294967296) >> 16) & 255, ((e.a4 / 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a2) & 255, ((e.a2) >> 8) & 255, ((e.a2) >> 16) & 255, ((e.a2) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a3) & 255, ((e.a3) >> 8) & 255, ((e.a3) >> 16) & 255, ((e.a3) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 % 4294967296) & 255, ((e.a4 % 4294967296) >> 8) & 255, ((e.a4 % 4294967296) >> 16) & 255, ((e.a4 % 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 / 4294967296) & 255, ((e.a4 / 4294967296) >> 8) & 255, ((e.a4 / 4294967296) >> 16) & 255, ((e.a4 / 4294967296) >> 24) & 255) || '0000000000000000' || printf('%02x%02x%02x%02x', (length(e.data)) & 255, ((length(e.data)) >> 8) & 255, ((length(e.data)) >> 16) & 255, ((length(e.data)) >> 24) & 255) || lower(hex(e.data)) END)
           WHEN 2 THEN json_object('dst', e.a0, 'mType', e.nr, 'src', e.pid, 'wireHex', CASE e.a1 WHEN 2 THEN lower(hex(e.data)) WHEN 1 THEN '01000000' || printf('%02x%02x%02x%02x', (e.a2) & 255, ((e.a2) >> 8) & 255, ((e.a2) >> 16) & 255, ((e.a2) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a3) & 255, ((e.a3) >> 8) & 255, ((e.a3) >> 16) & 255, ((e.a3) >> 24) & 255) || printf('%02x%02x%02x%02x', (coalesce(e.a5, e.nr)) & 255, ((coalesce(e.a5, e.nr)) >> 8) & 255, ((coalesce(e.a5, e.nr)) >> 16) & 255, ((coalesce(e.a5, e.nr)) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 % 4294967296) & 255, ((e.a4 % 4294967296) >> 8) & 255, ((e.a4 % 4294967296) >> 16) & 255, ((e.a4 % 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 / 4294967296) & 255, ((e.a4 / 4294967296) >> 8) & 255, ((e.a4 / 4294967296) >> 16) & 255, ((e.a4 / 4294967296) >> 24) & 255) || lower(hex(substr(e.data, 1, 24))) || printf('%02x%02x%02x%02x', (length(e.data) - 24) & 255, ((length(e.data) - 24) >> 8) & 255, ((length(e.data) - 24) >> 16) & 255, ((length(e.data) - 24) >> 24) & 255) || lower(hex(substr(e.data, 25))) WHEN 3 THEN '01000000' || printf('%02x%02x%02x%02x', (e.a2) & 255, ((e.a2) >> 8) & 255, ((e.a2) >> 16) & 255, ((e.a2) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a3) & 255, ((e.a3) >> 8) & 255, ((e.a3) >> 16) & 255, ((e.a3) >> 24) & 255) || printf('%02x%02x%02x%02x', (coalesce(e.a5, e.nr)) & 255, ((coalesce(e.a5, e.nr)) >> 8) & 255, ((coalesce(e.a5, e.nr)) >> 16) & 255, ((coalesce(e.a5, e.nr)) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 % 4294967296) & 255, ((e.a4 % 4294967296) >> 8) & 255, ((e.a4 % 4294967296) >> 16) & 255, ((e.a4 % 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 / 4294967296) & 255, ((e.a4 / 4294967296) >> 8) & 255, ((e.a4 / 4294967296) >> 16) & 255, ((e.a4 / 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a2) & 255, ((e.a2) >> 8) & 255, ((e.a2) >> 16) & 255, ((e.a2) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a3) & 255, ((e.a3) >> 8) & 255, ((e.a3) >> 16) & 255, ((e.a3) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 % 4294967296) & 255, ((e.a4 % 4294967296) >> 8) & 255, ((e.a4 % 4294967296) >> 16) & 255, ((e.a4 % 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 / 4294967296) & 255, ((e.a4 / 4294967296) >> 8) & 255, ((e.a4 / 4294967296) >> 16) & 255, ((e.a4 / 4294967296) >> 24) & 255) || '0000000000000000' || printf('%02x%02x%02x%02x', (length(e.data)) & 255, ((length(e.data)) >> 8) & 255, ((length(e.data)) >> 16) & 255, ((length(e.data)) >> 24) & 255) || lower(hex(e.data)) END)
           WHEN 3 THEN json_object('dst', e.a0, 'mType', e.nr, 'src', e.pid, 'wireHex', CASE e.a1 WHEN 2 THEN lower(hex(e.data)) WHEN 1 THEN '01000000' || printf('%02x%02x%02x%02x', (e.a2) & 255, ((e.a2) >> 8) & 255, ((e.a2) >> 16) & 255, ((e.a2) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a3) & 255, ((e.a3) >> 8) & 255, ((e.a3) >> 16) & 255, ((e.a3) >> 24) & 255) || printf('%02x%02x%02x%02x', (coalesce(e.a5, e.nr)) & 255, ((coalesce(e.a5, e.nr)) >> 8) & 255, ((coalesce(e.a5, e.nr)) >> 16) & 255, ((coalesce(e.a5, e.nr)) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 % 4294967296) & 255, ((e.a4 % 4294967296) >> 8) & 255, ((e.a4 % 4294967296) >> 16) & 255, ((e.a4 % 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 / 4294967296) & 255, ((e.a4 / 4294967296) >> 8) & 255, ((e.a4 / 4294967296) >> 16) & 255, ((e.a4 / 4294967296) >> 24) & 255) || lower(hex(substr(e.data, 1, 24))) || printf('%02x%02x%02x%02x', (length(e.data) - 24) & 255, ((length(e.data) - 24) >> 8) & 255, ((length(e.data) - 24) >> 16) & 255, ((length(e.data) - 24) >> 24) & 255) || lower(hex(substr(e.data, 25))) WHEN 3 THEN '01000000' || printf('%02x%02x%02x%02x', (e.a2) & 255, ((e.a2) >> 8) & 255, ((e.a2) >> 16) & 255, ((e.a2) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a3) & 255, ((e.a3) >> 8) & 255, ((e.a3) >> 16) & 255, ((e.a3) >> 24) & 255) || printf('%02x%02x%02x%02x', (coalesce(e.a5, e.nr)) & 255, ((coalesce(e.a5, e.nr)) >> 8) & 255, ((coalesce(e.a5, e.nr)) >> 16) & 255, ((coalesce(e.a5, e.nr)) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 % 4294967296) & 255, ((e.a4 % 4294967296) >> 8) & 255, ((e.a4 % 4294967296) >> 16) & 255, ((e.a4 % 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 / 4294967296) & 255, ((e.a4 / 4294967296) >> 8) & 255, ((e.a4 / 4294967296) >> 16) & 255, ((e.a4 / 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a2) & 255, ((e.a2) >> 8) & 255, ((e.a2) >> 16) & 255, ((e.a2) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a3) & 255, ((e.a3) >> 8) & 255, ((e.a3) >> 16) & 255, ((e.a3) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 % 4294967296) & 255, ((e.a4 % 4294967296) >> 8) & 255, ((e.a4 % 4294967296) >> 16) & 255, ((e.a4 % 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 / 4294967296) & 255, ((e.a4 / 4294967296) >> 8) & 255, ((e.a4 / 4294967296) >> 16) & 255, ((e.a4 / 4294967296) >> 24) & 255) || '0000000000000000' || printf('%02x%02x%02x%02x', (length(e.data)) & 255, ((length(e.data)) >> 8) & 255, ((length(e.data)) >> 16) & 255, ((length(e.data)) >> 24) & 255) || lower(hex(e.data)) END)
           ELSE json_object('dst', e.a0, 'mType', e.nr, 'src', e.pid) END
         WHEN 4 THEN json_object('from', e.a0, 'reason', n.text, 'to', e.pid)
         WHEN 5 THEN json_object('data', json((WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n + 1 < length(e.data)) SELECT json_group_array((instr('0123456789abcdef', substr(lower(hex(e.data)), 2 * n + 1, 1)) - 1) * 16 + instr('0123456789abcdef', substr(lower(hex(e.data)), 2 * n + 2, 1)) - 1) FROM i WHERE n < length(e.data))))
         WHEN 6 THEN json_object('line', e.nr)
         WHEN 7 THEN e.body
         WHEN 8 THEN json_object('data', json((WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n + 1 < length(e.data)) SELECT json_group_array((instr('0123456789abcdef', substr(lower(hex(e.data)), 2 * n + 1, 1)) - 1) * 16 + instr('0123456789abcdef', substr(lower(hex(e.data)), 2 * n + 2, 1)) - 1) FROM i WHERE n < length(e.data))))
         WHEN 9 THEN json_object('skippedNs', e.a0)
         WHEN 10 THEN json_object('skippedNs', e.a0)
         WHEN 11 THEN json_object('dst', e.a0, 'error', n.text, 'mType', e.nr, 'src', e.pid, 'wireHex', CASE e.a1 WHEN 2 THEN lower(hex(e.data)) WHEN 1 THEN '01000000' || printf('%02x%02x%02x%02x', (e.a2) & 255, ((e.a2) >> 8) & 255, ((e.a2) >> 16) & 255, ((e.a2) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a3) & 255, ((e.a3) >> 8) & 255, ((e.a3) >> 16) & 255, ((e.a3) >> 24) & 255) || printf('%02x%02x%02x%02x', (coalesce(e.a5, e.nr)) & 255, ((coalesce(e.a5, e.nr)) >> 8) & 255, ((coalesce(e.a5, e.nr)) >> 16) & 255, ((coalesce(e.a5, e.nr)) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 % 4294967296) & 255, ((e.a4 % 4294967296) >> 8) & 255, ((e.a4 % 4294967296) >> 16) & 255, ((e.a4 % 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 / 4294967296) & 255, ((e.a4 / 4294967296) >> 8) & 255, ((e.a4 / 4294967296) >> 16) & 255, ((e.a4 / 4294967296) >> 24) & 255) || lower(hex(substr(e.data, 1, 24))) || printf('%02x%02x%02x%02x', (length(e.data) - 24) & 255, ((length(e.data) - 24) >> 8) & 255, ((length(e.data) - 24) >> 16) & 255, ((length(e.data) - 24) >> 24) & 255) || lower(hex(substr(e.data, 25))) WHEN 3 THEN '01000000' || printf('%02x%02x%02x%02x', (e.a2) & 255, ((e.a2) >> 8) & 255, ((e.a2) >> 16) & 255, ((e.a2) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a3) & 255, ((e.a3) >> 8) & 255, ((e.a3) >> 16) & 255, ((e.a3) >> 24) & 255) || printf('%02x%02x%02x%02x', (coalesce(e.a5, e.nr)) & 255, ((coalesce(e.a5, e.nr)) >> 8) & 255, ((coalesce(e.a5, e.nr)) >> 16) & 255, ((coalesce(e.a5, e.nr)) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 % 4294967296) & 255, ((e.a4 % 4294967296) >> 8) & 255, ((e.a4 % 4294967296) >> 16) & 255, ((e.a4 % 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 / 4294967296) & 255, ((e.a4 / 4294967296) >> 8) & 255, ((e.a4 / 4294967296) >> 16) & 255, ((e.a4 / 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a2) & 255, ((e.a2) >> 8) & 255, ((e.a2) >> 16) & 255, ((e.a2) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a3) & 255, ((e.a3) >> 8) & 255, ((e.a3) >> 16) & 255, ((e.a3) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 % 4294967296) & 255, ((e.a4 % 4294967296) >> 8) & 255, ((e.a4 % 4294967296) >> 16) & 255, ((e.a4 % 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 / 4294967296) & 255, ((e.a4 / 4294967296) >> 8) & 255, ((e.a4 / 4294967296) >> 16) & 255, ((e.a4 / 4294967296) >> 24) & 255) || '0000000000000000' || printf('%02x%02x%02x%02x', (length(e.data)) & 255, ((length(e.data)) >> 8) & 255, ((length(e.data)) >> 16) & 255, ((length(e.data)) >> 24) & 255) || lower(hex(e.data)) END)
         WHEN 12 THEN json_object('dst', e.a0, 'mType', e.nr, 'reason', n.text, 'src', e.pid)
         WHEN 13 THEN json_object('dst', e.a0, 'fault', n.text, 'mType', e.nr, 'src', e.pid)
         WHEN 14 THEN json_object('initiator', e.a0, 'responder', e.a1)
         WHEN 15 THEN json_patch(json_object('mType', e.nr, 'name', n.text, 'server', e.pid, 'source', e.a0), e.body)
         WHEN 16 THEN json_patch(json_object('name', n.text, 'restarts', e.a0, 'server', e.pid), e.body)
         WHEN 17 THEN json_patch(json_object('crashes', e.a0, 'name', n.text, 'server', e.pid), e.body)
         WHEN 18 THEN e.body
         WHEN 19 THEN json_object('seed', e.a0)
         WHEN 20 THEN json_object('cause', e.nr, 'pc', e.a0, 'pid', e.pid, 'tval', e.a1)
         WHEN 21 THEN json_object('action', n.text, 'pid', e.pid, 'signo', e.nr)
         WHEN 22 THEN json_object('child', e.a0, 'parent', e.pid)
         WHEN 23 THEN json_object('path', n.text, 'pid', e.pid)
         WHEN 24 THEN json_object('pid', e.pid, 'status', e.a0)
         WHEN 25 THEN json_object('reason', n.text, 'status', e.a0)
         WHEN 26 THEN e.body
         WHEN 27 THEN e.body
       END END AS payload
  FROM v_event_fields e
  JOIN event_kind k ON k.code = CASE e.kind WHEN 0 THEN 1 ELSE abs(e.kind) END
  LEFT JOIN name n ON n.id = e.name
UNION ALL
-- The return folded into a row of kind 0.
SELECT e.id + 1, e.branch, e.seq + 1, e.icount, e.seq_in_icount + 1, 'syscall-return', e.pid, json_object('nr', e.nr, 'pid', e.pid, 'result', e.data)
  FROM event e
 WHERE e.kind = 0;

CREATE VIEW v_syscalls AS
SELECT e.branch, e.seq, e.icount, e.pid, e.nr, n.text AS name,
       json_array(e.a0, e.a1, e.a2, e.a3, e.a4, e.a5) AS args,
       -- The next return of the same process and number: a row of kind 0 holds one (its own, for
       -- the syscall's row itself) as data.
       (SELECT CASE r.kind WHEN 0 THEN r.data ELSE r.a0 END FROM event r
         WHERE r.id >= e.id AND r.id < ((e.id >> 40) + 1) << 40 AND (r.kind = 0 OR (r.kind = 2 AND r.id > e.id)) AND r.pid = e.pid AND r.nr = e.nr
         ORDER BY r.id LIMIT 1) AS result
  FROM v_event_fields e
  LEFT JOIN name n ON n.id = e.name
 WHERE e.kind IN (0, 1);

CREATE VIEW v_ipc AS
SELECT e.branch, e.seq, e.icount,
       e.pid AS src,
       e.a0 AS dst,
       e.pid || '->' || e.a0 AS channel,
       e.nr AS m_type,
       e.a1 IN (1, 2, 3) AS sealed,
       CASE e.a1 WHEN 0 THEN length(e.data) WHEN 1 THEN length(e.data) - 40 WHEN 2 THEN length(e.data) - 68 WHEN 3 THEN length(e.data) - 16 END AS bytes,
       CASE e.a1 WHEN 0 THEN lower(hex(e.data)) END AS payload_hex,
       CASE e.a1 WHEN 2 THEN lower(hex(e.data)) WHEN 1 THEN '01000000' || printf('%02x%02x%02x%02x', (e.a2) & 255, ((e.a2) >> 8) & 255, ((e.a2) >> 16) & 255, ((e.a2) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a3) & 255, ((e.a3) >> 8) & 255, ((e.a3) >> 16) & 255, ((e.a3) >> 24) & 255) || printf('%02x%02x%02x%02x', (coalesce(e.a5, e.nr)) & 255, ((coalesce(e.a5, e.nr)) >> 8) & 255, ((coalesce(e.a5, e.nr)) >> 16) & 255, ((coalesce(e.a5, e.nr)) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 % 4294967296) & 255, ((e.a4 % 4294967296) >> 8) & 255, ((e.a4 % 4294967296) >> 16) & 255, ((e.a4 % 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 / 4294967296) & 255, ((e.a4 / 4294967296) >> 8) & 255, ((e.a4 / 4294967296) >> 16) & 255, ((e.a4 / 4294967296) >> 24) & 255) || lower(hex(substr(e.data, 1, 24))) || printf('%02x%02x%02x%02x', (length(e.data) - 24) & 255, ((length(e.data) - 24) >> 8) & 255, ((length(e.data) - 24) >> 16) & 255, ((length(e.data) - 24) >> 24) & 255) || lower(hex(substr(e.data, 25))) WHEN 3 THEN '01000000' || printf('%02x%02x%02x%02x', (e.a2) & 255, ((e.a2) >> 8) & 255, ((e.a2) >> 16) & 255, ((e.a2) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a3) & 255, ((e.a3) >> 8) & 255, ((e.a3) >> 16) & 255, ((e.a3) >> 24) & 255) || printf('%02x%02x%02x%02x', (coalesce(e.a5, e.nr)) & 255, ((coalesce(e.a5, e.nr)) >> 8) & 255, ((coalesce(e.a5, e.nr)) >> 16) & 255, ((coalesce(e.a5, e.nr)) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 % 4294967296) & 255, ((e.a4 % 4294967296) >> 8) & 255, ((e.a4 % 4294967296) >> 16) & 255, ((e.a4 % 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 / 4294967296) & 255, ((e.a4 / 4294967296) >> 8) & 255, ((e.a4 / 4294967296) >> 16) & 255, ((e.a4 / 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a2) & 255, ((e.a2) >> 8) & 255, ((e.a2) >> 16) & 255, ((e.a2) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a3) & 255, ((e.a3) >> 8) & 255, ((e.a3) >> 16) & 255, ((e.a3) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 % 4294967296) & 255, ((e.a4 % 4294967296) >> 8) & 255, ((e.a4 % 4294967296) >> 16) & 255, ((e.a4 % 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 / 4294967296) & 255, ((e.a4 / 4294967296) >> 8) & 255, ((e.a4 / 4294967296) >> 16) & 255, ((e.a4 / 4294967296) >> 24) & 255) || '0000000000000000' || printf('%02x%02x%02x%02x', (length(e.data)) & 255, ((length(e.data)) >> 8) & 255, ((length(e.data)) >> 16) & 255, ((length(e.data)) >> 24) & 255) || lower(hex(e.data)) END AS wire_hex
  FROM v_event_fields e
 WHERE e.kind = 3;

CREATE VIEW v_console AS
SELECT e.branch, e.seq, e.icount, k.name AS kind, length(e.data) AS bytes, CAST(e.data AS TEXT) AS text
  FROM v_event_fields e
  JOIN event_kind k ON k.code = e.kind
 WHERE e.kind IN (5, 8);

CREATE VIEW v_crashes AS
SELECT e.branch, e.seq, e.icount, k.name AS kind, e.pid,
       CASE e.kind
         WHEN 15 THEN 'server ' || n.text || ' crashed (' || json_extract(e.body, '$.cause') || '): ' || json_extract(e.body, '$.error')
         WHEN 17 THEN 'server ' || n.text || ' left down: ' || json_extract(e.body, '$.reason')
         WHEN 11 THEN 'message ' || e.pid || '->' || e.a0 || ' refused: ' || n.text
         WHEN 20 THEN 'fault cause ' || e.nr || ' at pc ' || printf('0x%08x', e.a0)
         WHEN 21 THEN 'killed by signal ' || e.nr
         WHEN 27 THEN 'deadlock: ' || (SELECT group_concat(json_extract(w.value, '$.pid') || ' ' || json_extract(w.value, '$.name') || ': ' || json_extract(w.value, '$.wait'), '; ') FROM json_each(e.body, '$.waiting') w)
         ELSE 'halt: ' || n.text || ' (status ' || e.a0 || ')'
       END AS what,
       (SELECT v.payload FROM v_event v WHERE v.id = e.id AND v.kind <> 'syscall-return') AS payload
  FROM v_event_fields e
  JOIN event_kind k ON k.code = e.kind
  LEFT JOIN name n ON n.id = e.name
 WHERE e.kind NOT BETWEEN 0 AND 3
   AND (e.kind IN (11, 15, 17, 20, 27) OR (e.kind = 21 AND n.text = 'terminate') OR (e.kind = 25 AND e.a0 <> 0));

