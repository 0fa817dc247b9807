-- Rollups: per series and bucket, the count, sum, min, max and last value of
-- the raw samples, at 1 min, 10 min, 1 h and 1 d. A trigger keeps them in step
-- with every sample actually inserted (a duplicate (series, ts) that the
-- insert skips is not counted), in the same transaction, so late and replayed
-- data correct exactly the buckets they fall in. Range queries over long
-- periods read these instead of raw samples, which are kept for days only.


CREATE TABLE rollup_1m (
  series_id INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
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
  series_id INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
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
  series_id INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
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
  series_id INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
  bucket    INTEGER NOT NULL,
  n         INTEGER NOT NULL,
  sum       REAL NOT NULL,
  min       REAL NOT NULL,
  max       REAL NOT NULL,
  last      REAL NOT NULL,
  last_ts   INTEGER NOT NULL,
  PRIMARY KEY (series_id, bucket)
) WITHOUT ROWID;


CREATE TRIGGER samples_rollup AFTER INSERT ON samples BEGIN
  INSERT INTO rollup_1m (series_id, bucket, n, sum, min, max, last, last_ts)
  VALUES (NEW.series_id, NEW.ts - NEW.ts % 60000, 1, NEW.value, NEW.value, NEW.value, NEW.value, NEW.ts)
  ON CONFLICT (series_id, bucket) DO UPDATE SET n = n + 1, sum = sum + excluded.sum,
    min = MIN(min, excluded.min), max = MAX(max, excluded.max),
    last = CASE WHEN excluded.last_ts >= last_ts THEN excluded.last ELSE last END,
    last_ts = MAX(last_ts, excluded.last_ts);
  INSERT INTO rollup_10m (series_id, bucket, n, sum, min, max, last, last_ts)
  VALUES (NEW.series_id, NEW.ts - NEW.ts % 600000, 1, NEW.value, NEW.value, NEW.value, NEW.value, NEW.ts)
  ON CONFLICT (series_id, bucket) DO UPDATE SET n = n + 1, sum = sum + excluded.sum,
    min = MIN(min, excluded.min), max = MAX(max, excluded.max),
    last = CASE WHEN excluded.last_ts >= last_ts THEN excluded.last ELSE last END,
    last_ts = MAX(last_ts, excluded.last_ts);
  INSERT INTO rollup_1h (series_id, bucket, n, sum, min, max, last, last_ts)
  VALUES (NEW.series_id, NEW.ts - NEW.ts % 3600000, 1, NEW.value, NEW.value, NEW.value, NEW.value, NEW.ts)
  ON CONFLICT (series_id, bucket) DO UPDATE SET n = n + 1, sum = sum + excluded.sum,
    min = MIN(min, excluded.min), max = MAX(max, excluded.max),
    last = CASE WHEN excluded.last_ts >= last_ts THEN excluded.last ELSE last END,
    last_ts = MAX(last_ts, excluded.last_ts);
  INSERT INTO rollup_1d (series_id, bucket, n, sum, min, max, last, last_ts)
  VALUES (NEW.series_id, NEW.ts - NEW.ts % 86400000, 1, NEW.value, NEW.value, NEW.value, NEW.value, NEW.ts)
  ON CONFLICT (series_id, bucket) DO UPDATE SET n = n + 1, sum = sum + excluded.sum,
    min = MIN(min, excluded.min), max = MAX(max, excluded.max),
    last = CASE WHEN excluded.last_ts >= last_ts THEN excluded.last ELSE last END,
    last_ts = MAX(last_ts, excluded.last_ts);
END;

-- The raw samples already stored (at most the raw retention) seed every tier.
INSERT INTO rollup_1m (series_id, bucket, n, sum, min, max, last, last_ts)
SELECT series_id, ts - ts % 60000 AS b, COUNT(*), SUM(value), MIN(value), MAX(value), value, MAX(ts)
FROM samples GROUP BY series_id, b;
INSERT INTO rollup_10m (series_id, bucket, n, sum, min, max, last, last_ts)
SELECT series_id, ts - ts % 600000 AS b, COUNT(*), SUM(value), MIN(value), MAX(value), value, MAX(ts)
FROM samples GROUP BY series_id, b;
INSERT INTO rollup_1h (series_id, bucket, n, sum, min, max, last, last_ts)
SELECT series_id, ts - ts % 3600000 AS b, COUNT(*), SUM(value), MIN(value), MAX(value), value, MAX(ts)
FROM samples GROUP BY series_id, b;
INSERT INTO rollup_1d (series_id, bucket, n, sum, min, max, last, last_ts)
SELECT series_id, ts - ts % 86400000 AS b, COUNT(*), SUM(value), MIN(value), MAX(value), value, MAX(ts)
FROM samples GROUP BY series_id, b;
