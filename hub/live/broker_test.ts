import { assert, assertEquals } from "../../lib/assert.ts";
import { roundMessages } from "./cluster.ts";
import { Broker } from "./broker.ts";
import type { LiveEvent } from "../../lib/live_events.ts";
import type { AlertView } from "../../lib/alerts/view.ts";

/** Batch `n` of a host (its seq). */
const metrics = (hostId: string, n: number): LiveEvent => ({
  event: "host.metrics",
  hostId,
  data: {
    id: hostId,
    ts: new Date(n * 1000).toISOString(),
    seq: n,
    cpu_percent: 1,
    mem_used_bytes: 1,
    mem_total_bytes: 2,
    swap_used_bytes: 0,
    load1: 0,
    uptime_s: n,
    net_rx_bytes_per_s: 0,
    net_tx_bytes_per_s: 0,
    disk_used_percent: 0,
  },
});

/** What the tests compare of an event: a batch's seq, or a status. */
const detail = (e: LiveEvent) =>
  e.event === "host.metrics" ? e.data.seq : e.event === "host.status" ? e.data.status : null;

/** Everything the subscriber has waiting, as [event, host, n] (n for metrics). */
async function drain(
  events: AsyncIterableIterator<LiveEvent & { id: number }>,
  count: number,
): Promise<Array<[string, string, unknown]>> {
  const out: Array<[string, string, unknown]> = [];
  for (let i = 0; i < count; i++) {
    const { value } = await events.next();
    out.push([value.event, value.hostId, detail(value)]);
  }
  return out;
}

Deno.test("a fleet-wide subscriber that falls behind gets each host's newest events, and stays", async () => {
  const broker = new Broker();
  const fleet = broker.subscribe(null);
  // 50 rounds of a batch from each of 200 hosts while the browser reads nothing.
  for (let round = 1; round <= 50; round++) {
    for (let h = 0; h < 200; h++) broker.publish(metrics(`h${h}`, round));
  }
  broker.publish({
    event: "host.status",
    hostId: "h7",
    data: { id: "h7", status: "offline", last_seen: null },
  });
  assertEquals(broker.size, 1); // not cut off, though 10,001 events came
  const got = await drain(fleet.events, 201);
  assertEquals(got.slice(0, 3), [
    ["host.metrics", "h0", 50],
    ["host.metrics", "h1", 50],
    ["host.metrics", "h2", 50],
  ]);
  assertEquals(got.filter(([, , n]) => n !== 50).map(([e, h, s]) => [e, h, s]), [
    ["host.status", "h7", "offline"],
  ]);
  // Nothing else was waiting, and what comes next flows straight through.
  broker.publish(metrics("h3", 51));
  assertEquals(await drain(fleet.events, 1), [["host.metrics", "h3", 51]]);
  fleet.close();
});

Deno.test("a one-host subscriber gets every event in order, and is cut off past its backlog", async () => {
  const broker = new Broker();
  const host = broker.subscribe("h1");
  for (let n = 1; n <= 5; n++) {
    broker.publish(metrics("h1", n));
    broker.publish(metrics("h2", n));
  }
  assertEquals((await drain(host.events, 5)).map(([, , n]) => n), [1, 2, 3, 4, 5]);

  for (let n = 0; n <= 1000; n++) broker.publish(metrics("h1", n));
  assertEquals(broker.size, 0);
  // What was queued is dropped with it, so a browser that stopped reading holds nothing;
  // it reconnects and starts from a fresh snapshot.
  assertEquals((await host.events.next()).done, true);
});

Deno.test("event ids rise in the order events are delivered", async () => {
  const broker = new Broker();
  const fleet = broker.subscribe(null);
  broker.publish(metrics("a", 1));
  broker.publish(metrics("b", 1));
  broker.publish(metrics("a", 2)); // merged into a's waiting event, which keeps its place
  const ids = [];
  for (let i = 0; i < 2; i++) {
    const { value } = await fleet.events.next();
    ids.push([value.hostId, detail(value), value.id]);
  }
  assertEquals(ids, [["a", 2, 1], ["b", 1, 2]]);
  fleet.close();
});

