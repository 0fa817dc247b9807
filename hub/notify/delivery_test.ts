/**
 * Delivery against a real HTTP receiver on loopback, on both stores: sent
 * once and recorded; a receiver that is down is tried again after its
 * Retry-After (or a doubling pause) and given up after 24 h; a notification
 * whose alerts were silenced since is not sent; a hub without the lease
 * sends nothing.
 */
import { assert, assertEquals } from "../../lib/assert.ts";
import { useCaseTest } from "../usecases/testing.ts";
import { channel, host } from "../store/conformance_helpers.ts";
import { Sealer } from "./sealed.ts";
import type { Store } from "../store/store.ts";
import { checkRule } from "../../lib/alerts/rules.ts";
import { logger } from "../../lib/log.ts";
import { Delivery, GIVE_UP_MS, retryAt } from "./delivery.ts";
import type { WebhookBody } from "./webhook.ts";

const log = logger("test");
const SEALER = await Sealer.of(crypto.getRandomValues(new Uint8Array(32)));

/** A receiver answering `answers` in turn (then 200), keeping what it got. */
function receiver(answers: Array<{ status: number; headers?: Record<string, string> }> = []) {
  const got: WebhookBody[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.json();
    const a = answers.shift();
    if (a) return new Response("busy", { status: a.status, headers: a.headers });
    got.push(body);
    return new Response("thanks");
  });
  return { got, url: `http://127.0.0.1:${server.addr.port}/`, stop: () => server.shutdown() };
}

async function firing(store: Store, url: string, at: number) {
  await host(store, "h1", "web-1");
  const c = checkRule({ name: "cpu", metric: "cpu_percent", op: ">", threshold: 90, group_s: 0 });
  if (!c.ok) throw new Error(c.error.problem);
  const rule = { ...c.rule, id: "r1" };
  await store.alerts.createRule(rule, 0);
  const secret = await SEALER.seal("c1", { url, signing_secret: "whsec_test" });
  await store.notifications.createChannel(channel("c1", { secret }));
  const { alert } = await store.alerts.open({
    rule,
    hostId: "h1",
    labels: {},
    labelsKey: "",
    state: "firing",
    severity: "warning",
    value: 97.5,
    threshold: 90,
    at,
  }, { kind: "firing", channels: ["c1"], groupS: 0 });
  return alert;
}

async function started(store: Store, clock: { t: number }, muted = () => false) {
  const d = new Delivery({
    store,
    log,
    holder: "hub-a",
    now: () => clock.t,
    muted,
    sealer: SEALER,
  });
  await d.start();
  await d.idle();
  return d;
}

useCaseTest("delivery: sent once, with the alert, and recorded", async (store) => {
  const r = receiver();
  const clock = { t: Date.now() };
  const alert = await firing(store, r.url, clock.t);
  const d = await started(store, clock);
  try {
    d.wake();
    await d.idle();
    assertEquals(r.got.length, 1);
    const [body] = r.got;
    assertEquals([body.kind, body.title, body.alerts[0].host?.name, body.alerts[0].value], [
      "firing",
      "[FIRING] cpu on web-1",
      "web-1",
      97.5,
    ]);
    assert(body.text.includes("97.5 %"), body.text);
    d.wake();
    await d.idle();
    assertEquals(r.got.length, 1, "not sent again");
    const [n] = await store.notifications.forAlert(alert.id);
    assertEquals([n.state, n.attempt_log.map((a) => [a.ok, a.status, a.detail])], [
      "sent",
      [[true, 200, "thanks"]],
    ]);
  } finally {
    await d.stop();
    await r.stop();
  }
});

