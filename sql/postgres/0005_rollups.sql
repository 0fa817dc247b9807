-- Rollups (PostgreSQL): per series and bucket, the count, sum, min, max and last value
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
--
-- 1 min buckets are partitioned by day, 10 min by 10 days and 1 h by 30 days
-- (epoch-aligned), so retention drops whole partitions; the hub creates them
-- ahead of time. 1 d buckets stay one table.


CREATE TABLE rollup_1m (
  series_id BIGINT NOT NULL,
  bucket    BIGINT NOT NULL,
  n         BIGINT NOT NULL,
  sum       DOUBLE PRECISION NOT NULL,
  min       DOUBLE PRECISION NOT NULL,
  max       DOUBLE PRECISION NOT NULL,
  last      DOUBLE PRECISION NOT NULL,
  last_ts   BIGINT NOT NULL,
  PRIMARY KEY (series_id, bucket)
) PARTITION BY RANGE (bucket);
CREATE TABLE rollup_1m_default PARTITION OF rollup_1m DEFAULT;

CREATE TABLE rollup_10m (
  series_id BIGINT NOT NULL,
  bucket    BIGINT NOT NULL,
  n         BIGINT NOT NULL,
  sum       DOUBLE PRECISION NOT NULL,
  min       DOUBLE PRECISION NOT NULL,
  max       DOUBLE PRECISION NOT NULL,
  last      DOUBLE PRECISION NOT NULL,
  last_ts   BIGINT NOT NULL,
  PRIMARY KEY (series_id, bucket)
) PARTITION BY RANGE (bucket);
CREATE TABLE rollup_10m_default PARTITION OF rollup_10m DEFAULT;

CREATE TABLE rollup_1h (
  series_id BIGINT NOT NULL,
  bucket    BIGINT NOT NULL,
  n         BIGINT NOT NULL,
  sum       DOUBLE PRECISION NOT NULL,
  min       DOUBLE PRECISION NOT NULL,
  max       DOUBLE PRECISION NOT NULL,
  last      DOUBLE PRECISION NOT NULL,
  last_ts   BIGINT NOT NULL,
  PRIMARY KEY (series_id, bucket)
) PARTITION BY RANGE (bucket);
CREATE TABLE rollup_1h_default PARTITION OF rollup_1h DEFAULT;

CREATE TABLE rollup_1d (
  series_id BIGINT NOT NULL,
  bucket    BIGINT NOT NULL,
  n         BIGINT NOT NULL,
  sum       DOUBLE PRECISION NOT NULL,
  min       DOUBLE PRECISION NOT NULL,
  max       DOUBLE PRECISION NOT NULL,
  last      DOUBLE PRECISION NOT NULL,
  last_ts   BIGINT NOT NULL,
  PRIMARY KEY (series_id, bucket)
);

-- Buckets to recompute: since when each has waited.
CREATE TABLE rollup_dirty (
  tier    TEXT NOT NULL,
  host_id TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  bucket  BIGINT NOT NULL,
  since   BIGINT NOT NULL,
  PRIMARY KEY (tier, host_id, bucket)
);

-- Batches the job has still to take; those already stored are rolled up below.
ALTER TABLE batches ADD COLUMN rolled_up BOOLEAN NOT NULL DEFAULT false;
UPDATE batches SET rolled_up = true;
CREATE INDEX batches_pending ON batches (id) WHERE NOT rolled_up;
-- Finds a batch's earlier twin at the same instant (see rollup_sql.ts).
CREATE INDEX batches_host_ts ON batches (host_id, ts);

ALTER TABLE samples DROP CONSTRAINT IF EXISTS samples_series_id_fkey;

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
