-- The core schema (PostgreSQL): hosts and how they register, API keys, and
-- metrics as batches (one per agent send, idempotent on host + seq) of samples
-- per series. Times are Unix milliseconds, as in the SQLite schema.

CREATE TABLE hosts (
  id              TEXT PRIMARY KEY,
  name            TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  key_generation  INTEGER NOT NULL DEFAULT 1,
  hostname        TEXT NOT NULL DEFAULT '',
  os              TEXT NOT NULL DEFAULT '',
  arch            TEXT NOT NULL DEFAULT '',
  kernel          TEXT NOT NULL DEFAULT '',
  agent_version   TEXT NOT NULL DEFAULT '',
  environment     TEXT NOT NULL DEFAULT 'unknown',
  ips             JSONB NOT NULL DEFAULT '[]',
  interval_s      DOUBLE PRECISION NOT NULL DEFAULT 30,
  status          TEXT NOT NULL DEFAULT 'offline' CHECK (status IN ('online', 'offline')),
  last_seen       BIGINT,
  dropped_batches BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE registration_tokens (
  hash       TEXT PRIMARY KEY,
  name       TEXT,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at    BIGINT,
  host_id    TEXT REFERENCES hosts (id) ON DELETE SET NULL
);

CREATE TABLE api_keys (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  hash         TEXT NOT NULL UNIQUE,
  created_at   BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at   BIGINT
);

CREATE TABLE batches (
  id          BIGSERIAL PRIMARY KEY,
  host_id     TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  seq         BIGINT NOT NULL,
  ts          BIGINT NOT NULL,
  received_at BIGINT NOT NULL,
  UNIQUE (host_id, seq)
);

CREATE TABLE series (
  id      BIGSERIAL PRIMARY KEY,
  host_id TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  metric  TEXT NOT NULL,
  label   TEXT NOT NULL DEFAULT '',
  UNIQUE (host_id, metric, label)
);

-- Range-partitioned by day on ts; the hub creates partitions ahead of time.
-- Samples outside every day partition (very late replays) land in the default one.
CREATE TABLE samples (
  series_id BIGINT NOT NULL REFERENCES series (id) ON DELETE CASCADE,
  ts        BIGINT NOT NULL,
  value     DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (series_id, ts)
) PARTITION BY RANGE (ts);
CREATE TABLE samples_default PARTITION OF samples DEFAULT;

CREATE TABLE host_latest (
  host_id TEXT PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
  ts      BIGINT NOT NULL,
  data    JSONB NOT NULL
);
