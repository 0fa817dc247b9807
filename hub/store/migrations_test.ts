/**
 * One migration sequence: both dialects carry the same numbers and names,
 * and a SQLite file migrated under the old numbering (nonces 0003, rollups
 * 0004) upgrades with nothing applied twice and nothing skipped.
 */
import { DatabaseSync } from "node:sqlite";
import { assertEquals } from "../../lib/assert.ts";
import { readMigrations } from "./migrations.ts";
import { SqliteStore } from "./sqlite/store.ts";

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
