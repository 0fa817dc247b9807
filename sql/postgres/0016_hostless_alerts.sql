-- An alert may be on no host: a push check's check_down alert (the check has no
-- agent, the alert names the check in its labels). The unique open index takes
-- a missing host as one value by indexing COALESCE(host_id, ''), no host id
-- being empty: the same expression as SQLite's, so one ON CONFLICT serves both
-- (NULLS NOT DISTINCT would do here, SQLite has no such thing).
ALTER TABLE alerts ALTER COLUMN host_id DROP NOT NULL;
DROP INDEX alerts_open;
-- One open alert per (rule, host or none, series): the claim two hubs contend for.
CREATE UNIQUE INDEX alerts_open ON alerts (rule_id, COALESCE(host_id, ''), labels_key)
  WHERE state IN ('pending', 'firing');
