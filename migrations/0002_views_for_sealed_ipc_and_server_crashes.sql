-- v_ipc and v_crashes as recordings really are: messages are sealed by default (the event holds
-- the wire, `wireHex`, not `payloadHex`), and a server crash is the kind 'server-crash'.

DROP VIEW v_ipc;
-- IPC messages by channel: src and dst are the logical ends, `sealed` 1 when the event holds the
-- encrypted wire (decrypt it with channel_key). `bytes` is the payload size: the plaintext's, or
-- for a wire its sealed plaintext's (the wire less its 52-byte prefix and 16-byte tag).
CREATE VIEW v_ipc AS
SELECT branch, seq, icount,
       json_extract(payload, '$.src') AS src,
       json_extract(payload, '$.dst') AS dst,
       json_extract(payload, '$.src') || '->' || json_extract(payload, '$.dst') AS channel,
       json_extract(payload, '$.mType') AS m_type,
       json_extract(payload, '$.wireHex') IS NOT NULL AS sealed,
       coalesce(length(json_extract(payload, '$.payloadHex')) / 2, length(json_extract(payload, '$.wireHex')) / 2 - 68) AS bytes,
       json_extract(payload, '$.payloadHex') AS payload_hex,
       json_extract(payload, '$.wireHex') AS wire_hex
  FROM event
 WHERE kind = 'ipc';

DROP VIEW v_crashes;
-- Things that went wrong: server crashes and servers left down, messages a receiver refused,
-- guest faults, processes killed by a signal, and a machine halting with a non-zero status.
CREATE VIEW v_crashes AS
SELECT branch, seq, icount, kind, pid,
       CASE kind
         WHEN 'server-crash' THEN 'server ' || json_extract(payload, '$.name') || ' crashed (' || json_extract(payload, '$.cause') || '): ' || json_extract(payload, '$.error')
         WHEN 'server-down' THEN 'server ' || json_extract(payload, '$.name') || ' left down: ' || json_extract(payload, '$.reason')
         WHEN 'ipc-reject' THEN 'message ' || json_extract(payload, '$.src') || '->' || json_extract(payload, '$.dst') || ' refused: ' || json_extract(payload, '$.error')
         WHEN 'trap' THEN 'fault cause ' || json_extract(payload, '$.cause') || ' at pc ' || printf('0x%08x', json_extract(payload, '$.pc'))
         WHEN 'signal' THEN 'killed by signal ' || json_extract(payload, '$.signo')
         ELSE 'halt: ' || json_extract(payload, '$.reason') || ' (status ' || json_extract(payload, '$.status') || ')'
       END AS what,
       payload
  FROM event
 WHERE kind IN ('server-crash', 'server-down', 'ipc-reject', 'trap')
    OR (kind = 'signal' AND json_extract(payload, '$.action') = 'terminate')
    OR (kind = 'halt' AND json_extract(payload, '$.status') <> 0);
