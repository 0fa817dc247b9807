/**
 * The Logs page in Chromium: lines a real agent tails are listed newest
 * first with their levels coloured, a search narrows them, the live tail
 * shows a line written after the page opened without a reload, and the
 * host's Logs tab lists its lines.
 */
import { assert, assertEquals } from "../lib/assert.ts";
import { enroll, startAgent, until } from "./harness.ts";
import { browserTest, setUpAdmin, watchedPage } from "./browser.ts";

const write = (path: string, lines: string[]) =>
  Deno.writeTextFileSync(path, lines.map((l) => l + "\n").join(""), { append: true });

browserTest("logs page: search, coloured levels, live tail and the host tab", async (t) => {
  const { hub, dir } = t;
  const { key, identity } = await enroll(hub, `${dir}/agent`, "web-1");
  await Deno.mkdir(`${dir}/logs`);
  const path = `${dir}/logs/app.log`;
  write(
    path,
    Array.from({ length: 30 }, (_, i) => `${i % 10 === 3 ? "ERROR" : "INFO"} request ${i}`),
  );
  const agent = t.own(
    startAgent(`${dir}/agent`, 5, { SIGHTLINE_AGENT_LOG_ALLOW: `${dir}/logs/*.log` }),
  );
  await agent.waitForLine(/Connected to hub/);
  const res = await fetch(`${hub.http}/api/v1/log-sources`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ type: "file", path: `${dir}/logs/*.log` }),
  });
  assertEquals(res.status, 201);
  await until("the lines stored", async () => {
    const r = await fetch(`${hub.http}/api/v1/logs?limit=100`, {
      headers: { authorization: `Bearer ${key}` },
    });
    return (await r.json()).lines.length === 30;
  });

  const context = await t.browser.newContext({ viewport: { width: 1280, height: 860 } });
  const { page, problems } = await watchedPage(context);
  await setUpAdmin(page, hub);
  await page.goto(`${hub.http}/logs`);
  const rows = page.locator("table.log-lines tbody tr");
  await page.waitForFunction(() =>
    document.querySelectorAll("table.log-lines tbody tr").length === 30
  );
  assertEquals(await rows.first().locator(".log-message").textContent(), "INFO request 29");
  assertEquals(await page.locator(".badge.level-error").count(), 3);

  await page.getByLabel("Search lines").fill("error");
  await page.getByRole("button", { name: "Search" }).click();
  await page.waitForFunction(() =>
    document.querySelectorAll("table.log-lines tbody tr").length === 3
  );
  assertEquals(await rows.locator(".log-message").allTextContents(), [
    "ERROR request 23",
    "ERROR request 13",
    "ERROR request 3",
  ]);

  // The tail, within the search: a new error line shows up, an info line does not.
  await page.getByLabel("Live tail").check();
  write(path, ["INFO not shown", "ERROR live line"]);
  await page.locator("td.log-message", { hasText: "ERROR live line" }).waitFor({ timeout: 20_000 });
  assertEquals(await page.locator("td.log-message", { hasText: "not shown" }).count(), 0);

  await page.goto(`${hub.http}/hosts/${identity.agentId}/logs`);
  await page.waitForFunction(() =>
    document.querySelectorAll("table.log-lines tbody tr").length === 32
  );
  assertEquals(await page.locator('nav.tabs a[aria-current="page"]').textContent(), "Logs");
  assert(
    !(await page.locator("th", { hasText: "Host" }).count()),
    "no host column on a host's tab",
  );

  // The time range is the charts': picked here, it is in the URL and the tabs carry it.
  const range = page.getByLabel("Time range");
  await range.selectOption({ label: "last 15 min" });
  await page.waitForURL(/\/logs\?range=15m$/);
  await page.waitForFunction(() =>
    document.querySelectorAll("table.log-lines tbody tr").length === 32
  );
  const tabs = page.getByRole("navigation", { name: "Host" });
  await tabs.getByRole("link", { name: "Overview" }).click();
  await page.waitForURL(/\/hosts\/[^/]+\?range=15m$/);
  await page.getByRole("button", { name: "15 min", pressed: true }).waitFor();
  // A chart's fixed span (a zoom) reaches the logs too; nothing was logged in it.
  await page.getByRole("button", { name: "24 h" }).click();
  await page.waitForURL(/range=24h$/);
  await tabs.getByRole("link", { name: "Logs" }).click();
  await page.waitForURL(/\/logs\?range=24h$/);
  assertEquals(await range.inputValue(), "24h");
  await page.goto(
    `${hub.http}/hosts/${identity.agentId}/logs?from=2021-01-01T00:00:00.000Z&to=2021-01-02T00:00:00.000Z`,
  );
  assertEquals(await range.inputValue(), "span");
  await page.getByText("No lines.").waitFor();
  assertEquals(await page.locator("table.log-lines tbody tr").count(), 0);
  assert(
    (await tabs.getByRole("link", { name: "Overview" }).getAttribute("href"))!.includes(
      "from=2021-01-01",
    ),
  );
  assertEquals(problems, [], "no console errors");
});
