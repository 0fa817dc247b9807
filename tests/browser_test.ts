/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core):
 * create the admin from the setup link, add a host, run a real agent with the
 * token the page shows, watch it turn online without a reload, see its CPU
 * chart fill, and find that a viewer cannot change anything.
 * With SIGHTLINE_SCREENSHOTS=1 it saves the README's screenshots in docs/.
 */
import type { Page } from "playwright-core";
import { browserTest, PASSWORD, setUpAdmin, SHOTS, watchedPage } from "./browser.ts";
import { assert, assertEquals } from "../lib/assert.ts";
import { api, enroll, openHubStore, registerAgent, startAgent, until } from "./harness.ts";

browserTest(
  "dashboard: set up, add a host, watch it go online and chart, refuse a viewer, and follow hosts added, retagged and removed live",
  async ({ dir, hub, browser, own }) => {
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
    own(startAgent(`${dir}/agent`, 1));
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
      () => Number(document.querySelector('[data-chart="cpu"]')?.getAttribute("data-points")) >= 2,
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
  },
);

browserTest(
  "host charts: a year from rollups with bands, drag to zoom in, double-click out, custom range, kept in the URL across a reload",
  async ({ dir, hub, browser }) => {
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
      await store.metrics.writeBatch(hostId, {
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
    // The zoom window is in the URL, as a span.
    const zoomed = new URL(page.url()).searchParams;
    assert(zoomed.has("from") && zoomed.has("to") && !zoomed.has("range"), page.url());

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

    // The custom range survives a reload and can be shared: the same span, Custom alone pressed.
    const spanText = await page.locator("[data-view-span]").textContent();
    await page.reload();
    await showing("10m");
    assertEquals(Number(await load.getAttribute("data-points")), 48, "the same span");
    assertEquals(await page.locator("[data-view-span]").textContent(), spanText);
    assertEquals(
      await page.locator('.ranges button[aria-pressed="true"]').allTextContents(),
      ["Custom"],
    );

    assertEquals(problems, [], "no console errors or CSP violations");
  },
);

/** Where the rightmost pixel of `color` is in a chart's plotting area, 0 (left) to 1; -1: none. */
function rightmostPixel(page: Page, chart: string, color: string): Promise<number> {
  return page.evaluate(([chart, color]) => {
    const section = document.querySelector(`[data-chart="${chart}"]`)!;
    const canvas = section.querySelector("canvas")!;
    const c = canvas.getBoundingClientRect();
    const o = section.querySelector(".u-over")!.getBoundingClientRect();
    const scale = canvas.width / c.width;
    const [x0, y0] = [Math.round((o.left - c.left) * scale), Math.round((o.top - c.top) * scale)];
    const [w, h] = [Math.round(o.width * scale), Math.round(o.height * scale)];
    const px = canvas.getContext("2d")!.getImageData(x0, y0, w, h).data;
    const want = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
    let right = -1;
    for (let i = 0; i < px.length; i += 4) {
      const off = Math.abs(px[i] - want[0]) + Math.abs(px[i + 1] - want[1]) +
        Math.abs(px[i + 2] - want[2]);
      if (off < 90 && px[i + 3] > 200) right = Math.max(right, (i / 4) % w);
    }
    return right < 0 ? -1 : right / w;
  }, [chart, color] as const);
}

/** Relative luminance (0 black … 1 white) of a #rrggbb colour. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

browserTest(
  "host charts on a young host: 5 minutes show on 24 h, 7 d and 1 y up to now, the range survives a reload, one cursor, round ticks, dark axes readable",
  async ({ dir, hub, browser }) => {
    // Five minutes of 5 s batches, the newest just now, as a new agent leaves them.
    const { identity } = await enroll(hub, `${dir}/agent`, "newcomer");
    const hostId = identity.agentId;
    const store = openHubStore(hub);
    const end = Date.now();
    const first = end - 300_000;
    for (let i = 0; i <= 60; i++) {
      await store.metrics.writeBatch(hostId, {
        seq: i + 1,
        ts: first + i * 5000,
        points: [
          { metric: "cpu_percent", label: "", value: 20 + (i % 5) },
          { metric: "mem_used_bytes", label: "", value: (700 + i * 5) * 1024 ** 2 },
          { metric: "net_rx_bytes_per_s", label: "eth0", value: 900 + i * 10 },
        ],
        latest: {},
      });
    }
    await store.close();

    const context = await browser.newContext({
      viewport: { width: 1280, height: 860 },
      colorScheme: "light",
    });
    const { page, problems } = await watchedPage(context);
    await setUpAdmin(page, hub);
    await page.goto(`${hub.http}/hosts/${hostId}?range=24h`);
    const cpu = page.locator('[data-chart="cpu"]');
    const pressed = () => page.locator('.ranges button[aria-pressed="true"]').allTextContents();
    assertEquals(await pressed(), ["24 h"], "the URL's range, from the first render");
    const blue = await page.evaluate(() =>
      getComputedStyle(document.documentElement).getPropertyValue("--chart-1").trim()
    );
    const since = await page.evaluate(
      (t) => new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }),
      first,
    );

    for (
      const [button, key, tier] of [["24 h", "24h", "1m"], ["7 d", "7d", "10m"], [
        "1 y",
        "1y",
        "1d",
      ]]
    ) {
      await page.getByRole("button", { name: button, exact: true }).click();
      await page.waitForFunction(
        (t) => document.querySelector('[data-chart="cpu"]')?.getAttribute("data-tier") === t,
        tier,
      );
      assertEquals(await pressed(), [button]);
      assert(page.url().endsWith(`?range=${key}`), page.url());
      // The newest bucket, the one that holds now, has the data that arrived.
      const last = Number(await cpu.getAttribute("data-last"));
      const step = Number(await cpu.getAttribute("data-step"));
      assert(last + step > Date.now() && last <= Date.now(), `${button}: newest ${last}`);
      assert(Number(await cpu.getAttribute("data-points")) >= 1, button);
      // It is drawn, at the right edge: dots where a line alone would not show.
      const right = await rightmostPixel(page, "cpu", blue);
      assert(right > 0.97, `${button}: the series is drawn up to ${right} of the width`);
      await cpu.locator(".chart-note", {
        hasText: `Not enough data yet for this range: collected since ${since}`,
      }).waitFor();
    }

    // A reload opens the same range; one button is pressed, never two.
    await page.reload();
    await page.waitForFunction(() =>
      document.querySelector('[data-chart="cpu"]')?.getAttribute("data-tier") === "1d"
    );
    assertEquals(await pressed(), ["1 y"]);
    await page.getByRole("button", { name: "Custom" }).click();
    assertEquals(await pressed(), ["Custom"]);
    await page.getByRole("button", { name: "Custom" }).click();
    assertEquals(await pressed(), ["1 y"]);

    // Hovering one chart moves the cursor on the others.
    await page.getByRole("button", { name: "15 min" }).click();
    await page.waitForFunction(() =>
      document.querySelector('[data-chart="memory"]')?.getAttribute("data-tier") === "raw"
    );
    const over = (await cpu.locator(".u-over").boundingBox())!;
    await page.mouse.move(over.x + over.width * 0.8, over.y + over.height / 2);
    const cursorX = (chart: string) =>
      page.evaluate((c) => {
        const el = document.querySelector<HTMLElement>(`[data-chart="${c}"] .u-cursor-x`)!;
        return el.classList.contains("u-off") ? null : new DOMMatrix(el.style.transform).m41;
      }, chart);
    const here = await cursorX("cpu");
    await page.waitForFunction((x) => {
      const el = document.querySelector<HTMLElement>('[data-chart="memory"] .u-cursor-x');
      return el && !el.classList.contains("u-off") &&
        Math.abs(new DOMMatrix(el.style.transform).m41 - x!) < 2;
    }, here);
    assert(here !== null && here > over.width * 0.7, `cursor at ${here}`);

    // Round ticks, one unit per axis: 700–1000 MiB of memory, 0.9–1.5 KiB/s of network.
    const ticks = async (chart: string) =>
      (await page.locator(`[data-chart="${chart}"] .plot`).getAttribute("data-y-ticks"))!
        .split(" | ");
    assertEquals(await ticks("memory"), [
      "0 MiB",
      "200 MiB",
      "400 MiB",
      "600 MiB",
      "800 MiB",
      "1000 MiB",
    ]);
    const net = await ticks("net");
    assert(net.every((l) => l.endsWith(" KiB/s")), net.join());

    // Dark mode: the axes are drawn in the theme's light text, and follow a switch.
    const axis = () => cpu.locator(".plot").getAttribute("data-axis-color");
    const themeAxis = () =>
      page.evaluate(() =>
        getComputedStyle(document.documentElement).getPropertyValue("--chart-axis").trim()
      );
    const light = (await axis())!;
    assert(luminance(light) < 0.2, `light theme axis ${light}`);
    await page.emulateMedia({ colorScheme: "dark" });
    await page.waitForFunction(
      (l) =>
        document.querySelector('[data-chart="cpu"] .plot')?.getAttribute("data-axis-color") !== l,
      light,
    );
    const dark = (await axis())!;
    assertEquals(dark, await themeAxis());
    assert(luminance(dark) > 0.5, `dark theme axis ${dark}`);
    // The theme switch in the header wins over the system's theme, at once.
    await page.getByLabel("Theme").selectOption("light");
    await page.waitForFunction(
      (l) =>
        document.querySelector('[data-chart="cpu"] .plot')?.getAttribute("data-axis-color") === l,
      light,
    );

    // Back to the system's (dark) theme.
    await page.getByLabel("Theme").selectOption("system");
    await page.waitForFunction(
      (d) =>
        document.querySelector('[data-chart="cpu"] .plot')?.getAttribute("data-axis-color") === d,
      dark,
    );

    // A page opened in dark mode draws dark from the start.
    const darkContext = await browser.newContext({
      viewport: { width: 1280, height: 860 },
      colorScheme: "dark",
      storageState: await context.storageState(),
    });
    const { page: darkPage, problems: darkProblems } = await watchedPage(darkContext);
    await darkPage.goto(`${hub.http}/hosts/${hostId}?range=7d`);
    await darkPage.waitForFunction(() =>
      document.querySelector('[data-chart="cpu"]')?.getAttribute("data-tier") === "10m"
    );
    assertEquals(
      await darkPage.locator('[data-chart="cpu"] .plot').getAttribute("data-axis-color"),
      dark,
    );

    assertEquals([...problems, ...darkProblems], [], "no console errors or CSP violations");
  },
);