useCaseTest(
  "delivery: a receiver that is down is tried again after Retry-After, then given up",
  async (store) => {
    const r = receiver([{ status: 429, headers: { "retry-after": "120" } }, { status: 500 }]);
    const clock = { t: Date.now() };
    const alert = await firing(store, r.url, clock.t);
    const d = await started(store, clock);
    try {
      const attempts = async () => (await store.notifications.forAlert(alert.id))[0];
      assertEquals((await attempts()).attempts, 1);
      assertEquals((await attempts()).due_at, clock.t + 120_000, "its Retry-After");
      clock.t += 60_000;
      d.wake();
      await d.idle();
      assertEquals((await attempts()).attempts, 1, "not before");
      clock.t += 60_000;
      d.wake();
      await d.idle();
      const second = await attempts();
      assertEquals([second.attempts, second.state, second.last_error], [2, "queued", "busy"]);
      assertEquals(second.due_at, clock.t + 20_000, "the doubling pause: 10 s, then 20 s");
      clock.t += 20_000;
      d.wake();
      await d.idle();
      assertEquals([(await attempts()).state, r.got.length], ["sent", 1]);
    } finally {
      await d.stop();
      await r.stop();
    }
    assertEquals(retryAt({ created_at: 0, attempts: 0 }, 1000), 11_000);
    assertEquals(retryAt({ created_at: 0, attempts: 20 }, 0), 3600_000, "at most an hour");
    assertEquals(retryAt({ created_at: 0, attempts: 3 }, GIVE_UP_MS), null, "given up after 24 h");
    // The service's own wait, in seconds or as a date; at least a second.
    const now = Date.parse("2016-01-01T00:00:00Z");
    assertEquals(retryAt({ created_at: now, attempts: 3 }, now, "2"), now + 2000);
    const past = "Wed, 21 Oct 2015 07:28:00 GMT";
    assertEquals(retryAt({ created_at: now, attempts: 0 }, now, past), now + 1000);
    const later = new Date(now + 300_000).toUTCString();
    assertEquals(retryAt({ created_at: now, attempts: 0 }, now, later), now + 300_000);
  },
);

useCaseTest("delivery: an unreachable receiver is recorded without its URL", async (store) => {
  const r = receiver();
  await r.stop(); // nothing listens there now
  const clock = { t: Date.now() };
  const alert = await firing(store, `${r.url}secret-token-path`, clock.t);
  const d = await started(store, clock);
  try {
    const [n] = await store.notifications.forAlert(alert.id);
    assertEquals([n.state, n.attempts], ["queued", 1]);
    assert(!n.attempt_log[0].detail.includes("secret-token-path"), n.attempt_log[0].detail);
  } finally {
    await d.stop();
  }
});

useCaseTest(
  "delivery: a resolve waiting behind its failing fire waits for the fire's next try",
  async (store) => {
    const r = receiver();
    await r.stop(); // down for hours, as a webhook may be
    const clock = { t: Date.now() };
    const alert = await firing(store, r.url, clock.t);
    await store.alerts.resolve(alert.id, clock.t, 10, {
      kind: "resolved",
      channels: ["c1"],
      groupS: 0,
    });
    let looks = 0;
    const real = store.notifications;
    const notifications = Object.assign(Object.create(real), {
      due: (now: number, limit: number) => (looks++, real.due(now, limit)),
    });
    const d = await started({ ...store, notifications } as Store, clock);
    try {
      const [fire, resolve] = await store.notifications.forAlert(alert.id);
      assertEquals([fire.attempts, fire.due_at, resolve.attempts], [1, clock.t + 10_000, 0]);
      // The resolve is due, but held back: the loop looked for work once, and waits now.
      looks = 0;
      await new Promise((res) => setTimeout(res, 500));
      assert(looks <= 1, `looked ${looks} times in 500 ms with nothing to send`);
    } finally {
      await d.stop();
    }
  },
);

useCaseTest(
  "delivery: alerts silenced since they were queued are not sent; no lease, no sending",
  async (store) => {
    const r = receiver();
    const clock = { t: Date.now() };
    const alert = await firing(store, r.url, clock.t);
    await store.leases.acquire("notify", "hub-b", 60_000, Date.now());
    const d = await started(store, clock);
    try {
      assertEquals(d.lease.held, false);
      assertEquals(r.got.length, 0, "the other hub holds the lease");
      await store.leases.release("notify", "hub-b");
    } finally {
      await d.stop();
    }
    const muted = await started(store, clock, () => true);
    try {
      assertEquals(r.got.length, 0);
      assertEquals((await store.notifications.forAlert(alert.id))[0].state, "muted");
    } finally {
      await muted.stop();
      await r.stop();
    }
  },
);

useCaseTest("delivery: a receiver that hangs is timed out and tried again", async (store) => {
  let release = () => {};
  const hung = new Promise<void>((r) => release = r);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
    await hung;
    return new Response("late");
  });
  const clock = { t: Date.now() };
  const alert = await firing(store, `http://127.0.0.1:${server.addr.port}/`, clock.t);
  const d = new Delivery({
    store,
    log,
    holder: "hub-a",
    now: () => clock.t,
    sealer: SEALER,
    timeoutMs: 300,
  });
  try {
    await d.start();
    await d.idle();
    const [n] = await store.notifications.forAlert(alert.id);
    assertEquals([n.state, n.attempts, n.attempt_log[0].detail], [
      "queued",
      1,
      "no answer in 0.3 s",
    ]);
  } finally {
    await d.stop();
    release();
    await server.shutdown();
  }
});
