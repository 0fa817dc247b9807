-- Packages (hub/store/packages): each host's installed packages as its
-- agent last reported them, every change with its time, and the full
-- inventory a host's deltas build on. Times are Unix ms.

-- The inventory now, one row per (host, manager, name, arch).
CREATE TABLE packages (
  host_id        TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  manager        TEXT NOT NULL,
  name           TEXT NOT NULL,
  arch           TEXT NOT NULL,
  version        TEXT NOT NULL,
  -- The newer candidate the manager knows of, or ''.
  update_version TEXT NOT NULL DEFAULT '',
  security       BOOLEAN NOT NULL DEFAULT false,
  PRIMARY KEY (host_id, manager, name, arch)
);
-- The fleet search takes the rows of the names that matched.
CREATE INDEX packages_by_name ON packages (name, manager);
-- The fleet page without a search lists what has updates pending.
CREATE INDEX packages_pending ON packages (name) WHERE update_version <> '';

-- Every package name seen on any host, matched against a search's
-- substring: far fewer rows than the inventory.
CREATE TABLE package_names (
  name TEXT PRIMARY KEY
);

-- Each change a batch brought, for the host's "what changed" timeline.
CREATE TABLE package_changes (
  id           BIGSERIAL PRIMARY KEY,
  host_id      TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  seq          BIGINT NOT NULL,
  ts           BIGINT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('added', 'removed', 'upgraded', 'downgraded')),
  manager      TEXT NOT NULL,
  name         TEXT NOT NULL,
  arch         TEXT NOT NULL,
  from_version TEXT,
  to_version   TEXT
);
CREATE INDEX package_changes_host_ts ON package_changes (host_id, ts);

-- The full inventory (by its batch seq) a host's deltas must name.
CREATE TABLE package_hosts (
  host_id      TEXT PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
  baseline_seq BIGINT NOT NULL,
  last_seq     BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL,
  -- The managers the agent found, and those it could not read last time (jsonb).
  managers     JSONB NOT NULL,
  errors       JSONB NOT NULL
);
