-- Containers (hub/store/containers): each host's inventory as its agent last
-- listed it, and the engine's events. Times are Unix ms.
CREATE TABLE containers (
  host_id     TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  -- The engine's id (64 hex digits).
  id          TEXT NOT NULL,
  name        TEXT NOT NULL,
  image       TEXT NOT NULL,
  state       TEXT NOT NULL,
  health      TEXT NOT NULL,
  restarts    INTEGER NOT NULL,
  -- The last figures; null while the container does not run.
  cpu_percent REAL,
  mem_bytes   INTEGER,
  created_at  INTEGER,
  started_at  INTEGER,
  first_seen  INTEGER NOT NULL,
  last_seen   INTEGER NOT NULL,
  -- When a list first lacked it; null while the engine lists it.
  gone_at     INTEGER,
  PRIMARY KEY (host_id, id)
);
CREATE INDEX containers_live ON containers (host_id, name) WHERE gone_at IS NULL;

-- The newest list stored per host: an older or replayed batch never overwrites it.
CREATE TABLE container_reports (
  host_id TEXT PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
  seq     INTEGER NOT NULL,
  ts      INTEGER NOT NULL,
  engine  TEXT NOT NULL
);

-- Stored once per (host, batch seq, place in the batch): a replay adds nothing.
CREATE TABLE container_events (
  host_id      TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  seq          INTEGER NOT NULL,
  idx          INTEGER NOT NULL,
  ts           INTEGER NOT NULL,
  container_id TEXT NOT NULL,
  name         TEXT NOT NULL,
  image        TEXT NOT NULL,
  action       TEXT NOT NULL,
  exit_code    INTEGER NOT NULL,
  health       TEXT NOT NULL,
  PRIMARY KEY (host_id, seq, idx)
);
CREATE INDEX container_events_by_time ON container_events (host_id, ts);
