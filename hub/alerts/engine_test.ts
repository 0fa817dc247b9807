/**
 * The engine on a real store (both dialects) with a clock the test moves:
 * the lifecycle, hysteresis, a restart mid-`for`, grouping, mutes and
 * acknowledgement, as the notifications queued in the store show them.
 */
import { assert, assertEquals } from "../../lib/assert.ts";
import { useCaseTest } from "../usecases/testing.ts";
import { channel, host } from "../store/conformance_helpers.ts";
import type { Store } from "../store/store.ts";
import { AlertEngine, type EngineDeps } from "./engine.ts";
import { checkRule } from "../../lib/alerts/rules.ts";
import { logger } from "../../lib/log.ts";

const log = logger("test");

class Clock {
  constructor(public t = Date.parse("2026-06-01T12:00:00Z")) {}
  now = () => this.t;
}

async function engineOn(store: Store, clock: Clock, extra: Partial<EngineDeps> = {}) {
  const e = new AlertEngine({ store, log, now: clock.now, graceMs: 3_600_000, ...extra });
  await e.start();
  e.stop(); // the test ticks by hand
  return e;
}

/** Only the test's own rule: the defaults go. */
async function onlyRule(store: Store, spec: Record<string, unknown>) {
  await store.alerts.seedDefaults([], 0); // so the engine's start adds none
  const c = checkRule({ name: "test rule", ...spec });
  if (!c.ok) throw new Error(c.error.problem);
  await store.alerts.createRule({ ...c.rule, id: "r1" }, 0);
  await store.notifications.createChannel(channel("c1"));
}

/**
 * Sends (marks sent) whatever is queued, in the order the delivery loop
 * would: each notification's kind and its alerts' hosts.
 */
async function told(store: Store): Promise<Array<[string, string[]]>> {
  await store.leases.acquire("notify", "t", 600_000, Date.now());
  const out: Array<[string, string[]]> = [];
  for (;;) {
    const due = await store.notifications.due(Date.parse("2100-01-01"), 1000);
    if (!due.length) return out;
    for (const n of due) {
      const hosts: string[] = [];
      for (const i of n.items) {
        hosts.push((await store.alerts.alert(i.alert_id))!.host_id ?? "(no host)");
      }
      out.push([n.kind, hosts.sort()]);
      await store.notifications.attempted(n.id, 0, { ok: true, status: 200, detail: "" }, "t");
    }
  }
}

const CPU = {
  metric: "cpu_percent",
  op: ">",
  threshold: 90,
  recover: 80,
  for_s: 60,
  repeat_s: 600,
  group_s: 0,
};

useCaseTest("engine: pending, fires only after `for`, reminds, resolves once", async (store) => {
  await host(store, "h1");
  await onlyRule(store, CPU);
  const clock = new Clock();
  const e = await engineOn(store, clock);
  const sample = async (v: number) => {
    e.batch("h1", clock.t, [["cpu_percent", "", v]], []);
    await e.settled();
  };
  await sample(95);
  assertEquals((await store.alerts.openAlerts()).map((a) => a.state), ["pending"]);
  clock.t += 30_000;
  await sample(97);
  assertEquals(await told(store), [], "not before `for`");
  clock.t += 30_000;
  await sample(96);
  assertEquals(await told(store), [["firing", ["h1"]]]);
  clock.t += 300_000;
  e.tick();
  await e.settled();
  assertEquals(await told(store), [], "no reminder before repeat_s");
  clock.t += 300_000;
  e.tick();
  e.tick();
  await e.settled();
  assertEquals(await told(store), [["reminder", ["h1"]]]);
  await sample(85);
  assertEquals(await told(store), [], "85 is above the recovery level");
  await sample(70);
  await sample(60);
  assertEquals(await told(store), [["resolved", ["h1"]]]);
  const [a] = await store.alerts.alerts({ limit: 5 });
  assertEquals([a.state, a.value, a.fired_at! - a.pending_since], ["resolved", 70, 60_000]);
});

