/**
 * Alerts as a user meets them, in Chromium against a real hub and agent: an
 * alert the test drives (memory use on the agent's fixture root) shows up
 * pending and then firing on the alerts page, as a badge on the fleet, a
 * banner on the host page and a count in the navigation, all without a
 * reload; an admin acknowledges it in place; its page shows the top
 * processes and the notification's delivery; when it resolves it moves to
 * the history and every badge goes. On a phone nothing scrolls sideways.
 */
import { assert, assertEquals } from "../lib/assert.ts";
import { enroll, hubCli, lastLine, startAgent, until } from "./harness.ts";
import { browserTest, setUpAdmin, sidewaysOverflow, watchedPage } from "./browser.ts";
import { FakeProc, MEMORY_RULE, ok, onlyTheTestsRules, Receiver } from "./alerts_harness.ts";

interface AlertJson {
  id: number;
  notifications: Array<{ attempts: Array<{ ok: boolean }> }>;
}

browserTest(
  "alerts: one fires, is acknowledged and resolves, live on every page",
  async ({ dir, hub, browser, own }) => {
    const receiver = own(new Receiver());
    const proc = await FakeProc.make(`${dir}/proc`);
    const { key, identity } = await enroll(hub, `${dir}/agent`, "web-1");
    await onlyTheTestsRules(hub, key, receiver);
    await ok(hub, key, "POST", "/api/v1/alert-rules", { ...MEMORY_RULE, for_s: 2 });
    own(startAgent(`${dir}/agent`, 1, proc.env));

    const desk = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const { page: fleet, problems } = await watchedPage(desk);
    await setUpAdmin(fleet, hub);
    await fleet.locator(".counts .online strong", { hasText: "1" }).waitFor({ timeout: 20_000 });
    const { page: list, problems: listProblems } = await watchedPage(desk);
    await list.goto(`${hub.http}/alerts`);
    await list.getByText("Nothing is firing.").waitFor();
    const { page: host, problems: hostProblems } = await watchedPage(desk);
    await host.goto(`${hub.http}/hosts/${identity.agentId}`);
    await host.locator(".badge.online").waitFor();

    // It goes pending, then fires: the row changes in place.
    await proc.memory(95);
    const row = list.locator("tr[data-alert]", { hasText: "memory high" });
    await row.locator(".badge.pending").waitFor({ timeout: 20_000 });
    await row.getByRole("button", { name: "Acknowledge" }).waitFor({ timeout: 20_000 });
    assertEquals(await row.locator(".badge.pending").count(), 0);
    assert((await row.textContent())!.includes("web-1"), "its host");
    assert(/9\d\.\d%\s*>\s*90\.0%/.test((await row.textContent())!), "value > threshold");
    const id = Number(await row.getAttribute("data-alert"));

    // Everywhere else, without a reload: the fleet's badge, the host's banner, the counts.
    const badge = fleet.locator("tbody tr", { hasText: "web-1" }).locator(".alert-count.warning");
    await badge.filter({ hasText: "1" }).waitFor({ timeout: 10_000 });
    for (const p of [fleet, list, host]) {
      await p.locator("header .alert-count", { hasText: "1" }).waitFor({ timeout: 10_000 });
    }
    const banner = host.locator(".alert-banner");
    await banner.getByText("1 alert firing").waitFor({ timeout: 10_000 });
    assertEquals(
      await banner.getByRole("link", { name: "memory high" }).getAttribute("href"),
      `/alerts/${id}`,
    );

    // Acknowledged in place; the banner says by whom too.
    await row.getByRole("button", { name: "Acknowledge" }).click();
    await row.getByText("acknowledged by admin").waitFor();
    assertEquals(await row.getByRole("button", { name: "Acknowledge" }).count(), 0);
    await banner.getByText("acknowledged by admin").waitFor({ timeout: 10_000 });

    // Its page: the rule, the processes when it fired, the notification delivered.
    await receiver.waitFor("firing");
    await until("the delivery recorded", async () => {
      const a = await ok<AlertJson>(hub, key, "GET", `/api/v1/alerts/${id}`);
      return a.notifications.some((n) => n.attempts.some((t) => t.ok));
    });
    const { page: detail, problems: detailProblems } = await watchedPage(desk);
    await detail.goto(`${hub.http}/alerts/${id}`);
    await detail.getByRole("heading", { name: "memory high on web-1" }).waitFor();
    const byMemory = detail.locator("table.procs", { hasText: "By memory" });
    assertEquals(
      await byMemory.locator("tbody tr").first().locator("th").textContent(),
      "postgres",
    );
    await detail.locator(".attempts li", { hasText: "delivered (HTTP 200)" }).waitFor();
    await detail.locator(".timeline", { hasText: "Acknowledged by admin" }).waitFor();

    // It resolves: into the history on the list and on its page; every badge goes.
    await proc.memory(50);
    const history = list.locator("section[aria-labelledby=history-title]");
    await history.locator(`tr[data-alert="${id}"]`).waitFor({ timeout: 20_000 });
    await list.getByText("Nothing is firing.").waitFor();
    await detail.locator(".badge.state-resolved").waitFor({ timeout: 10_000 });
    await detail.locator(".timeline", { hasText: "Resolved" }).waitFor();
    for (const p of [fleet, list, host]) {
      await p.locator("header .alert-count").waitFor({ state: "detached", timeout: 10_000 });
    }
    await badge.waitFor({ state: "detached" });
    await banner.waitFor({ state: "detached" });
    assert((await history.locator(`tr[data-alert="${id}"]`).textContent())!.includes("admin"));

    // A phone: cards, nothing wider than the screen.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const { page: small, problems: smallProblems } = await watchedPage(phone);
    await small.goto(`${hub.http}/login`);
    await small.context().addCookies(await desk.cookies());
    for (const path of ["/alerts", `/alerts/${id}`, "/alerts?state=resolved"]) {
      await small.goto(`${hub.http}${path}`);
      await small.locator("h1").waitFor();
      assertEquals(await sidewaysOverflow(small), 0, `${path} at 390 px`);
    }
    const all = [problems, listProblems, hostProblems, detailProblems, smallProblems].flat();
    assertEquals(all, [], "no console errors or CSP");
  },
);

