/**
 * A check judged across a cluster: two hubs on one PostgreSQL, the check's
 * two agents each streaming to a different hub, k = 2. Each hub stores only
 * its own agents' rounds, so neither alone saw two failing; the rounds are
 * relayed between hubs (`checks.rounds`), and the check goes down once, with
 * one incident, and comes up once.
 */
import { assertEquals } from "../lib/assert.ts";
import { Channel } from "../agent/grpc.ts";
import { HUB_TLS_NAME } from "../lib/link.ts";
import { rawAgent } from "./probe.ts";
import { enroll, processTest, until } from "./harness.ts";
import { startHub } from "./harness.ts";
import { testDatabaseServer } from "./pg.ts";

processTest(
  "a check's agents on two hubs are judged together, k of them across the cluster",
  async (t) => {
    if (!testDatabaseServer()) return; // a cluster needs PostgreSQL
    // One data dir: hubs of a cluster share the secret and the CA.
    const a = t.own(await startHub(`${t.dir}/hub`));
    const b = t.own(await startHub(`${t.dir}/hub`));
    const one = await enroll(a, `${t.dir}/r1`, "r1");
    const two = await enroll(a, `${t.dir}/r2`, "r2");
    const key = one.key;
    const call = async (path: string, method = "GET", body?: unknown) => {
      const res = await fetch(`${a.http}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    const toA = new Channel(a.grpc, { serverName: HUB_TLS_NAME, caPem: one.identity.caPem });
    const toB = new Channel(b.grpc, { serverName: HUB_TLS_NAME, caPem: one.identity.caPem });
    const r1 = rawAgent(toA, one.identity);
    const r2 = rawAgent(toB, two.identity);
    t.own({
      stop: async () => {
        r1.stream.cancel();
        r2.stream.cancel();
        await toA.close();
        await toB.close();
      },
    });
    await Promise.all([r1.ready, r2.ready]);
    const made = await call("/api/v1/checks", "POST", {
      name: "Shared DB",
      type: "tcp",
      target: "db.internal:5432",
      interval_s: 30,
      runs_on: { hosts: [one.identity.agentId, two.identity.agentId] },
      k: 2,
      rounds: 1,
      recover_rounds: 1,
    });
    assertEquals(made.status, 201, JSON.stringify(made.body));
    const id = made.body.id as string;
    // Both agents hold it (each pushed by the hub its stream is on).
    await until(
      "both agents hold the check",
      () =>
        [r1, r2].every((r) => r.desired.some((d) => d.set.some((i) => i.key === `check:${id}`))),
    );
    const status = async () => (await call(`/api/v1/checks/${id}`)).body;

    let ts = Date.now() - 60_000;
    await Promise.all([r1.round(id, true, ts += 1000), r2.round(id, true, ts)]);
    await until("up", async () => (await status()).status === "up");
    // Both fail, each seen by its own hub only: down, judged from both.
    await r1.round(id, false, ts += 1000);
    await r2.round(id, false, ts);
    await until("down across the cluster", async () => (await status()).status === "down");
    await Promise.all([r1.round(id, true, ts += 1000), r2.round(id, true, ts)]);
    await until("up again", async () => (await status()).status === "up");
    const after = await status();
    assertEquals(after.incidents.length, 1, JSON.stringify(after.incidents));
    assertEquals(after.incidents[0].cause, "connection refused");
  },
);