useCaseTest(
  "engine: a value flapping around the threshold fires once and resolves once",
  async (store) => {
    await host(store, "h1");
    await onlyRule(store, { ...CPU, for_s: 0 });
    const clock = new Clock();
    const e = await engineOn(store, clock);
    for (const v of [95, 85, 92, 88, 95, 82, 91, 86, 93, 70]) {
      clock.t += 10_000;
      e.batch("h1", clock.t, [["cpu_percent", "", v]], []);
    }
    await e.settled();
    assertEquals(await told(store), [["firing", ["h1"]], ["resolved", ["h1"]]]);
  },
);

useCaseTest("engine: a restart keeps the pending time and does not fire again", async (store) => {
  await host(store, "h1");
  await onlyRule(store, CPU);
  const clock = new Clock();
  const first = await engineOn(store, clock);
  first.batch("h1", clock.t, [["cpu_percent", "", 95]], []);
  await first.settled();
  clock.t += 40_000;
  // A new process: it knows only what the store holds.
  const second = await engineOn(store, clock);
  clock.t += 20_000;
  second.batch("h1", clock.t, [["cpu_percent", "", 95]], []);
  await second.settled();
  assertEquals(await told(store), [["firing", ["h1"]]], "fired 60 s after the first breach");
  const third = await engineOn(store, clock);
  clock.t += 10_000;
  third.batch("h1", clock.t, [["cpu_percent", "", 99]], []);
  await third.settled();
  assertEquals(await told(store), [], "nothing more: the one fire was told");
});

useCaseTest(
  "engine: many hosts offline at once make one notification; a silence holds it back",
  async (store) => {
    const ids = Array.from({ length: 20 }, (_, i) => `h${i}`);
    for (const id of ids) await host(store, id);
    await onlyRule(store, { kind: "offline", for_s: 60, group_s: 30 });
    const clock = new Clock();
    const e = await engineOn(store, clock);
    for (const id of ids) e.status(id, "online", clock.t);
    for (const id of ids) e.status(id, "offline", clock.t - 15_000);
    await e.settled();
    clock.t += 50_000;
    e.tick();
    await e.settled();
    assertEquals((await told(store)).map(([k, h]) => [k, h.length]), [["firing", 20]]);
    // All back: one resolved notification, then a silence mutes the next outage.
    for (const id of ids) e.status(id, "online", clock.t);
    await e.settled();
    assertEquals((await told(store)).map(([k, h]) => [k, h.length]), [["resolved", 20]]);
    await store.alerts.createSilence({
      id: "s1",
      rule_id: "r1",
      host_id: null,
      tag: null,
      starts_at: clock.t,
      ends_at: clock.t + 3600_000,
      reason: "network work",
      created_by: "ann",
      created_at: clock.t,
    });
    await e.reload();
    for (const id of ids) e.status(id, "offline", clock.t);
    clock.t += 61_000;
    e.tick();
    await e.settled();
    assertEquals((await store.alerts.openAlerts()).filter((a) => a.state === "firing").length, 20);
    assertEquals(await told(store), [], "silenced");
    // Once the silence ends, the still-firing alerts are told of once.
    clock.t += 3600_000;
    e.tick();
    await e.settled();
    assertEquals((await told(store)).map(([k, h]) => [k, h.length]), [["firing", 20]]);
  },
);

useCaseTest(
  "engine: an acknowledged alert is not reminded of; its resolve is still told",
  async (store) => {
    await host(store, "h1");
    await onlyRule(store, { ...CPU, for_s: 0 });
    const clock = new Clock();
    const e = await engineOn(store, clock);
    e.batch("h1", clock.t, [["cpu_percent", "", 99]], []);
    await e.settled();
    assertEquals(await told(store), [["firing", ["h1"]]]);
    const [a] = await store.alerts.openAlerts();
    await store.alerts.acknowledge(a.id, "ann", clock.t);
    await e.reloadHost("h1");
    clock.t += 3600_000;
    e.tick();
    await e.settled();
    assertEquals(await told(store), []);
    e.batch("h1", clock.t, [["cpu_percent", "", 10]], []);
    await e.settled();
    assertEquals(await told(store), [["resolved", ["h1"]]]);
  },
);

