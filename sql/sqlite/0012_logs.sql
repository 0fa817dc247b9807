-- Log lines and their sources (hub/store/logs). Lines are searched through
-- an FTS5 index with the trigram tokenizer (any substring of three or more
-- characters, case-insensitive), kept in step with the table by triggers.
-- Times are Unix ms.
CREATE TABLE log_sources (
  id         TEXT PRIMARY KEY,
  type       TEXT NOT NULL CHECK (type IN ('file', 'journal')),
  path       TEXT NOT NULL DEFAULT '',
  units      TEXT NOT NULL DEFAULT '[]',
  scope      TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE log_lines (
  id        INTEGER PRIMARY KEY,
  host_id   TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  ts        INTEGER NOT NULL,
  source_id TEXT NOT NULL,
  origin    TEXT NOT NULL,
  level     TEXT NOT NULL,
  message   TEXT NOT NULL
);
CREATE INDEX log_lines_by_time ON log_lines (ts, id);
CREATE INDEX log_lines_by_host ON log_lines (host_id, ts, id);

CREATE VIRTUAL TABLE log_lines_fts USING fts5 (
  message, content = 'log_lines', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER log_lines_fts_insert AFTER INSERT ON log_lines BEGIN
  INSERT INTO log_lines_fts (rowid, message) VALUES (new.id, new.message);
END;
CREATE TRIGGER log_lines_fts_delete AFTER DELETE ON log_lines BEGIN
  INSERT INTO log_lines_fts (log_lines_fts, rowid, message) VALUES ('delete', old.id, old.message);
END;

-- Lines and bytes (message + origin) kept per UTC day: retention by size
-- drops the oldest days without measuring the tables.
CREATE TABLE log_days (
  day   INTEGER PRIMARY KEY,
  lines INTEGER NOT NULL,
  bytes INTEGER NOT NULL
);

-- What each host's agent said of a source it could not, or may not, read.
CREATE TABLE log_source_errors (
  host_id   TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  source_id TEXT NOT NULL,
  message   TEXT NOT NULL,
  ts        INTEGER NOT NULL,
  PRIMARY KEY (host_id, source_id)
);

-- Lines each host's agent dropped past its rate limit, in all.
CREATE TABLE log_dropped (
  host_id TEXT PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
  lines   INTEGER NOT NULL
);
