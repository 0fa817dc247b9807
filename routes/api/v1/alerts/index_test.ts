/**
 * The alerts REST API without a port, on both stores: the contract's
 * shapes, the defaults, bad input refused with its field named and nothing
 * changed, admins edit and viewers only see, and every change audited.
 */
import { assert, assertEquals } from "../../../../lib/assert.ts";
import { useCaseTest } from "../../../../hub/usecases/testing.ts";
import { apiApp, AUTH } from "../../../testing.ts";
import { AlertEngine } from "../../../../hub/alerts/engine.ts";
import { logger } from "../../../../lib/log.ts";
import { hashPassword } from "../../../../hub/auth/passwords.ts";
import type { Store } from "../../../../hub/store/store.ts";
import { host } from "../../../../hub/store/conformance_helpers.ts";
import { rawRows } from "../../../../hub/store/testing.ts";
import type { Hono } from "hono";
import type { AppEnv } from "../../../../hub/http/deps.ts";

const ORIGIN = "http://hub.test";

async function setup(store: Store) {
  const { app, live } = await apiApp(store);
  // The hub adds the default rules when its engine starts.
  const engine = new AlertEngine({ store, log: logger("test") });
  await engine.start();
  engine.stop();
  const call = async (method: string, path: string, body?: unknown, headers = {}) => {
    const res = await app.request(`${ORIGIN}/api/v1${path}`, {
      method,
      headers: { ...AUTH, "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return { app, call, live };
}

const RULE = {
  name: "disk full",
  kind: "threshold",
  metric: "fs_used_percent",
  labels: { mount: "/" },
  op: ">",
  threshold: 90,
  recover: 80,
  for_s: 300,
  severity: "warning",
  scope: { all: true },
};

useCaseTest(
  "changing or removing a rule tells the dashboards of the alerts it closed",
  async (store) => {
    const { call, live } = await setup(store);
    const told: Array<[string, string, string | null]> = [];
    live.observers.push((e) => {
      if (e.event.startsWith("alert.")) {
        const a = e.data as { state: string; closed_reason: string | null };
        told.push([e.event, a.state, a.closed_reason]);
      }
    });
    const { id } = (await call("POST", "/alert-rules", RULE)).body;
    const rule = (await store.alerts.rule(id))!;
    const open = (state: "pending" | "firing") =>
      store.alerts.open({
        rule,
        hostId: "h1",
        labels: { mount: "/" },
        labelsKey: `mount=/${state}`,
        state,
        severity: "warning",
        value: 95,
        threshold: 90,
        at: Date.now(),
      }, null);
    await open("firing");
    await open("pending");
    assertEquals((await call("PATCH", `/alert-rules/${id}`, { threshold: 95 })).status, 200);
    assertEquals(told.sort(), [
      ["alert.cancelled", "pending", null],
      ["alert.resolved", "resolved", "rule changed"],
    ]);
    told.length = 0;
    await open("firing");
    assertEquals((await call("DELETE", `/alert-rules/${id}`)).status, 204);
    assertEquals(told, [["alert.resolved", "resolved", "rule removed"]]);
  },
);

useCaseTest(
  "alert rules: the defaults are listed; add, change and remove, each audited",
  async (store) => {
    const { call } = await setup(store);
    const listed = await call("GET", "/alert-rules");
    assertEquals(listed.status, 200);
    const names = listed.body.map((r: { name: string }) => r.name);
    assertEquals(names, [
      "Host offline",
      "CPU above 90 %",
      "Memory above 90 %",
      "Filesystem above 90 %",
    ]);
    for (const r of listed.body) {
      for (
        const k of [
          "id",
          "name",
          "kind",
          "metric",
          "labels",
          "op",
          "threshold",
          "recover",
          "for_s",
          "severity",
          "scope",
          "enabled",
        ]
      ) {
        assert(k in r, `${r.name} has ${k}`);
      }
    }
    const made = await call("POST", "/alert-rules", RULE);
    assertEquals(made.status, 201);
    const { id, ...rest } = made.body;
    assert(typeof id === "string");
    assertEquals(
      [
        rest.name,
        rest.metric,
        rest.labels,
        rest.op,
        rest.threshold,
        rest.recover,
        rest.for_s,
        rest.scope,
        rest.enabled,
      ],
      ["disk full", "fs_used_percent", { mount: "/" }, ">", 90, 80, 300, { all: true }, true],
    );
    const patched = await call("PATCH", `/alert-rules/${id}`, {
      threshold: 95,
      scope: { tag: "web" },
    });
    assertEquals([patched.status, patched.body.threshold, patched.body.scope], [200, 95, {
      tag: "web",
    }]);
    assertEquals((await call("GET", `/alert-rules/${id}`)).body.threshold, 95);
    assertEquals((await call("DELETE", `/alert-rules/${id}`)).status, 204);
    assertEquals((await call("DELETE", `/alert-rules/${id}`)).status, 404);
    const audit = (await store.audit.list(10)).map((e) => [e.action, e.actor, e.target]);
    assertEquals(audit.slice(0, 3), [
      ["alert_rule.delete", "apikey:test", "disk full"],
      ["alert_rule.update", "apikey:test", "disk full"],
      ["alert_rule.create", "apikey:test", "disk full"],
    ]);
  },
);

useCaseTest("bad input gets a 400 naming the field, and changes nothing", async (store) => {
  const { call } = await setup(store);
  const before = (await call("GET", "/alert-rules")).body.length;
  const auditBefore = (await store.audit.list(100)).length;
  const cases: Array<[string, string, unknown, string]> = [
    ["POST", "/alert-rules", { ...RULE, metric: "cpu_temperature_of_the_moon" }, "metric"],
    ["POST", "/alert-rules", { ...RULE, for_s: -5 }, "for_s"],
    ["POST", "/alert-rules", { ...RULE, recover: 95 }, "recover"],
    ["POST", "/alert-rules", { ...RULE, op: "<", threshold: 10, recover: 5 }, "recover"],
    ["POST", "/alert-rules", { ...RULE, scope: { hosts: ["no-such-host"] } }, "scope.hosts"],
    ["POST", "/alert-rules", { ...RULE, scope: { hosts: [] } }, "scope.hosts"],
    ["POST", "/alert-rules", { ...RULE, labels: { iface: "eth0" } }, "labels"],
    ["POST", "/alert-rules", { ...RULE, severity: "apocalyptic" }, "severity"],
    ["POST", "/alert-rules", { ...RULE, threshold: "ninety" }, "threshold"],
    ["POST", "/alert-rules", { ...RULE, name: "" }, "name"],
    ["POST", "/alert-rules", { ...RULE, channels: ["nope"] }, "channels"],
    ["POST", "/alert-rules", { kind: "offline", name: "x", for_s: 0 }, "for_s"],
    ["POST", "/alert-rules", { kind: "offline", name: "x", threshold: 3 }, "threshold"],
    ["POST", "/alert-rules", [1, 2], "rule"],
    ["POST", "/alert-rules/preview", { ...RULE, for_s: 1e12 }, "for_s"],
    ["POST", "/maintenance-windows", {
      name: "patch night",
      time_zone: "Mars/Olympus_Mons",
      days: [2],
      start: "02:00",
      duration_min: 60,
    }, "time_zone"],
    ["POST", "/maintenance-windows", {
      name: "patch night",
      time_zone: "Europe/Berlin",
      days: [7],
      start: "02:00",
      duration_min: 60,
    }, "days"],
    ["POST", "/maintenance-windows", {
      name: "patch night",
      time_zone: "Europe/Berlin",
      days: [2],
      start: "25:00",
      duration_min: 60,
    }, "start"],
    ["POST", "/silences", { reason: "deploy", duration_s: -1 }, "ends_at"],
    ["POST", "/silences", { reason: "", duration_s: 60 }, "reason"],
    ["POST", "/silences", { reason: "deploy", duration_s: 60, host_id: "ghost" }, "host_id"],
    [
      "POST",
      "/channels",
      { name: "hook", type: "webhook", config: { url: "ftp://x" } },
      "config.url",
    ],
    ["POST", "/channels", { name: "hook", type: "webhook", config: {} }, "config.url"],
    [
      "POST",
      "/channels",
      { name: "hook", type: "webhook", config: { url: "http://x/", y: 1 } },
      "config.y",
    ],
    ["POST", "/channels", {
      name: "hook",
      type: "webhook",
      config: { url: "http://x/" },
      template: { body: "{{#alerts}} unclosed" },
    }, "template.body"],
    ["POST", "/channels", {
      name: "hook",
      type: "webhook",
      config: { url: "http://x/" },
      severities: ["doom"],
    }, "severities"],
    ["POST", "/channels", { name: "hook", type: "carrier-pigeon", config: {} }, "type"],
  ];
  for (const [method, path, body, field] of cases) {
    const r = await call(method, path, body);
    assertEquals(r.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
    assertEquals(r.body.error.field, field, `${path}: ${r.body.error.message}`);
    if (field.startsWith("template.")) {
      assert(/at \d+/.test(r.body.error.message), `says where: ${r.body.error.message}`);
    }
    assertEquals(r.body.error.code, "invalid_alert");
    assert(!/\n\s+at /.test(r.body.error.message), "no stack trace");
  }
  const notJson = await call("POST", "/alert-rules", "{not json");
  assertEquals([notJson.status, notJson.body.error.code], [400, "invalid_body"]);
  const bad = await call("PATCH", "/alert-rules/host-offline", { for_s: -1 });
  assertEquals([bad.status, bad.body.error.field], [400, "for_s"]);
  assertEquals((await call("GET", "/alert-rules/host-offline")).body.for_s, 60, "unchanged");
  assertEquals((await call("GET", "/alerts?state=burning")).status, 400);
  assertEquals((await call("GET", "/alerts/abc")).status, 404);
  assertEquals((await call("POST", "/alerts/99/ack")).status, 404);
  assertEquals((await call("GET", "/alert-rules")).body.length, before);
  assertEquals((await call("GET", "/silences")).body, []);
  assertEquals((await call("GET", "/maintenance-windows")).body, []);
  assertEquals((await call("GET", "/channels")).body, []);
  assertEquals((await store.audit.list(100)).length, auditBefore, "no audit entry for a refusal");
});

useCaseTest(
  "silences, windows and channels: made, listed, ended; a channel's URL is never shown back",
  async (store) => {
    const { call } = await setup(store);
    const s = await call("POST", "/silences", {
      host_id: "h1",
      duration_s: 3600,
      reason: "deploy",
    });
    assertEquals([s.status, s.body.host_id, s.body.created_by], [201, "h1", "apikey:test"]);
    assertEquals((await call("GET", "/silences")).body.map((x: { active: boolean }) => x.active), [
      true,
    ]);
    assertEquals((await call("DELETE", `/silences/${s.body.id}`)).status, 204);
    assertEquals((await call("GET", "/silences")).body, []);
    assertEquals((await call("DELETE", `/silences/${s.body.id}`)).status, 404);
    const w = await call("POST", "/maintenance-windows", {
      name: "patch night",
      tag: "db",
      time_zone: "Europe/Berlin",
      days: [4, 2],
      start: "02:30",
      duration_min: 90,
    });
    assertEquals([w.status, w.body.days, w.body.start, w.body.start_minute], [
      201,
      [2, 4],
      "02:30",
      150,
    ]);
    const secret = "https://hooks.example.com/services/T000/B000/XXXXsecretXXXXabcd";
    const c = await call("POST", "/channels", {
      name: "ops",
      type: "webhook",
      config: { url: secret },
    });
    assertEquals([c.status, c.body.config.url], [201, "…abcd"]);
    // The signing secret is shown this once; never again, nor the URL.
    const signing = c.body.signing_secret as string;
    assert(signing.startsWith("whsec_") && signing.length > 30, signing);
    const listed = JSON.stringify((await call("GET", "/channels")).body);
    assert(!listed.includes("XXXXsecret") && !listed.includes(signing.slice(6)), listed);
    // The database's copy holds neither in plain text.
    const raw = JSON.stringify(await rawRows(store, "channels"));
    assert(!raw.includes("XXXXsecret") && !raw.includes(signing.slice(6)), raw);
    const again = await call("POST", "/channels", {
      name: "ops",
      type: "webhook",
      config: { url: secret },
    });
    assertEquals([again.status, again.body.error.field], [409, "name"]);
    const audit = (await store.audit.list(10)).map((e) => e.action);
    assertEquals(audit.slice(0, 4), [
      "channel.create",
      "maintenance.create",
      "silence.end",
      "silence.create",
    ]);
    assert(
      !JSON.stringify(await store.audit.list(10)).includes("secret"),
      "the URL is not audited",
    );
  },
);

useCaseTest("a viewer sees alerts and rules but may change none of them", async (store) => {
  const { app, call } = await setup(store);
  const cookie = await viewerCookie(store, app);
  const asViewer = (method: string, path: string, body?: unknown) =>
    app.request(`${ORIGIN}/api/v1${path}`, {
      method,
      headers: { cookie, origin: ORIGIN, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  assertEquals((await asViewer("GET", "/alert-rules")).status, 200);
  assertEquals((await asViewer("GET", "/alerts")).status, 200);
  for (
    const [method, path, body] of [
      ["POST", "/alert-rules", RULE],
      ["PATCH", "/alert-rules/host-offline", { enabled: false }],
      ["DELETE", "/alert-rules/host-offline", undefined],
      ["POST", "/silences", { duration_s: 60, reason: "x" }],
      ["POST", "/channels", { name: "x", type: "webhook", config: { url: "http://x/" } }],
      ["GET", "/channels", undefined],
    ] as const
  ) {
    assertEquals((await asViewer(method, path, body)).status, 403, `${method} ${path}`);
  }
  assertEquals((await call("GET", "/alert-rules/host-offline")).body.enabled, true);
  assertEquals((await call("GET", "/silences")).body, []);
});

/** A viewer, vic, signed in: the session cookie. */
async function viewerCookie(store: Store, app: Hono<AppEnv>): Promise<string> {
  await store.auth.createUser({
    id: "u1",
    name: "vic",
    passwordHash: await hashPassword("a long passphrase"),
    role: "viewer",
    createdAt: 0,
  });
  return signIn(app, "vic", "a long passphrase");
}

async function signIn(app: Hono<AppEnv>, name: string, password: string): Promise<string> {
  const res = await app.request(`${ORIGIN}/login`, {
    method: "POST",
    headers: { origin: ORIGIN, host: "hub.test" },
    body: new URLSearchParams({ name, password }),
  }, { remoteAddr: { hostname: "127.0.0.1" } });
  assertEquals(res.status, 303);
  return res.headers.get("set-cookie")!.split(";")[0];
}

useCaseTest(
  "channels: a test shows the service's real answer; a change keeps secrets left out; private destinations can be forbidden",
  async (store) => {
    const { call } = await setup(store);
    const got: Array<{ path: string; kind: string; signature: string | null }> = [];
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      const body = await req.json();
      got.push({
        path: new URL(req.url).pathname,
        kind: body.kind,
        signature: req.headers.get("x-sightline-signature"),
      });
      return new Response("received, thanks", { status: 202 });
    });
    try {
      const url = `http://127.0.0.1:${server.addr.port}/hooks/first`;
      const made = await call("POST", "/channels", {
        name: "ops",
        type: "webhook",
        config: { url },
      });
      const tested = await call("POST", `/channels/${made.body.id}/test`);
      assertEquals(tested.body, { ok: true, status: 202, response: "received, thanks" });
      assertEquals(got.map((g) => [g.path, g.kind]), [["/hooks/first", "firing"]]);
      assert(/^t=\d+,v1=[0-9a-f]{64}$/.test(got[0].signature ?? ""), "signed");

      // Renamed and disabled, the URL left out: it stays; a new one replaces it.
      const renamed = await call("PATCH", `/channels/${made.body.id}`, {
        name: "ops-2",
        enabled: false,
        config: { url: made.body.config.url },
      });
      assertEquals([renamed.status, renamed.body.name, renamed.body.enabled], [
        200,
        "ops-2",
        false,
      ]);
      await call("POST", `/channels/${made.body.id}/test`);
      assertEquals(got.at(-1)?.path, "/hooks/first");
      await call("PATCH", `/channels/${made.body.id}`, {
        config: { url: url.replace("first", "second") },
      });
      await call("POST", `/channels/${made.body.id}/test`);
      assertEquals(got.at(-1)?.path, "/hooks/second");

      // Forbidden: the hub's own network is not a destination.
      const set = await call("PUT", "/notification-settings", { block_private_destinations: true });
      assertEquals(set.body, { block_private_destinations: true });
      const blocked = await call("POST", `/channels/${made.body.id}/test`);
      assertEquals(blocked.body.ok, false);
      assert(blocked.body.response.includes("private address"), blocked.body.response);
      assertEquals(got.length, 3, "nothing more was sent");
      const bad = await call("PUT", "/notification-settings", {
        block_private_destinations: "yes",
      });
      assertEquals([bad.status, bad.body.error.field], [400, "block_private_destinations"]);
      const audit = (await store.audit.list(10)).map((e) => e.action);
      assert(
        audit.includes("channel.test") && audit.includes("notifications.settings"),
        String(audit),
      );
    } finally {
      await server.shutdown();
    }
  },
);

useCaseTest(
  "the delivery log: admins only, newest first, by channel, paged by id; bad paging is a 400",
  async (store) => {
    const { app, call } = await setup(store);
    assertEquals((await call("GET", "/notifications")).body, []);
    const made: string[] = [];
    for (const name of ["a", "b"]) {
      const c = await call("POST", "/channels", {
        name,
        type: "webhook",
        config: { url: `http://127.0.0.1:9/${name}` },
      });
      made.push(c.body.id);
    }
    const rule = (await store.alerts.rules())[0];
    await host(store, "h-log");
    const { alert } = await store.alerts.open({
      rule,
      hostId: "h-log",
      labels: {},
      labelsKey: "",
      state: "firing",
      severity: "warning",
      value: 95,
      threshold: 90,
      at: 1000,
    }, { kind: "firing", channels: made, groupS: 0 });
    const all = await call("GET", "/notifications");
    assertEquals(all.status, 200);
    assertEquals(
      all.body.map((n: { channel_id: string; kind: string; alert_ids: number[] }) => [
        n.channel_id,
        n.kind,
        n.alert_ids,
      ]),
      [[made[1], "firing", [alert.id]], [made[0], "firing", [alert.id]]],
    );
    assertEquals(
      [all.body[0].state, all.body[0].alerts, all.body[0].attempts, all.body[0].sent_at],
      ["queued", 1, [], null],
    );
    const ofA = await call("GET", `/notifications?channel=${made[0]}`);
    assertEquals(ofA.body.map((n: { id: number }) => n.id), [all.body[1].id]);
    const page1 = await call("GET", "/notifications?limit=1");
    const page2 = await call("GET", `/notifications?limit=1&before=${page1.body[0].id}`);
    assertEquals([page1.body[0].id, page2.body[0].id], all.body.map((n: { id: number }) => n.id));
    for (const q of ["limit=0", "limit=501", "limit=x", "before=0", "before=1.5"]) {
      const bad = await call("GET", `/notifications?${q}`);
      assertEquals([bad.status, bad.body.error.code], [400, "invalid_query"], q);
    }
    const cookie = await viewerCookie(store, app);
    const viewer = await app.request(`${ORIGIN}/api/v1/notifications`, { headers: { cookie } });
    assertEquals(viewer.status, 403);
  },
);

useCaseTest(
  "a template's preview renders an example alert as a notification would; an error names its part and where",
  async (store) => {
    const { call } = await setup(store);
    const ok = await call("POST", "/channels/preview-template", {
      template: {
        title: "{{rule.name}} ({{count}})",
        body: "{{#alerts}}{{host.name}}: {{value}}{{/alerts}}",
      },
    });
    assertEquals(ok.status, 200);
    assertEquals(ok.body, { title: "Memory above 90 % (1)", text: "web-1: 93.4" });
    // Only a body: the title is the default one.
    const body = await call("POST", "/channels/preview-template", { template: { body: "x" } });
    assertEquals(body.body, { title: "[FIRING] Memory above 90 % on web-1", text: "x" });
    const broken = await call("POST", "/channels/preview-template", {
      template: { title: "ok", body: "line\n{{#alerts}}{{host.name}}" },
    });
    assertEquals([broken.status, broken.body.error.field], [400, "template.body"]);
    assert(
      /Unclosed section "alerts" at \d+/.test(broken.body.error.message),
      broken.body.error.message,
    );
    const notText = await call("POST", "/channels/preview-template", { template: { title: 5 } });
    assertEquals([notText.status, notText.body.error.field], [400, "template.title"]);
    const none = await call("POST", "/channels/preview-template", "[]");
    assertEquals(none.status, 400);
  },
);
