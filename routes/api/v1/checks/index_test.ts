/**
 * The checks REST API without a port, on both stores: the contract's shape,
 * bad input refused with its field named and nothing changed, viewers only
 * read, changes audited, and a check assigned to its hosts' desired state.
 */
import { assert, assertEquals } from "../../../../lib/assert.ts";
import { useCaseTest } from "../../../../hub/usecases/testing.ts";
import { apiApp, AUTH } from "../../../testing.ts";
import { hashPassword } from "../../../../hub/auth/passwords.ts";
import type { Store } from "../../../../hub/store/store.ts";
import { ProbeAssigner } from "../../../../hub/probes/assigner.ts";
import { ProbeEngine } from "../../../../hub/probes/engine.ts";
import { desiredFor } from "../../../../hub/control/desired.ts";
import { logger } from "../../../../lib/log.ts";

const ORIGIN = "http://hub.test";

async function setup(store: Store) {
  const told: string[] = [];
  const engine = new ProbeEngine({ store, log: logger("test") });
  const assigner = new ProbeAssigner({
    store,
    online: () => true,
    desiredChanged: (h) => void told.push(h),
    log: logger("test"),
  });
  const { app } = await apiApp(store, {
    probes: {
      changed: async () => {
        await engine.reload();
        await assigner.sync();
      },
      pushed: (id) => engine.pushed(id),
      status: (id) => engine.judge(id)?.status,
    },
  });
  const call = async (method: string, path: string, body?: unknown, headers = {}) => {
    const res = await app.request(`${ORIGIN}/api/v1${path}`, {
      method,
      headers: { ...AUTH, "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return { app, call, told, engine };
}

const CHECK = {
  name: "Shop",
  type: "http",
  target: "https://shop.example/health",
  interval_s: 30,
  timeout_s: 5,
  expect: { status: 200, keyword: "ok" },
  runs_on: { hosts: ["h1"] },
};

useCaseTest(
  "checks API: the contract's shape, assignment to the host's desired state, audit",
  async (store) => {
    const { call, told } = await setup(store);
    const made = await call("POST", "/checks", CHECK);
    assertEquals(made.status, 201);
    const id = made.body.id;
    assertEquals(
      [made.body.name, made.body.type, made.body.status, made.body.k, made.body.rounds],
      ["Shop", "http", "pending", 1, 2],
    );
    assertEquals(Object.keys(made.body.uptime), ["24h", "7d", "30d", "90d", "1y"]);
    assertEquals(made.body.last_results, []);
    // The host's agent is told, and what it is sent is the check as typed data.
    assertEquals(told, ["h1"]);
    const push = await desiredFor(store, "h1", 0);
    const item = push!.set.find((i) => i.key === `check:${id}`);
    assert(item?.value.case === "check");
    assertEquals(item.value.value.spec, {
      case: "http",
      value: {
        url: "https://shop.example/health",
        method: "",
        headers: [],
        expectStatus: 200,
        keyword: "ok",
        jsonPath: "",
        jsonEquals: "",
        followRedirects: false,
      },
    });

    const list = await call("GET", "/checks");
    assertEquals(list.body.map((c: { id: string }) => c.id), [id]);
    const changed = await call("PATCH", `/checks/${id}`, { interval_s: 60 });
    assertEquals([changed.status, changed.body.interval_s, changed.body.name], [200, 60, "Shop"]);
    // The agent gets the change as a diff on what it held.
    const diff = await desiredFor(store, "h1", push!.version);
    assertEquals([diff!.full, diff!.set.length], [false, 1]);
    assertEquals((await call("DELETE", `/checks/${id}`)).status, 204);
    assertEquals((await desiredFor(store, "h1", diff!.version))!.removed, [`check:${id}`]);
    assertEquals((await call("GET", `/checks/${id}`)).status, 404);
    assertEquals(
      (await store.audit.list(10)).map((e) => e.action).slice(0, 3),
      ["check.delete", "check.update", "check.create"],
    );
  },
);

useCaseTest(
  "checks API: bad input is a 400 naming the field, and changes nothing",
  async (store) => {
    const { call, told } = await setup(store);
    const cases: Array<[unknown, string]> = [
      [{ ...CHECK, type: "smtp" }, "type"],
      [{ ...CHECK, target: "ftp://x" }, "target"],
      [{ ...CHECK, interval_s: 0 }, "interval_s"],
      [{ ...CHECK, runs_on: { hosts: ["nope"] } }, "runs_on.hosts"],
      [{ ...CHECK, expect: { min_days_left: 3 } }, "expect.min_days_left"],
      [{ ...CHECK, command: "reboot" }, "command"],
      ["[1, 2]", "body"],
    ];
    for (const [body, field] of cases) {
      const res = await call("POST", "/checks", body);
      assertEquals([res.status, res.body.error.code, res.body.error.field], [
        400,
        "invalid_check",
        field,
      ]);
    }
    assertEquals((await call("POST", "/checks", "{not json")).status, 400);
    assertEquals(await store.probes.listChecks(), []);
    assertEquals(told, []);
    const made = await call("POST", "/checks", CHECK);
    const bad = await call("PUT", `/checks/${made.body.id}`, { ...CHECK, k: 5 });
    assertEquals([bad.status, bad.body.error.field], [400, "k"]);
    assertEquals((await store.probes.getCheck(made.body.id))?.k, 1);
  },
);

useCaseTest("checks API: a viewer reads checks and changes none", async (store) => {
  const { app, call } = await setup(store);
  const made = await call("POST", "/checks", CHECK);
  await store.auth.createUser({
    id: "u1",
    name: "vic",
    passwordHash: await hashPassword("a long passphrase"),
    role: "viewer",
    createdAt: 0,
  });
  const login = await app.request(`${ORIGIN}/login`, {
    method: "POST",
    headers: { origin: ORIGIN, host: "hub.test" },
    body: new URLSearchParams({ name: "vic", password: "a long passphrase" }),
  }, { remoteAddr: { hostname: "127.0.0.1" } });
  const cookie = login.headers.get("set-cookie")!.split(";")[0];
  const as = (method: string, path: string, body?: unknown) =>
    app.request(`${ORIGIN}/api/v1${path}`, {
      method,
      headers: { cookie, origin: ORIGIN, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  assertEquals((await as("GET", "/checks")).status, 200);
  assertEquals((await as("POST", "/checks", CHECK)).status, 403);
  assertEquals((await as("DELETE", `/checks/${made.body.id}`)).status, 403);
  assertEquals((await as("PUT", "/status-page", { enabled: true, items: [] })).status, 403);
  assertEquals((await store.probes.listChecks()).length, 1);
});

useCaseTest(
  "push checks: up while the cron job calls, down once it is silent past its interval",
  async (store) => {
    let now = Date.now();
    const engine = new ProbeEngine({ store, log: logger("test"), now: () => now });
    const { app } = await apiApp(store, {
      probes: {
        changed: () => engine.reload(),
        pushed: (id) => engine.pushed(id),
        status: (id) => engine.judge(id)?.status,
      },
    });
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await app.request(`${ORIGIN}${path}`, {
        method,
        headers: { ...AUTH, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    };
    const made = await call("POST", "/api/v1/checks", {
      name: "Nightly backup",
      type: "push",
      interval_s: 3600,
    });
    assertEquals(made.status, 201);
    const id = made.body.id;
    const url: string = made.body.push_url;
    assert(url.startsWith(`/push/${id}/sl_push_`), url);
    // Shown once: never again.
    assertEquals((await call("GET", `/api/v1/checks/${id}`)).body.push_url, undefined);
    const pushWith = (path: string) => app.request(`${ORIGIN}${path}`);
    assertEquals((await pushWith(`/push/${id}/sl_push_wrong`)).status, 404);
    assertEquals((await pushWith(`/push/nope/${url.split("/")[3]}`)).status, 404);
    assertEquals((await call("GET", `/api/v1/checks/${id}`)).body.status, "pending");

    assertEquals((await pushWith(url)).status, 200);
    assertEquals((await call("GET", `/api/v1/checks/${id}`)).body.status, "up");
    // Within the hour nothing changes; past it, down, with the silence as the cause.
    now += 3_000_000;
    await engine.judgePushes();
    assertEquals((await call("GET", `/api/v1/checks/${id}`)).body.status, "up");
    now += 700_000;
    await engine.judgePushes();
    assertEquals((await call("GET", `/api/v1/checks/${id}`)).body.status, "down");
    // Read from the store: the test's clock is ahead of the one the API's windows use.
    const incidents = () => store.probes.incidents(id, 0, 1e15, 10);
    const [incident] = await incidents();
    assert(incident.cause.startsWith("no push since"), incident.cause);
    assertEquals(incident.ended_at, null);
    now += 1000;
    assertEquals((await pushWith(url)).status, 200);
    assertEquals((await call("GET", `/api/v1/checks/${id}`)).body.status, "up");
    assert((await incidents())[0].ended_at !== null);
    assertEquals((await call("DELETE", `/api/v1/checks/${id}`)).status, 204);
    assertEquals((await pushWith(url)).status, 404);
    engine.stop();
  },
);

useCaseTest("checks API: a push check is assigned to no agent", async (store) => {
  const { call, told } = await setup(store);
  const made = await call("POST", "/checks", { name: "cron", type: "push", interval_s: 600 });
  assertEquals(made.status, 201, JSON.stringify(made.body));
  assertEquals(told, []);
  assertEquals((await desiredFor(store, "h1", 0))?.set ?? [], []);
});

useCaseTest(
  "checks API: a check's header values and URL password are masked, and its agents get them whole",
  async (store) => {
    const { call } = await setup(store);
    const made = await call("POST", "/checks", {
      ...CHECK,
      target: "https://probe:hunter2-secret@shop.example/health",
      expect: { status: 200, headers: { Authorization: "Bearer abcdefghijklmnop1234" } },
    });
    assertEquals(made.status, 201, JSON.stringify(made.body));
    for (const shown of [made.body, (await call("GET", "/checks")).body[0]]) {
      assertEquals(shown.expect.headers, { Authorization: "••••1234" });
      assertEquals(
        shown.target,
        "https://probe:%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2@shop.example/health",
      );
      assert(!JSON.stringify(shown).includes("hunter2"));
    }
    // The agent's item carries what it needs to make the request.
    const push = (await desiredFor(store, "h1", 0))!;
    const item = JSON.stringify(push.set.find((i) => i.key.startsWith("check:")));
    assert(item.includes("Bearer abcdefghijklmnop1234") && item.includes("hunter2-secret"), item);
  },
);

useCaseTest(
  "checks API: a header value or URL password sent back masked keeps the stored secret",
  async (store) => {
    const { call } = await setup(store);
    const made = await call("POST", "/checks", {
      ...CHECK,
      target: "https://probe:hunter2-secret@shop.example/health",
      expect: {
        status: 200,
        headers: { Authorization: "Bearer abcdefghijklmnop1234", "X-Short": "tiny" },
      },
    });
    assertEquals(made.status, 201, JSON.stringify(made.body));
    const id = made.body.id;
    const stored = async () => (await store.probes.getCheck(id))!;
    // An expect changed, the headers sent back as shown: their values stay.
    const patched = await call("PATCH", `/checks/${id}`, {
      expect: { ...made.body.expect, keyword: "ok" },
    });
    assertEquals(patched.status, 200, JSON.stringify(patched.body));
    assertEquals((await stored()).expect, {
      status: 200,
      keyword: "ok",
      headers: { Authorization: "Bearer abcdefghijklmnop1234", "X-Short": "tiny" },
    });
    // The whole check as GET shows it, PUT back with another interval: nothing masked is saved.
    const { status: _s, since: _since, uptime: _u, last_results: _l, id: _id, ...shown } =
      (await call("GET", `/checks/${id}`)).body;
    delete shown.agents;
    delete shown.incidents;
    const put = await call("PUT", `/checks/${id}`, { ...shown, interval_s: 45 });
    assertEquals(put.status, 200, JSON.stringify(put.body));
    let now = await stored();
    assertEquals(now.interval_s, 45);
    assertEquals(now.target, "https://probe:hunter2-secret@shop.example/health");
    assertEquals(now.expect.headers!.Authorization, "Bearer abcdefghijklmnop1234");
    // A new path with the masked password keeps the password; a typed one replaces it.
    await call("PATCH", `/checks/${id}`, {
      target: "https://probe:%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2@shop.example/ready",
    });
    assertEquals((await stored()).target, "https://probe:hunter2-secret@shop.example/ready");
    await call("PATCH", `/checks/${id}`, {
      target: "https://probe:new-pass@shop.example/ready",
      expect: { headers: { Authorization: "Bearer new-token-00000000" } },
    });
    now = await stored();
    assertEquals(now.target, "https://probe:new-pass@shop.example/ready");
    assertEquals(now.expect, { headers: { Authorization: "Bearer new-token-00000000" } });

    // Moved to another origin, its secrets carried along untyped (left out, or masked): refused,
    // naming the secret, and nothing changes — else anyone who may edit it could read them out.
    for (
      const [body, field] of [
        [{
          target: "https://probe:%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2@elsewhere.example/ready",
        }, "target"],
        [{ target: "https://elsewhere.example/ready" }, "expect.headers.Authorization"],
        [{
          target: "https://elsewhere.example/ready",
          expect: { headers: { Authorization: "••••0000" } },
        }, "expect.headers.Authorization"],
      ] as const
    ) {
      const moved = await call("PATCH", `/checks/${id}`, body);
      assertEquals([moved.status, moved.body.error?.field], [400, field], JSON.stringify(body));
    }
    assertEquals(await stored(), now);
    // Typed again, they go with it.
    const typed = await call("PATCH", `/checks/${id}`, {
      target: "https://elsewhere.example/ready",
      expect: { headers: { Authorization: "Bearer typed-again-0000" } },
    });
    assertEquals(typed.status, 200, JSON.stringify(typed.body));
    assertEquals((await stored()).target, "https://elsewhere.example/ready");
  },
);

useCaseTest(
  "the public status page is built once for many requests, and again at once when its settings change",
  async (store) => {
    const { app, call } = await setup(store);
    const made = await call("POST", "/checks", { ...CHECK, runs_on: { any: 1 } });
    const set = (title: string) =>
      call("PUT", "/status-page", {
        enabled: true,
        title,
        items: [{ kind: "check", id: made.body.id, name: "Shop" }],
      });
    assertEquals((await set("Acme")).status, 200);
    const page = async () => await (await app.request(`${ORIGIN}/status.json`)).json();
    const first = await page();
    // Within the build's lifetime every request gets that build (its time says so).
    const again = await Promise.all([page(), page(), page()]);
    assertEquals(again.map((p) => p.updated), [first.updated, first.updated, first.updated]);
    // A change of what the page shows is not held back.
    assertEquals((await set("Acme status")).status, 200);
    assertEquals((await page()).title, "Acme status");
    assertEquals((await call("PUT", "/status-page", { enabled: false, items: [] })).status, 200);
    assertEquals((await app.request(`${ORIGIN}/status.json`)).status, 404);
  },
);
