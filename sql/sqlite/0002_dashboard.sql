-- Dashboard users, their sessions, the audit log, one-off settings, and hosts
-- that exist before their agent registers (added from the dashboard).

CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
  created_at    INTEGER NOT NULL
);

-- Session ids live only in the browser's cookie; the hub keeps their SHA-256.
CREATE TABLE sessions (
  hash         TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE audit_log (
  id     INTEGER PRIMARY KEY,
  at     INTEGER NOT NULL,
  actor  TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- Free-form labels to group and find hosts by (a JSON array of strings).
ALTER TABLE hosts ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
-- NULL until the host's agent has registered.
ALTER TABLE hosts ADD COLUMN registered_at INTEGER;
UPDATE hosts SET registered_at = created_at;
-- A token now names its host from the start; name stays NULL when the agent's
-- hostname should be used.
ALTER TABLE registration_tokens ADD COLUMN name_from_agent INTEGER NOT NULL DEFAULT 0;
