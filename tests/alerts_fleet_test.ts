/**
 * Alerts at fleet scale, between real processes: 200 simulated hosts going
 * offline together make one grouped notification, a silenced rule tells
 * nothing, acknowledgements stop reminders; and two hubs on one PostgreSQL
 * database, with an agent moving between them, tell each transition once.
 */
import { assert, assertEquals } from "../lib/assert.ts";
import {
  enroll,
  EventStream,
  hubCli,
  lastLine,
  type Proc,
  processTest,
  startAgent,
  startHub,
  until,
} from "./harness.ts";
import { Generator, tokens } from "./sim_fleet.ts";
import { FakeProc, MEMORY_RULE, ok, onlyTheTestsRules, Receiver } from "./alerts_harness.ts";
import { testDatabaseServer } from "./pg.ts";

const HOSTS = 200;

processTest(
  "200 hosts offline at once: one grouped notification; a silence holds a rule back; acks stop reminders",
  async (t) => {
    const receiver = t.own(new Receiver());
    const hub = t.own(await startHub(`${t.dir}/hub`));
    const key = lastLine((await hubCli(hub, "apikey", "create", "test")).stdout);
    await onlyTheTestsRules(hub, key, receiver);
    const offline = { kind: "offline", for_s: 2, group_s: 5, repeat_s: 6, scope: { all: true } };
    const told = await ok<{ id: string }>(hub, key, "POST", "/api/v1/alert-rules", {
      ...offline,
      name: "down",
    });
    const muted = await ok<{ id: string }>(hub, key, "POST", "/api/v1/alert-rules", {
      ...offline,
      name: "down, silenced",
    });
    await ok(hub, key, "POST", "/api/v1/silences", {
      rule_id: muted.id,
      duration_s: 3600,
      reason: "network maintenance",
    });

    const fleet = new Generator(hub.grpc);
    t.own(fleet);
    assertEquals(await fleet.add(await tokens(hub, HOSTS)), HOSTS);
    const online = async () =>
      (await ok<Array<{ status: string }>>(hub, key, "GET", "/api/v1/hosts"))
        .filter((h) => h.status === "online").length;
    await until("200 hosts online", async () => (await online()) === HOSTS, 60_000);

    await fleet.stop(); // every stream ends at once
    const fired = await receiver.waitFor("grouped", 1, 60_000);
    assertEquals(fired.rule.id, told.id);
    assertEquals(fired.alerts.length, HOSTS, "one message lists every host");
    assert(fired.title.includes(`${HOSTS} hosts`), fired.title);

    // The silenced rule's alerts fire too, and are shown muted, but nothing is sent for them.
    const firing = await ok<Array<{ rule_id: string; id: number; muted: string | null }>>(
      hub,
      key,
      "GET",
      "/api/v1/alerts?state=firing&limit=1000",
    );
    assertEquals(firing.filter((a) => a.rule_id === muted.id).length, HOSTS);
    assert(firing.filter((a) => a.rule_id === muted.id).every((a) => a.muted?.includes("network")));

    // A reminder lists them all; acknowledged but one, the next lists that one alone.
    const first = await receiver.waitFor("reminder", 1, 30_000);
    assertEquals(first.alerts.length, HOSTS);
    const mine = firing.filter((a) => a.rule_id === told.id);
    for (const a of mine.slice(1)) {
      await ok(hub, key, "POST", `/api/v1/alerts/${a.id}/ack`, {}, 200);
    }
    // The first reminder after the acks may have been queued while they were made; the second not.
    const acked = receiver.count("reminder");
    const next = await receiver.waitFor("reminder", acked + 2, 40_000);
    assertEquals(next.alerts.map((a) => a.id), [mine[0].id]);
    assert(
      receiver.got.every((b) => b.rule.id === told.id),
      "nothing of the silenced rule was sent",
    );
    const one = await ok<{ acknowledged_by: string }>(
      hub,
      key,
      "GET",
      `/api/v1/alerts/${mine[1].id}`,
    );
    assertEquals(one.acknowledged_by, "apikey:test");
  },
);

processTest(
  "two hubs on one database, an agent moving between them: each transition told once",
  async (t) => {
    if (!testDatabaseServer()) return; // a cluster needs PostgreSQL
    const receiver = t.own(new Receiver());
    // One data dir: hubs of a cluster share the secret and the CA.
    const a = t.own(await startHub(`${t.dir}/hub`));
    const b = t.own(await startHub(`${t.dir}/hub`));
    const proc = await FakeProc.make(`${t.dir}/proc`);
    const { key } = await enroll(a, `${t.dir}/agent`, "web-1");
    await onlyTheTestsRules(a, key, receiver);
    await ok(a, key, "POST", "/api/v1/alert-rules", { ...MEMORY_RULE, for_s: 0, repeat_s: 3 });
    const onB = new EventStream(`${b.http}/api/v1/events`, key);
    t.own({ stop: () => onB.close() });
    let agent: Proc = startAgent(`${t.dir}/agent`, 1, proc.env);
    t.own({ stop: () => agent.stop() });

    await proc.memory(95);
    await receiver.waitFor("firing");
    await onB.waitFor("the alert seen firing on B", (e) => e.event === "alert.firing");
    await receiver.waitFor("reminder");

    // The agent moves to hub B while the alert fires.
    await agent.stop();
    const identityPath = `${t.dir}/agent/identity.json`;
    const identity = JSON.parse(await Deno.readTextFile(identityPath));
    await Deno.writeTextFile(identityPath, JSON.stringify({ ...identity, hub: b.grpc }));
    const before = receiver.count("reminder");
    agent = startAgent(`${t.dir}/agent`, 1, proc.env);
    await receiver.waitFor("reminder", before + 2, 30_000);
    await proc.memory(40);
    await receiver.waitFor("resolved", 1, 30_000);
    // Both hubs judged, both hold the lease table: one fire, one resolve, reminders spaced.
    await until("the outbox empty", async () => {
      const [alert] = await ok<Array<{ id: number }>>(
        a,
        key,
        "GET",
        "/api/v1/alerts?state=resolved",
      );
      const detail = await ok<{ notifications: Array<{ state: string }> }>(
        a,
        key,
        "GET",
        `/api/v1/alerts/${alert.id}`,
      );
      return detail.notifications.every((n) => n.state === "sent");
    });
    assertEquals(receiver.count("firing"), 1);
    assertEquals(receiver.count("resolved"), 1);
    const reminders = receiver.got.filter((x) => x.kind === "reminder").map((x) =>
      Date.parse(x.sent_at)
    );
    for (let i = 1; i < reminders.length; i++) {
      assert(
        reminders[i] - reminders[i - 1] >= 2500,
        `reminders ${reminders} closer than repeat_s`,
      );
    }
    assertEquals(new Set(receiver.got.map((x) => x.id)).size, receiver.got.length, "no repeats");
  },
);