browserTest(
  "alerts: a push check's alert, on no host, names its check on the alerts pages",
  async ({ hub, browser, own }) => {
    const receiver = own(new Receiver());
    const key = lastLine((await hubCli(hub, "apikey", "create", "test")).stdout);
    await onlyTheTestsRules(hub, key, receiver);
    await ok(hub, key, "POST", "/api/v1/alert-rules", {
      name: "Job silent",
      kind: "check_down",
      labels: { check: "*" },
      severity: "critical",
    });
    const desk = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const { page: list, problems } = await watchedPage(desk);
    await setUpAdmin(list, hub);
    await list.goto(`${hub.http}/alerts`);
    await list.getByText("Nothing is firing.").waitFor();
    const check = await ok<{ id: string; push_url: string }>(hub, key, "POST", "/api/v1/checks", {
      name: "Nightly backup",
      type: "push",
      interval_s: 5,
    });

    // Its period passes without a push: it fires, live, in the list and the navigation.
    const row = list.locator("tr[data-alert]", { hasText: "Job silent" });
    await row.waitFor({ timeout: 30_000 });
    const on = row.getByRole("link", { name: "check Nightly backup" });
    assertEquals(await on.getAttribute("href"), `/checks/${check.id}`);
    await list.locator("header .alert-count.critical", { hasText: "1" }).waitFor();
    const id = Number(await row.getAttribute("data-alert"));
    await list.reload();
    await row.getByRole("link", { name: "check Nightly backup" }).waitFor();

    // Its page says what it is on, and an admin acknowledges it there.
    const { page: detail, problems: detailProblems } = await watchedPage(desk);
    await detail.goto(`${hub.http}/alerts/${id}`);
    await detail.getByRole("heading", { name: "Job silent on check Nightly backup" }).waitFor();
    assertEquals(
      await detail.locator(".facts").getByRole("link", { name: "Nightly backup" }).getAttribute(
        "href",
      ),
      `/checks/${check.id}`,
    );
    await detail.getByRole("button", { name: "Acknowledge" }).click();
    await detail.getByText("acknowledged by admin").waitFor();

    // A push resolves it: the list moves it to the history, the count goes.
    await (await fetch(`${hub.http}${check.push_url}`)).body?.cancel();
    await list.locator("header .alert-count").waitFor({ state: "detached", timeout: 15_000 });
    await list.getByText("Nothing is firing.").waitFor();
    await detail.locator(".badge.state-resolved").waitFor();
    assertEquals([...problems, ...detailProblems], []);
  },
);
