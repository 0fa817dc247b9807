/**
 * What changed, on the host page in Chromium: a host that reboots while its
 * page is open gets a marker on every chart without a reload, and hovering
 * it names the reboot.
 */
import { assert, assertEquals } from "../lib/assert.ts";
import { enroll } from "./harness.ts";
import { browserTest, setUpAdmin, watchedPage } from "./browser.ts";
import { session } from "./sim_agent.ts";

browserTest(
  "host charts: a reboot arriving live is marked on every chart, and its hover names it",
  async ({ dir, hub, browser }) => {
    const sim = await enroll(hub, `${dir}/sim`, "rebooter");
    const id = sim.identity.agentId;
    const now = Date.now();
    // An agent that does not say when it started: the reboot is the only change.
    const hello = { kernel: "6.1.0-18-amd64", agentVersion: "1.0.0" };
    await session(
      hub.grpc,
      sim.identity,
      hello,
      [1, 2, 3].map((seq) => ({
        seq,
        unixMs: now - 240_000 + seq * 30_000,
        uptimeS: 86_400 + seq * 30,
      })),
    );

    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const { page, problems } = await watchedPage(context);
    await setUpAdmin(page, hub);
    await page.goto(`${hub.http}/hosts/${id}`);
    await page.locator('[data-chart="cpu"][data-points="3"]').waitFor();
    const charts = await page.locator("section.chart").count();
    assert(charts >= 2, `${charts} charts`);
    assertEquals(await page.locator(".change-marker").count(), 0);

    // The host reboots; its first batch after says so, and the open page hears of it.
    await session(hub.grpc, sim.identity, hello, [{
      seq: 4,
      unixMs: now - 10_000,
      uptimeS: 25,
    }]);
    const reboots = page.locator('.change-marker[data-kinds="reboot"]');
    await page.waitForFunction(
      (n) => document.querySelectorAll('.change-marker[data-kinds="reboot"]').length === n,
      charts,
      { timeout: 20_000 },
    );
    assertEquals(await page.locator("section.chart").filter({ has: reboots }).count(), charts);

    const marker = page.locator('[data-chart="cpu"] .change-marker');
    const tip = marker.locator(".change-tip");
    assertEquals(await tip.isVisible(), false);
    await marker.hover();
    await tip.waitFor({ state: "visible" });
    const text = await tip.textContent();
    assert(text?.includes("Reboot") && text.includes("Host rebooted"), `tooltip: ${text}`);
    assertEquals(problems, [], "no console errors");
  },
);
