/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core):
 * create the admin from the setup link, add a host, run a real agent with the
 * token the page shows, watch it turn online without a reload, see its CPU
 * chart fill, and find that a viewer cannot change anything.
 * With SIGHTLINE_SCREENSHOTS=1 it saves the README's screenshots in docs/.
 */
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { assert, assertEquals } from "../lib/assert.ts";
import {
  api,
  enroll,
  type Hub,
  openHubStore,
  type Proc,
  registerAgent,
  startAgent,
  startHub,
  until,
} from "./harness.ts";

const CHROMIUM = Deno.env.get("SIGHTLINE_CHROMIUM") ?? "/usr/bin/chromium";
const SHOTS = Deno.env.get("SIGHTLINE_SCREENSHOTS") === "1";
const PASSWORD = "correct horse battery";

/** Debian's Chromium, headless, quiet on the network. */
function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A new page whose console errors and uncaught exceptions are collected. */
async function watchedPage(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(e.message));
  return { page, problems };
}

/** Follows the setup link the hub printed to create the admin, who is then signed in. */
async function setUpAdmin(page: Page, hub: Hub) {
  const [, setupPath] = await hub.proc.waitForLine(/http:\/\/[^/]+(\/setup\?token=\S+)/);
  const res = await page.goto(`${hub.http}${setupPath}`);
  await page.getByLabel("Name").fill("admin");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create admin" }).click();
  await page.getByRole("heading", { name: "Fleet" }).waitFor();
  return res;
}

