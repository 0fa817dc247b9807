-- What changed on a host (hub/store/changes): reboots, kernel and OS changes,
-- agent upgrades and restarts, as ingest detects them; later capabilities add
-- their kinds (containers). Package changes live with the inventory
-- (hub/store/packages). Times are Unix ms.
CREATE TABLE host_changes (
  host_id     TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  -- What makes a change the same one when it is seen again (a replayed batch,
  -- a reconnect, two hubs at once): written once per host and key.
  change_key  TEXT NOT NULL,
  ts          BIGINT NOT NULL,
  kind        TEXT NOT NULL,
  summary     TEXT NOT NULL,
  details     JSONB NOT NULL,
  recorded_at BIGINT NOT NULL,
  PRIMARY KEY (host_id, change_key)
);
CREATE INDEX host_changes_by_time ON host_changes (host_id, ts);
