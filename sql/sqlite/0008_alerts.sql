-- Alerts (hub/store/alerts): rules, the alerts they raise, and what mutes
-- them; and notifications (hub/store/notifications): channels and the outbox
-- a transition writes in its own transaction. Times are Unix ms.
CREATE TABLE alert_rules (
  id         TEXT PRIMARY KEY,
  -- The whole rule as lib/alerts/rules.ts checks it.
  spec       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE alerts (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  rule_id         TEXT NOT NULL,
  -- The rule's name when the alert opened: history outlives the rule.
  rule_name       TEXT NOT NULL,
  host_id         TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  labels          TEXT NOT NULL,
  labels_key      TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'firing', 'resolved')),
  severity        TEXT NOT NULL,
  value           REAL,
  threshold       REAL,
  pending_since   INTEGER NOT NULL,
  fired_at        INTEGER,
  resolved_at     INTEGER,
  -- When a notification was last queued for it (the fire or a reminder); null: never told.
  notified_at     INTEGER,
  acknowledged_by TEXT,
  acknowledged_at INTEGER,
  -- Why it resolved other than by its value (its rule removed or disabled).
  closed_reason   TEXT,
  processes       TEXT
);
-- One open alert per (rule, host, series): the claim two hubs contend for.
CREATE UNIQUE INDEX alerts_open ON alerts (rule_id, host_id, labels_key)
  WHERE state IN ('pending', 'firing');
CREATE INDEX alerts_by_state ON alerts (state, id);
CREATE INDEX alerts_by_host ON alerts (host_id, id);

CREATE TABLE silences (
  id         TEXT PRIMARY KEY,
  -- What it mutes: every one given must match (none: everything).
  rule_id    TEXT,
  host_id    TEXT,
  tag        TEXT,
  starts_at  INTEGER NOT NULL,
  ends_at    INTEGER NOT NULL,
  reason     TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE maintenance_windows (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  rule_id      TEXT,
  host_id      TEXT,
  tag          TEXT,
  time_zone    TEXT NOT NULL,
  -- Weekdays it starts on, 0 = Sunday, as a JSON list.
  days         TEXT NOT NULL,
  -- Local start time, minutes after midnight.
  start_minute INTEGER NOT NULL,
  duration_min INTEGER NOT NULL,
  created_by   TEXT NOT NULL,
  created_at   INTEGER NOT NULL
);

CREATE TABLE channels (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  type       TEXT NOT NULL,
  -- The settings that may be shown (a topic, a server); secrets are in `secret`.
  config     TEXT NOT NULL,
  -- Tokens, webhook URLs, passwords: sealed with a key derived from the hub
  -- secret (hub/notify/sealed.ts), never stored in plain text.
  secret     TEXT,
  -- Which alerts it takes: {severities?, rules?, tags?}; empty takes all.
  filters    TEXT NOT NULL,
  -- Its own wording: {title?, body?} (Mustache), or null for the default.
  template   TEXT,
  enabled    INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- The outbox: one message to one channel, listing one or more alerts.
CREATE TABLE notifications (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  channel_id   TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  rule_id      TEXT NOT NULL,
  kind         TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  -- Not sent before: the end of its grouping window, then each retry's time.
  due_at       INTEGER NOT NULL,
  -- Until then, transitions of the same rule and kind join it.
  group_until  INTEGER NOT NULL,
  state        TEXT NOT NULL DEFAULT 'queued'
    CHECK (state IN ('queued', 'sent', 'failed', 'muted')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  sent_at      INTEGER,
  last_error   TEXT
);
CREATE INDEX notifications_queued ON notifications (state, due_at);
CREATE INDEX notifications_group ON notifications (channel_id, rule_id, kind, group_until);

CREATE TABLE notification_items (
  notification_id INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
  alert_id        INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  -- The value and time of the transition this item tells of.
  value           REAL,
  at              INTEGER NOT NULL,
  PRIMARY KEY (notification_id, alert_id)
);
CREATE INDEX notification_items_alert ON notification_items (alert_id);

CREATE TABLE notification_attempts (
  notification_id INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
  at              INTEGER NOT NULL,
  ok              INTEGER NOT NULL,
  status          INTEGER,
  -- The start of the answer, or why there was none.
  detail          TEXT NOT NULL
);
CREATE INDEX notification_attempts_of ON notification_attempts (notification_id, at);