/** Alert `id` of `hostId` firing. */
const firing = (hostId: string, id: number): LiveEvent => {
  const view: AlertView = {
    id,
    rule_id: "r1",
    rule_name: "cpu",
    host_id: hostId,
    labels: {},
    state: "firing",
    severity: "warning",
    value: 95,
    threshold: 90,
    started_at: "2026-01-01T00:00:00.000Z",
    pending_since: "2026-01-01T00:00:00.000Z",
    fired_at: "2026-01-01T00:00:00.000Z",
    resolved_at: null,
    acknowledged_by: null,
    acknowledged_at: null,
    closed_reason: null,
  };
  return { event: "alert.firing", hostId, data: view };
};

Deno.test("alert events reach every subscriber, and a slow one keeps each alert's", async () => {
  const broker = new Broker();
  const fleet = broker.subscribe(null);
  const host = broker.subscribe("h1");
  // Two alerts of one host at once, and one of another host.
  for (const e of [firing("h2", 1), firing("h2", 2), metrics("h2", 1), firing("h3", 3)]) {
    broker.publish(e);
  }
  // h1's own figures come after: a page that missed the alerts would read these first.
  for (let n = 1; n <= 3; n++) broker.publish(metrics("h1", n));
  const ids = async (sub: typeof fleet, n: number) => {
    const out = [];
    for (let i = 0; i < n; i++) {
      const { value } = await sub.events.next();
      out.push(value.event === "alert.firing" ? value.data.id : value.event);
    }
    return out;
  };
  assertEquals(await ids(fleet, 5), [1, 2, "host.metrics", 3, "host.metrics"]);
  // The one-host page (h1) gets the fleet's alerts for its navigation, not h2's figures.
  assertEquals(await ids(host, 3), [1, 2, 3]);
  fleet.close();
  host.close();
});

/** A log batch's live lines: `n` lines of `size` characters each. */
const logLines = (hostId: string, n: number, size = 10): LiveEvent => ({
  event: "log.lines",
  hostId,
  data: {
    id: hostId,
    count: n,
    lines: Array.from({ length: n }, (_, i) => ({
      id: `1.${i}`,
      ts: new Date(0).toISOString(),
      source: "s",
      origin: "/var/log/app.log",
      level: "",
      message: "x".repeat(size),
    })),
  },
});

Deno.test("log lines go only to subscribers that ask, and a tail holding too many bytes is cut off", async () => {
  const broker = new Broker();
  const fleet = broker.subscribe(null);
  const tail = broker.subscribe(null, { logs: true });
  const hostTail = broker.subscribe("h1", { logs: true });
  broker.publish(logLines("h1", 3));
  broker.publish(metrics("h1", 1));
  assertEquals(await drain(fleet.events, 1), [["host.metrics", "h1", 1]]);
  assertEquals((await drain(tail.events, 2)).map(([e]) => e), ["log.lines", "host.metrics"]);
  assertEquals((await drain(hostTail.events, 2)).map(([e]) => e), ["log.lines", "host.metrics"]);

  // A reader that stopped: about 100 KB a batch, far fewer than the 1,000 events a
  // one-host page may have waiting, but megabytes of lines. It is dropped (its browser
  // reconnects); the fleet tail, whose batches of one host replace each other, is not.
  for (let i = 0; i < 120; i++) broker.publish(logLines("h1", 100, 1000));
  assertEquals((await hostTail.events.next()).done, true);
  assertEquals(broker.size, 2);
  assertEquals((await tail.events.next()).value?.event, "log.lines");
  fleet.close();
  tail.close();
});

Deno.test("relayed check rounds fit PostgreSQL's NOTIFY, however many and long", () => {
  const rounds = Array.from({ length: 500 }, (_, i) => ({
    check_id: crypto.randomUUID(),
    ts: 1_700_000_000_000 + i,
    ok: i % 3 !== 0,
    message: "x".repeat(5000),
  }));
  const messages = roundMessages("host-1", rounds);
  for (const m of messages) {
    const payload = JSON.stringify({ ...m, hub: crypto.randomUUID() });
    assert(new TextEncoder().encode(payload).length < 8000, `${payload.length} bytes`);
  }
  // Every round once, in order, its message cut for the incident's cause.
  const relayed = messages.flatMap((m) => m.rounds);
  assertEquals(relayed.map((r) => r.ts), rounds.map((r) => r.ts));
  assertEquals(relayed[0].message.length, 200);
});
