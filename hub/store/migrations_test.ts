/**
 * One migration sequence: both dialects carry the same numbers and names,
 * and a SQLite file migrated under the old numbering (nonces 0003, rollups
 * 0004) upgrades with nothing applied twice and nothing skipped.
 */
import { DatabaseSync } from "node:sqlite";
import { assertEquals } from "../../lib/assert.ts";
import { readMigrations } from "./migrations.ts";
import { SqliteStore } from "./sqlite/store.ts";
import { PostgresStore } from "./postgres/store.ts";
import type { Store } from "./store.ts";
import { freshDatabase, testDatabaseServer } from "../../tests/pg.ts";

Deno.test("both dialects' migrations carry the same numbers and names", async () => {
  const names = async (d: "sqlite" | "postgres") =>
    (await readMigrations(d)).map((m) => `${m.version} ${m.name}`);
  assertEquals(await names("sqlite"), await names("postgres"));
});

/**
 * A file as the hub made it before the renumbering, at migration `upTo` of
 * the old sequence (1 core, 2 dashboard, 3 nonces, 4 rollups). Migrations
 * never change once released, so the old 0003 and 0004 are today's 0004 and
 * 0005 under their old numbers and names.
 */
async function oldFile(path: string, upTo: number): Promise<void> {
  const today = new Map((await readMigrations("sqlite")).map((m) => [m.name, m.sql]));
  const old: Array<[number, string, string]> = [
    [1, "0001_core.sql", today.get("0001_core.sql")!],
    [2, "0002_dashboard.sql", today.get("0002_dashboard.sql")!],
    [3, "0003_nonces.sql", today.get("0004_nonces.sql")!],
    [4, "0004_rollups.sql", today.get("0005_rollups.sql")!],
  ];
  const db = new DatabaseSync(path);
  db.exec(`CREATE TABLE schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  for (const [version, name, sql] of old.slice(0, upTo)) {
    db.exec(sql);
    db.prepare("INSERT INTO schema_migrations VALUES (?, ?, 1)").run(version, name);
  }
  db.prepare("INSERT INTO stream_nonces (nonce, expires_at) VALUES ('seen', 9e15)").run();
  db.close();
}

/** Opens `path` with today's store, migrates it, and says what it applied and recorded. */
async function upgrade(path: string) {
  const store = new SqliteStore(path);
  try {
    const applied = await store.migrate();
    const recorded = store.db.raw.prepare(
      "SELECT version, name FROM schema_migrations ORDER BY version",
    )
      .all().map((r) => `${r.version} ${r.name}`);
    // The nonce stored under the old numbering is still refused as a replay.
    const replay = await store.nonces.remember("seen", 9e15, 0);
    return { applied, recorded, replay };
  } finally {
    await store.close();
  }
}

const TODAY = async () => (await readMigrations("sqlite")).map((m) => `${m.version} ${m.name}`);

Deno.test("a SQLite file migrated under the old numbering is renumbered, nothing re-applied", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await oldFile(`${dir}/old.db`, 4);
    const out = await upgrade(`${dir}/old.db`);
    // The no-op 0003 and what came after the old sequence apply; nonces and
    // rollups (whose CREATE TABLEs would fail a second time) do not.
    const had = ["0001_core.sql", "0002_dashboard.sql", "0004_nonces.sql", "0005_rollups.sql"];
    assertEquals(
      out.applied,
      (await readMigrations("sqlite")).map((m) => m.name).filter((n) => !had.includes(n)),
    );
    assertEquals(out.recorded, await TODAY());
    assertEquals(out.replay, false);
    // A second start finds nothing to do.
    assertEquals((await upgrade(`${dir}/old.db`)).applied, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a SQLite file from before rollups gets them, under today's number", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await oldFile(`${dir}/old.db`, 3);
    const out = await upgrade(`${dir}/old.db`);
    assertEquals(out.applied.slice(0, 2), ["0003_timescaledb.sql", "0005_rollups.sql"]);
    assertEquals(out.recorded, await TODAY());
    assertEquals(out.replay, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Audit entries as the hub wrote them before 0007 (hosts and keys by id),
 * with a host still there (h1), a removed one (h2), a key and a user.
 */
const OLD_AUDIT = `
  INSERT INTO hosts (id, name, created_at) VALUES ('h1', 'web-1', 0);
  INSERT INTO api_keys (id, name, hash, created_at) VALUES ('k1', 'ci', 'x', 0);
  INSERT INTO users (id, name, password_hash, role, created_at) VALUES ('u1', 'ann', 'x', 'admin', 0);
  INSERT INTO audit_log (at, actor, action, target, detail) VALUES
    (1, 'ann', 'host.create', 'h1', 'web-1'), (2, 'ann', 'host.tags', 'h1', 'web'),
    (3, 'cli', 'host.create', 'h2', 'db-1'), (4, 'ann', 'host.interval', 'h2', '5s'),
    (5, 'ann', 'host.delete', 'h2', 'db-1'), (6, 'cli', 'apikey.create', 'k1', 'ci'),
    (7, 'ann', 'apikey.revoke', 'k1', ''), (8, 'cli', 'user.create', 'ann', 'admin'),
    (9, 'ann', 'user.login', '', '');`;

/** What the log lists after 0007: every host and key named, ids kept beside. */
const NAMED = [
  ["host.create", "web-1", "h1"],
  ["host.tags", "web-1", "h1"],
  ["host.create", "db-1", "h2"],
  ["host.interval", "db-1", "h2"],
  ["host.delete", "db-1", "h2"],
  ["apikey.create", "ci", "k1"],
  ["apikey.revoke", "ci", "k1"],
  ["user.create", "ann", "u1"],
  ["user.login", "", ""],
];

const named = async (store: Store) =>
  (await store.audit.list(20)).reverse().map((e) => [e.action, e.target, e.target_id]);

Deno.test("SQLite: 0007 names the hosts and keys older audit entries gave by id", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const db = new DatabaseSync(`${dir}/t.db`);
    db.exec(`CREATE TABLE schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
    for (const m of (await readMigrations("sqlite")).filter((m) => m.version < 7)) {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations VALUES (?, ?, 1)").run(m.version, m.name);
    }
    db.exec(OLD_AUDIT);
    db.close();
    const store = new SqliteStore(`${dir}/t.db`);
    try {
      assertEquals((await store.migrate())[0], "0007_audit_names.sql");
      assertEquals(await named(store), NAMED);
    } finally {
      await store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const server = testDatabaseServer();

Deno.test({
  name: "PostgreSQL: 0007 names the hosts and keys older audit entries gave by id",
  ignore: server === null,
  async fn() {
    const db = await freshDatabase(server!);
    const store = new PostgresStore(db.url, { pool: 2 });
    try {
      await store.migrate((await readMigrations("postgres")).filter((m) => m.version < 7));
      await store.db.sql.unsafe(OLD_AUDIT);
      assertEquals((await store.migrate())[0], "0007_audit_names.sql");
      assertEquals(await named(store), NAMED);
    } finally {
      await store.close();
      await db.drop();
    }
  },
});

/** An alert told of, as the hub wrote them before 0016 (on a host, its outbox row beside). */
const OLD_ALERT = `
  INSERT INTO hosts (id, name, created_at) VALUES ('h1', 'web-1', 0);
  INSERT INTO alerts (rule_id, rule_name, host_id, labels, labels_key, state, severity,
    pending_since, fired_at) VALUES ('r1', 'cpu', 'h1', '{}', '', 'firing', 'warning', 1, 2);
  INSERT INTO channels (id, name, type, config, filters, created_at, updated_at)
    VALUES ('c1', 'ops', 'webhook', '{}', '{}', 0, 0);
  INSERT INTO notifications (channel_id, rule_id, kind, created_at, due_at, group_until)
    VALUES ('c1', 'r1', 'firing', 2, 2, 2);
  INSERT INTO notification_items (notification_id, alert_id, value, at) VALUES (1, 1, 95, 2);`;

Deno.test("SQLite: 0016 makes the alerts table again with its rows and their notifications", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const db = new DatabaseSync(`${dir}/t.db`);
    db.exec("PRAGMA foreign_keys = ON");
    db.exec(`CREATE TABLE schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
    for (const m of (await readMigrations("sqlite")).filter((m) => m.version < 16)) {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations VALUES (?, ?, 1)").run(m.version, m.name);
    }
    db.exec(OLD_ALERT);
    db.close();
    const store = new SqliteStore(`${dir}/t.db`);
    try {
      assertEquals((await store.migrate())[0], "0016_hostless_alerts.sql");
      const [a] = await store.alerts.openAlerts();
      assertEquals([a.id, a.host_id, a.state], [1, "h1", "firing"]);
      // Its notification kept its item (dropping the old table did not cascade into it).
      const [n] = await store.notifications.forAlert(1);
      assertEquals(n.items.map((i) => [i.alert_id, i.value]), [[1, 95]]);
      assertEquals(store.db.raw.prepare("PRAGMA foreign_key_check").all(), []);
      // Foreign keys are on again: removing the host removes its alert, and the item with it.
      await store.hosts.remove("h1");
      assertEquals(await store.alerts.openAlerts(), []);
      assertEquals(await store.notifications.forAlert(1), []);
    } finally {
      await store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