useCaseTest("engine: each mount is judged apart; a selector picks one", async (store) => {
  await host(store, "h1");
  await onlyRule(store, {
    metric: "fs_used_percent",
    labels: { mount: "*" },
    op: ">",
    threshold: 90,
    for_s: 0,
    group_s: 0,
  });
  const clock = new Clock();
  const e = await engineOn(store, clock);
  e.batch("h1", clock.t, [["fs_used_percent", "/", 95], ["fs_used_percent", "/data", 97], [
    "fs_used_percent",
    "/boot",
    10,
  ]], []);
  await e.settled();
  const open = await store.alerts.openAlerts();
  assertEquals(open.map((a) => a.labels.mount).sort(), ["/", "/data"]);
});

useCaseTest(
  "engine: no data while online fires after for_s; the metric's return resolves it",
  async (store) => {
    await host(store, "h1");
    await onlyRule(store, { kind: "nodata", metric: "temp_celsius", for_s: 120, group_s: 0 });
    const clock = new Clock();
    const e = await engineOn(store, clock);
    e.localStatus("h1", "online");
    e.batch("h1", clock.t, [["temp_celsius", "cpu", 50]], []);
    clock.t += 100_000;
    e.batch("h1", clock.t, [["cpu_percent", "", 5]], []);
    e.tick();
    await e.settled();
    assertEquals(await told(store), [], "absent for 100 s only");
    clock.t += 30_000;
    e.tick();
    await e.settled();
    assertEquals(await told(store), [["firing", ["h1"]]]);
    e.batch("h1", clock.t, [["temp_celsius", "cpu", 51]], []);
    await e.settled();
    assertEquals(await told(store), [["resolved", ["h1"]]]);
    // Data this hub does not see (the agent is on another hub) is no absence.
    e.localStatus("h1", "offline");
    clock.t += 600_000;
    e.tick();
    await e.settled();
    assertEquals(await told(store), []);
  },
);

useCaseTest(
  "engine: no data — a host that comes later, and an alert closed elsewhere, are judged by time too",
  async (store) => {
    // The tick looks at no-data rules only once one may be due: what changes that is tested here.
    await host(store, "h1");
    await host(store, "h2");
    await onlyRule(store, { kind: "nodata", metric: "temp_celsius", for_s: 120, group_s: 0 });
    const clock = new Clock();
    const e = await engineOn(store, clock);
    e.localStatus("h1", "online");
    clock.t += 121_000;
    e.tick();
    await e.settled();
    assertEquals(await told(store), [["firing", ["h1"]]]);
    // h1 firing, nothing else watched: a host connecting now is still judged on its own time.
    e.localStatus("h2", "online");
    clock.t += 60_000;
    e.tick();
    await e.settled();
    assertEquals(await told(store), [], "h2 absent for 60 s only");
    clock.t += 61_000;
    e.tick();
    await e.settled();
    assertEquals(await told(store), [["firing", ["h2"]]]);
    // h1's alert closed outside this engine while its metric is still absent: it opens again.
    const [a] = (await store.alerts.openAlerts()).filter((x) => x.host_id === "h1");
    await store.alerts.resolve(a.id, clock.t, null, null, "closed by hand");
    await e.reloadHost("h1");
    clock.t += 1_000;
    e.tick();
    await e.settled();
    assertEquals(await told(store), [["firing", ["h1"]]]);
    // Data again, then absent again: a second outage of the same metric fires again.
    e.batch("h2", clock.t, [["temp_celsius", "cpu", 50]], []);
    await e.settled();
    assertEquals(await told(store), [["resolved", ["h2"]]]);
    for (let i = 0; i < 3; i++) {
      clock.t += 50_000;
      e.tick();
    }
    await e.settled();
    assertEquals(await told(store), [["firing", ["h2"]]]);
  },
);

