-- Uptime checks (hub/store/probes, issue 19): what each check is, each agent's
-- rounds, the judged status and its incidents. Times are Unix ms.
CREATE TABLE checks (
  id         TEXT PRIMARY KEY,
  -- The check as lib/probes/check.ts defines it (name, type, target, …).
  spec       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- One agent's round of one check, stored once: the batch it came in is
-- written to batches in the same transaction, idempotent on (host, seq).
CREATE TABLE check_results (
  check_id TEXT NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
  host_id  TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  ts       INTEGER NOT NULL,
  ok       INTEGER NOT NULL,
  ms       REAL NOT NULL,
  message  TEXT NOT NULL,
  -- Timings, certificate days left, packet loss, as the agent gave them.
  details  TEXT NOT NULL,
  PRIMARY KEY (check_id, host_id, ts)
);
CREATE INDEX check_results_by_time ON check_results (check_id, ts);

-- The judged status of each check, and since when it has been judged at all
-- (uptime counts from then).
CREATE TABLE check_state (
  check_id     TEXT PRIMARY KEY REFERENCES checks (id) ON DELETE CASCADE,
  status       TEXT NOT NULL,
  since        INTEGER NOT NULL,
  judged_since INTEGER NOT NULL
);

-- A check's time down: from the round that made it down to the one that
-- made it up (null while it is down), and the failing condition's message.
CREATE TABLE check_incidents (
  check_id   TEXT NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
  started_at INTEGER NOT NULL,
  ended_at   INTEGER,
  cause      TEXT NOT NULL,
  PRIMARY KEY (check_id, started_at)
);
