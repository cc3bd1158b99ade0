-- Schema 4: events as typed columns, byte data as blobs, a hash chain per block of events.
-- Measured on the shipped programs (README "Event encoding"): schema 3 spent most of a row on
-- JSON text (console bytes as number arrays, IPC wires as hex), a 32-byte hash per event and
-- two indexes over every event. Schema 4 keeps what is queried in INTEGER columns, bytes in
-- BLOBs, repeated strings once in `name`, and one hash per 256 events in `event_block`. The
-- v_* views answer the same questions as before; v_event shows every event as schema 3 did
-- (kind name and a JSON payload).
--
-- After this file, src/journal/migrate-v4.ts converts the schema-3 rows of event_v3 (checking
-- their schema-3 hash chain first) into the new tables and drops event_v3, in the same
-- transaction: an old recording opens with the same events, now in the new encoding.

DROP VIEW v_syscalls;
DROP VIEW v_ipc;
DROP VIEW v_crashes;
DROP INDEX event_pid;
DROP INDEX event_kind;
ALTER TABLE event RENAME TO event_v3;

-- Kind codes of event.kind (src/journal/event-row.ts KIND_CODES); the frequent kinds first.
CREATE TABLE event_kind (
  code INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
INSERT INTO event_kind (code, name) VALUES
  (1, 'syscall'),
  (2, 'syscall-return'),
  (3, 'ipc'),
  (4, 'sched'),
  (5, 'console-output'),
  (6, 'irq'),
  (7, 'boot'),
  (8, 'console-input'),
  (9, 'idle'),
  (10, 'timer-skip'),
  (11, 'ipc-reject'),
  (12, 'ipc-denied'),
  (13, 'ipc-fault'),
  (14, 'channel'),
  (15, 'server-crash'),
  (16, 'server-restart'),
  (17, 'server-down'),
  (18, 'inject'),
  (19, 'chaos'),
  (20, 'trap'),
  (21, 'signal'),
  (22, 'fork'),
  (23, 'exec'),
  (24, 'exit'),
  (25, 'halt');

-- Strings events repeat (syscall names, scheduling reasons, server names, paths, errors), once each.
CREATE TABLE name (
  id   INTEGER PRIMARY KEY,
  text TEXT NOT NULL UNIQUE
);

-- Every machine event. Which field of which kind goes in which column is in
-- src/journal/event-row.ts (and the README); v_event puts them back together.
-- A rowid table keyed by id = (branch - 1) * 2^40 + seq, with branch and seq as generated
-- columns (stored nowhere): appends then fill every page (SQLite splits a rowid table at its
-- right edge), 4 KiB messages fit in the table's 64 KiB pages without overflow chains, and the
-- root branch's key is as short as its seq. WHERE id BETWEEN ... is the fast range; branch and
-- seq can be queried like any column.
CREATE TABLE event (
  id            INTEGER PRIMARY KEY,        -- (branch - 1) * 1099511627776 + seq
  icount        INTEGER NOT NULL,           -- guest instructions retired at the event
  seq_in_icount INTEGER NOT NULL,           -- orders events sharing an icount
  kind          INTEGER NOT NULL,           -- event_kind.code; negated: every field is in body
  pid           INTEGER,                    -- the process concerned, NULL for machine-wide events
  nr            INTEGER,                    -- syscall number, message type, irq line, signal, trap cause
  a0            INTEGER,                    -- the kind's numbers: syscall args, result, peer, status ...
  a1            INTEGER,
  a2            INTEGER,
  a3            INTEGER,
  a4            INTEGER,
  a5            INTEGER,
  name          INTEGER REFERENCES name(id),  -- syscall name, reason, path, server name ...
  data          BLOB,                       -- byte data: console bytes, IPC payload or sealed wire
  body          TEXT,                       -- canonical JSON of fields no column holds (rare kinds)
  branch        INTEGER AS ((id >> 40) + 1) VIRTUAL,        -- the branch (timeline) of the row
  seq           INTEGER AS (id & 1099511627775) VIRTUAL     -- position in the branch's timeline
);
-- Events by kind for the rare kinds only (crashes, inputs a seek replays, forks, ...): an index
-- over every syscall and message would cost more than the rows. A query for rare kinds names the
-- condition (kind NOT BETWEEN 1 AND 3) so that SQLite uses it. There is no pid index: a pid query
-- is a seq range (icount is monotone, the store binary-searches it) filtered on pid.
CREATE INDEX event_kind_at ON event (kind) WHERE kind NOT BETWEEN 1 AND 3;

-- The hash chain, one link per block of 256 events of a timeline (src/journal/block-chain.ts):
-- hash = sha256(previous block's hash || canonical bytes of the block's rows). Kept by the branch
-- owning the block's last event; `count` < 256 for the block still being filled.
CREATE TABLE event_block (
  branch INTEGER NOT NULL REFERENCES branch(id),
  block  INTEGER NOT NULL,                  -- events block * 256 .. block * 256 + count - 1
  count  INTEGER NOT NULL,
  hash   BLOB NOT NULL,
  PRIMARY KEY (branch, block)
) WITHOUT ROWID;

-- Every event as schema 3 stored it: the kind's name and its fields as a JSON object.
CREATE VIEW v_event AS
SELECT e.id, e.branch, e.seq, e.icount, e.seq_in_icount, k.name AS kind, e.pid,
       CASE WHEN e.kind < 0 THEN e.body ELSE CASE e.kind
         WHEN 1 THEN json_object('args', json_array(e.a0, e.a1, e.a2, e.a3, e.a4, e.a5), 'name', n.text, 'nr', e.nr, 'pid', e.pid)
         WHEN 2 THEN json_object('nr', e.nr, 'pid', e.pid, 'result', e.a0)
         WHEN 3 THEN CASE e.a1
           WHEN 0 THEN json_object('dst', e.a0, 'mType', e.nr, 'payloadHex', lower(hex(e.data)), 'src', e.pid)
           WHEN 1 THEN json_object('dst', e.a0, 'mType', e.nr, 'src', e.pid, 'wireHex', CASE e.a1 WHEN 2 THEN lower(hex(e.data)) WHEN 1 THEN '01000000' || printf('%02x%02x%02x%02x', (e.a2) & 255, ((e.a2) >> 8) & 255, ((e.a2) >> 16) & 255, ((e.a2) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a3) & 255, ((e.a3) >> 8) & 255, ((e.a3) >> 16) & 255, ((e.a3) >> 24) & 255) || printf('%02x%02x%02x%02x', (coalesce(e.a5, e.nr)) & 255, ((coalesce(e.a5, e.nr)) >> 8) & 255, ((coalesce(e.a5, e.nr)) >> 16) & 255, ((coalesce(e.a5, e.nr)) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 % 4294967296) & 255, ((e.a4 % 4294967296) >> 8) & 255, ((e.a4 % 4294967296) >> 16) & 255, ((e.a4 % 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 / 4294967296) & 255, ((e.a4 / 4294967296) >> 8) & 255, ((e.a4 / 4294967296) >> 16) & 255, ((e.a4 / 4294967296) >> 24) & 255) || lower(hex(substr(e.data, 1, 24))) || printf('%02x%02x%02x%02x', (length(e.data) - 24) & 255, ((length(e.data) - 24) >> 8) & 255, ((length(e.data) - 24) >> 16) & 255, ((length(e.data) - 24) >> 24) & 255) || lower(hex(substr(e.data, 25))) END)
           WHEN 2 THEN json_object('dst', e.a0, 'mType', e.nr, 'src', e.pid, 'wireHex', CASE e.a1 WHEN 2 THEN lower(hex(e.data)) WHEN 1 THEN '01000000' || printf('%02x%02x%02x%02x', (e.a2) & 255, ((e.a2) >> 8) & 255, ((e.a2) >> 16) & 255, ((e.a2) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a3) & 255, ((e.a3) >> 8) & 255, ((e.a3) >> 16) & 255, ((e.a3) >> 24) & 255) || printf('%02x%02x%02x%02x', (coalesce(e.a5, e.nr)) & 255, ((coalesce(e.a5, e.nr)) >> 8) & 255, ((coalesce(e.a5, e.nr)) >> 16) & 255, ((coalesce(e.a5, e.nr)) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 % 4294967296) & 255, ((e.a4 % 4294967296) >> 8) & 255, ((e.a4 % 4294967296) >> 16) & 255, ((e.a4 % 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 / 4294967296) & 255, ((e.a4 / 4294967296) >> 8) & 255, ((e.a4 / 4294967296) >> 16) & 255, ((e.a4 / 4294967296) >> 24) & 255) || lower(hex(substr(e.data, 1, 24))) || printf('%02x%02x%02x%02x', (length(e.data) - 24) & 255, ((length(e.data) - 24) >> 8) & 255, ((length(e.data) - 24) >> 16) & 255, ((length(e.data) - 24) >> 24) & 255) || lower(hex(substr(e.data, 25))) END)
           ELSE json_object('dst', e.a0, 'mType', e.nr, 'src', e.pid) END
         WHEN 4 THEN json_object('from', e.a0, 'reason', n.text, 'to', e.pid)
         WHEN 5 THEN json_object('data', json((WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n + 1 < length(e.data)) SELECT json_group_array((instr('0123456789abcdef', substr(lower(hex(e.data)), 2 * n + 1, 1)) - 1) * 16 + instr('0123456789abcdef', substr(lower(hex(e.data)), 2 * n + 2, 1)) - 1) FROM i WHERE n < length(e.data))))
         WHEN 6 THEN json_object('line', e.nr)
         WHEN 7 THEN e.body
         WHEN 8 THEN json_object('data', json((WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n + 1 < length(e.data)) SELECT json_group_array((instr('0123456789abcdef', substr(lower(hex(e.data)), 2 * n + 1, 1)) - 1) * 16 + instr('0123456789abcdef', substr(lower(hex(e.data)), 2 * n + 2, 1)) - 1) FROM i WHERE n < length(e.data))))
         WHEN 9 THEN json_object('skippedNs', e.a0)
         WHEN 10 THEN json_object('skippedNs', e.a0)
         WHEN 11 THEN json_object('dst', e.a0, 'error', n.text, 'mType', e.nr, 'src', e.pid, 'wireHex', CASE e.a1 WHEN 2 THEN lower(hex(e.data)) WHEN 1 THEN '01000000' || printf('%02x%02x%02x%02x', (e.a2) & 255, ((e.a2) >> 8) & 255, ((e.a2) >> 16) & 255, ((e.a2) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a3) & 255, ((e.a3) >> 8) & 255, ((e.a3) >> 16) & 255, ((e.a3) >> 24) & 255) || printf('%02x%02x%02x%02x', (coalesce(e.a5, e.nr)) & 255, ((coalesce(e.a5, e.nr)) >> 8) & 255, ((coalesce(e.a5, e.nr)) >> 16) & 255, ((coalesce(e.a5, e.nr)) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 % 4294967296) & 255, ((e.a4 % 4294967296) >> 8) & 255, ((e.a4 % 4294967296) >> 16) & 255, ((e.a4 % 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 / 4294967296) & 255, ((e.a4 / 4294967296) >> 8) & 255, ((e.a4 / 4294967296) >> 16) & 255, ((e.a4 / 4294967296) >> 24) & 255) || lower(hex(substr(e.data, 1, 24))) || printf('%02x%02x%02x%02x', (length(e.data) - 24) & 255, ((length(e.data) - 24) >> 8) & 255, ((length(e.data) - 24) >> 16) & 255, ((length(e.data) - 24) >> 24) & 255) || lower(hex(substr(e.data, 25))) END)
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
       END END AS payload
  FROM event e
  JOIN event_kind k ON k.code = abs(e.kind)
  LEFT JOIN name n ON n.id = e.name;

-- Syscalls by process, with the result of the matching return (NULL while blocked or if the
-- process died in the call). Rows as stored: a fork's rows start at its fork point.
CREATE VIEW v_syscalls AS
SELECT e.branch, e.seq, e.icount, e.pid, e.nr, n.text AS name,
       json_array(e.a0, e.a1, e.a2, e.a3, e.a4, e.a5) AS args,
       (SELECT r.a0 FROM event r
         WHERE r.id > e.id AND r.id < ((e.id >> 40) + 1) << 40 AND r.kind = 2 AND r.pid = e.pid AND r.nr = e.nr
         ORDER BY r.id LIMIT 1) AS result
  FROM event e
  LEFT JOIN name n ON n.id = e.name
 WHERE e.kind = 1;

-- IPC messages by channel: src and dst are the logical ends, `sealed` 1 when the event holds the
-- encrypted wire (decrypt it with channel_key). `bytes` is the payload size: the plaintext's, or
-- for a wire its sealed plaintext's (the wire less its 52-byte prefix and 16-byte tag).
CREATE VIEW v_ipc AS
SELECT e.branch, e.seq, e.icount,
       e.pid AS src,
       e.a0 AS dst,
       e.pid || '->' || e.a0 AS channel,
       e.nr AS m_type,
       e.a1 IN (1, 2) AS sealed,
       CASE e.a1 WHEN 0 THEN length(e.data) WHEN 1 THEN length(e.data) - 40 WHEN 2 THEN length(e.data) - 68 END AS bytes,
       CASE e.a1 WHEN 0 THEN lower(hex(e.data)) END AS payload_hex,
       CASE e.a1 WHEN 2 THEN lower(hex(e.data)) WHEN 1 THEN '01000000' || printf('%02x%02x%02x%02x', (e.a2) & 255, ((e.a2) >> 8) & 255, ((e.a2) >> 16) & 255, ((e.a2) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a3) & 255, ((e.a3) >> 8) & 255, ((e.a3) >> 16) & 255, ((e.a3) >> 24) & 255) || printf('%02x%02x%02x%02x', (coalesce(e.a5, e.nr)) & 255, ((coalesce(e.a5, e.nr)) >> 8) & 255, ((coalesce(e.a5, e.nr)) >> 16) & 255, ((coalesce(e.a5, e.nr)) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 % 4294967296) & 255, ((e.a4 % 4294967296) >> 8) & 255, ((e.a4 % 4294967296) >> 16) & 255, ((e.a4 % 4294967296) >> 24) & 255) || printf('%02x%02x%02x%02x', (e.a4 / 4294967296) & 255, ((e.a4 / 4294967296) >> 8) & 255, ((e.a4 / 4294967296) >> 16) & 255, ((e.a4 / 4294967296) >> 24) & 255) || lower(hex(substr(e.data, 1, 24))) || printf('%02x%02x%02x%02x', (length(e.data) - 24) & 255, ((length(e.data) - 24) >> 8) & 255, ((length(e.data) - 24) >> 16) & 255, ((length(e.data) - 24) >> 24) & 255) || lower(hex(substr(e.data, 25))) END AS wire_hex
  FROM event e
 WHERE e.kind = 3;

-- Console traffic as bytes and as text.
CREATE VIEW v_console AS
SELECT e.branch, e.seq, e.icount, k.name AS kind, length(e.data) AS bytes, CAST(e.data AS TEXT) AS text
  FROM event e
  JOIN event_kind k ON k.code = e.kind
 WHERE e.kind IN (5, 8);

-- Things that went wrong: server crashes and servers left down, messages a receiver refused,
-- guest faults, processes killed by a signal, and a machine halting with a non-zero status.
CREATE VIEW v_crashes AS
SELECT e.branch, e.seq, e.icount, k.name AS kind, e.pid,
       CASE e.kind
         WHEN 15 THEN 'server ' || n.text || ' crashed (' || json_extract(e.body, '$.cause') || '): ' || json_extract(e.body, '$.error')
         WHEN 17 THEN 'server ' || n.text || ' left down: ' || json_extract(e.body, '$.reason')
         WHEN 11 THEN 'message ' || e.pid || '->' || e.a0 || ' refused: ' || n.text
         WHEN 20 THEN 'fault cause ' || e.nr || ' at pc ' || printf('0x%08x', e.a0)
         WHEN 21 THEN 'killed by signal ' || e.nr
         ELSE 'halt: ' || n.text || ' (status ' || e.a0 || ')'
       END AS what,
       (SELECT v.payload FROM v_event v WHERE v.id = e.id) AS payload
  FROM event e
  JOIN event_kind k ON k.code = e.kind
  LEFT JOIN name n ON n.id = e.name
 WHERE e.kind NOT BETWEEN 1 AND 3
   AND (e.kind IN (11, 15, 17, 20) OR (e.kind = 21 AND n.text = 'terminate') OR (e.kind = 25 AND e.a0 <> 0));
