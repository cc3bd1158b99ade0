-- Schema 6: the event kinds machine 5 added (`schedule`, an input: the scheduling policy; and
-- `deadlock`: every process waits and nothing can wake one), so v_event shows them and v_crashes
-- lists deadlocks. Both are stored whole in `body`, as boot and inject are.
INSERT INTO event_kind (code, name) VALUES (26, 'schedule'), (27, 'deadlock');

DROP VIEW IF EXISTS v_crashes;
DROP VIEW IF EXISTS v_event;

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
         WHEN 26 THEN e.body
         WHEN 27 THEN e.body
       END END AS payload
  FROM event e
  JOIN event_kind k ON k.code = abs(e.kind)
  LEFT JOIN name n ON n.id = e.name;

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
       (SELECT v.payload FROM v_event v WHERE v.id = e.id) AS payload
  FROM event e
  JOIN event_kind k ON k.code = e.kind
  LEFT JOIN name n ON n.id = e.name
 WHERE e.kind NOT BETWEEN 1 AND 3
   AND (e.kind IN (11, 15, 17, 20, 27) OR (e.kind = 21 AND n.text = 'terminate') OR (e.kind = 25 AND e.a0 <> 0));
