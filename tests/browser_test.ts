/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core):
 * create the admin from the setup link, add a host, run a real agent with the
 * token the page shows, watch it turn online without a reload, see its CPU
 * chart fill, and find that a viewer cannot change anything.
 * With SIGHTLINE_SCREENSHOTS=1 it saves the README's screenshots in docs/.
 */
import { chromium } from "playwright-core";
import { assert, assertEquals } from "../lib/assert.ts";
import { type Proc, registerAgent, startAgent, startHub } from "./harness.ts";

const CHROMIUM = Deno.env.get("SIGHTLINE_CHROMIUM") ?? "/usr/bin/chromium";
const SHOTS = Deno.env.get("SIGHTLINE_SCREENSHOTS") === "1";
const PASSWORD = "correct horse battery";

Deno.test({
  name: "dashboard: set up, add a host, watch it go online and chart, and refuse a viewer",
  ignore: Deno.build.os !== "linux",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sightline-browser-" });
    const hub = await startHub(`${dir}/hub`);
    const browser = await chromium.launch({
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
    let agent: Proc | null = null;
    try {
      const [, setupPath] = await hub.proc.waitForLine(/http:\/\/[^/]+(\/setup\?token=\S+)/);
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
      page.on("pageerror", (e) => problems.push(e.message));

      // Setup creates the admin and signs them in.
      const setupRes = await page.goto(`${hub.http}${setupPath}`);
      const csp = setupRes!.headers()["content-security-policy"];
      assert(csp.includes("script-src 'self'") && !csp.includes("unsafe-inline"), csp);
      assert(csp.includes("frame-ancestors 'none'"), csp);
      await page.getByLabel("Name").fill("admin");
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Create admin" }).click();
      await page.getByRole("heading", { name: "Fleet" }).waitFor();

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
      // The page turns green by itself: no reload (the marker survives).
      await page.locator(".badge.online").waitFor({ timeout: 15_000 });
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
