/**
 * The fleet as a new user meets it, in Chromium: counts of hosts up, down and
 * waiting; hosts that never connected kept apart; on a phone, cards and
 * nothing wider than the screen; the view kept in the URL; a theme chosen
 * per browser, dark from the system by default.
 */
import { assert, assertEquals } from "../lib/assert.ts";
import { enroll, hubCli, type Proc, startAgent } from "./harness.ts";
import { browserTest, setUpAdmin, SHOTS, sidewaysOverflow, watchedPage } from "./browser.ts";

browserTest(
  "fleet: counts and a waiting list, cards on a phone in the dark, the view in the URL",
  async ({ dir, hub, browser, own }) => {
    const agents: Proc[] = [];
    // Two hosts with running agents, one whose agent stopped, one never connected.
    for (const name of ["web-a", "web-b", "db-1"]) {
      await enroll(hub, `${dir}/${name}`, name);
      agents.push(own(startAgent(`${dir}/${name}`, 1)));
    }
    assertEquals((await hubCli(hub, "token", "create", "--name", "cache-9")).code, 0);

    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      colorScheme: "dark",
    });
    const { page, problems } = await watchedPage(phone);
    await setUpAdmin(page, hub);
    await page.locator(".counts .online strong", { hasText: "3" }).waitFor({ timeout: 20_000 });
    await agents.pop()!.stop();
    const counts = page.locator(".counts");
    await counts.locator(".offline strong", { hasText: "1" }).waitFor({ timeout: 30_000 });
    assertEquals(await counts.locator(".online strong").textContent(), "2");
    assertEquals(await counts.locator(".waiting strong").textContent(), "1");

    // The host that never connected is not in the table but in its own list.
    assertEquals(await page.locator("tbody tr", { hasText: "cache-9" }).count(), 0);
    await page.locator(".waiting li", { hasText: "cache-9" }).waitFor();

    // Dark from the system; each host a card; nothing scrolls sideways.
    assertEquals(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
    const row = page.locator("tbody tr", { hasText: "web-a" });
    assertEquals(await row.evaluate((tr) => getComputedStyle(tr).display), "grid");
    await page.locator("tbody tr svg.spark").first().waitFor({ timeout: 20_000 });
    assertEquals(await sidewaysOverflow(page), 0, "fleet at 390 px");
    if (SHOTS) await page.screenshot({ path: "docs/fleet-phone-dark.png", fullPage: true });
    for (const path of ["/settings", "/hosts/new"]) {
      await page.goto(`${hub.http}${path}`);
      assertEquals(await sidewaysOverflow(page), 0, `${path} at 390 px`);
    }
    await page.goto(`${hub.http}/`);
    await row.getByRole("link", { name: "web-a" }).click();
    await page.locator(".badge.online").waitFor();
    assertEquals(await sidewaysOverflow(page), 0, "host page at 390 px");

    // Tags are edited in place: a refusal shows beside the field and keeps the text.
    const tags = page.getByLabel(/^Tags/);
    await tags.fill("edge, not ok!");
    await page.getByRole("button", { name: "Save tags" }).click();
    await page.getByRole("alert").filter({ hasText: 'Invalid tag "not ok!"' }).waitFor();
    assertEquals(await tags.inputValue(), "edge, not ok!");
    assertEquals(await tags.getAttribute("aria-invalid"), "true");
    await tags.fill("edge, eu-west");
    await page.getByRole("button", { name: "Save tags" }).click();
    await page.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    assertEquals(await tags.inputValue(), "edge, eu-west");
    assert(!page.url().includes("/tags"), "stayed on the host page");

    // Search, filter and sort go into the URL and survive a reload.
    await page.goto(`${hub.http}/`);
    await page.getByPlaceholder("Search name, tag, OS").fill("web");
    await page.getByLabel("Sort by").selectOption("cpu_percent:desc");
    await page.waitForURL(/\?q=web&sort=cpu_percent&desc=1$/);
    await page.reload();
    assertEquals(await page.getByPlaceholder("Search name, tag, OS").inputValue(), "web");
    assertEquals(await page.getByLabel("Sort by").inputValue(), "cpu_percent:desc");
    await page.locator("tbody tr", { hasText: "web-b" }).waitFor();
    assertEquals(await page.locator("tbody tr", { hasText: "db-1" }).count(), 0);
    // A count filters, and says so.
    await counts.getByRole("button", { name: /down/ }).click();
    await page.waitForURL(/status=offline/);
    assertEquals(await page.locator("tbody tr").count(), 0, "no web host is down");

    // The theme is chosen per browser and kept.
    await page.getByLabel("Theme").selectOption("light");
    assertEquals(await page.evaluate(() => document.documentElement.dataset.theme), "light");
    await page.reload();
    assertEquals(await page.evaluate(() => document.documentElement.dataset.theme), "light");
    assertEquals(await page.getByLabel("Theme").inputValue(), "light");

    // The one refusal above is the only failed request.
    const refusal = "the server responded with a status of 400 (Bad Request)";
    assertEquals(problems.filter((p) => !p.includes(refusal)), [], "no console errors or CSP");
    assertEquals(problems.length, 1);
  },
);
