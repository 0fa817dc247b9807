-- Rollups: per series and bucket, the count, sum, min, max and last value
-- (with its time) of the raw samples, at 1 min, 10 min, 1 h and 1 d.
--
-- The rollup job (hub/history) keeps them: it takes the batches not yet
-- rolled up, marks the 1 min buckets they touch dirty, and recomputes dirty
-- buckets from the tier below (1 min from raw samples, 10 min from 1 min …),
-- each bucket once it has closed or has waited a while, so a write costs about
-- one rollup row per two samples instead of one per tier. Batches older than
-- the tiers below still hold (past raw retention) are added to every tier
-- directly. No foreign keys on the time tables: a check per row would double
-- the cost of a write; deleting a host deletes its rows explicitly.


CREATE TABLE rollup_1m (
  series_id INTEGER NOT NULL,
  bucket    INTEGER NOT NULL,
  n         INTEGER NOT NULL,
  sum       REAL NOT NULL,
  min       REAL NOT NULL,
  max       REAL NOT NULL,
  last      REAL NOT NULL,
  last_ts   INTEGER NOT NULL,
  PRIMARY KEY (series_id, bucket)
) WITHOUT ROWID;

CREATE TABLE rollup_10m (
  series_id INTEGER NOT NULL,
  bucket    INTEGER NOT NULL,
  n         INTEGER NOT NULL,
  sum       REAL NOT NULL,
  min       REAL NOT NULL,
  max       REAL NOT NULL,
  last      REAL NOT NULL,
  last_ts   INTEGER NOT NULL,
  PRIMARY KEY (series_id, bucket)
) WITHOUT ROWID;

CREATE TABLE rollup_1h (
  series_id INTEGER NOT NULL,
  bucket    INTEGER NOT NULL,
  n         INTEGER NOT NULL,
  sum       REAL NOT NULL,
  min       REAL NOT NULL,
  max       REAL NOT NULL,
  last      REAL NOT NULL,
  last_ts   INTEGER NOT NULL,
  PRIMARY KEY (series_id, bucket)
) WITHOUT ROWID;

CREATE TABLE rollup_1d (
  series_id INTEGER NOT NULL,
  bucket    INTEGER NOT NULL,
  n         INTEGER NOT NULL,
  sum       REAL NOT NULL,
  min       REAL NOT NULL,
  max       REAL NOT NULL,
  last      REAL NOT NULL,
  last_ts   INTEGER NOT NULL,
  PRIMARY KEY (series_id, bucket)
) WITHOUT ROWID;

-- Buckets to recompute: since when each has waited.
CREATE TABLE rollup_dirty (
  tier    TEXT NOT NULL,
  host_id TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  bucket  INTEGER NOT NULL,
  since   INTEGER NOT NULL,
  PRIMARY KEY (tier, host_id, bucket)
) WITHOUT ROWID;

-- Batches the job has still to take; those already stored are rolled up below.
ALTER TABLE batches ADD COLUMN rolled_up INTEGER NOT NULL DEFAULT 0;
UPDATE batches SET rolled_up = 1;
CREATE INDEX batches_pending ON batches (id) WHERE rolled_up = 0;
-- Finds a batch's earlier twin at the same instant (see rollup_sql.ts).
CREATE INDEX batches_host_ts ON batches (host_id, ts);

-- Samples again, without the foreign key.
CREATE TABLE samples_new (
  series_id INTEGER NOT NULL,
  ts        INTEGER NOT NULL,
  value     REAL NOT NULL,
  PRIMARY KEY (series_id, ts)
) WITHOUT ROWID;
INSERT INTO samples_new SELECT series_id, ts, value FROM samples;
DROP TABLE samples;
ALTER TABLE samples_new RENAME TO samples;

-- The raw samples already stored (at most the raw retention) seed every tier.
INSERT INTO rollup_1m (series_id, bucket, n, sum, min, max, last, last_ts)
SELECT a.series_id, a.bucket, a.n, a.sum, a.min, a.max, x.value, a.last_ts
FROM (SELECT series_id, ts - ts % 60000 AS bucket, COUNT(*) AS n, SUM(value) AS sum,
    MIN(value) AS min, MAX(value) AS max, MAX(ts) AS last_ts
  FROM samples GROUP BY series_id, ts - ts % 60000) a
JOIN samples x ON x.series_id = a.series_id AND x.ts = a.last_ts;
INSERT INTO rollup_10m (series_id, bucket, n, sum, min, max, last, last_ts)
SELECT a.series_id, a.bucket, a.n, a.sum, a.min, a.max, x.value, a.last_ts
FROM (SELECT series_id, ts - ts % 600000 AS bucket, COUNT(*) AS n, SUM(value) AS sum,
    MIN(value) AS min, MAX(value) AS max, MAX(ts) AS last_ts
  FROM samples GROUP BY series_id, ts - ts % 600000) a
JOIN samples x ON x.series_id = a.series_id AND x.ts = a.last_ts;
INSERT INTO rollup_1h (series_id, bucket, n, sum, min, max, last, last_ts)
SELECT a.series_id, a.bucket, a.n, a.sum, a.min, a.max, x.value, a.last_ts
FROM (SELECT series_id, ts - ts % 3600000 AS bucket, COUNT(*) AS n, SUM(value) AS sum,
    MIN(value) AS min, MAX(value) AS max, MAX(ts) AS last_ts
  FROM samples GROUP BY series_id, ts - ts % 3600000) a
JOIN samples x ON x.series_id = a.series_id AND x.ts = a.last_ts;
INSERT INTO rollup_1d (series_id, bucket, n, sum, min, max, last, last_ts)
SELECT a.series_id, a.bucket, a.n, a.sum, a.min, a.max, x.value, a.last_ts
FROM (SELECT series_id, ts - ts % 86400000 AS bucket, COUNT(*) AS n, SUM(value) AS sum,
    MIN(value) AS min, MAX(value) AS max, MAX(ts) AS last_ts
  FROM samples GROUP BY series_id, ts - ts % 86400000) a
JOIN samples x ON x.series_id = a.series_id AND x.ts = a.last_ts;
