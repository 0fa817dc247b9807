-- The audit log names what a change was done to and keeps its id beside it,
-- in target_id (as in sql/sqlite/0007): a removed host's entries still say
-- which host it was. Older entries named hosts and keys by id; joins give
-- them their names back, a removed host's from what its removal recorded.
ALTER TABLE audit_log ADD COLUMN target_id TEXT NOT NULL DEFAULT '';
UPDATE audit_log SET target_id = target WHERE action LIKE 'host.%' OR action LIKE 'apikey.%';

UPDATE audit_log a SET target = h.name FROM hosts h
WHERE a.action LIKE 'host.%' AND h.id = a.target_id;

UPDATE audit_log a SET target = named.detail
FROM (
  SELECT DISTINCT ON (target_id) target_id, detail FROM audit_log
  WHERE action IN ('host.delete', 'host.create') AND detail <> ''
  ORDER BY target_id, id DESC
) named
WHERE a.action LIKE 'host.%' AND named.target_id = a.target_id
  AND NOT EXISTS (SELECT 1 FROM hosts WHERE hosts.id = a.target_id);

UPDATE audit_log a SET target = k.name FROM api_keys k
WHERE a.action LIKE 'apikey.%' AND k.id = a.target_id;

UPDATE audit_log a SET target_id = u.id FROM users u
WHERE a.action LIKE 'user.%' AND u.name = a.target;
