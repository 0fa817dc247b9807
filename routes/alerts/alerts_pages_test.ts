/**
 * What the alert pages render on the server, for an admin and for a viewer:
 * firing and pending alerts, the history paged by id, one alert with its
 * processes and notifications, and the fleet's and host's badges. Names come
 * from hosts and users, so they are escaped.
 */
import { assert, assertEquals } from "../../lib/assert.ts";
import { AUTH, pagesApp } from "../testing.ts";
import { hashSecret } from "../../hub/auth/secrets.ts";
import { channel, host } from "../../hub/store/conformance_helpers.ts";
import type { AlertRule } from "../../lib/alerts/rules.ts";
import type { Store } from "../../hub/store/store.ts";

const EVIL = `<img src=x onerror=alert(1)>`;

/** The pages with host h1 ("web-1"), an admin and a viewer signed in, and an API key. */
async function setup() {
  const t = await pagesApp();
  await host(t.store, "h1", "web-1");
  const admin = await t.signIn("ann", "admin");
  const viewer = await t.signIn("vic", "viewer");
  await t.store.auth.createApiKey({
    id: "k",
    name: "test",
    hash: hashSecret(AUTH.authorization.slice("Bearer ".length)),
    createdAt: 0,
  });
  const html = async (path: string, cookie = admin) => {
    const res = await t.request(path, { cookie });
    return { status: res.status, text: await res.text() };
  };
  /** Adds a CPU rule through the REST API, as the rule editor would. */
  const rule = async (name: string, extra: Record<string, unknown> = {}): Promise<AlertRule> => {
    const res = await t.request("/api/v1/alert-rules", {
      method: "POST",
      cookie: admin,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name, metric: "cpu_percent", op: ">", threshold: 90, ...extra }),
    });
    assertEquals(res.status, 201);
    return await res.json();
  };
  return Object.assign(t, { admin, viewer, html, rule });
}

/** Opens an alert of `r` on h1 (firing unless said), and returns its id. */
async function raise(
  s: Store,
  r: AlertRule,
  at: number,
  state: "pending" | "firing" = "firing",
  severity: "warning" | "critical" = "warning",
  labels: Record<string, string> = {},
) {
  const { alert } = await s.alerts.open({
    rule: r,
    hostId: "h1",
    labels,
    labelsKey: JSON.stringify(labels),
    state,
    severity,
    value: 95.5,
    threshold: 90,
    at,
  }, null);
  return alert.id;
}

Deno.test("/alerts lists firing then pending alerts; admins get Acknowledge, viewers do not", async () => {
  await using t = await setup();
  const { admin, viewer } = t;
  const empty = await t.html("/alerts", admin);
  assertEquals(empty.status, 200);
  assert(empty.text.includes("Nothing is firing."), "empty firing list");
  assert(empty.text.includes("No alert has resolved yet."), "empty history");

  const cpu = await t.rule(`cpu ${EVIL}`);
  const pending = await raise(t.store, await t.rule("disk"), Date.now() - 5000, "pending");
  const firing = await raise(t.store, cpu, Date.now() - 60_000, "firing", "critical");
  const page = await t.html("/alerts", admin);
  assert(!page.text.includes(EVIL), "a rule's name is escaped");
  assert(page.text.includes("cpu &lt;img"), "and shown");
  const rows = [...page.text.matchAll(/data-alert="(\d+)"/g)].map((m) => Number(m[1]));
  assertEquals(rows, [firing, pending], "firing first");
  assert(page.text.includes("95.5%"), "the value in its unit");
  assert(
    page.text.includes(`href="/hosts/h1"`) && page.text.includes(">web-1<"),
    "the host linked",
  );
  assertEquals(page.text.match(/>Acknowledge</g)?.length, 1, "only the firing one");
  const seen = await t.html("/alerts", viewer);
  assert(!seen.text.includes(">Acknowledge<"), "a viewer sees no Acknowledge");
  assert(seen.text.includes(`data-alert="${firing}"`));

  // Acknowledged (through the API), it says by whom and offers no button.
  const ack = await t.request(`/api/v1/alerts/${firing}/ack`, { method: "POST", cookie: admin });
  assertEquals(ack.status, 200);
  const after = await t.html("/alerts", admin);
  assert(after.text.includes("acknowledged by ann"));
  assert(!after.text.includes(">Acknowledge<"));
});

