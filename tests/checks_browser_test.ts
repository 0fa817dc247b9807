/**
 * The Checks pages in Chromium: a push check listed as pending turns up on
 * the open page without a reload when its cron job calls, its uptime and
 * today's bar with it, and its page opens from the list.
 */
import { assertEquals } from "../lib/assert.ts";
import { hubCli, lastLine } from "./harness.ts";
import { browserTest, setUpAdmin, watchedPage } from "./browser.ts";

browserTest(
  "checks: a push check's status changes live on the Checks page",
  async ({ hub, browser }) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const { page, problems } = await watchedPage(context);
    await setUpAdmin(page, hub);
    const key = lastLine((await hubCli(hub, "apikey", "create", "test")).stdout);
    const res = await fetch(`${hub.http}/api/v1/checks`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Nightly backup", type: "push", interval_s: 3600 }),
    });
    assertEquals(res.status, 201);
    const { id, push_url } = await res.json();

    // The push is told once: the page's events stream must be open before it comes.
    const stream = page.waitForResponse((r) => r.url().includes("/api/v1/events"));
    await page.getByRole("link", { name: "Checks" }).click();
    await page.getByRole("heading", { name: "Checks" }).waitFor();
    const row = page.locator(`tr[data-check="${id}"]`);
    assertEquals(await row.getAttribute("data-status"), "pending");
    const today = row.locator(".uptime-bars .bar").last();
    assertEquals(await today.getAttribute("class"), "bar none");
    await stream;
    const pushed = await fetch(`${hub.http}${push_url}`);
    assertEquals(pushed.status, 200);
    await page.locator(`tr[data-check="${id}"][data-status="up"]`).waitFor({ timeout: 10_000 });
    // Today's bar follows too: judged from now on, and up.
    await row.locator(".uptime-bars .bar.up").last().waitFor();
    assertEquals(await today.getAttribute("class"), "bar up");
    assertEquals(await row.locator("td").nth(2).textContent(), "100 %");

    await row.getByRole("link", { name: "Nightly backup" }).click();
    await page.getByRole("heading", { name: "Nightly backup" }).waitFor();
    await page.getByText("No agent has reported yet.").waitFor();
    assertEquals(problems, [], "no console errors");
    await context.close();
  },
);
