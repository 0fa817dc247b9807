-- The planner's estimate of how many lines match `message ILIKE '%text%'`
-- comes from the column's histogram: with the default 100 entries a text in
-- 1 % of the lines matches one entry or none, and the estimate swung 100-fold
-- between ANALYZE runs (754 to 76,000 rows of a 7.5 M-line day), so the same
-- search flipped from walking the newest lines (26 ms) to gathering and
-- sorting every match (1.8 s). 1,000 entries keep it within about 2× (ANALYZE
-- of a 10 M-line table: ~4.4 s). A partition has its own statistics and does
-- not inherit the target: hub/store/postgres/partitions.ts sets it on each
-- new day partition, and this sets it on those that exist.
ALTER TABLE log_lines ALTER COLUMN message SET STATISTICS 1000;
DO $$
DECLARE
  part regclass;
BEGIN
  FOR part IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'log_lines'::regclass
  LOOP
    EXECUTE format('ALTER TABLE %s ALTER COLUMN message SET STATISTICS 1000', part);
  END LOOP;
END $$;
