/**
 * The Packages pages as a user meets them, in Chromium against a real hub: a
 * search for openssl older than 3.0.15 (from the navigation) lists the
 * package with the hosts that match and the spread of their versions; opening
 * it lists exactly those hosts, and one of them leads to its Packages tab. An
 * agent's delta, through ingest, shows on its open Packages tab without a
 * reload, and in the fleet page's results (refreshed at most every 5 s).
 */
import { assertEquals } from "../lib/assert.ts";
import { enroll, openHubStore } from "./harness.ts";
import { Channel } from "../agent/grpc.ts";
import { encodeAgent } from "../agent/wire.ts";
import { HUB_TLS_NAME } from "../lib/link.ts";
import {
  createPackage,
  createPackageBatch,
  type PackageBatch,
} from "../proto/gen/sightline/agent/v1/agent_lean.ts";
import { probeHello, probeStream } from "./probe.ts";
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
  async ({ dir, hub, browser, own }) => {
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
          partOfFull: false,
        }, Date.now());
      }
    } finally {
      await store.close();
    }

    // One host with a real stream, sending as its agent's WAL would.
    const { identity } = await enroll(hub, `${dir}/agent`, "live-1");
    const channel = new Channel(hub.grpc, { serverName: HUB_TLS_NAME, caPem: identity.caPem });
    own({ stop: () => channel.close() });
    const acks = new Map<number, () => void>();
    const stream = probeStream(channel, identity, probeHello("live-1", 30), (k) => {
      if (k.case === "ack") acks.get(k.value.seq)?.();
    });
    own({ stop: () => Promise.resolve(stream.cancel()) });
    const send = (b: Partial<PackageBatch>) => {
      const acked = new Promise<void>((resolve) => acks.set(b.seq!, resolve));
      stream.write(encodeAgent({
        case: "packages",
        value: createPackageBatch({ unixMs: Date.now(), managers: ["dpkg"], ...b }),
      }));
      return acked;
    };
    const jq = createPackage({ manager: "dpkg", name: "jq", arch: "amd64", version: "1.6-2.1" });
    await send({ seq: 1, full: true, baselineSeq: 1, upsert: [jq], total: 1 });

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

    // Its tab is open when the agent's delta comes: the new package shows, the page never reloaded.
    // Sent once the page's event stream is open: what comes before it is the page's first render.
    const streaming = () => page.waitForResponse((r) => r.url().includes("/api/v1/events"));
    let opened = streaming();
    await page.goto(`${hub.http}/hosts/${identity.agentId}/packages`);
    await opened;
    const names = page.locator("table.host-packages tbody td:first-child");
    assertEquals(await names.allTextContents(), ["jq"]);
    await page.evaluate(() => Object.assign(globalThis, { sameDocument: true }));
    await send({
      seq: 2,
      full: false,
      baselineSeq: 1,
      upsert: [createPackage({
        manager: "dpkg",
        name: "openssl",
        arch: "amd64",
        version: "3.0.14-1~deb12u1",
        updateVersion: "3.0.15-1~deb12u1",
        securityUpdate: true,
      })],
      total: 2,
    });
    await page.locator("table.host-packages tbody tr", { hasText: "openssl" }).waitFor();
    assertEquals(await names.allTextContents(), ["jq", "openssl"]);
    assertEquals(
      await page.locator("[data-inventory]").textContent().then((t) => t!.split(".")[0]),
      "2 packages (dpkg), 1 with updates pending, 1 for security",
    );
    assertEquals(await page.evaluate(() => "sameDocument" in globalThis), true);

    // The fleet page's results follow too, its address and what the user is typing kept.
    opened = streaming();
    await page.goto(`${hub.http}/packages?name=openssl`);
    await opened;
    await page.evaluate(() => Object.assign(globalThis, { sameDocument: true }));
    const openssl = page.locator("tr[data-package='dpkg/openssl'] td");
    assertEquals((await openssl.allTextContents())[2], "4");
    await page.getByLabel("Package", { exact: true }).fill("openssl-");
    await send({
      seq: 3,
      full: false,
      baselineSeq: 1,
      upsert: [createPackage({
        manager: "dpkg",
        name: "python3-openssl",
        arch: "all",
        version: "23.0.0-1",
      })],
      total: 3,
    });
    await page.locator("tr[data-package='dpkg/python3-openssl']").waitFor();
    assertEquals(await page.evaluate(() => "sameDocument" in globalThis), true);
    assertEquals(new URL(page.url()).search, "?name=openssl");
    assertEquals(await page.getByLabel("Package", { exact: true }).inputValue(), "openssl-");
    assertEquals(problems, []);
  },
);