useCaseTest(
  "engine: reminders of alerts that fired at different times each come on their own time",
  async (store) => {
    await host(store, "h1");
    await host(store, "h2");
    await onlyRule(store, { ...CPU, for_s: 0 });
    const clock = new Clock();
    const e = await engineOn(store, clock);
    const step = async (ms: number) => {
      clock.t += ms;
      e.tick();
      await e.settled();
    };
    e.batch("h1", clock.t, [["cpu_percent", "", 99]], []);
    await e.settled();
    await step(1_000);
    await step(200_000);
    e.batch("h2", clock.t, [["cpu_percent", "", 99]], []);
    await e.settled();
    assertEquals(await told(store), [["firing", ["h1"]], ["firing", ["h2"]]]);
    await step(399_000);
    assertEquals(await told(store), [["reminder", ["h1"]]], "h1 at 600 s");
    await step(100_000);
    assertEquals(await told(store), [], "h2 fired at 201 s: due at 801 s");
    await step(101_000);
    assertEquals(await told(store), [["reminder", ["h2"]]]);
    await step(399_000);
    assertEquals(await told(store), [["reminder", ["h1"]]], "h1 again at 1,200 s");
  },
);

useCaseTest(
  "engine: no data on a check's series is heard from check samples, not metrics batches",
  async (store) => {
    await host(store, "h1");
    await onlyRule(store, {
      kind: "nodata",
      metric: "check_up",
      labels: { check: "web" },
      for_s: 120,
      group_s: 0,
    });
    const clock = new Clock();
    const e = await engineOn(store, clock);
    e.localStatus("h1", "online");
    for (let i = 0; i < 3; i++) {
      e.checkSamples("h1", clock.t, [["check_up", "web", 1]]);
      e.batch("h1", clock.t, [["cpu_percent", "", 5]], []);
      clock.t += 60_000;
      e.tick();
      await e.settled();
    }
    assertEquals(await told(store), [], "check samples keep coming");
    clock.t += 130_000;
    e.batch("h1", clock.t, [["cpu_percent", "", 5]], []);
    e.tick();
    await e.settled();
    assertEquals(await told(store), [["firing", ["h1"]]]);
    e.checkSamples("h1", clock.t, [["check_up", "web", 0]]);
    await e.settled();
    assertEquals(await told(store), [["resolved", ["h1"]]]);
  },
);

useCaseTest(
  "engine: a failing collector fires per collector and resolves when it stops failing",
  async (store) => {
    await host(store, "h1");
    await onlyRule(store, {
      kind: "collector_failing",
      labels: { collector: "*" },
      for_s: 60,
      group_s: 0,
    });
    const clock = new Clock();
    const e = await engineOn(store, clock);
    for (let i = 0; i < 3; i++) {
      e.batch("h1", clock.t, [], ["temperature"]);
      clock.t += 30_000;
    }
    await e.settled();
    const open = await store.alerts.openAlerts();
    assertEquals(open.map((a) => [a.state, a.labels]), [["firing", { collector: "temperature" }]]);
    e.batch("h1", clock.t, [], []);
    await e.settled();
    assertEquals(await told(store), [["firing", ["h1"]], ["resolved", ["h1"]]]);
  },
);

