/**
 * Every service channel against a local receiver that holds it to the
 * service's documented request format (method, path, headers, body) and
 * answers as the service does: a firing and a resolved notification go
 * through `sendTo` (a real channel, its secrets sealed), the priority or
 * colour follows the severity, a 429 is a failure carrying the service's
 * wait. Then what only some services have: PagerDuty's one event per alert
 * with a dedup_key shared by trigger and resolve, Matrix's txnId reused by a
 * retry, Telegram's token kept out of every outcome, and the settings each
 * type refuses.
 */
import { Buffer } from "node:buffer";
import { assert, assertEquals } from "../../../lib/assert.ts";
import { checkRule } from "../../../lib/alerts/rules.ts";
import { firingAlert } from "../../store/conformance_helpers.ts";
import type { Alert } from "../../store/alerts/types.ts";
import type { Channel, ChannelType } from "../../store/notifications/types.ts";
import { checkConfig } from "../channels.ts";
import { sendTo } from "../delivery.ts";
import { compose, type Message } from "../message.ts";
import { Sealer } from "../sealed.ts";
import type { Urgency } from "./common.ts";
import { txnId } from "./matrix.ts";

const SEALER = await Sealer.of(crypto.getRandomValues(new Uint8Array(32)));
const T = Date.parse("2026-06-01T12:00:00Z");
const HUB = "https://monitor.example.com";

const TELEGRAM_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const PUSHOVER_TOKEN = "azGDORePK8gMaC0QOYAMyEEuzJnyUi";
const PUSHOVER_USER = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG";
const PD_KEY = "e93facc04764012d7bfb002500d5d1a6";
const MATRIX_TOKEN = "syt_c2lnaHRsaW5l_abcdefghijkl_0a1b2c";

/** One request as the receiver saw it. */
interface Got {
  method: string;
  /** Decoded, as the service routes it. */
  path: string;
  query: URLSearchParams;
  headers: Headers;
  text: string;
  // deno-lint-ignore no-explicit-any
  json: any;
}

/** A receiver on loopback: each request is recorded, checked by `check` and answered by `reply`. */
function receiver(
  check: (g: Got) => void,
  reply: (g: Got, n: number) => Response,
) {
  const got: Got[] = [];
  const problems: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const text = await req.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch { /* a form or plain text */ }
    const g: Got = {
      method: req.method,
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      headers: req.headers,
      text,
      json,
    };
    got.push(g);
    try {
      check(g);
    } catch (err) {
      // As the service would: a request not in its format is refused.
      problems.push((err as Error).message);
      return Response.json({ error: (err as Error).message }, { status: 400 });
    }
    return reply(g, got.length);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    got,
    problems,
    stop: () => server.shutdown(),
  };
}

/** Throws `what` unless `cond` holds: the receiver's checks of the documented format. */
function must(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Error(what);
}

const isText = (v: unknown, max: number) =>
  typeof v === "string" && v.length > 0 && v.length <= max;

async function channelOf(type: ChannelType, raw: Record<string, unknown>): Promise<Channel> {
  const checked = checkConfig(type, raw);
  if (!checked.ok) throw new Error(`${checked.field}: ${checked.problem}`);
  const id = crypto.randomUUID();
  const secret = Object.keys(checked.config.secret).length
    ? await SEALER.seal(id, checked.config.secret)
    : null;
  return {
    id,
    name: type,
    type,
    config: checked.config.public,
    secret,
    filters: {},
    template: null,
    enabled: true,
    created_at: T,
    updated_at: T,
  };
}

const rule = (() => {
  const c = checkRule({
    name: "CPU high",
    metric: "cpu_percent",
    op: ">",
    threshold: 90,
    critical: 98,
  });
  if (!c.ok) throw new Error(c.error.problem);
  return { ...c.rule, id: "r1" };
})();

function alert(id: number, host: string, over: Partial<Alert> = {}): Alert {
  return firingAlert(id, host, T, { rule_name: "CPU high", value: 93.5, ...over });
}

