-- What each batch carried. Package inventories, check results and log lines
-- share the metrics batches' (host, seq) sequence, so the hub stores each once
-- and acknowledges in order, but carry no samples: the rollup job must not
-- take one of them for a metrics batch of the same host and instant (its late
-- path skips a batch whose instant an earlier batch of the host had).
ALTER TABLE batches ADD COLUMN kind TEXT NOT NULL DEFAULT 'metrics';
