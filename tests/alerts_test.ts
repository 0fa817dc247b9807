/**
 * Alerts between real processes: a hub, an agent whose memory use the test
 * sets, and a webhook receiver the test runs. A rule goes pending, fires
 * after its `for`, reminds, and resolves once; a value flapping around the
 * threshold fires and resolves once; a hub killed while an alert is pending
 * and while it fires neither forgets the pending time nor tells twice.
 * On both stores (DATABASE_URL set: PostgreSQL).
 */
import { assert, assertEquals } from "../lib/assert.ts";
import { enroll, EventStream, processTest, startAgent, startHub, until } from "./harness.ts";
import { FakeProc, MEMORY_RULE, ok, onlyTheTestsRules, Receiver } from "./alerts_harness.ts";

/** Waits until `n` more batches are stored (seen live) than when called. */
async function batches(sse: EventStream, n: number, ms = 15_000) {
  const from = sse.events.length;
  const stored = () => sse.events.slice(from).filter((e) => e.event === "host.metrics").length;
  await until(`${n} more batches`, () => stored() >= n, ms);
}

interface AlertJson {
  id: number;
  state: string;
  pending_since: string;
  fired_at: string | null;
  resolved_at: string | null;
  value: number | null;
}

processTest(
  "a rule goes pending, fires only after `for`, reminds, and resolves once",
  async (t) => {
    const receiver = t.own(new Receiver());
    const hub = t.own(await startHub(`${t.dir}/hub`));
    const proc = await FakeProc.make(`${t.dir}/proc`);
    const { key, identity } = await enroll(hub, `${t.dir}/agent`, "web-1");
    await onlyTheTestsRules(hub, key, receiver);
    await ok(hub, key, "POST", "/api/v1/alert-rules", { ...MEMORY_RULE, for_s: 3, repeat_s: 4 });
    const sse = new EventStream(`${hub.http}/api/v1/events`, key);
    t.own({ stop: () => sse.close() });
    t.own(startAgent(`${t.dir}/agent`, 1, proc.env));

    await proc.memory(95);
    const pending = await sse.waitFor("alert.pending", (e) => e.event === "alert.pending", 20_000);
    assertEquals(pending.data.host_id, identity.agentId);
    assertEquals(receiver.got, [], "nothing told while pending");
    const fired = await receiver.waitFor("firing");
    const alert = fired.alerts[0];
    assertEquals([alert.host?.name, alert.labels, alert.state], ["web-1", {}, "firing"]);
    assert(alert.value! > 90, `the value told: ${alert.value}`);
    const heldFor = Date.parse(alert.fired_at!) - Date.parse(alert.pending_since);
    assert(heldFor >= 3000, `fired ${heldFor} ms after it went pending, not before for_s`);
    await sse.waitFor("alert.firing", (e) => e.event === "alert.firing");

    await receiver.waitFor("reminder");
    await proc.memory(85); // between recover and threshold: still firing
    await proc.memory(50);
    const resolved = await receiver.waitFor("resolved");
    assertEquals(resolved.alerts[0].id, alert.id);
    await sse.waitFor("alert.resolved", (e) => e.event === "alert.resolved");
    // Let a few more batches land: nothing more is told.
    await batches(sse, 3);
    assertEquals(receiver.count("firing"), 1);
    assertEquals(receiver.count("resolved"), 1);
    assertEquals(new Set(receiver.got.map((b) => b.id)).size, receiver.got.length, "no repeats");
    const [stored] = await ok<AlertJson[]>(hub, key, "GET", "/api/v1/alerts?state=resolved");
    assertEquals([stored.id, stored.state], [alert.id, "resolved"]);
  },
);

processTest(
  "a value flapping around the threshold fires once and resolves once (hysteresis)",
  async (t) => {
    const receiver = t.own(new Receiver());
    const hub = t.own(await startHub(`${t.dir}/hub`));
    const proc = await FakeProc.make(`${t.dir}/proc`);
    const { key } = await enroll(hub, `${t.dir}/agent`, "web-1");
    await onlyTheTestsRules(hub, key, receiver);
    await ok(hub, key, "POST", "/api/v1/alert-rules", { ...MEMORY_RULE, for_s: 0 });
    const sse = new EventStream(`${hub.http}/api/v1/events`, key);
    t.own({ stop: () => sse.close() });
    t.own(startAgent(`${t.dir}/agent`, 1, proc.env));
    await sse.waitFor("first batch", (e) => e.event === "host.metrics");
    // Each value held for two stored batches.
    for (const v of [95, 85, 93, 84, 96, 82, 91, 40]) {
      await proc.memory(v);
      await batches(sse, 2);
    }
    await receiver.waitFor("resolved");
    assertEquals(receiver.kinds(), ["firing", "resolved"]);
  },
);

processTest(
  "a hub killed while an alert is pending, then while it fires, neither forgets nor tells twice",
  async (t) => {
    const receiver = t.own(new Receiver());
    let hub = await startHub(`${t.dir}/hub`);
    t.own({ dispose: () => hub.dispose() });
    const proc = await FakeProc.make(`${t.dir}/proc`);
    const { key } = await enroll(hub, `${t.dir}/agent`, "web-1");
    await onlyTheTestsRules(hub, key, receiver);
    await ok(hub, key, "POST", "/api/v1/alert-rules", { ...MEMORY_RULE, for_s: 8 });
    t.own(startAgent(`${t.dir}/agent`, 1, proc.env));
    await proc.memory(95);
    const pendingOf = async () =>
      (await ok<AlertJson[]>(hub, key, "GET", "/api/v1/alerts?state=pending"))[0];
    await until("the alert pending", async () => (await pendingOf()) !== undefined, 20_000);
    const pending = await pendingOf();

    // Killed while pending; back on the same ports, the agent reconnects.
    await hub.proc.stop("SIGKILL");
    hub = await startHub(`${t.dir}/hub`, hub.ports);
    const fired = await receiver.waitFor("firing", 1, 40_000);
    assertEquals(fired.alerts[0].id, pending.id, "the same alert fired");
    assertEquals(fired.alerts[0].pending_since, pending.pending_since, "its pending time kept");
    const heldFor = Date.parse(fired.alerts[0].fired_at!) - Date.parse(pending.pending_since);
    assert(heldFor >= 8000, `fired ${heldFor} ms after it went pending`);

    // Killed while firing (its notice recorded as sent: delivery is at least once, and a hub
    // killed between sending and recording sends again, with the same id for the receiver to
    // drop): after the restart batches keep coming and nothing is told again.
    await until("the fire recorded as sent", async () => {
      const detail = await ok<{ notifications: Array<{ state: string }> }>(
        hub,
        key,
        "GET",
        `/api/v1/alerts/${pending.id}`,
      );
      return detail.notifications.length === 1 && detail.notifications[0].state === "sent";
    });
    await hub.proc.stop("SIGKILL");
    hub = await startHub(`${t.dir}/hub`, hub.ports);
    const sse = new EventStream(`${hub.http}/api/v1/events`, key);
    t.own({ stop: () => sse.close() });
    await batches(sse, 5, 30_000);
    const firing = await ok<AlertJson[]>(hub, key, "GET", "/api/v1/alerts?state=firing");
    assertEquals(firing.map((a) => a.id), [pending.id]);
    assertEquals(receiver.kinds(), ["firing"]);
    // And it still resolves, once.
    await proc.memory(30);
    await receiver.waitFor("resolved", 1, 30_000);
    assertEquals(receiver.kinds(), ["firing", "resolved"]);
  },
);
