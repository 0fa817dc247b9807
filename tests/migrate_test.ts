/**
 * Moving up: an embedded (SQLite) install is copied into PostgreSQL with
 * `migrate --from-sqlite`, the hub restarts on PostgreSQL with the same data
 * dir, and the agent, its history, the users and the API keys carry on.
 * Runs when the suite runs against PostgreSQL.
 */
import { assert, assertEquals } from "../lib/assert.ts";
import { rollUpAll } from "../hub/store/retention.ts";
import {
  api,
  assertBatchesOnceInOrder,
  batchAtLeast,
  EventStream,
  hubCli,
  hubEnv,
  lastLine,
  openHubStore,
  type Proc,
  registerAgent,
  startAgent,
  startHub,
} from "./harness.ts";
import { testDatabaseServer } from "./pg.ts";
import { openStore } from "../hub/store/open.ts";
import { parseCheck } from "../lib/probes/check.ts";
import { COPIED, NOT_COPIED } from "../hub/store/copy.ts";
import { hashSecret, newRegistrationToken } from "../hub/auth/secrets.ts";
import { DatabaseSync } from "node:sqlite";
import { checkRule } from "../lib/alerts/rules.ts";
import postgres from "postgres";

Deno.test({
  name:
    "migrate --from-sqlite moves hosts, users, keys and history to PostgreSQL, and agents keep working",
  ignore: testDatabaseServer() === null,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sightline-migrate-" });
    const dataDir = `${dir}/hub`;
    let hub = await startHub(dataDir, undefined, { DATABASE_URL: "" });
    let agent: Proc | null = null;
    try {
      const key = lastLine((await hubCli(hub, "apikey", "create", "test")).stdout);
      const token = lastLine((await hubCli(hub, "token", "create", "--name", "old-box")).stdout);
      assertEquals(
        (await hubCli(hub, "user", "add", "ann", { stdin: "a long passphrase\n" })).code,
        0,
      );
      assertEquals((await registerAgent(hub, token, `${dir}/agent`)).code, 0);
      agent = startAgent(`${dir}/agent`, 1);
      let sse = new EventStream(`${hub.http}/api/v1/events`, key);
      const before = await sse.waitFor(
        "batches on SQLite",
        batchAtLeast(4),
      );
      await sse.close();
      await hub.proc.stop();
      // An uptime check with a status and an incident, to come along (a round would take a seq
      // of the agent's batches, which this test counts).
      const embedded = openStore(`sqlite:${dataDir}/sightline.db`);
      const [oldBox] = await embedded.hosts.list();
      const check = parseCheck("c1", {
        name: "Shop",
        type: "tcp",
        target: "shop.internal:443",
        interval_s: 30,
        runs_on: { hosts: [oldBox.id] },
      });
      await embedded.probes.createCheck(check, 1);
      await embedded.probes.recordStatus("c1", "down", 5, "refused");
      await embedded.close();

      // The copy refuses a missing file and changes nothing.
      const pgEnv = { env: await hubEnv(dataDir) };
      const missing = await hubCli(pgEnv, "migrate", "--from-sqlite", `${dir}/nope.db`);
      assertEquals(missing.code, 1);
      assert(missing.stderr.includes("does not exist"), missing.stderr);
      const copy = await hubCli(pgEnv, "migrate", "--from-sqlite", `${dataDir}/sightline.db`);
      assertEquals(copy.code, 0, copy.stderr);
      assert(copy.stdout.includes("Copied 1 hosts, 1 users"), copy.stdout);
      assert(copy.stderr.includes("samples") && copy.stderr.includes("#"), "a progress bar");
      const again = await hubCli(pgEnv, "migrate", "--from-sqlite", `${dataDir}/sightline.db`);
      assertEquals(again.code, 1);
      assert(again.stderr.includes("already has hosts"), again.stderr);

      hub = await startHub(dataDir, hub.ports);
      assertEquals(hub.env.DATABASE_URL, pgEnv.env.DATABASE_URL);
      sse = new EventStream(`${hub.http}/api/v1/events`, key);
      const target = Number(before.data.seq) + 4;
      await sse.waitFor(
        "batches on PostgreSQL",
        batchAtLeast(target),
        30_000,
      );
      await sse.close();
      const hosts = await api<Array<{ id: string; name: string; status: string }>>(
        hub,
        key,
        "/api/v1/hosts",
      );
      assertEquals(hosts.map((h) => [h.name, h.status]), [["old-box", "online"]]);
      await agent.stop();
      await hub.proc.stop();

      // History and new batches, each once and in order.
      const arrived = await assertBatchesOnceInOrder(hub, hosts[0].id, target);
      const store = openHubStore(hub);
      assertEquals((await store.auth.findUserByName("ann"))?.role, "admin");
      // What changed came along; the agent reconnecting to the moved hub is no restart.
      assertEquals(
        (await store.changes.list(hosts[0].id, { from: 0, to: Date.now() + 60_000, limit: 10 }))
          .map((c) => c.kind),
        ["agent_start"],
      );
      // The check came along with its status and incident.
      assertEquals(await store.probes.getCheck("c1"), check);
      assertEquals((await store.probes.states()).map((st) => st.status), ["down"]);
      assertEquals((await store.probes.incidents("c1", 0, 10, 10)).map((i) => i.cause), [
        "refused",
      ]);
      // The rollups came along too, and new batches added to them: one CPU sample per batch.
      await rollUpAll(store);
      for (const tier of ["1m", "1d"] as const) {
        const rows = await store.metrics.queryRange({
          hostIds: [hosts[0].id],
          metric: "cpu_percent",
          label: "",
          tier,
          from: 0,
          to: Date.now() + 60_000,
          stepMs: 86_400_000,
        });
        assertEquals(rows.reduce((n, r) => n + r.n, 0), arrived.length, tier);
      }
      await store.close();
    } finally {
      await agent?.stop();
      await hub.dispose();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "migrate --from-sqlite copies every table, alerting, logs and check days included",
  ignore: testDatabaseServer() === null,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sightline-migrate-all-" });
    const dataDir = `${dir}/hub`;
    const hub = await startHub(dataDir, undefined, { DATABASE_URL: "" });
    try {
      const key = lastLine((await hubCli(hub, "apikey", "create", "test")).stdout);
      // A channel, a silence and a maintenance window, made as an admin makes them.
      for (
        const [path, body] of [
          ["/api/v1/channels", {
            name: "ops",
            type: "webhook",
            config: { url: "http://127.0.0.1:9/" },
          }],
          ["/api/v1/silences", {
            tag: "web",
            ends_at: new Date(Date.now() + 3_600_000).toISOString(),
            reason: "moving",
          }],
          ["/api/v1/maintenance-windows", {
            name: "nightly",
            time_zone: "Europe/Paris",
            days: [0],
            start: "02:00",
            duration_min: 60,
          }],
        ] as const
      ) {
        const r = await fetch(`${hub.http}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        assertEquals(r.status, 201, `${path}: ${await r.text()}`);
      }
      await hub.proc.stop();
      // What a hub writes as it runs, written here into its embedded store.
      const embedded = openStore(`sqlite:${dataDir}/sightline.db`);
      await embedded.probes.createCheck(
        parseCheck("c1", {
          name: "Shop",
          type: "tcp",
          target: "shop.internal:443",
          interval_s: 30,
          runs_on: { any: 1 },
        }),
        1,
      );
      // On a host of its own:
      // a rule's alert with its notification and an attempt, a silence, a window, a
      // channel, a log source with lines, a check's rounds and their day.
      await embedded.hosts.create({
        hostId: "logs-box",
        name: "logs-box",
        tokenHash: hashSecret(newRegistrationToken()),
        createdAt: 1,
        expiresAt: Date.now() + 3_600_000,
      });
      await embedded.logs.createSource({
        id: "src1",
        type: "file",
        path: "/var/log/app/*.log",
        units: [],
        scope: { all: true },
        created_at: 1,
      });
      await embedded.logs.writeBatch("logs-box", {
        seq: 1,
        ts: Date.now(),
        lines: [{
          ts: Date.now(),
          source_id: "src1",
          origin: "/var/log/app/a.log",
          level: "error",
          message: "disk on fire",
        }],
        dropped: 2,
        errors: [{ source_id: "src1", message: "cannot read b.log" }],
      }, Date.now());
      await embedded.probes.writeRounds("logs-box", {
        seq: 2,
        ts: Date.now(),
        rounds: [{
          check_id: "c1",
          host_id: "",
          ts: Date.now(),
          ok: false,
          ms: 2,
          message: "refused",
          details: {},
        }],
      }, Date.now());
      const [rule] = await embedded.alerts.rules();
      const [ops] = await embedded.notifications.channels();
      const { alert } = await embedded.alerts.open({
        rule,
        hostId: "logs-box",
        labels: { mount: "/" },
        labelsKey: "mount=/",
        state: "pending",
        severity: "warning",
        value: 95,
        threshold: 90,
        at: 20,
      }, null);
      await embedded.alerts.fire(alert.id, 30, {
        value: 96,
        severity: "warning",
        processes: { at: 30, by_cpu: [], by_memory: [] } as never,
      }, { kind: "firing", channels: [ops.id], groupS: 0 });
      // A push check's alert is on no host (migration 0016).
      const spec = checkRule({ name: "Job silent", kind: "check_down", labels: { check: "*" } });
      if (!spec.ok) throw new Error(spec.error.problem);
      const down = { ...spec.rule, id: "job-silent" };
      await embedded.alerts.createRule(down, 35);
      await embedded.alerts.open({
        rule: down,
        hostId: null,
        labels: { check: "c1" },
        labelsKey: "check=c1",
        state: "firing",
        severity: down.severity,
        value: null,
        threshold: null,
        at: 40,
      }, { kind: "firing", channels: [ops.id], groupS: 0 });
      await embedded.close();
      const pgEnv = { env: await hubEnv(dataDir) };
      const copy = await hubCli(pgEnv, "migrate", "--from-sqlite", `${dataDir}/sightline.db`);
      assertEquals(copy.code, 0, copy.stderr);
      // Every table but those left out on purpose came along, row for row.
      await assertEveryTableCopied(`${dataDir}/sightline.db`, pgEnv.env.DATABASE_URL);
      const moved = openStore(pgEnv.env.DATABASE_URL);
      try {
        const open = await moved.alerts.openAlerts(null);
        assertEquals(open.map((a) => [a.host_id, a.labels, a.state]), [
          [null, { check: "c1" }, "firing"],
        ]);
      } finally {
        await moved.close();
      }
    } finally {
      await hub.dispose();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Each SQLite table is copied (or left out by name, NOT_COPIED) with as many rows in PostgreSQL. */
async function assertEveryTableCopied(sqlitePath: string, url: string): Promise<void> {
  const src = new DatabaseSync(sqlitePath, { readOnly: true });
  const pg = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const tables = (src.prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
        AND name NOT LIKE 'log_lines_fts%'`,
    ).all() as Array<{ name: string }>).map((t) => String(t.name));
    const counted: Array<[string, number, number]> = [];
    for (const t of tables) {
      if (NOT_COPIED.has(t)) continue;
      assert(COPIED.includes(t), `the copy leaves out ${t}: add it to hub/store/copy.ts`);
      const n = Number((src.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n);
      const [{ m }] = await pg.unsafe(`SELECT COUNT(*) AS m FROM ${t}`);
      counted.push([t, n, Number(m)]);
    }
    assertEquals(counted.filter(([, n, m]) => n !== m), [], "tables whose rows differ");
    // This test fills the ones added late, so their conversions are run.
    for (
      const t of ["alerts", "notifications", "channels", "silences", "log_lines", "check_days"]
    ) {
      assert(counted.find(([name]) => name === t)![1] > 0, `${t} was empty: nothing to copy`);
    }
  } finally {
    src.close();
    await pg.end();
  }
}