Deno.test({
  name:
    "dashboard: set up, add a host, watch it go online and chart, refuse a viewer, and follow hosts added, retagged and removed live",
  ignore: Deno.build.os !== "linux",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sightline-browser-" });
    const hub = await startHub(`${dir}/hub`);
    const browser = await launch();
    let agent: Proc | null = null;
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      const { page, problems } = await watchedPage(context);

      // Setup creates the admin and signs them in.
      const setupRes = await setUpAdmin(page, hub);
      const csp = setupRes!.headers()["content-security-policy"];
      assert(csp.includes("script-src 'self'") && !csp.includes("unsafe-inline"), csp);
      assert(csp.includes("frame-ancestors 'none'"), csp);

      // Add a host: the page shows the command with a one-time token.
      await page.getByRole("link", { name: "Add host" }).click();
      await page.getByLabel(/Name/).fill("web-1");
      await page.getByRole("button", { name: "Create registration token" }).click();
      const command = await page.locator("#command").textContent();
      const token = /--token (sl_reg_\S+)/.exec(command ?? "")?.[1];
      assert(token, `no token in: ${command}`);
      assert(command!.includes(`--hub 127.0.0.1:${hub.ports.grpc}`), command!);
      await page.locator(".badge.pending").waitFor();
      await page.evaluate(
        () => ((globalThis as unknown as { stillHere: boolean }).stillHere = true),
      );

      assertEquals((await registerAgent(hub, token, `${dir}/agent`)).code, 0);
      agent = startAgent(`${dir}/agent`, 1);
      // The page says so by itself, no reload (the marker survives): the host's
      // name and a link, and the used token is gone from the screen.
      const connected = page.getByRole("status").filter({ hasText: "is connected and reporting" });
      await connected.waitFor({ timeout: 15_000 });
      assertEquals(await connected.locator("strong").textContent(), "web-1");
      assertEquals(await page.locator("#command").count(), 0);
      assert((await page.content()).indexOf(token) === -1, "the token is not on the page");
      assert(
        await page.evaluate(() =>
          (globalThis as unknown as { stillHere?: boolean }).stillHere === true
        ),
      );

      // The fleet lists it online, and live figures arrive.
      await page.goto(`${hub.http}/`);
      const row = page.locator("tbody tr", { hasText: "web-1" });
      await row.locator(".badge.online").waitFor();
      await page.waitForFunction(() => {
        const cell = document.querySelector("tbody tr td.num");
        return cell && /\d/.test(cell.textContent ?? "");
      });
      if (SHOTS) await page.screenshot({ path: "docs/fleet.png" });

      // The host page charts CPU with real points.
      await row.getByRole("link", { name: "web-1" }).click();
      await page.locator('[data-chart="cpu"] canvas').waitFor();
      await page.waitForFunction(
        () =>
          Number(document.querySelector('[data-chart="cpu"]')?.getAttribute("data-points")) >= 2,
        null,
        {
          timeout: 20_000,
        },
      );
      await page.getByRole("button", { name: "15 min" }).click();
      assertEquals(
        await page.getByRole("button", { name: "15 min" }).getAttribute("aria-pressed"),
        "true",
      );
      if (SHOTS) await page.screenshot({ path: "docs/host.png", fullPage: true });

      // A viewer signs in and is refused any change.
      await page.goto(`${hub.http}/settings`);
      const addUser = page.locator("form[action='/settings/users']");
      await addUser.getByLabel("Name").fill("watcher");
      await addUser.getByLabel("Password").fill(PASSWORD);
      await addUser.getByLabel("Role").selectOption("viewer");
      await addUser.getByRole("button", { name: "Add user" }).click();
      await page.getByText("Added watcher (viewer)").waitFor();

      const viewerContext = await browser.newContext();
      const viewer = await viewerContext.newPage();
      await viewer.goto(`${hub.http}/login`);
      await viewer.getByLabel("Name").fill("watcher");
      await viewer.getByLabel("Password").fill(PASSWORD);
      await viewer.getByRole("button", { name: "Sign in" }).click();
      await viewer.getByRole("heading", { name: "Fleet" }).waitFor();
      assertEquals(await viewer.getByRole("link", { name: "Add host" }).count(), 0);
      const refused = await viewer.evaluate(async () => {
        const res = await fetch("/hosts/new", {
          method: "POST",
          body: new URLSearchParams({ name: "x" }),
        });
        return res.status;
      });
      assertEquals(refused, 403);
      const hostId = await row.getAttribute("data-host").catch(() => null) ??
        (await page.url()).split("/hosts/")[1];
      const del = await viewer.evaluate(
        async (id) => (await fetch(`/hosts/${id}/delete`, { method: "POST" })).status,
        hostId,
      );
      assertEquals(del, 403);

      // The viewer's open fleet follows the fleet: a host the admin adds appears,
      // its new tags show, and it goes when removed, all without a reload.
      await viewer.evaluate(() => ((globalThis as unknown as { same: boolean }).same = true));
      await page.goto(`${hub.http}/hosts/new`);
      await page.getByLabel(/Name/).fill("web-2");
      await page.getByRole("button", { name: "Create registration token" }).click();
      // Its agent has not connected yet: it waits in its own list.
      const added = viewer.locator(".waiting li", { hasText: "web-2" });
      await added.locator(".badge.pending").waitFor({ timeout: 10_000 });
      const addedId = await added.getAttribute("data-host");
      await page.goto(`${hub.http}/hosts/${addedId}`);
      await page.getByLabel(/^Tags/).fill("canary");
      await page.getByRole("button", { name: "Save tags" }).click();
      await added.locator(".tag", { hasText: "canary" }).waitFor({ timeout: 10_000 });
      await page.goto(`${hub.http}/hosts/${addedId}/delete`);
      await page.getByRole("button", { name: "Remove host and its data" }).click();
      await added.waitFor({ state: "detached", timeout: 10_000 });
      assert(
        await viewer.evaluate(() => (globalThis as unknown as { same?: boolean }).same === true),
        "the viewer's page was not reloaded",
      );

      // A forged cross-site form post is refused even for the admin.
      const forged = await fetch(`${hub.http}/settings/apikeys`, {
        method: "POST",
        headers: {
          origin: "https://evil.example",
          cookie: (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; "),
        },
        body: new URLSearchParams({ name: "stolen" }),
      });
      assertEquals(forged.status, 403);
      await forged.body?.cancel();

      assertEquals(problems, [], "no console errors or CSP violations");
    } finally {
      await browser.close();
      await agent?.stop();
      await hub.dispose();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "host charts: a year from rollups with bands, drag to zoom in, double-click out, custom range",
  ignore: Deno.build.os !== "linux",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sightline-history-" });
    const hub = await startHub(`${dir}/hub`);
    const browser = await launch();
    try {
      // 400 days of hourly load figures, as a year of ingest would have left them.
      const { identity, key } = await enroll(hub, `${dir}/agent`, "old-timer");
      const hostId = identity.agentId;
      const store = openHubStore(hub);
      const hour = 3_600_000;
      const end = Math.floor(Date.now() / hour) * hour;
      for (let i = 0; i < 400 * 24; i++) {
        const ts = end - i * hour;
        // A daily swing around a level that drifts over the year.
        const level = 1.5 + Math.sin((ts / (365 * 24 * hour)) * 4 * Math.PI);
        const load = level + 0.6 * Math.sin((ts / (24 * hour)) * 2 * Math.PI) + (i % 7) / 14;
        await store.writeBatch(hostId, {
          seq: 400 * 24 - i,
          ts,
          points: [
            { metric: "load1", label: "", value: load },
            { metric: "load5", label: "", value: load * 0.8 },
            { metric: "load15", label: "", value: load * 0.6 },
          ],
          latest: {},
        });
      }
      await store.close();
      // The hub's history worker rolls them up by itself, a slice at a time.
      const year = new URLSearchParams({
        metric: "load1",
        from: new Date(end - 365 * 24 * hour).toISOString(),
        to: new Date(end + 1).toISOString(),
      });
      await until("a year rolled up", async () => {
        const body = await api<{ points: Array<[number, number | null]> }>(
          hub,
          key,
          `/api/v1/hosts/${hostId}/metrics?${year}`,
        );
        return body.points.filter(([, v]) => v !== null).length >= 365;
      }, 60_000);

      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      const { page, problems } = await watchedPage(context);
      await setUpAdmin(page, hub);
      await page.goto(`${hub.http}/hosts/${hostId}`);
      const load = page.locator('[data-chart="load"]');
      const showing = (tier: string) =>
        page.waitForFunction(
          (t) => document.querySelector('[data-chart="load"]')?.getAttribute("data-tier") === t,
          tier,
        );

      // One year: daily buckets with min–max bands, one point a day.
      await page.getByRole("button", { name: "1 y" }).click();
      await showing("1d");
      assertEquals(await load.getAttribute("data-bands"), "true");
      assert(Number(await load.getAttribute("data-points")) >= 364, "a point a day");
      assert((await load.locator(".tier").textContent())?.includes("1 d averages"));
      await load.scrollIntoViewIfNeeded();
      if (SHOTS) await load.screenshot({ path: "docs/history.png" });

      // Drag across the last quarter of the chart: about 90 days, read from hourly buckets.
      const box = (await load.locator(".u-over").boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.99, box.y + box.height / 2, { steps: 5 });
      await page.mouse.up();
      await showing("1h");
      await page.locator("[data-view-span]").waitFor();
      assertEquals(
        await page.getByRole("button", { name: "1 y" }).getAttribute("aria-pressed"),
        "false",
      );

      // Double-click goes back to the year.
      await load.locator(".u-over").dblclick();
      await showing("1d");
      assertEquals(
        await page.getByRole("button", { name: "1 y" }).getAttribute("aria-pressed"),
        "true",
      );

      // A custom range of two days, 100 days ago: 1 min buckets are gone by then, so 10 min.
      await page.getByRole("button", { name: "Custom" }).click();
      const local = (ms: number) =>
        new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
      const from = end - 100 * 24 * hour;
      await page.getByLabel("From").fill(local(from));
      await page.getByLabel("To").fill(local(from - 2 * 24 * hour));
      await page.getByRole("button", { name: "Show" }).click();
      await page.getByText("From must be at least a minute before to.").waitFor();
      await page.getByLabel("To").fill(local(from + 2 * 24 * hour));
      await page.getByRole("button", { name: "Show" }).click();
      await showing("10m");
      assertEquals(Number(await load.getAttribute("data-points")), 48, "the hourly samples");

      assertEquals(problems, [], "no console errors or CSP violations");
    } finally {
      await browser.close();
      await hub.dispose();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
