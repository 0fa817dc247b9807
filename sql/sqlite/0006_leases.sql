-- Leases: work that must happen once per fleet runs on the hub holding its
-- lease (hub/store/leases). A row per lease; expires_at is Unix ms.
CREATE TABLE leases (
  name       TEXT PRIMARY KEY,
  holder     TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
