-- Rollups (PostgreSQL): per series and bucket, the count, sum, min, max and
-- last value of the raw samples, at 1 min, 10 min, 1 h and 1 d. The store
-- updates them in the same statement that inserts a batch's samples (only
-- the samples actually inserted), so late and replayed data correct exactly
-- the buckets they fall in. 1 min buckets are partitioned by day, 10 min by
-- 10 days and 1 h by 30 days (epoch-aligned), so retention drops whole
-- partitions; the hub creates them ahead of time. 1 d buckets stay one table.


CREATE TABLE rollup_1m (
  series_id BIGINT NOT NULL REFERENCES series (id) ON DELETE CASCADE,
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
  series_id BIGINT NOT NULL REFERENCES series (id) ON DELETE CASCADE,
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
  series_id BIGINT NOT NULL REFERENCES series (id) ON DELETE CASCADE,
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
  series_id BIGINT NOT NULL REFERENCES series (id) ON DELETE CASCADE,
  bucket    BIGINT NOT NULL,
  n         BIGINT NOT NULL,
  sum       DOUBLE PRECISION NOT NULL,
  min       DOUBLE PRECISION NOT NULL,
  max       DOUBLE PRECISION NOT NULL,
  last      DOUBLE PRECISION NOT NULL,
  last_ts   BIGINT NOT NULL,
  PRIMARY KEY (series_id, bucket)
);

-- The raw samples already stored (at most the raw retention) seed every tier.
INSERT INTO rollup_1m (series_id, bucket, n, sum, min, max, last, last_ts)
SELECT series_id, ts - ts % 60000 AS b, COUNT(*), SUM(value), MIN(value), MAX(value),
  (array_agg(value ORDER BY ts DESC))[1], MAX(ts)
FROM samples GROUP BY series_id, b;
INSERT INTO rollup_10m (series_id, bucket, n, sum, min, max, last, last_ts)
SELECT series_id, ts - ts % 600000 AS b, COUNT(*), SUM(value), MIN(value), MAX(value),
  (array_agg(value ORDER BY ts DESC))[1], MAX(ts)
FROM samples GROUP BY series_id, b;
INSERT INTO rollup_1h (series_id, bucket, n, sum, min, max, last, last_ts)
SELECT series_id, ts - ts % 3600000 AS b, COUNT(*), SUM(value), MIN(value), MAX(value),
  (array_agg(value ORDER BY ts DESC))[1], MAX(ts)
FROM samples GROUP BY series_id, b;
INSERT INTO rollup_1d (series_id, bucket, n, sum, min, max, last, last_ts)
SELECT series_id, ts - ts % 86400000 AS b, COUNT(*), SUM(value), MIN(value), MAX(value),
  (array_agg(value ORDER BY ts DESC))[1], MAX(ts)
FROM samples GROUP BY series_id, b;