useCaseTest(
  "engine: batches the WAL dropped fire at once and resolve after a quiet for_s",
  async (store) => {
    await host(store, "h1");
    await onlyRule(store, { kind: "wal_dropping", for_s: 600, group_s: 0 });
    const clock = new Clock();
    const e = await engineOn(store, clock);
    e.dropped("h1", 0);
    e.dropped("h1", 0);
    await e.settled();
    assertEquals(await told(store), []);
    e.dropped("h1", 12);
    await e.settled();
    assertEquals(await told(store), [["firing", ["h1"]]]);
    const [a] = await store.alerts.openAlerts();
    assertEquals(a.value, 12, "how many were dropped");
    clock.t += 300_000;
    e.tick();
    await e.settled();
    assertEquals(await told(store), [], "not quiet long enough");
    clock.t += 300_000;
    e.tick();
    await e.settled();
    assertEquals(await told(store), [["resolved", ["h1"]]]);
  },
);

useCaseTest("engine: a rule's scope, exclusions and per-host overrides", async (store) => {
  for (const id of ["h1", "h2", "h3"]) await host(store, id);
  await store.hosts.setTags("h1", ["web"]);
  await store.hosts.setTags("h2", ["web"]);
  await onlyRule(store, {
    ...CPU,
    for_s: 0,
    scope: { tag: "web" },
    exclude: [],
    overrides: { h2: { threshold: 98 } },
  });
  const clock = new Clock();
  const e = await engineOn(store, clock);
  for (const id of ["h1", "h2", "h3"]) e.batch(id, clock.t, [["cpu_percent", "", 95]], []);
  await e.settled();
  assertEquals((await store.alerts.openAlerts()).map((a) => a.host_id), ["h1"]);
  e.hostChanged({ id: "h3", tags: ["web"] });
  e.batch("h3", clock.t, [["cpu_percent", "", 95]], []);
  e.batch("h2", clock.t, [["cpu_percent", "", 99]], []);
  await e.settled();
  assertEquals((await store.alerts.openAlerts()).map((a) => a.host_id).sort(), ["h1", "h2", "h3"]);
});

useCaseTest(
  "engine: alerts of one rule that fired seconds apart are reminded of together",
  async (store) => {
    for (const id of ["h1", "h2", "h3"]) await host(store, id);
    await onlyRule(store, { ...CPU, for_s: 0, repeat_s: 600, group_s: 30 });
    const clock = new Clock();
    const e = await engineOn(store, clock);
    for (const id of ["h1", "h2", "h3"]) {
      e.batch(id, clock.t, [["cpu_percent", "", 99]], []);
      clock.t += 8_000; // fired 8 s apart: h1, h2, h3
    }
    await e.settled();
    assertEquals((await told(store)).map(([k, h]) => [k, h.length]), [["firing", 3]]);
    clock.t += 600_000 - 24_000; // h1 is due; h2 and h3 within the window
    e.tick();
    await e.settled();
    assertEquals(await told(store), [["reminder", ["h1", "h2", "h3"]]]);
  },
);

useCaseTest(
  "engine: an alert on a series that is gone (a mount, a container) closes as no longer reported",
  async (store) => {
    await host(store, "h1");
    await onlyRule(store, {
      metric: "fs_used_percent",
      labels: { mount: "*" },
      op: ">",
      threshold: 90,
      for_s: 0,
      group_s: 0,
    });
    const clock = new Clock();
    const e = await engineOn(store, clock);
    const batch = async (mounts: Record<string, number>, failing: string[] = []) => {
      clock.t += 30_000;
      e.batch(
        "h1",
        clock.t,
        Object.entries(mounts).map(([m, v]) => ["fs_used_percent", m, v]),
        failing,
      );
      await e.settled();
    };
    await batch({ "/": 40, "/data": 95 });
    assertEquals(await told(store), [["firing", ["h1"]]]);
    // /data is unmounted: one batch without it could be a skipped reading…
    await batch({ "/": 40 });
    // …and one whose collector failed says nothing of what it left out.
    await batch({ "/": 40 }, ["filesystems"]);
    await batch({ "/": 40 });
    assertEquals((await store.alerts.openAlerts()).map((a) => a.labels), [{ mount: "/data" }]);
    // Two in a row without it: gone, and the alert with it.
    await batch({ "/": 40 });
    assertEquals((await store.alerts.openAlerts()).length, 0);
    const [closed] = await store.alerts.alerts({ limit: 1 });
    assertEquals([closed.state, closed.closed_reason], ["resolved", "no longer reported"]);
    assertEquals(await told(store), [["resolved", ["h1"]]]);
  },
);

