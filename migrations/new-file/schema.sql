-- The schema of a new xrr journal file: what the migrations in migrations/ build on an empty file,
-- as one script. Written by `npm run schema` (scripts/new-file-schema.ts); do not edit by hand.
-- A new file is created from it only when the line below names the migrations of the xrr that opens it.
-- built from 11 migrations, sha256 b09850ea04a3794df405f6b74f26bb4500abe216def0e65f49eb5a2d7b719ed7

CREATE TABLE recording (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  machine_version TEXT NOT NULL,
  image_hash      TEXT NOT NULL,            -- hex digest of the booted image(s)
  seed_hex        TEXT NOT NULL,            -- entropy seed of the machine's DRBG
  boot_epoch_ns   TEXT NOT NULL,            -- decimal ns since 1970 (exceeds 2^53, so text)
  command_line    TEXT NOT NULL,            -- JSON array of strings
  created_at      TEXT NOT NULL,            -- host wall time, ISO 8601
  xrr_version     TEXT NOT NULL
);

CREATE TABLE branch (
  id          INTEGER PRIMARY KEY,
  parent      INTEGER REFERENCES branch(id),
  fork_icount INTEGER NOT NULL,
  fork_seq    INTEGER NOT NULL,
  created_at  TEXT NOT NULL,
  label       TEXT NOT NULL DEFAULT '',
  head_seq    INTEGER NOT NULL,             -- events in the timeline after the last commit
  head_hash   BLOB                          -- hash of the last of them (NULL when none)
, snap_count INTEGER NOT NULL DEFAULT 0, snap_hash BLOB, head_mac BLOB);

CREATE TABLE snapshot (
  id          INTEGER PRIMARY KEY,
  branch      INTEGER NOT NULL REFERENCES branch(id),
  icount      INTEGER NOT NULL,
  seq         INTEGER NOT NULL,             -- events applied: the seq of the branch's next event
  state       BLOB NOT NULL,
  state_size  INTEGER NOT NULL,             -- uncompressed bytes
  page_count  INTEGER NOT NULL,
  page_hashes BLOB NOT NULL,
  created_at  TEXT NOT NULL
, digest BLOB, mac BLOB, codec INTEGER NOT NULL DEFAULT 0, base INTEGER);

CREATE INDEX snapshot_at ON snapshot (branch, icount, seq);

CREATE TABLE key_seed (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  seed BLOB NOT NULL
);

CREATE TABLE event_kind (
  code INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

CREATE TABLE name (
  id   INTEGER PRIMARY KEY,
  text TEXT NOT NULL UNIQUE
);

CREATE TABLE event_block (
  branch INTEGER NOT NULL REFERENCES branch(id),
  block  INTEGER NOT NULL,                  -- events block * 256 .. block * 256 + count - 1
  count  INTEGER NOT NULL,
  hash   BLOB NOT NULL, mac BLOB,
  PRIMARY KEY (branch, block)
) WITHOUT ROWID;

CREATE TABLE seal_key (
  id  INTEGER PRIMARY KEY CHECK (id = 1),
  key BLOB NOT NULL                      -- 32 random bytes; empty in a copy shared without keys
);

CREATE TABLE page_dictionary (
  id   INTEGER PRIMARY KEY,
  data BLOB NOT NULL
);

CREATE TABLE "channel_key" (
  branch    INTEGER NOT NULL REFERENCES branch(id),
  src       INTEGER NOT NULL,
  dst       INTEGER NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('forward', 'reverse')),  -- forward seals src -> dst
  icount    INTEGER NOT NULL,               -- when the channel was (re)established
  key       BLOB NOT NULL,
  PRIMARY KEY (branch, src, dst, direction, icount)
) WITHOUT ROWID;

CREATE TABLE "bookmark" (
  branch INTEGER NOT NULL REFERENCES branch(id),
  name   TEXT NOT NULL,
  icount INTEGER NOT NULL,
  note   TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (branch, name)
) WITHOUT ROWID;

CREATE TABLE syscall_name (
  nr   INTEGER PRIMARY KEY,
  name INTEGER NOT NULL REFERENCES name(id)
);

