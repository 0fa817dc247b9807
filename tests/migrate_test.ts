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