const NAMES: Record<string, string> = { h1: "web-1", h2: "web-2" };

/** The message delivery would compose for `alerts` in a notification of `kind`. */
function message(kind: Message["kind"], alerts: Alert[]): Message {
  return compose({ kind, items: [] }, rule, alerts, (id) => NAMES[id] ?? id, T + 600_000, HUB);
}

const MESSAGES: Record<Urgency, Message> = {
  warning: message("firing", [alert(7, "h1")]),
  critical: message("escalated", [alert(7, "h1", { severity: "critical", value: 99 })]),
  resolved: message("resolved", [alert(7, "h1", { state: "resolved", resolved_at: T + 900_000 })]),
};

/** What a service needs said about it for the shared tests. */
interface Service {
  type: ChannelType;
  config: (base: string) => Record<string, unknown>;
  /** The documented format, checked on each request. */
  check: (g: Got) => void;
  /** The service's answer to a request it took. */
  ok: (g: Got) => Response;
  okStatus: number;
  /** What carries the urgency in a request, and what each urgency must be. */
  level: (g: Got) => unknown;
  levels: Record<Urgency, unknown>;
  /** A 429 as the service sends it, and the wait delivery must be given. */
  limited: () => Response;
  wait: string;
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers });

const SERVICES: Service[] = [
  {
    type: "slack",
    config: (base) => ({ url: `${base}/services/T000/B000/XXXXXXXX` }),
    check(g) {
      must(g.method === "POST" && g.path === "/services/T000/B000/XXXXXXXX", "POST to the hook");
      must(g.headers.get("content-type")?.startsWith("application/json"), "JSON");
      must(isText(g.json?.text, 40_000), "text is the fallback");
      const [header, section] = g.json.blocks;
      must(header.type === "header" && header.text.type === "plain_text", "a header block");
      must(isText(header.text.text, 150), "a header's text is at most 150 characters");
      must(section.type === "section" && section.text.type === "mrkdwn", "a mrkdwn section");
      must(isText(section.text.text, 3000), "a section's text is at most 3000 characters");
    },
    ok: () => new Response("ok", { headers: { "content-type": "text/html" } }),
    okStatus: 200,
    level: (g) => g.json.blocks[0].text.text.split("]")[0],
    levels: { critical: "[CRITICAL", warning: "[FIRING", resolved: "[RESOLVED" },
    limited: () => new Response("rate_limited", { status: 429, headers: { "retry-after": "30" } }),
    wait: "30",
  },
  {
    type: "discord",
    config: (base) => ({ url: `${base}/api/webhooks/1234567890/tok-en_x` }),
    check(g) {
      must(g.method === "POST" && g.path === "/api/webhooks/1234567890/tok-en_x", "POST to it");
      must(g.query.get("wait") === "true", "?wait=true");
      must(g.headers.get("content-type")?.startsWith("application/json"), "JSON");
      must(isText(g.json.content, 2000), "content is at most 2000 characters");
      const [e] = g.json.embeds;
      must(isText(e.title, 256) && isText(e.description, 4096), "an embed's title, description");
      must(Number.isInteger(e.color) && e.color >= 0 && e.color <= 0xffffff, "color an integer");
      must(e.url === `${HUB}/alerts?rule=r1` && !isNaN(Date.parse(e.timestamp)), "url, timestamp");
      must(Array.isArray(g.json.allowed_mentions?.parse), "allowed_mentions");
    },
    ok: (g) =>
      json({
        id: "1180000000000000000",
        type: 0,
        channel_id: "1170000000000000000",
        content: g.json.content,
        embeds: g.json.embeds,
        webhook_id: "1234567890",
      }),
    okStatus: 200,
    level: (g) => g.json.embeds[0].color,
    levels: { critical: 0xd32f2f, warning: 0xf9a825, resolved: 0x2e7d32 },
    limited: () =>
      json({ message: "You are being rate limited.", retry_after: 1.5, global: false }, 429, {
        "retry-after": "2",
      }),
    wait: "2",
  },
  {
    type: "telegram",
    config: (base) => ({ token: TELEGRAM_TOKEN, chat_id: "-1001234567890", api_url: base }),
    check(g) {
      must(g.method === "POST" && g.path === `/bot${TELEGRAM_TOKEN}/sendMessage`, "sendMessage");
      must(g.headers.get("content-type")?.startsWith("application/json"), "JSON");
      must(g.json.chat_id === -1001234567890, "chat_id, an Integer");
      must(isText(g.json.text, 4096), "text is 1–4096 characters");
      must(g.json.parse_mode === "HTML" && g.json.text.startsWith("<b>"), "HTML, title in bold");
      must(g.json.disable_web_page_preview === true, "disable_web_page_preview");
    },
    ok: (g) =>
      json({
        ok: true,
        result: {
          message_id: 42,
          date: Math.floor(T / 1000),
          chat: { id: g.json.chat_id, type: "supergroup", title: "ops" },
          text: g.json.text.replace(/<[^>]+>/g, ""),
        },
      }),
    okStatus: 200,
    level: (g) => g.json.text.split("]")[0],
    levels: { critical: "<b>[CRITICAL", warning: "<b>[FIRING", resolved: "<b>[RESOLVED" },
    limited: () =>
      json({
        ok: false,
        error_code: 429,
        description: "Too Many Requests: retry after 7",
        parameters: { retry_after: 7 },
      }, 429),
    wait: "7",
  },
  {
    type: "teams",
    config: (base) => ({ url: `${base}/workflows/abc/triggers/manual/paths/invoke?sig=x` }),
    check(g) {
      must(g.method === "POST" && g.path === "/workflows/abc/triggers/manual/paths/invoke", "POST");
      must(g.query.get("sig") === "x", "the flow's signature kept");
      must(g.headers.get("content-type")?.startsWith("application/json"), "JSON");
      must(g.json.type === "message" && g.json.attachments.length === 1, "a message, one card");
      const [a] = g.json.attachments;
      must(a.contentType === "application/vnd.microsoft.card.adaptive", "an Adaptive Card");
      const card = a.content;
      must(card.type === "AdaptiveCard" && /^1\.[0-5]$/.test(card.version), "version ≤ 1.5");
      must(card.body.length > 1, "title and text");
      for (const b of card.body) must(b.type === "TextBlock" && isText(b.text, 10_000), "blocks");
      must(!("@type" in g.json) && !("themeColor" in g.json), "not a MessageCard");
      must(
        card.actions[0].type === "Action.OpenUrl" && card.actions[0].url.startsWith(HUB),
        "link",
      );
    },
    ok: () => new Response(null, { status: 202 }),
    okStatus: 202,
    level: (g) => g.json.attachments[0].content.body[0].color,
    levels: { critical: "attention", warning: "warning", resolved: "good" },
    limited: () => new Response("", { status: 429, headers: { "retry-after": "15" } }),
    wait: "15",
  },
  {
    type: "ntfy",
    config: (base) => ({ server: base, topic: "sightline_alerts-x1", token: "tk_AgQdq7mVBoFD37z" }),
    check(g) {
      must(g.method === "POST" && g.path === "/sightline_alerts-x1", "POST to the topic");
      must(g.headers.get("authorization") === "Bearer tk_AgQdq7mVBoFD37z", "the access token");
      must(isText(g.headers.get("title"), 250), "Title");
      must(["1", "2", "3", "4", "5"].includes(g.headers.get("priority") ?? ""), "Priority 1–5");
      must(g.headers.get("click") === `${HUB}/alerts?rule=r1`, "Click to the hub");
      must(isText(g.text, 4096), "the text is the body");
    },
    ok: (g) =>
      json({
        id: "sPs71M8A2T",
        time: Math.floor(T / 1000),
        event: "message",
        topic: "sightline_alerts-x1",
        title: g.headers.get("title"),
        message: g.text,
        priority: Number(g.headers.get("priority")),
        tags: g.headers.get("tags")?.split(","),
      }),
    okStatus: 200,
    level: (g) => [g.headers.get("priority"), g.headers.get("tags")],
    levels: {
      critical: ["5", "rotating_light,escalated"],
      warning: ["4", "warning,firing"],
      resolved: ["3", "white_check_mark,resolved"],
    },
    limited: () =>
      json({ code: 42901, http: 429, error: "limit reached: too many requests" }, 429, {
        "retry-after": "60",
      }),
    wait: "60",
  },
  {
    type: "gotify",
    config: (base) => ({ server: `${base}/`, token: "AKfZ7.bXLc8sKVl" }),
    check(g) {
      must(g.method === "POST" && g.path === "/message", "POST /message");
      must(g.headers.get("x-gotify-key") === "AKfZ7.bXLc8sKVl", "X-Gotify-Key");
      must(g.headers.get("content-type")?.startsWith("application/json"), "JSON");
      must(isText(g.json.title, 250) && isText(g.json.message, 100_000), "title, message");
      must(Number.isInteger(g.json.priority), "priority an integer");
      must(g.json.extras["client::notification"].click.url.startsWith(HUB), "a tap opens the hub");
    },
    ok: (g) => json({ id: 25, appid: 5, ...g.json, date: new Date(T).toISOString() }),
    okStatus: 200,
    level: (g) => g.json.priority,
    levels: { critical: 8, warning: 5, resolved: 3 },
    limited: () => json({ error: "Too Many Requests" }, 429, { "retry-after": "5" }),
    wait: "5",
  },
  {
    type: "pushover",
    config: (base) => ({ token: PUSHOVER_TOKEN, user: PUSHOVER_USER, api_url: base }),
    check(g) {
      must(g.method === "POST" && g.path === "/1/messages.json", "POST /1/messages.json");
      must(g.headers.get("content-type")?.startsWith("application/x-www-form-urlencoded"), "form");
      const f = new URLSearchParams(g.text);
      must(f.get("token") === PUSHOVER_TOKEN && f.get("user") === PUSHOVER_USER, "token, user");
      must(isText(f.get("message"), 1024) && isText(f.get("title"), 250), "message, title");
      must(["-2", "-1", "0", "1"].includes(f.get("priority") ?? ""), "priority -2…1");
      must(f.get("url") === `${HUB}/alerts?rule=r1` && isText(f.get("url_title"), 100), "url");
    },
    ok: () => json({ status: 1, request: "647d2300-702c-4b38-8b2f-d56326ae460b" }),
    okStatus: 200,
    level: (g) => new URLSearchParams(g.text).get("priority"),
    levels: { critical: "1", warning: "0", resolved: "-1" },
    limited: () =>
      json({ status: 0, errors: ["application is over its monthly limit"] }, 429, {
        "retry-after": "3600",
      }),
    wait: "3600",
  },
  {
    type: "matrix",
    config: (base) => ({ homeserver: base, room_id: "!AbCdEf:example.org", token: MATRIX_TOKEN }),
    check(g) {
      const m = /^\/_matrix\/client\/v3\/rooms\/([^/]+)\/send\/m\.room\.message\/([^/]+)$/.exec(
        g.path,
      );
      must(g.method === "PUT" && m, "PUT …/rooms/{roomId}/send/m.room.message/{txnId}");
      must(m[1] === "!AbCdEf:example.org", "the room");
      must(g.headers.get("authorization") === `Bearer ${MATRIX_TOKEN}`, "the access token");
      must(g.json.msgtype === "m.text" && isText(g.json.body, 65_000), "m.text with a body");
      must(g.json.format === "org.matrix.custom.html", "HTML format");
      must(isText(g.json.formatted_body, 65_000), "formatted_body");
    },
    ok: () => json({ event_id: "$YUwRidLecu:example.org" }),
    okStatus: 200,
    level: (g) => g.json.body.split("]")[0],
    levels: { critical: "[CRITICAL", warning: "[FIRING", resolved: "[RESOLVED" },
    limited: () =>
      json({ errcode: "M_LIMIT_EXCEEDED", error: "Too many requests", retry_after_ms: 2500 }, 429),
    wait: "3",
  },
  {
    type: "pagerduty",
    config: (base) => ({ routing_key: PD_KEY, api_url: base }),
    check(g) {
      must(g.method === "POST" && g.path === "/v2/enqueue", "POST /v2/enqueue");
      must(g.headers.get("content-type")?.startsWith("application/json"), "JSON");
      const e = g.json;
      must(e.routing_key === PD_KEY, "routing_key");
      must(["trigger", "resolve"].includes(e.event_action), "event_action");
      must(isText(e.dedup_key, 255), "dedup_key, at most 255 characters");
      if (e.event_action === "trigger") {
        const p = e.payload;
        must(isText(p.summary, 1024) && isText(p.source, 255), "summary, source");
        must(["critical", "error", "warning", "info"].includes(p.severity), "severity");
        must(!isNaN(Date.parse(p.timestamp)), "timestamp ISO 8601");
        must(typeof p.custom_details === "object", "custom_details");
        must(e.links[0].href.startsWith(HUB), "a link to the hub");
      }
    },
    ok: (g) =>
      json({ status: "success", message: "Event processed", dedup_key: g.json.dedup_key }, 202),
    okStatus: 202,
    level: (g) => g.json.payload?.severity ?? g.json.event_action,
    levels: { critical: "critical", warning: "warning", resolved: "resolve" },
    limited: () => json({ status: "throttled" }, 429, { "retry-after": "20" }),
    wait: "20",
  },
];

