-- xrr journal, schema 1. One SQLite file per recording (DESIGN.md section 7).
-- Applied by src/journal/migrations.ts inside one transaction, then recorded in schema_version.
-- Everything here is meant to be readable with the sqlite3 shell alone; see the v_* views.
-- The REFERENCES clauses document the links; the recorder does not pay for enforcing them on
-- every insert (it only ever writes rows of branches it has checked), and `xrr verify` runs
-- PRAGMA foreign_key_check instead.

-- The one row describing the recording.
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

-- Timelines. Branch 1 is the recording itself; a fork sees its parent's events with
-- seq < fork_seq, then its own, numbered from fork_seq.
CREATE TABLE branch (
  id          INTEGER PRIMARY KEY,
  parent      INTEGER REFERENCES branch(id),
  fork_icount INTEGER NOT NULL,
  fork_seq    INTEGER NOT NULL,
  created_at  TEXT NOT NULL,
  label       TEXT NOT NULL DEFAULT '',
  head_seq    INTEGER NOT NULL,             -- events in the timeline after the last commit
  head_hash   BLOB                          -- hash of the last of them (NULL when none)
);

-- Every machine event. payload is canonical JSON of the event without kind/icount/seq;
-- hash = sha256(previous hash in the timeline || seq TAB icount TAB seq_in_icount TAB kind
-- TAB pid TAB payload), 32 zero bytes before the first event.
CREATE TABLE event (
  branch        INTEGER NOT NULL REFERENCES branch(id),
  seq           INTEGER NOT NULL,           -- position in the branch's timeline
  icount        INTEGER NOT NULL,           -- guest instructions retired at the event
  seq_in_icount INTEGER NOT NULL,           -- orders events sharing an icount
  kind          TEXT NOT NULL,              -- MachineEvent kind (src/core/events.ts)
  pid           INTEGER,                    -- the process concerned, NULL for machine-wide events
  payload       TEXT NOT NULL,
  hash          BLOB NOT NULL,
  PRIMARY KEY (branch, seq)
) WITHOUT ROWID;
-- Events of pid P between t1 and t2; the primary key columns ride along, so ORDER BY icount, seq is free.
CREATE INDEX event_pid ON event (branch, pid, icount);
-- (No index on (branch, icount) alone: icount never decreases along a branch, so the store
-- turns an icount range into a seq range by binary search on the primary key; one index less
-- makes recording faster. With sqlite3: WHERE branch = B AND seq BETWEEN ... is the fast path.)
-- Events by kind (all crashes, all inputs for a seek), across branches or per branch.
CREATE INDEX event_kind ON event (kind, branch, icount);

-- Whole-machine states. state is the zstd-compressed serialised machine state without page
-- contents; page_hashes is the concatenation of the 32-byte sha256 keys of its pages in `page`.
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
);
-- Nearest snapshot at or before t.
CREATE INDEX snapshot_at ON snapshot (branch, icount, seq);

-- Memory pages by content: sha256 of the uncompressed bytes -> zstd blob. Shared by snapshots.
CREATE TABLE page (
  hash BLOB PRIMARY KEY,
  size INTEGER NOT NULL,                    -- uncompressed bytes
  data BLOB NOT NULL
);

-- Lattice IPC channel keys, apart so that `DELETE FROM channel_key` makes a shareable copy.
CREATE TABLE channel_key (
  branch    INTEGER NOT NULL REFERENCES branch(id),
  src       INTEGER NOT NULL,
  dst       INTEGER NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('forward', 'reverse')),  -- forward seals src -> dst
  icount    INTEGER NOT NULL,               -- when the channel was (re)established
  key       BLOB NOT NULL,
  PRIMARY KEY (branch, src, dst, direction, icount)
);

CREATE TABLE bookmark (
  branch INTEGER NOT NULL REFERENCES branch(id),
  name   TEXT NOT NULL,
  icount INTEGER NOT NULL,
  note   TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (branch, name)
);

-- Syscalls by process, with the result of the matching return (NULL while blocked or if the
-- process died in the call). Rows as stored: a fork's rows start at its fork point.
CREATE VIEW v_syscalls AS
SELECT e.branch, e.seq, e.icount, e.pid,
       json_extract(e.payload, '$.nr')   AS nr,
       json_extract(e.payload, '$.name') AS name,
       json_extract(e.payload, '$.args') AS args,
       (SELECT json_extract(r.payload, '$.result') FROM event r
         WHERE r.branch = e.branch AND r.pid = e.pid AND r.icount >= e.icount AND r.seq > e.seq
           AND r.kind = 'syscall-return' AND json_extract(r.payload, '$.nr') = json_extract(e.payload, '$.nr')
         ORDER BY r.icount, r.seq LIMIT 1) AS result
  FROM event e
 WHERE e.kind = 'syscall';

-- IPC messages by channel (what crossed the wire; decrypting needs channel_key).
CREATE VIEW v_ipc AS
SELECT branch, seq, icount,
       json_extract(payload, '$.src') AS src,
       json_extract(payload, '$.dst') AS dst,
       json_extract(payload, '$.src') || '->' || json_extract(payload, '$.dst') AS channel,
       json_extract(payload, '$.mType') AS m_type,
       length(json_extract(payload, '$.payloadHex')) / 2 AS bytes,
       json_extract(payload, '$.payloadHex') AS payload_hex
  FROM event
 WHERE kind = 'ipc';

-- Things that went wrong: server crashes (kind 'crash'), guest faults, processes killed by a
-- signal, and a machine halting with a non-zero status.
CREATE VIEW v_crashes AS
SELECT branch, seq, icount, kind, pid,
       CASE kind
         WHEN 'crash' THEN 'server crash'
         WHEN 'trap' THEN 'fault cause ' || json_extract(payload, '$.cause') || ' at pc ' || printf('0x%08x', json_extract(payload, '$.pc'))
         WHEN 'signal' THEN 'killed by signal ' || json_extract(payload, '$.signo')
         ELSE 'halt: ' || json_extract(payload, '$.reason') || ' (status ' || json_extract(payload, '$.status') || ')'
       END AS what,
       payload
  FROM event
 WHERE kind IN ('crash', 'trap')
    OR (kind = 'signal' AND json_extract(payload, '$.action') = 'terminate')
    OR (kind = 'halt' AND json_extract(payload, '$.status') <> 0);
