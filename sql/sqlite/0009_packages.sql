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
  security       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (host_id, manager, name, arch)
) WITHOUT ROWID;
-- The fleet search takes the rows of the names that matched.
CREATE INDEX packages_by_name ON packages (name, manager);
-- The fleet page without a search lists what has updates pending.
CREATE INDEX packages_pending ON packages (name) WHERE update_version <> '';

-- Every package name seen on any host, matched against a search's
-- substring: far fewer rows than the inventory.
CREATE TABLE package_names (
  name TEXT PRIMARY KEY
) WITHOUT ROWID;

-- Each change a batch brought, for the host's "what changed" timeline.
CREATE TABLE package_changes (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  host_id      TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  seq          INTEGER NOT NULL,
  ts           INTEGER NOT NULL,
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
  baseline_seq INTEGER NOT NULL,
  last_seq     INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  -- The managers the agent found, and those it could not read last time (JSON).
  managers     TEXT NOT NULL,
  errors       TEXT NOT NULL
);