for (const s of SERVICES) {
  Deno.test(`${s.type}: firing and resolved in the documented format, urgency mapped`, async () => {
    const r = receiver(s.check, (g) => s.ok(g));
    try {
      const channel = await channelOf(s.type, s.config(r.url));
      assert(channel.secret, "its secrets sealed");
      for (const [n, u] of (["warning", "critical", "resolved"] as const).entries()) {
        const sent = await sendTo(channel, 100 + n, MESSAGES[u], { sealer: SEALER });
        assertEquals(r.problems, [], `${u}: the service's format`);
        assertEquals([sent.ok, sent.status], [true, s.okStatus], `${u}: ${sent.detail}`);
        assertEquals(s.level(r.got[n]), s.levels[u], `${u}: its priority or colour`);
      }
      assertEquals(r.got.length, 3, "one request each");
    } finally {
      await r.stop();
    }
  });

  Deno.test(`${s.type}: a 429 is a failure carrying the service's wait`, async () => {
    const r = receiver(s.check, () => s.limited());
    try {
      const channel = await channelOf(s.type, s.config(r.url));
      const sent = await sendTo(channel, 5, MESSAGES.warning, { sealer: SEALER });
      assertEquals([sent.ok, sent.status, sent.retryAfter], [false, 429, s.wait]);
      assertEquals(r.problems, []);
    } finally {
      await r.stop();
    }
  });
}

