-- Log lines and their sources (hub/store/logs). Lines are range-partitioned
-- by day on ts (hub/store/postgres/partitions.ts makes the partitions ahead
-- and drops them whole at retention) and searched through a pg_trgm GIN
-- index, so ILIKE '%any substring%' of three or more characters is an index
-- lookup. pg_trgm is a trusted extension: the database owner may create it
-- without superuser. Times are Unix ms.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE log_sources (
  id         TEXT PRIMARY KEY,
  type       TEXT NOT NULL CHECK (type IN ('file', 'journal')),
  path       TEXT NOT NULL DEFAULT '',
  units      JSONB NOT NULL DEFAULT '[]',
  scope      JSONB NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE log_lines (
  id        BIGSERIAL,
  host_id   TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  ts        BIGINT NOT NULL,
  source_id TEXT NOT NULL,
  origin    TEXT NOT NULL,
  level     TEXT NOT NULL,
  message   TEXT NOT NULL,
  PRIMARY KEY (ts, id)
) PARTITION BY RANGE (ts);
-- Lines outside every day partition (very late replays) land here.
CREATE TABLE log_lines_default PARTITION OF log_lines DEFAULT;
CREATE INDEX log_lines_by_host ON log_lines (host_id, ts, id);
CREATE INDEX log_lines_id ON log_lines (id);
CREATE INDEX log_lines_trgm ON log_lines USING gin (message gin_trgm_ops);

-- Lines and bytes (message + origin) kept per UTC day: retention by size
-- drops the oldest days without measuring the tables.
CREATE TABLE log_days (
  day   BIGINT PRIMARY KEY,
  lines BIGINT NOT NULL,
  bytes BIGINT NOT NULL
);

-- What each host's agent said of a source it could not, or may not, read.
CREATE TABLE log_source_errors (
  host_id   TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  source_id TEXT NOT NULL,
  message   TEXT NOT NULL,
  ts        BIGINT NOT NULL,
  PRIMARY KEY (host_id, source_id)
);

-- Lines each host's agent dropped past its rate limit, in all.
CREATE TABLE log_dropped (
  host_id TEXT PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
  lines   BIGINT NOT NULL
);
