-- Nothing to do in SQLite. In PostgreSQL this migration makes samples a
-- TimescaleDB hypertable where the extension exists; it stands here too so
-- that both dialects carry the same migrations under the same numbers.
SELECT 1;