/**
 * Runs `fn` against a receiver that is service `type` (answering its `n`th
 * request with `instead()` when given) and a channel of that type to it.
 */
async function withService(
  type: ChannelType,
  instead: { n: number; res: () => Response } | null,
  fn: (r: ReturnType<typeof receiver>, channel: Channel) => Promise<void>,
) {
  const s = SERVICES.find((x) => x.type === type)!;
  const r = receiver(s.check, (g, n) => n === instead?.n ? instead.res() : s.ok(g));
  try {
    await fn(r, await channelOf(type, s.config(r.url)));
  } finally {
    await r.stop();
  }
}

Deno.test("pagerduty: one event per alert; trigger and resolve of an alert share its dedup_key", async () => {
  await withService("pagerduty", null, async (r, channel) => {
    const two = [alert(7, "h1"), alert(8, "h2", { labels: { mount: "/" } })];
    const fired = await sendTo(channel, 1, message("firing", two), { sealer: SEALER });
    const resolved = await sendTo(
      channel,
      2,
      message("resolved", two.map((a) => ({ ...a, state: "resolved", resolved_at: T + 9e5 }))),
      { sealer: SEALER },
    );
    assertEquals([fired.ok, resolved.ok, r.problems], [true, true, []]);
    const events = r.got.map((g) => g.json);
    assertEquals(events.map((e) => e.event_action), ["trigger", "trigger", "resolve", "resolve"]);
    assertEquals(events.map((e) => e.payload?.source), ["web-1", "web-2", undefined, undefined]);
    const [t1, t2, r1, r2] = events.map((e) => e.dedup_key);
    assertEquals([r1, r2], [t1, t2], "the resolve closes what the trigger opened");
    assert(t1 !== t2 && t1.startsWith("sightline-7-") && t2.startsWith("sightline-8-"), t1);
    assert(events[1].payload.summary.endsWith("web-2 (mount=/)"), events[1].payload.summary);
    // A reminder of the same alert, from this hub or another, is the same PagerDuty alert.
    await sendTo(channel, 3, message("reminder", [alert(7, "h1")]), { sealer: SEALER });
    assertEquals(r.got[4].json.dedup_key, t1);
    // A later firing of the same series is another incident.
    await sendTo(channel, 4, message("firing", [alert(9, "h1", { fired_at: T + 1e6 })]), {
      sealer: SEALER,
    });
    assert(r.got[5].json.dedup_key !== t1);
  });
});

