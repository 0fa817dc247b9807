-- rebuild: foreign keys off
-- An alert may be on no host: a push check's check_down alert (the check has no
-- agent, the alert names the check in its labels). host_id becomes nullable,
-- and the unique open index takes a missing host as one value (SQLite holds
-- NULLs distinct in a unique index, so two hubs could each open the alert):
-- it indexes COALESCE(host_id, '') instead, which no host id is (ids are never
-- empty). SQLite cannot drop NOT NULL in place: the table is made again.
-- The first line makes the migrator run it with foreign keys off (hub/store/sqlite/db.ts),
-- so dropping the old table does not cascade into notification_items; their
-- reference names "alerts", which the new table is once renamed.
CREATE TABLE alerts_0016 (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  rule_id         TEXT NOT NULL,
  rule_name       TEXT NOT NULL,
  -- Null: an alert on no host (a push check's).
  host_id         TEXT REFERENCES hosts (id) ON DELETE CASCADE,
  labels          TEXT NOT NULL,
  labels_key      TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'firing', 'resolved')),
  severity        TEXT NOT NULL,
  value           REAL,
  threshold       REAL,
  pending_since   INTEGER NOT NULL,
  fired_at        INTEGER,
  resolved_at     INTEGER,
  notified_at     INTEGER,
  acknowledged_by TEXT,
  acknowledged_at INTEGER,
  closed_reason   TEXT,
  processes       TEXT
);
INSERT INTO alerts_0016 SELECT * FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_0016 RENAME TO alerts;
-- One open alert per (rule, host or none, series): the claim two hubs contend for.
CREATE UNIQUE INDEX alerts_open ON alerts (rule_id, COALESCE(host_id, ''), labels_key)
  WHERE state IN ('pending', 'firing');
CREATE INDEX alerts_by_state ON alerts (state, id);
CREATE INDEX alerts_by_host ON alerts (host_id, id);
