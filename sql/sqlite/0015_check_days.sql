-- Each agent's rounds of each check per UTC day (hub/store/probes): uptime over
-- weeks to a year, and response times over them, read from here rather than
-- from every round, and kept once the rounds themselves are past their
-- retention (SIGHTLINE_RETENTION_CHECK_RESULTS_DAYS). A year is 365 rows per
-- check and agent. Written with the rounds, in their transaction.
CREATE TABLE check_days (
  check_id TEXT NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
  host_id  TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  -- Days since 1970-01-01 UTC.
  day      INTEGER NOT NULL,
  rounds   INTEGER NOT NULL,
  passed   INTEGER NOT NULL,
  -- Milliseconds of the rounds that passed: their sum (for the mean) and the most.
  ms_sum   REAL NOT NULL,
  ms_max   REAL NOT NULL,
  PRIMARY KEY (check_id, host_id, day)
);

INSERT INTO check_days (check_id, host_id, day, rounds, passed, ms_sum, ms_max)
SELECT check_id, host_id, ts / 86400000, COUNT(*), SUM(ok),
  SUM(CASE WHEN ok = 1 THEN ms ELSE 0 END), MAX(CASE WHEN ok = 1 THEN ms ELSE 0 END)
FROM check_results GROUP BY check_id, host_id, ts / 86400000;

-- Rounds past their retention are found by time across every check.
CREATE INDEX check_results_by_ts ON check_results (ts);
