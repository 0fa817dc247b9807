-- Nothing to do in SQLite (its search picks its plan from the FTS5 index's
-- count, hub/store/logs/shared.ts). In PostgreSQL this raises the statistics
-- target of log_lines.message; it stands here too so that both dialects carry
-- the same migrations under the same numbers.
SELECT 1;