Deno.test("/alerts history is paged by id, filters come from the URL, and junk is refused", async () => {
  await using t = await setup();
  const { admin } = t;
  const r = await t.rule("cpu");
  const ids: number[] = [];
  for (let i = 0; i < 52; i++) {
    const id = await raise(t.store, r, 1000 + i);
    await t.store.alerts.resolve(id, 61_000 + i, 10, null);
    ids.push(id);
  }
  const first = await t.html("/alerts", admin);
  const listed = (text: string) =>
    [...text.matchAll(/data-alert="(\d+)"/g)].map((m) => Number(m[1]));
  assertEquals(listed(first.text), ids.slice(2).reverse(), "the newest 50");
  assert(first.text.includes("1 min"), "how long each lasted");
  const more = first.text.match(/href="(\/alerts\?state=resolved&amp;before=(\d+))"/);
  assert(more, "a Load more link");
  assertEquals(Number(more[2]), ids[2]);
  const second = await t.html(more[1].replaceAll("&amp;", "&"), admin);
  assertEquals(listed(second.text), [ids[1], ids[0]]);
  assert(!second.text.includes("Load more"), "the end of it");

  // A filter on another host lists nothing; a state filter hides the other list.
  const other = await t.html("/alerts?host=nope", admin);
  assertEquals(listed(other.text), []);
  const firingOnly = await t.html("/alerts?state=firing", admin);
  assert(!firingOnly.text.includes("History"), "no history on a firing-only page");
  assertEquals((await t.html("/alerts?state=bogus", admin)).status, 400);
  assertEquals((await t.html("/alerts?before=-1", admin)).status, 400);
});

Deno.test("/alerts/:id shows the timeline, the top processes and each notification's attempts", async () => {
  await using t = await setup();
  const { admin, viewer } = t;
  await t.store.notifications.createChannel(channel("c1", { name: "ops hook" }));
  const r = await t.rule("memory", { metric: "mem_used_percent" });
  const id = await raise(t.store, r, Date.now() - 10_000, "pending");
  const proc = (name: string, pid: number) => ({
    pid,
    name,
    user: "root",
    cpu_percent: 12.5,
    rss_bytes: 1024 * 1024 * 300,
    mem_percent: 3.75,
  });
  const processes = {
    at: new Date().toISOString(),
    total: 6,
    by_cpu: [proc(`burn${EVIL}`, 41)],
    by_memory: [proc("postgres", 7)],
  };
  await t.store.alerts.fire(id, Date.now(), { value: 97, severity: "warning", processes }, {
    kind: "firing",
    channels: ["c1"],
    groupS: 0,
  });
  const page = await t.html(`/alerts/${id}`, admin);
  assertEquals(page.status, 200);
  assert(page.text.includes(`href="/alerts/rules/${r.id}"`), "the rule linked");
  assert(page.text.includes("Pending since") && page.text.includes("Fired"), "the timeline");
  assert(page.text.includes("of 6 processes"));
  assert(page.text.includes("burn&lt;img") && !page.text.includes(`burn${EVIL}`), "escaped");
  assert(page.text.includes("postgres") && page.text.includes("300 MiB"));
  assert(page.text.includes("to ops hook"), "an admin sees the channel");
  assert(page.text.includes(">Acknowledge<"));
  const seen = await t.html(`/alerts/${id}`, viewer);
  assert(!seen.text.includes("ops hook"), "a viewer does not see where it went");
  assert(!seen.text.includes(">Acknowledge<"));
  assertEquals((await t.html("/alerts/999999", admin)).status, 404);
  assertEquals((await t.html("/alerts/12abc", admin)).status, 404);
});

Deno.test("the fleet row, the host page and the navigation carry the firing alerts", async () => {
  await using t = await setup();
  const { admin } = t;
  const noAlerts = await t.html("/", admin);
  assert(!noAlerts.text.includes(`class="alert-count`), "no badge when nothing fires");
  assert(!noAlerts.text.includes(`alert-banner`));
  const [a, b] = [await t.rule("cpu"), await t.rule("mem")];
  const one = await raise(t.store, a, 1000, "firing", "warning");
  await raise(t.store, b, 1000, "firing", "critical");
  await raise(t.store, b, 1000, "pending", "warning", { mount: "/" });

  const fleet = await t.html("/", admin);
  // The navigation's count and the host's badge: two firing, the worst critical.
  assertEquals(fleet.text.match(/class="alert-count critical">2</g)?.length, 2);
  assert(fleet.text.includes(`href="/alerts?host=h1"`), "the badge leads to the host's alerts");
  const hostPage = await t.html("/hosts/h1", admin);
  assert(hostPage.text.includes("2 alerts firing"));
  assert(hostPage.text.includes(`href="/alerts/${one}"`));
  const counts = await (await t.request("/api/v1/alerts/counts", { headers: AUTH })).json();
  assertEquals(counts, { firing: 2, hosts: { h1: { warning: 1, critical: 1 } } });
});
