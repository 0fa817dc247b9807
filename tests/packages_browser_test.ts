/**
 * The Packages pages as a user meets them, in Chromium against a real hub: a
 * search for openssl older than 3.0.15 (from the navigation) lists the
 * package with the hosts that match and the spread of their versions; opening
 * it lists exactly those hosts, and one of them leads to its Packages tab.
 */
import { assertEquals } from "../lib/assert.ts";
import { openHubStore } from "./harness.ts";
import { browserTest, setUpAdmin, SHOTS, watchedPage } from "./browser.ts";
import { host } from "../hub/store/conformance_helpers.ts";
import type { InstalledPackage } from "../hub/store/packages/types.ts";

const deb = (name: string, version: string): InstalledPackage => ({
  manager: "dpkg",
  name,
  arch: "amd64",
  version,
  update_version: "",
  security: false,
});

browserTest(
  "packages: a fleet version search shows the hosts that match",
  async ({ hub, browser }) => {
    // The inventories as ingest stores them (tests/packages_test.ts covers the way there).
    const store = openHubStore(hub);
    try {
      const fleet: Array<[string, InstalledPackage[]]> = [
        ["web-1", [deb("openssl", "3.0.14-1~deb12u1"), deb("curl", "7.88.1-10")]],
        ["web-2", [deb("openssl", "3.0.15-1~deb12u1"), deb("curl", "7.88.1-10")]],
        ["db-1", [deb("openssl", "3.0.11-1~deb12u2"), deb("libssl3", "3.0.11-1~deb12u2")]],
      ];
      for (const [name, packages] of fleet) {
        await host(store, name, name);
        await store.packages.writeBatch(name, {
          seq: 1,
          ts: Date.now(),
          full: true,
          baselineSeq: 1,
          managers: ["dpkg"],
          upsert: packages,
          removed: [],
          total: packages.length,
          errors: [],
        }, Date.now());
      }
    } finally {
      await store.close();
    }

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const { page, problems } = await watchedPage(context);
    await setUpAdmin(page, hub);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Packages" })
      .click();
    await page.getByLabel("Package", { exact: true }).fill("openssl");
    await page.getByLabel("Version comparison").selectOption("lt");
    await page.getByLabel("Version to compare with").fill("3.0.15");
    await page.getByRole("button", { name: "Search" }).click();

    const row = page.locator("tr[data-package='dpkg/openssl']");
    await row.waitFor();
    const cells = await row.locator("td").allTextContents();
    assertEquals(cells.slice(0, 3), ["openssl", "dpkg", "2"]);
    assertEquals(cells[3], "3.0.11-1~deb12u2 … 3.0.14-1~deb12u1 (2 versions)");
    assertEquals(await page.locator("tr[data-package]").count(), 1);

    await row.getByRole("link", { name: "openssl" }).click();
    const hosts = page.getByRole("region", { name: "Hosts with dpkg/openssl" });
    await hosts.waitFor();
    assertEquals(await hosts.locator("tbody td:first-child").allTextContents(), ["db-1", "web-1"]);
    if (SHOTS) await page.screenshot({ path: "docs/packages.png", fullPage: true });

    await hosts.getByRole("link", { name: "db-1" }).click();
    await page.getByRole("navigation", { name: "Host" }).getByRole("link", { name: "Packages" })
      .waitFor();
    assertEquals(
      await page.locator("table.host-packages tbody td:first-child").allTextContents(),
      ["libssl3", "openssl"],
    );
    assertEquals(problems, []);
  },
);
