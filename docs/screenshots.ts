/**
 * Regenerates the README's screenshots (docs/fleet.png, docs/host.png,
 * docs/alerts.png, and their dark twins docs/fleet-dark.png, docs/host-dark.png,
 * docs/alerts-dark.png) from a real hub and real agents on loopback, after
 * about three minutes of data:
 * `deno run -A --unstable-kv docs/screenshots.ts` (needs /usr/bin/chromium).
 */
import { chromium } from "playwright-core";
import { enroll, hubCli, startAgent, startHub } from "../tests/harness.ts";
import { ok } from "../tests/alerts_harness.ts";
const dir = await Deno.makeTempDir();
const hub = await startHub(`${dir}/hub`);
const { identity, key } = await enroll(hub, `${dir}/agent`, "web-1");
await hubCli(hub, "user", "add", "admin", { stdin: "a long passphrase\n" });
const agent = startAgent(`${dir}/agent`, 2);
// A second and third host so the fleet table shows more than one row.
await enroll(hub, `${dir}/agent2`, "db-1");
const agent2 = startAgent(`${dir}/agent2`, 2);
await enroll(hub, `${dir}/agent3`, "backup-1");
// A host whose agent has not connected yet waits in a list of its own.
await hubCli(hub, "token", "create", "--name", "cache-1");
// Alerts to show: memory in use (any host has some) fires and stays; busy CPU comes and goes
// with the work below, so the history has entries.
const rule = { kind: "threshold", for_s: 0, scope: { all: true }, group_s: 0 };
await ok(hub, key, "POST", "/api/v1/alert-rules", {
  ...rule,
  name: "memory in use",
  metric: "mem_used_percent",
  op: ">",
  threshold: 1,
  severity: "warning",
});
await ok(hub, key, "POST", "/api/v1/alert-rules", {
  ...rule,
  name: "CPU busy",
  metric: "cpu_percent",
  op: ">",
  threshold: 40,
  recover: 25,
  severity: "critical",
});
// Some CPU work so the charts have a shape.
const burn = new Deno.Command("sh", {
  args: ["-c", "for i in 1 2 3 4 5 6; do timeout 12 sh -c 'while :; do :; done'; sleep 12; done"],
}).spawn();
await new Promise((r) => setTimeout(r, 150_000));
await agent2.stop();
await new Promise((r) => setTimeout(r, 20_000));
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
// The same pages in the light and the dark theme.
for (const scheme of ["light", "dark"] as const) {
  const suffix = scheme === "light" ? "" : "-dark";
  const context = await browser.newContext({
    viewport: { width: 1280, height: 720 },
    colorScheme: scheme,
  });
  const page = await context.newPage();
  await page.goto(`${hub.http}/login`);
  await page.getByLabel("Name").fill("admin");
  await page.getByLabel("Password").fill("a long passphrase");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("tbody tr").nth(2).waitFor();
  await page.waitForTimeout(3000);
  await page.screenshot({ path: new URL(`fleet${suffix}.png`, import.meta.url).pathname });
  await page.goto(`${hub.http}/hosts/${identity.agentId}`);
  await page.getByRole("button", { name: "15 min" }).click();
  await page.waitForTimeout(3000);
  await page.screenshot({
    path: new URL(`host${suffix}.png`, import.meta.url).pathname,
    fullPage: true,
  });
  await page.goto(`${hub.http}/alerts`);
  await page.locator("tr[data-alert]").first().waitFor();
  await page.screenshot({
    path: new URL(`alerts${suffix}.png`, import.meta.url).pathname,
    fullPage: true,
  });
  await context.close();
}
await browser.close();
try {
  burn.kill();
} catch { /* it ended by itself */ }
await agent.stop();
await hub.dispose();
console.log("Saved docs/fleet.png, docs/host.png, docs/alerts.png and their -dark twins");
Deno.exit(0);
