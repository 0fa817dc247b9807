-- The core schema: hosts and how they register, API keys, and metrics as
-- batches (one per agent send, idempotent on host + seq) of samples per series.

CREATE TABLE hosts (
  id              TEXT PRIMARY KEY,
  name            TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  -- Bumped when the host registers again, so its old agent key stops working.
  key_generation  INTEGER NOT NULL DEFAULT 1,
  hostname        TEXT NOT NULL DEFAULT '',
  os              TEXT NOT NULL DEFAULT '',
  arch            TEXT NOT NULL DEFAULT '',
  kernel          TEXT NOT NULL DEFAULT '',
  agent_version   TEXT NOT NULL DEFAULT '',
  environment     TEXT NOT NULL DEFAULT 'unknown',
  ips             TEXT NOT NULL DEFAULT '[]',
  interval_s      REAL NOT NULL DEFAULT 30,
  status          TEXT NOT NULL DEFAULT 'offline' CHECK (status IN ('online', 'offline')),
  last_seen       INTEGER,
  dropped_batches INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE registration_tokens (
  hash       TEXT PRIMARY KEY,
  name       TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER,
  host_id    TEXT REFERENCES hosts (id) ON DELETE SET NULL
);

CREATE TABLE api_keys (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  hash         TEXT NOT NULL UNIQUE,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER
);

-- One row per metrics batch received; id gives the order batches arrived in.
CREATE TABLE batches (
  id          INTEGER PRIMARY KEY,
  host_id     TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL,
  ts          INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  UNIQUE (host_id, seq)
);

CREATE TABLE series (
  id      INTEGER PRIMARY KEY,
  host_id TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  metric  TEXT NOT NULL,
  label   TEXT NOT NULL DEFAULT '',
  UNIQUE (host_id, metric, label)
);

CREATE TABLE samples (
  series_id INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
  ts        INTEGER NOT NULL,
  value     REAL NOT NULL,
  PRIMARY KEY (series_id, ts)
) WITHOUT ROWID;

-- The newest full snapshot per host, for the host API and the dashboard.
CREATE TABLE host_latest (
  host_id TEXT PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
  ts      INTEGER NOT NULL,
  data    TEXT NOT NULL
);
