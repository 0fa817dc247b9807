-- The audit log names what a change was done to (a host's name, a key's
-- name) and keeps its id beside it, in target_id: a removed host's entries
-- still say which host it was. Entries written before named hosts and keys by
-- id; they get their names back from the hosts and keys tables, or, for a
-- host already removed, from the name its removal (or creation) recorded.
ALTER TABLE audit_log ADD COLUMN target_id TEXT NOT NULL DEFAULT '';

UPDATE audit_log SET target_id = target WHERE action LIKE 'host.%' OR action LIKE 'apikey.%';

UPDATE audit_log SET target = COALESCE(
  (SELECT name FROM hosts WHERE hosts.id = audit_log.target_id),
  (SELECT d.detail FROM audit_log d
    WHERE d.target_id = audit_log.target_id AND d.action IN ('host.delete', 'host.create')
      AND d.detail <> ''
    ORDER BY d.id DESC LIMIT 1),
  target)
WHERE action LIKE 'host.%';

UPDATE audit_log SET target = COALESCE(
  (SELECT name FROM api_keys WHERE api_keys.id = audit_log.target_id), target)
WHERE action LIKE 'apikey.%';

UPDATE audit_log SET target_id = COALESCE(
  (SELECT id FROM users WHERE users.name = audit_log.target), '')
WHERE action LIKE 'user.%' AND target <> '';