useCaseTest(
  "engine: a threshold rule on a check's series is judged from check samples, and metrics batches (which never carry them) do not close it",
  async (store) => {
    await host(store, "h1");
    await onlyRule(store, {
      metric: "check_response_ms",
      labels: { check: "*" },
      op: ">",
      threshold: 500,
      for_s: 0,
      group_s: 0,
    });
    const clock = new Clock();
    const e = await engineOn(store, clock);
    e.checkSamples("h1", clock.t, [["check_response_ms", "web", 900], ["check_up", "web", 1]]);
    await e.settled();
    assertEquals(await told(store), [["firing", ["h1"]]]);
    assertEquals((await store.alerts.openAlerts()).map((a) => a.labels), [{ check: "web" }]);
    for (let i = 0; i < 4; i++) {
      clock.t += 30_000;
      e.batch("h1", clock.t, [["cpu_percent", "", 10]], []);
      await e.settled();
    }
    assertEquals((await store.alerts.openAlerts()).length, 1, "still open after metrics batches");
    clock.t += 10_000;
    e.checkSamples("h1", clock.t, [["check_response_ms", "web", 120]]);
    await e.settled();
    assertEquals((await store.alerts.openAlerts()).length, 0);
    assertEquals(await told(store), [["resolved", ["h1"]]]);
  },
);

useCaseTest(
  "engine: check rules — slow per agent after `for`, a certificate once per check",
  async (store) => {
    await host(store, "h1");
    await host(store, "h2");
    await store.alerts.seedDefaults([], 0);
    for (
      const [id, spec] of [
        ["slow", { kind: "check_slow", labels: { check: "*" }, threshold: 500, for_s: 60 }],
        ["cert", { kind: "check_cert_expiring", labels: { check: "web" }, threshold: 14 }],
      ] as const
    ) {
      const c = checkRule({ name: id, group_s: 0, ...spec });
      if (!c.ok) throw new Error(c.error.problem);
      await store.alerts.createRule({ ...c.rule, id }, 0);
    }
    await store.notifications.createChannel(channel("c1"));
    const clock = new Clock();
    const e = await engineOn(store, clock);
    const round = async (host: string, ms: number, days?: number, check = "web") => {
      e.checkRounds(host, [{
        check_id: check,
        ts: clock.t,
        ms,
        details: days === undefined ? {} : { cert_days_left: days },
      }]);
      await e.settled();
    };
    const open = async () =>
      (await store.alerts.openAlerts()).map((a) => `${a.rule_id}:${a.host_id}:${a.state}`).sort();

    await round("h1", 900, 30);
    await round("h2", 120, 30);
    assertEquals(await open(), ["slow:h1:pending"]);
    clock.t += 61_000;
    await round("h1", 800, 3);
    // Both agents see the certificate: one alert, kept where it was first seen.
    await round("h2", 100, 3);
    assertEquals(await open(), ["cert:h1:firing", "slow:h1:firing"]);
    // Another check's certificate is not this rule's.
    await round("h2", 100, 1, "api");
    assertEquals(await open(), ["cert:h1:firing", "slow:h1:firing"]);
    clock.t += 30_000;
    await round("h2", 100, 89);
    await round("h1", 100, 89);
    assertEquals(await open(), []);
    assertEquals(
      (await told(store)).map(([kind]) => kind).sort(),
      ["firing", "firing", "resolved", "resolved"],
    );
  },
);