CREATE TABLE event_data (
  id    INTEGER PRIMARY KEY,
  bytes BLOB NOT NULL
);

CREATE TABLE "event" (
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

CREATE INDEX event_kind_at ON event (kind) WHERE kind NOT BETWEEN 0 AND 3;

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

CREATE TABLE "page" (
  id         INTEGER PRIMARY KEY,
  hash       BLOB NOT NULL,                 -- sha256 of the uncompressed bytes
  size       INTEGER NOT NULL,              -- uncompressed bytes
  data       BLOB NOT NULL,                 -- zstd frames
  dictionary INTEGER,                       -- page_dictionary.id data was compressed with; NULL: none
  pack       INTEGER                        -- NULL: data is this page's; else the id of its pack's first page
);

CREATE INDEX page_hash_prefix ON page (substr(hash, 1, 8));

CREATE TABLE debug_file (
  guest_sha256 BLOB PRIMARY KEY,            -- 32 bytes: sha256 of the program in the guest's file system
  size         INTEGER NOT NULL,            -- bytes of the full ELF
  sha256       BLOB NOT NULL,               -- 32 bytes: sha256 of the full ELF, checked on every load
  data         BLOB NOT NULL,               -- the full ELF, zstd frames (against base's ELF when base is set)
  base         BLOB,                        -- NULL, or the guest_sha256 of the recording's first debug file, whose ELF is
                                            -- the raw-content dictionary of data (programs share their libraries' DWARF)
  mac          BLOB                         -- seal.ts tag of (guest_sha256, sha256, size); NULL when the recording has no seal key
);

CREATE VIEW v_debug_file AS
  SELECT lower(hex(guest_sha256)) AS guest_sha256, size, lower(hex(sha256)) AS sha256, length(data) AS stored_bytes,
         CASE WHEN base IS NULL THEN NULL ELSE lower(hex(base)) END AS base
  FROM debug_file;

INSERT INTO "event_kind" ("code", "name") VALUES (0,'syscall+return');
INSERT INTO "event_kind" ("code", "name") VALUES (1,'syscall');
INSERT INTO "event_kind" ("code", "name") VALUES (2,'syscall-return');
INSERT INTO "event_kind" ("code", "name") VALUES (3,'ipc');
INSERT INTO "event_kind" ("code", "name") VALUES (4,'sched');
INSERT INTO "event_kind" ("code", "name") VALUES (5,'console-output');
INSERT INTO "event_kind" ("code", "name") VALUES (6,'irq');
INSERT INTO "event_kind" ("code", "name") VALUES (7,'boot');
INSERT INTO "event_kind" ("code", "name") VALUES (8,'console-input');
INSERT INTO "event_kind" ("code", "name") VALUES (9,'idle');
INSERT INTO "event_kind" ("code", "name") VALUES (10,'timer-skip');
INSERT INTO "event_kind" ("code", "name") VALUES (11,'ipc-reject');
INSERT INTO "event_kind" ("code", "name") VALUES (12,'ipc-denied');
INSERT INTO "event_kind" ("code", "name") VALUES (13,'ipc-fault');
INSERT INTO "event_kind" ("code", "name") VALUES (14,'channel');
INSERT INTO "event_kind" ("code", "name") VALUES (15,'server-crash');
INSERT INTO "event_kind" ("code", "name") VALUES (16,'server-restart');
INSERT INTO "event_kind" ("code", "name") VALUES (17,'server-down');
INSERT INTO "event_kind" ("code", "name") VALUES (18,'inject');
INSERT INTO "event_kind" ("code", "name") VALUES (19,'chaos');
INSERT INTO "event_kind" ("code", "name") VALUES (20,'trap');
INSERT INTO "event_kind" ("code", "name") VALUES (21,'signal');
INSERT INTO "event_kind" ("code", "name") VALUES (22,'fork');
INSERT INTO "event_kind" ("code", "name") VALUES (23,'exec');
INSERT INTO "event_kind" ("code", "name") VALUES (24,'exit');
INSERT INTO "event_kind" ("code", "name") VALUES (25,'halt');
INSERT INTO "event_kind" ("code", "name") VALUES (26,'schedule');
INSERT INTO "event_kind" ("code", "name") VALUES (27,'deadlock');