Deno.test("pagerduty: a refused event stops the rest; the retry sends them all again", async () => {
  await withService("pagerduty", {
    n: 2,
    res: () => json({ status: "invalid event", message: "Event object is invalid" }, 400),
  }, async (r, channel) => {
    const m = message("firing", [alert(7, "h1"), alert(8, "h2"), alert(10, "h3")]);
    const first = await sendTo(channel, 1, m, { sealer: SEALER });
    assertEquals([first.ok, first.status, r.got.length], [false, 400, 2]);
    assert(first.detail.includes("invalid"), first.detail);
    const again = await sendTo(channel, 1, m, { sealer: SEALER });
    assertEquals([again.ok, again.status, r.got.length], [true, 202, 5]);
    assertEquals(r.got[2].json.dedup_key, r.got[0].json.dedup_key, "a repeat joins its alert");
  });
});

Deno.test("matrix: a retry reuses its txnId; another notification or a test gets its own; HTML escaped", async () => {
  await withService("matrix", {
    n: 1,
    res: () => json({ errcode: "M_UNKNOWN", error: "Internal server error" }, 500),
  }, async (r, channel) => {
    const evil = message("firing", [alert(7, "<script>alert(1)</script>")]);
    const first = await sendTo(channel, 41, evil, { sealer: SEALER });
    assertEquals([first.ok, first.status], [false, 500]);
    const retry = await sendTo(channel, 41, evil, { sealer: SEALER });
    assertEquals([retry.ok, retry.status, retry.detail], [
      true,
      200,
      `{"event_id":"$YUwRidLecu:example.org"}`,
    ]);
    const txn = (g: Got) => g.path.split("/").at(-1);
    assertEquals(txn(r.got[1]), txn(r.got[0]), "the same transaction: one event");
    await sendTo(channel, 42, evil, { sealer: SEALER });
    assert(txn(r.got[2]) !== txn(r.got[0]), "another notification, another transaction");
    assert(txnId({ id: 0, message: evil }) !== txnId({ id: 0, message: evil }), "tests differ");
    const html = r.got[1].json.formatted_body as string;
    assert(!html.includes("<script>") && html.includes("&#60;script&#62;"), html);
    assert(r.got[1].json.body.includes("<script>"), "the plain body is as it is");
  });
});