useCaseTest(
  "engine: alerts on a check removed, or on an agent the check left, close",
  async (store) => {
    await host(store, "h1");
    await host(store, "h2");
    await store.alerts.seedDefaults([], 0);
    for (
      const [id, spec] of [
        ["slow", { kind: "check_slow", labels: { check: "*" }, threshold: 500, for_s: 0 }],
        ["slower", { kind: "check_slow", labels: { check: "*" }, threshold: 700, for_s: 600 }],
        ["cert", { kind: "check_cert_expiring", labels: { check: "web" }, threshold: 14 }],
      ] as const
    ) {
      const c = checkRule({ name: id, group_s: 0, ...spec });
      if (!c.ok) throw new Error(c.error.problem);
      await store.alerts.createRule({ ...c.rule, id }, 0);
    }
    await store.notifications.createChannel(channel("c1"));
    const clock = new Clock();
    const e = await engineOn(store, clock);
    const open = async () =>
      (await store.alerts.openAlerts()).map((a) => `${a.rule_id}:${a.host_id}:${a.state}`).sort();
    e.checkRounds("h1", [{
      check_id: "web",
      ts: clock.t,
      ms: 900,
      details: { cert_days_left: 3 },
    }]);
    e.checkRounds("h2", [{ check_id: "web", ts: clock.t, ms: 900, details: {} }]);
    await e.settled();
    assertEquals(await open(), [
      "cert:h1:firing",
      "slow:h1:firing",
      "slow:h2:firing",
      "slower:h1:pending",
      "slower:h2:pending",
    ]);

    // The check left h1 (the assigner keeps what is stored while a hub starts, so this is
    // a real leave): its slow alerts close there (the pending one cancelled); the
    // certificate's stays, the check still runs.
    clock.t += 1000;
    e.checksAssigned(new Map([["web", new Set(["h2"])]]), clock.t);
    await e.settled();
    assertEquals(await open(), ["cert:h1:firing", "slow:h2:firing", "slower:h2:pending"]);
    const closed = (await store.alerts.alerts({ limit: 10 })).filter((a) =>
      a.rule_id === "slow" && a.host_id === "h1"
    );
    assertEquals(
      [closed[0].state, closed[0].closed_reason],
      ["resolved", "the check no longer runs on this host"],
    );

    // The check removed: everything on it closes.
    clock.t += 1000;
    e.checksAssigned(new Map([["api", new Set(["h1", "h2"])]]), clock.t);
    await e.settled();
    assertEquals(await open(), []);
    const cert = (await store.alerts.alerts({ limit: 10 })).find((a) => a.rule_id === "cert")!;
    assertEquals([cert.state, cert.closed_reason], ["resolved", "check removed"]);
    // Each firing alert was told resolved once; the cancelled ones were never told.
    assertEquals(
      (await told(store)).map(([kind]) => kind).sort(),
      ["firing", "firing", "firing", "resolved", "resolved", "resolved"],
    );
  },
);

