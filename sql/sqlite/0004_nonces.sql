-- Stream nonces seen inside the clock window, so a captured handshake cannot
-- be replayed after an ingest restart.
CREATE TABLE stream_nonces (
  nonce      TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
CREATE INDEX stream_nonces_expiry ON stream_nonces (expires_at);