Deno.test("telegram: the token, which is in the URL, is in no outcome", async () => {
  const tg = SERVICES.find((s) => s.type === "telegram")!;
  const r = receiver(tg.check, () => json({ ok: true, result: {} }));
  await r.stop(); // nothing listens there now
  const channel = await channelOf("telegram", tg.config(r.url));
  const sent = await sendTo(channel, 1, MESSAGES.warning, { sealer: SEALER });
  assertEquals([sent.ok, sent.status], [false, null]);
  assert(!sent.detail.includes(TELEGRAM_TOKEN.split(":")[1]), sent.detail);
  // A public channel's @name goes as a string.
  const byName = receiver(() => {}, (g) => json({ ok: true, result: { chat: g.json.chat_id } }));
  try {
    const c = await channelOf("telegram", { ...tg.config(byName.url), chat_id: "@sightline_ops" });
    assert((await sendTo(c, 2, MESSAGES.warning, { sealer: SEALER })).ok);
    assertEquals(byName.got[0].json.chat_id, "@sightline_ops");
  } finally {
    await byName.stop();
  }
});

Deno.test("ntfy: a title beyond ASCII arrives whole as an RFC 2047 encoded word", async () => {
  const r = receiver(() => {}, () => json({ id: "x", event: "message" }));
  try {
    const channel = await channelOf("ntfy", { server: r.url, topic: "alerts" });
    const m = message("firing", [alert(7, "häfen-1")]);
    assert((await sendTo(channel, 1, m, { sealer: SEALER })).ok);
    const raw = r.got[0].headers.get("title")!;
    const [, b64] = /^=\?UTF-8\?B\?(.+)\?=$/.exec(raw) ?? [];
    assertEquals(Buffer.from(b64, "base64").toString(), "[FIRING] CPU high on häfen-1");
    assertEquals(r.got[0].headers.get("authorization"), null, "no token, no Authorization");
    assertEquals(r.got[0].path, "/alerts", "the default server is only a default");
  } finally {
    await r.stop();
  }
});

