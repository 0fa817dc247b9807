/**
 * What the browser tests share: Debian's Chromium through playwright-core
 * (never a downloaded browser), pages that collect console errors, and the
 * first admin created from the setup link the hub printed.
 */
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { type Hub, startHub } from "./harness.ts";

const CHROMIUM = Deno.env.get("SIGHTLINE_CHROMIUM") ?? "/usr/bin/chromium";

/** With SIGHTLINE_SCREENSHOTS=1 the browser tests save the README's screenshots in docs/. */
export const SHOTS = Deno.env.get("SIGHTLINE_SCREENSHOTS") === "1";

/** The admin's password in every browser test. */
export const PASSWORD = "correct horse battery";

/** Debian's Chromium, headless, quiet on the network. */
export function launch(): Promise<Browser> {
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
export async function watchedPage(
  context: BrowserContext,
): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(e.message));
  return { page, problems };
}

/** Follows the setup link the hub printed to create the admin, who is then signed in. */
export async function setUpAdmin(page: Page, hub: Hub) {
  const [, setupPath] = await hub.proc.waitForLine(/http:\/\/[^/]+(\/setup\?token=\S+)/);
  const res = await page.goto(`${hub.http}${setupPath}`);
  await page.getByLabel("Name").fill("admin");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create admin" }).click();
  await page.getByRole("heading", { name: "Fleet" }).waitFor();
  return res;
}

/** How far the page is wider than its viewport (0: nothing scrolls sideways). */
export function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
}

/** What a browser test gets: its temp dir, a running hub, the browser, and `own` for its agents. */
export interface BrowserTest {
  dir: string;
  hub: Hub;
  browser: Browser;
  /** Stops `proc` when the test ends, however it ends. */
  own<P extends { stop(): Promise<unknown> }>(proc: P): P;
}

/**
 * A test in Chromium against a real hub on loopback (Linux, where the
 * harness runs). The hub, the browser, the agents given to `own` and the temp
 * dir are gone when it ends.
 */
export function browserTest(name: string, fn: (t: BrowserTest) => Promise<void>): void {
  Deno.test({
    name,
    ignore: Deno.build.os !== "linux",
    // Playwright keeps sockets and timers of its own past a test.
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const dir = await Deno.makeTempDir({ prefix: "sightline-browser-" });
      const hub = await startHub(`${dir}/hub`);
      const browser = await launch();
      const owned: Array<{ stop(): Promise<unknown> }> = [];
      try {
        await fn({ dir, hub, browser, own: (p) => (owned.push(p), p) });
      } finally {
        await browser.close();
        for (const p of owned.reverse()) await p.stop();
        await hub.dispose();
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
