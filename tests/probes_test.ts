/**
 * Uptime checks between real processes, one hub for the file: three agents
 * speaking the protocol on one check with k = 2 (one failing marks nothing
 * down, two do after r rounds, and it comes up once), a real agent that gets
 * a changed check within one heartbeat, and one cut off from its hub for
 * 30 s that keeps checking and delivers the rounds on reconnect.
 */
import { assert, assertEquals } from "../lib/assert.ts";
import { Channel } from "../agent/grpc.ts";
import { HUB_TLS_NAME } from "../lib/link.ts";
import { rawAgent } from "./probe.ts";
import {
  call,
  enroll,
  type Enrolled,
  type Hub,
  openHubStore,
  type Proc,
  startAgent,
  startHub,
  until,
} from "./harness.ts";

Deno.test({
  name: "uptime checks across real processes",
  ignore: Deno.build.os !== "linux",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "sightline-probes-" });
    let hub = await startHub(`${dir}/hub`);
    const agents: Proc[] = [];
    let webCheck = "";
    let realHost = "";
    const open = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    (async () => {
      for await (const c of open) c.close();
    })();
    try {
      const ids: Enrolled["identity"][] = [];
      let key = "";
      for (const n of ["r1", "r2", "r3"]) {
        const e = await enroll(hub, `${dir}/${n}`, n);
        key = e.key;
        ids.push(e.identity);
      }
      const caPem = ids[0].caPem;

      await t.step(
        "k = 2 of three agents: one failing is not down, two are after r rounds",
        async () => {
          const channel = new Channel(hub.grpc, { serverName: HUB_TLS_NAME, caPem });
          const raws = ids.map((id) => rawAgent(channel, id));
          try {
            await Promise.all(raws.map((r) => r.ready));
            const bad = await call(hub, key, "POST", "/api/v1/checks", {
              name: "Database",
              type: "tcp",
              target: "db.internal",
              interval_s: 30,
              runs_on: { hosts: ids.map((i) => i.agentId) },
            });
            assertEquals([bad.status, bad.body.error.code], [400, "invalid_check"]);
            assert(bad.body.error.message.includes("target"), bad.body.error.message);

            const made = await call(hub, key, "POST", "/api/v1/checks", {
              name: "Database",
              type: "tcp",
              target: "db.internal:5432",
              interval_s: 30,
              runs_on: { hosts: ids.map((i) => i.agentId) },
              k: 2,
            });
            assertEquals(made.status, 201, JSON.stringify(made.body));
            const id = made.body.id as string;
            assertEquals([made.body.status, made.body.rounds], ["pending", 2]);
            // Each agent is pushed the check as a desired-state item.
            await until(
              "each agent holds the check",
              () =>
                raws.every((r) =>
                  r.desired.some((d) =>
                    d.set.some((i) =>
                      i.key === `check:${id}` && i.value.case === "check" &&
                      i.value.value.spec.case === "tcp" && i.value.value.spec.value.port === 5432
                    )
                  )
                ),
            );

            const rule = await call(hub, key, "POST", "/api/v1/alert-rules", {
              name: "Database down",
              kind: "check_down",
              labels: { check: id },
              severity: "critical",
            });
            assertEquals(rule.status, 201, JSON.stringify(rule.body));
            const alerts = async () =>
              (await call(hub, key, "GET", `/api/v1/alerts?rule=${rule.body.id}`)).body as Array<
                { state: string; fired_at: string | null; resolved_at: string | null }
              >;
            const status = async () => (await call(hub, key, "GET", `/api/v1/checks/${id}`)).body;
            const round = (oks: boolean[], ts: number) =>
              Promise.all(raws.map((r, i) => r.round(id, oks[i], ts)));
            let ts = Date.now() - 60_000;
            await round([true, true, true], ts += 1000);
            await until("up", async () => (await status()).status === "up");
            for (let i = 0; i < 3; i++) await round([false, true, true], ts += 1000);
            await round([false, false, true], ts += 1000);
            // A replayed batch is stored once and judged once.
            assertEquals(await raws[1].round(id, false, ts, true), "");
            assertEquals((await status()).status, "up");
            await round([false, false, true], ts += 1000);
            await until("down", async () => (await status()).status === "down");
            await until("the alert fires", async () => (await alerts())[0]?.state === "firing");
            const down = await status();
            assertEquals(down.incidents.length, 1);
            assertEquals([down.incidents[0].end, down.incidents[0].cause], [
              null,
              "connection refused",
            ]);
            assertEquals(down.last_results.length, 3);

            await round([true, true, true], ts += 1000);
            assertEquals((await status()).status, "down");
            await round([true, true, true], ts += 1000);
            await until("up again", async () => (await status()).status === "up");
            const after = await status();
            // It fired once and resolved once.
            await until(
              "the alert resolves",
              async () => (await alerts())[0]?.state === "resolved",
            );
            const fired = await alerts();
            assertEquals(fired.length, 1);
            assert(fired[0].fired_at && fired[0].resolved_at);
            assertEquals(after.incidents.length, 1);
            assert(after.incidents[0].end !== null);
            assert(after.uptime["24h"] < 100 && after.uptime["24h"] > 0, `${after.uptime["24h"]}`);
            const perAgent = after.agents.find((a: { host_id: string }) =>
              a.host_id === ids[0].agentId
            );
            assertEquals(perAgent.uptime["24h"], 37.5); // 3 of its 8 rounds passed

            // A batch breaking a limit is rejected (acked, never retried) and changes nothing.
            const rejected = await raws[2].round("not an id!", true, ts);
            assert(rejected.includes("check_id"), rejected);
            assertEquals(
              (await openStoreRounds(hub, id)).length,
              // 8 rounds of three agents, the replay not counted.
              24,
            );
            assertEquals((await call(hub, key, "DELETE", `/api/v1/checks/${id}`)).status, 204);
            await until(
              "each agent told the check is gone",
              () => raws.every((r) => r.desired.some((d) => d.removed.includes(`check:${id}`))),
            );
          } finally {
            for (const r of raws) {
              r.stream.cancel();
            }
            await channel.close();
          }
        },
      );

      await t.step(
        "an agent the check leaves counts no more, and alerts on a removed check close",
        async () => {
          const channel = new Channel(hub.grpc, { serverName: HUB_TLS_NAME, caPem });
          const raws = ids.map((id) => rawAgent(channel, id));
          try {
            await Promise.all(raws.map((r) => r.ready));
            const made = await call(hub, key, "POST", "/api/v1/checks", {
              name: "Cache",
              type: "tcp",
              target: "cache.internal:6379",
              interval_s: 30,
              runs_on: { any: 1 },
              rounds: 1,
              recover_rounds: 1,
            });
            assertEquals(made.status, 201, JSON.stringify(made.body));
            const id = made.body.id as string;
            const holds = (r: ReturnType<typeof rawAgent>) => {
              let held = false;
              for (const d of r.desired) {
                if (d.set.some((i) => i.key === `check:${id}`)) held = true;
                if (d.removed.includes(`check:${id}`)) held = false;
              }
              return held;
            };
            await until("one agent holds the check", () => raws.filter(holds).length === 1);
            const first = raws.findIndex(holds);
            const down = await call(hub, key, "POST", "/api/v1/alert-rules", {
              name: "Cache down",
              kind: "check_down",
              labels: { check: id },
            });
            // Every round here takes 1.5 ms: slow past 1 ms at once.
            const slow = await call(hub, key, "POST", "/api/v1/alert-rules", {
              name: "Cache slow",
              kind: "check_slow",
              labels: { check: id },
              threshold: 1,
              for_s: 0,
            });
            assertEquals([down.status, slow.status], [201, 201]);
            const alertsOf = async (rule: string) =>
              (await call(hub, key, "GET", `/api/v1/alerts?rule=${rule}`)).body as Array<
                { state: string; host_id: string; closed_reason: string | null }
              >;
            const status = async () => (await call(hub, key, "GET", `/api/v1/checks/${id}`)).body;
            let ts = Date.now() - 60_000;
            await raws[first].round(id, false, ts += 1000);
            await until("down", async () => (await status()).status === "down");
            await until(
              "both alerts fire",
              async () =>
                (await alertsOf(down.body.id))[0]?.state === "firing" &&
                (await alertsOf(slow.body.id))[0]?.state === "firing",
            );

            // Its agent goes: the check moves to another, and the one that left was
            // the only one failing. Before, it held the check down for good.
            raws[first].stream.cancel();
            await until(
              "another agent holds the check",
              () => raws.some((r, i) => i !== first && holds(r)),
            );
            const next = raws.findIndex((r, i) => i !== first && holds(r));
            await until("no longer down", async () => (await status()).status !== "down");
            await until(
              "the down alert resolves",
              async () => (await alertsOf(down.body.id))[0]?.state === "resolved",
            );
            await until(
              "the slow alert there closes",
              async () => (await alertsOf(slow.body.id))[0]?.state === "resolved",
            );
            assertEquals(
              (await alertsOf(slow.body.id))[0].closed_reason,
              "the check no longer runs on this host",
            );
            await raws[next].round(id, true, ts += 1000);
            await until("up", async () => (await status()).status === "up");
            // A round from a host not running it (late from a WAL, or forged) is not judged.
            await raws.find((_, i) => i !== first && i !== next)!.round(id, false, ts += 1000);
            assertEquals((await status()).status, "up");
            await until(
              "slow on the new agent",
              async () =>
                (await alertsOf(slow.body.id)).some((a) =>
                  a.host_id === ids[next].agentId && a.state === "firing"
                ),
            );

            // Removed while its agent's slow alert fires: the alert closes with it.
            assertEquals((await call(hub, key, "DELETE", `/api/v1/checks/${id}`)).status, 204);
            await until(
              "the alert of the removed check closes",
              async () => (await alertsOf(slow.body.id)).every((a) => a.state === "resolved"),
            );
            const gone = (await alertsOf(slow.body.id)).find((a) =>
              a.host_id === ids[next].agentId
            )!;
            assertEquals(gone.closed_reason, "check removed");
            for (const r of [down, slow]) {
              await call(hub, key, "DELETE", `/api/v1/alert-rules/${r.body.id}`);
            }
          } finally {
            for (const r of raws) r.stream.cancel();
            await channel.close();
          }
        },
      );

      await t.step(
        "a real agent follows a changed check, and delivers what it ran while cut off",
        async () => {
          const real = await enroll(hub, `${dir}/real`, "real");
          const agent = startAgent(`${dir}/real`, 30, { SIGHTLINE_AGENT_HEARTBEAT: "2" });
          agents.push(agent);
          await agent.waitForLine(/Agent connected|Connected/);
          const made = await call(hub, key, "POST", "/api/v1/checks", {
            name: "Web",
            type: "tcp",
            target: `127.0.0.1:${open.addr.port}`,
            interval_s: 5,
            timeout_s: 2,
            runs_on: { hosts: [real.identity.agentId] },
          });
          assertEquals(made.status, 201);
          const id = made.body.id as string;
          await agent.waitForLine(/Applied desired state .*checks=1/);
          const store = () => openStoreRounds(hub, id);
          await until("a round stored", async () => (await store()).length > 0, 20_000);

          // A change reaches the agent within one heartbeat (2 s here).
          const from = agent.lines.length;
          const changed = await call(hub, key, "PATCH", `/api/v1/checks/${id}`, { interval_s: 6 });
          assertEquals(changed.status, 200, JSON.stringify(changed.body));
          await until(
            "the change applied",
            () => agent.lines.slice(from).some((l) => /Applied desired state .*checks=1/.test(l)),
            2000,
          );

          // Cut off for 30 s: the agent keeps checking into its WAL.
          const ports = hub.ports;
          await hub.proc.stop();
          const cutAt = Date.now();
          await new Promise((r) => setTimeout(r, 30_000));
          hub = await startHub(`${dir}/hub`, ports);
          await until("the rounds run while cut off are stored", async () => {
            const during = (await store()).filter((r) => r.ts > cutAt && r.ts < cutAt + 30_000);
            return during.length >= 4;
          }, 30_000);
          webCheck = id;
          realHost = real.identity.agentId;
        },
      );

      await t.step(
        "the status page shows what was chosen, under its chosen names, and nothing else",
        async () => {
          const secret = await call(hub, key, "POST", "/api/v1/checks", {
            name: "Secret DB",
            type: "tcp",
            target: "10.9.8.7:5432",
            interval_s: 60,
            runs_on: { any: 1 },
          });
          assertEquals(secret.status, 201);
          const fetchPublic = (path: string) => fetch(`${hub.http}${path}`);
          // Off by default.
          const off = await fetchPublic("/status.json");
          assertEquals(off.status, 404);
          await off.body?.cancel();
          const refused = await call(hub, key, "PUT", "/api/v1/status-page", {
            enabled: true,
            items: [{ kind: "check", id: "nope", name: "Shop" }],
          });
          assertEquals([refused.status, refused.body.error.field], [400, "items.0.id"]);
          const set = await call(hub, key, "PUT", "/api/v1/status-page", {
            enabled: true,
            title: "Acme status",
            items: [
              { kind: "check", id: webCheck, name: "Shop" },
              { kind: "host", id: realHost, name: "Edge node" },
            ],
          });
          assertEquals(set.status, 200, JSON.stringify(set.body));

          const json = await fetchPublic("/status.json");
          const html = await fetchPublic("/status");
          for (const res of [json, html]) {
            assertEquals(res.status, 200);
            assertEquals(res.headers.get("set-cookie"), null);
            assert(res.headers.get("cache-control")?.startsWith("public"));
          }
          const body = await json.json();
          const page = await html.text();
          assertEquals(body.title, "Acme status");
          assertEquals(body.items.map((i: { name: string }) => i.name), ["Shop", "Edge node"]);
          assertEquals(body.items[0].days.length, 90);
          assertEquals(body.items[1].status, "online");
          assert(
            page.includes("Shop") && page.includes("Edge node") && page.includes("Acme status"),
          );
          // Nothing the test made that was not chosen: names, ids, targets, addresses, messages.
          const hidden = [
            "Secret DB",
            "Database",
            "Cache",
            "cache.internal",
            "Web",
            "10.9.8.7",
            "127.0.0.1",
            "db.internal",
            "connection refused",
            `"real"`,
            ">real<",
            webCheck,
            realHost,
            ...ids.map((i) => i.agentId),
            ...["r1", "r2", "r3"],
          ];
          const text = JSON.stringify(body);
          for (const h of hidden) {
            assert(!text.includes(h), `status.json shows ${h}`);
            assert(!page.includes(h), `status shows ${h}`);
          }
        },
      );
    } finally {
      for (const a of agents) await a.stop();
      open.close();
      await hub.dispose();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

async function openStoreRounds(hub: Hub, checkId: string) {
  const store = openHubStore(hub);
  try {
    return await store.probes.rounds(checkId, 0, Date.now() + 600_000, 10_000);
  } finally {
    await store.close();
  }
}