Deno.test("each service's settings are checked when saved", () => {
  const refused: Array<[ChannelType, Record<string, unknown>, string]> = [
    ["slack", {}, "config.url"],
    ["slack", { url: "ftp://hooks.slack.com/x" }, "config.url"],
    ["telegram", { token: "nope", chat_id: "1" }, "config.token"],
    ["telegram", { token: TELEGRAM_TOKEN, chat_id: "ops" }, "config.chat_id"],
    ["telegram", { token: TELEGRAM_TOKEN, chat_id: "1", api_url: "file:///x" }, "config.api_url"],
    ["ntfy", { topic: "a/b" }, "config.topic"],
    ["gotify", { token: "x" }, "config.server"],
    ["pushover", { token: PUSHOVER_TOKEN, user: "short" }, "config.user"],
    [
      "matrix",
      { homeserver: "https://m.org", room_id: "#ops:m.org", token: "t" },
      "config.room_id",
    ],
    ["matrix", { homeserver: "https://m.org", room_id: "ops", token: "t" }, "config.room_id"],
    ["pagerduty", { routing_key: "abc" }, "config.routing_key"],
    ["discord", { url: "https://discord.com/api/webhooks/1/x", extra: 1 }, "config.extra"],
  ];
  for (const [type, raw, field] of refused) {
    const c = checkConfig(type, raw);
    assertEquals(c.ok ? "accepted" : c.field, field, `${type} ${JSON.stringify(raw)}`);
  }
  const room = checkConfig("matrix", {
    homeserver: "https://m.org",
    room_id: "!AbC:m.org",
    token: "t",
  });
  assert(
    room.ok && room.config.secret.token === "t" && room.config.public.room_id === "!AbC:m.org",
  );
  const tg = checkConfig("telegram", { token: TELEGRAM_TOKEN, chat_id: "42" });
  assert(tg.ok && tg.config.public.api_url === "https://api.telegram.org/", "the default server");
  const pd = checkConfig("pagerduty", { routing_key: PD_KEY });
  assert(pd.ok && pd.config.public.api_url === "https://events.pagerduty.com/");
  assertEquals(pd.ok && pd.config.secret, { routing_key: PD_KEY });
});