useCaseTest(
  "engine: a push check's alert is on no host, told once across two hubs, resolved by either",
  async (store) => {
    await onlyRule(store, { kind: "check_down", labels: { check: "*" }, group_s: 0 });
    const clock = new Clock();
    // Two hubs' engines on one store.
    const a = await engineOn(store, clock);
    const b = await engineOn(store, clock);
    // A third hub, started before the alert opened, that never heard of it.
    const c = await engineOn(store, clock);
    const down = { checkId: "backup", down: true, at: clock.t, failingHosts: [] };
    a.checkStatus(down);
    b.checkStatus(down);
    await Promise.all([a.settled(), b.settled()]);
    const open = await store.alerts.openAlerts();
    assertEquals(open.map((x) => [x.host_id, x.labels, x.state]), [
      [null, { check: "backup" }, "firing"],
    ]);
    assertEquals(await told(store), [["firing", ["(no host)"]]]);
    // The push lands on the hub that holds nothing of it: it reads the store and resolves.
    clock.t += 60_000;
    assertEquals(c.openAlerts(), []);
    c.checkStatus({ ...down, down: false, at: clock.t });
    await c.settled();
    assertEquals(await store.alerts.openAlerts(), []);
    assertEquals(await told(store), [["resolved", ["(no host)"]]]);
    // Silent again, judged by a hub that held the first alert (stale now): a new one fires.
    clock.t += 60_000;
    a.checkStatus({ ...down, at: clock.t });
    await a.settled();
    const again = await store.alerts.openAlerts();
    assertEquals(again.map((x) => [x.host_id, x.state]), [[null, "firing"]]);
    assert(again[0].id !== open[0].id, "a new alert");
    assertEquals(await told(store), [["firing", ["(no host)"]]]);
    // A silence naming a host does not mute it; one naming its rule does.
    assertEquals(a.muteReason({ rule_id: "r1", host_id: null }), null);
  },
);

useCaseTest(
  "engine: a push check down and up again at once leaves no alert open",
  async (store) => {
    await onlyRule(store, { kind: "check_down", labels: { check: "*" }, group_s: 0 });
    const clock = new Clock();
    const e = await engineOn(store, clock);
    const down = { checkId: "backup", down: true, at: clock.t, failingHosts: [] };
    e.checkStatus(down);
    e.checkStatus({ ...down, down: false, at: clock.t + 10 });
    await e.settled();
    assertEquals(await store.alerts.openAlerts(), []);
    assertEquals((await told(store)).map(([kind]) => kind), ["firing", "resolved"]);
  },
);

useCaseTest(
  "engine: a rule created while an older read of the rules is slow is judged all the same",
  async (store) => {
    await host(store, "h1");
    await onlyRule(store, { ...CPU, for_s: 0 });
    await store.alerts.deleteRule("r1", 0);
    const clock = new Clock();
    // The first read after start is held back until the test lets it go, as a
    // busy database's pool may answer an earlier query after a later one.
    let holding = false;
    let release = () => {};
    const held = new Promise<void>((r) => release = r);
    const rules = store.alerts.rules.bind(store.alerts);
    store.alerts.rules = async () => {
      const got = await rules();
      if (holding) {
        holding = false;
        await held;
      }
      return got;
    };
    const e = await engineOn(store, clock);
    holding = true;
    const before = e.reload(); // a rule was deleted: read before the next is made
    const made = checkRule({ name: "cpu", ...CPU, for_s: 0 });
    assert(made.ok);
    await store.alerts.createRule({ ...made.rule, id: "r2" }, 0);
    const after = e.reload(); // the rule was made
    release();
    await Promise.all([before, after]);
    e.batch("h1", clock.t, [["cpu_percent", "", 95]], []);
    await e.settled();
    assertEquals(await told(store), [["firing", ["h1"]]]);
  },
);

useCaseTest(
  "engine: an alert resolved before its opening write lands is not held open, and fires again",
  async (store) => {
    await host(store, "h1");
    await onlyRule(store, { ...CPU, for_s: 0 });
    const clock = new Clock();
    const e = await engineOn(store, clock);
    // Both samples come before the first write is done (a slow database).
    e.batch("h1", clock.t, [["cpu_percent", "", 95]], []);
    clock.t += 10_000;
    e.batch("h1", clock.t, [["cpu_percent", "", 70]], []);
    await e.settled();
    assertEquals(await store.alerts.openAlerts(), []);
    assertEquals(await told(store), [["firing", ["h1"]], ["resolved", ["h1"]]]);
    clock.t += 10_000;
    e.batch("h1", clock.t, [["cpu_percent", "", 96]], []);
    await e.settled();
    assertEquals((await store.alerts.openAlerts()).map((a) => a.state), ["firing"]);
    assertEquals(await told(store), [["firing", ["h1"]]]);
  },
);
