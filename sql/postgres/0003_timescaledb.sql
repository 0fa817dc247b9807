-- Where the timescaledb extension is available, samples become a TimescaleDB
-- hypertable (one chunk per day) instead of a natively partitioned table.
-- Decided once, while samples is still empty; on plain PostgreSQL (what CI
-- tests) this changes nothing and the hub keeps creating day partitions.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
     AND NOT EXISTS (SELECT 1 FROM samples LIMIT 1) THEN
    CREATE EXTENSION IF NOT EXISTS timescaledb;
    DROP TABLE samples;
    CREATE TABLE samples (
      series_id BIGINT NOT NULL REFERENCES series (id) ON DELETE CASCADE,
      ts        BIGINT NOT NULL,
      value     DOUBLE PRECISION NOT NULL,
      PRIMARY KEY (series_id, ts)
    );
    PERFORM create_hypertable('samples', 'ts', chunk_time_interval => 86400000);
  END IF;
END
$$;
