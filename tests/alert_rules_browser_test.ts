/**
 * Alert rules, silences, maintenance windows and channels in Chromium,
 * against a real hub and an agent whose memory use the test sets: a rule
 * checked as it is typed, previewed against the agent's last minutes (a
 * threshold that would fire, then one that would not), saved, switched off
 * and deleted after a confirmation; silences and windows added, shown on the
 * browser's clock and in its time zone, ended and deleted; refusals beside
 * their fields; viewers reading only; nothing wider than a phone.
 * With SIGHTLINE_SCREENSHOTS=1 it saves the rule editor's screenshots in docs/.
 */
import type { Page } from "playwright-core";
import { assert, assertEquals } from "../lib/assert.ts";
import { api, enroll, hubCli, startAgent, until } from "./harness.ts";
import { FakeProc } from "./alerts_harness.ts";
import {
  browserTest,
  PASSWORD,
  setUpAdmin,
  SHOTS,
  sidewaysOverflow,
  watchedPage,
} from "./browser.ts";

/** How the page writes a moment, on the clocks of `timeZone` (alerting_kit.tsx `when`). */
const onClock = (at: string | number, timeZone: string) =>
  new Date(at).toLocaleString("en-US", { timeZone, dateStyle: "medium", timeStyle: "short" });

/** Only these refusals, which the test provokes, may show in the console. */
function unexpected(problems: string[]): string[] {
  return problems.filter((p) => !/status of (400|409) /.test(p));
}

browserTest(
  "rule editor: checked as typed, previewed on the last minutes, saved, switched off, deleted",
  async ({ dir, hub, browser, own }) => {
    const proc = await FakeProc.make(`${dir}/proc`);
    await proc.memory(95);
    const { key, identity } = await enroll(hub, `${dir}/agent`, "web-1");
    own(startAgent(`${dir}/agent`, 1, proc.env));
    // A few samples of 95 % memory stored: what the preview replays.
    await until("memory samples stored", async () => {
      const m = await api<{ points: Array<[number, number | null]> }>(
        hub,
        key,
        `/api/v1/hosts/${identity.agentId}/metrics?metric=mem_used_percent`,
      );
      return m.points.filter(([, v]) => v !== null).length >= 1;
    }, 30_000);

    const zone = "Asia/Tokyo";
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      timezoneId: zone,
      locale: "en-US",
    });
    const { page, problems } = await watchedPage(context);
    await setUpAdmin(page, hub);
    await page.goto(`${hub.http}/alerts/rules`);
    const disk = page.locator("tbody tr", { hasText: "Filesystem above 90 %" });
    await disk.getByText("fs_used_percent (mount=*) > 90 % for 5 min, resolves ≤ 85 %").waitFor();

    await page.getByRole("link", { name: "Add rule" }).click();
    await page.getByLabel("Name", { exact: true }).fill("memory noisy");
    await page.getByLabel(/^Metric/).selectOption("mem_used_percent");
    await page.getByLabel(/^Threshold/).fill("90");
    // A recovery level on the wrong side is refused as it is typed, beside its field.
    const recover = page.getByLabel(/^Resolves at/);
    await recover.fill("95");
    await page.getByRole("alert")
      .filter({ hasText: "recover must be at or below the threshold (90) for >" }).waitFor();
    assertEquals(await recover.getAttribute("aria-invalid"), "true");
    await recover.fill("80");
    assertEquals(await recover.getAttribute("aria-invalid"), null);
    await page.getByRole("spinbutton", { name: /^For / }).fill("0");

    // The preview: the host watched now, and the last minutes would have fired (still firing).
    const preview = page.locator("section.preview");
    await preview.locator("[data-preview-hosts]", { hasText: "1 host: web-1" }).waitFor();
    const summary = preview.locator("[data-preview-summary]");
    await summary.getByText("Would have fired 1 time, 1 still firing.").waitFor();
    const episode = preview.locator("tbody tr", { hasText: "web-1" });
    await episode.getByText("still firing").waitFor();
    // Its time on the browser's clock, in the browser's zone.
    const replay = await fetch(`${hub.http}/api/v1/alert-rules/preview`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: "x",
        metric: "mem_used_percent",
        op: ">",
        threshold: 90,
        recover: 80,
        for_s: 0,
      }),
    }).then((r) => r.json());
    assertEquals(
      await episode.locator("td[data-label=Fired]").textContent(),
      onClock(replay.episodes[0].fired_at, zone),
    );
    if (SHOTS) await shoot(page, "rule-editor");

    // A threshold above what the host did would not have fired.
    await page.getByLabel(/^Threshold/).fill("99");
    await summary.getByText("Would not have fired.").waitFor();
    await page.getByLabel(/^Threshold/).fill("90");
    await summary.getByText("Would have fired 1 time").waitFor();

    // Picking hosts but none is refused beside the scope, before anything is sent.
    await page.getByRole("radio", { name: "Hosts picked" }).check();
    await page.getByRole("alert").filter({ hasText: "scope.hosts names no host" }).waitFor();
    await page.getByRole("checkbox", { name: "web-1" }).check();
    assertEquals(await page.getByRole("alert").count(), 0);

    await page.getByRole("button", { name: "Add rule" }).click();
    await page.waitForURL(/\/alerts\/rules$/);
    const row = page.locator("tbody tr", { hasText: "memory noisy" });
    await row.getByText("mem_used_percent > 90 %, resolves ≤ 80 %").waitFor();
    assertEquals(await row.locator("td[data-label=Scope]").textContent(), "web-1");
    if (SHOTS) await shoot(page, "rules");

    // Switched off in place, and still off after a reload.
    const saved = (await api<Array<{ id: string; name: string; enabled: boolean }>>(
      hub,
      key,
      "/api/v1/alert-rules",
    )).find((r) => r.name === "memory noisy")!;
    await row.getByRole("checkbox").uncheck();
    await until("the rule disabled", async () => {
      return !(await api<{ enabled: boolean }>(hub, key, `/api/v1/alert-rules/${saved.id}`))
        .enabled;
    });
    await page.reload();
    assertEquals(await row.getByRole("checkbox").isChecked(), false);

    // Edited: the editor shows what was saved, saves a change in place. The
    // island's code is held back until the edit is under way: typed into the
    // server's HTML, a value was dropped by the save (the island's state kept
    // the old one), so the form stays disabled until it is live.
    let release = () => {};
    const held = new Promise<void>((resolve) => release = resolve);
    await page.route("**/static/islands/mod.js", async (route) => {
      await held;
      await route.continue();
    });
    await row.getByRole("link", { name: "memory noisy", exact: true }).click();
    assertEquals(await page.getByLabel(/^Resolves at/).inputValue(), "80");
    assertEquals(await page.getByLabel(/^Resolves at/).isDisabled(), true);
    const typed = page.getByLabel(/^Resolves at/).fill("70");
    release();
    await typed;
    await page.unroute("**/static/islands/mod.js");
    await page.getByRole("button", { name: "Save rule" }).click();
    await page.getByRole("status").filter({ hasText: "resolves ≤ 70 %" }).waitFor();
    assertEquals(
      (await api<{ recover: number }>(hub, key, `/api/v1/alert-rules/${saved.id}`)).recover,
      70,
    );

    // Deleted after a confirmation that says what it checked.
    await page.getByRole("link", { name: "Delete rule" }).click();
    await page.getByText("It checks mem_used_percent > 90 %, resolves ≤ 70 %").waitFor();
    await page.getByRole("button", { name: "Delete rule" }).click();
    await page.waitForURL(/\/alerts\/rules$/);
    await page.locator("tbody tr", { hasText: "Host offline" }).waitFor();
    assertEquals(await page.locator("tbody tr", { hasText: "memory noisy" }).count(), 0);
    assertEquals(unexpected(problems), [], "no console errors or CSP");
  },
);

browserTest(
  "silences, windows and channels on a phone: added, on the browser's clock, ended, deleted; viewers read",
  async ({ hub, browser }) => {
    const zone = "America/New_York";
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      colorScheme: "dark",
      timezoneId: zone,
      locale: "en-US",
    });
    const { page, problems } = await watchedPage(phone);
    await setUpAdmin(page, hub);
    const key = (await hubCli(hub, "apikey", "create", "t")).stdout.trim().split("\n").pop()!;

    // Silences: a refusal beside its field, then one for four hours, ended at once.
    await page.goto(`${hub.http}/alerts/silences`);
    await page.getByText("No silence is running").waitFor();
    await page.getByLabel(/^Rule/).selectOption({ label: "CPU above 90 %" });
    await page.getByLabel(/^Lasts/).selectOption({ label: "for 4 hours" });
    await page.getByRole("button", { name: "Add silence" }).click();
    const reason = page.getByLabel(/^Reason/);
    await page.getByRole("alert").filter({ hasText: "reason must be some text" }).waitFor();
    assertEquals(await reason.getAttribute("aria-invalid"), "true");
    await reason.fill("kernel upgrade");
    await page.getByRole("button", { name: "Add silence" }).click();
    const running = page.locator("section", {
      has: page.getByRole("heading", { name: "Running" }),
    });
    const silence = running.locator("tbody tr", { hasText: "kernel upgrade" });
    await silence.getByText("rule CPU above 90 %").waitFor();
    const [made] = await api<Array<{ ends_at: string; created_by: string }>>(
      hub,
      key,
      "/api/v1/silences",
    );
    assertEquals(made.created_by, "admin");
    const until4h = Date.parse(made.ends_at) - Date.now();
    assert(until4h > 4 * 3600_000 - 60_000 && until4h <= 4 * 3600_000, `ends in ${until4h} ms`);
    assert(
      (await silence.locator("td[data-label=Until]").textContent())!
        .startsWith(onClock(made.ends_at, zone)),
      "until when, on the browser's clock",
    );
    assertEquals(await sidewaysOverflow(page), 0, "silences at 390 px");
    await silence.getByRole("button", { name: /End now/ }).click();
    await page.getByText("No silence is running").waitFor();
    const ended = page.locator("section", { has: page.getByRole("heading", { name: "Ended" }) });
    await ended.locator("tbody tr", { hasText: "kernel upgrade" }).waitFor();
    assertEquals((await api<unknown[]>(hub, key, "/api/v1/silences")).length, 0);

    // Maintenance: the time zone is the browser's; no day is refused beside the days.
    await page.goto(`${hub.http}/alerts/maintenance`);
    await page.getByText("No maintenance windows.").waitFor();
    const tz = page.getByLabel(/^Time zone/);
    await until("the browser's time zone picked", async () => (await tz.inputValue()) === zone);
    await page.getByLabel("Name", { exact: true }).fill("patch night");
    await page.getByRole("checkbox", { name: "Sun" }).uncheck();
    await page.getByRole("button", { name: "Add window" }).click();
    await page.getByRole("alert").filter({ hasText: "days must list weekdays" }).waitFor();
    await page.getByRole("checkbox", { name: "Tue" }).check();
    await page.getByLabel(/^Starts/).fill("01:30");
    await page.getByRole("button", { name: "Add window" }).click();
    const window = page.locator("tbody tr", { hasText: "patch night" });
    await window.getByText("Tue 01:30, for 2 h").waitFor();
    assertEquals(await window.locator("td[data-label='Time zone']").textContent(), zone);
    const [w] = await api<Array<{ time_zone: string; start: string }>>(
      hub,
      key,
      "/api/v1/maintenance-windows",
    );
    assertEquals([w.time_zone, w.start], [zone, "01:30"]);
    assertEquals(await sidewaysOverflow(page), 0, "maintenance at 390 px");
    await window.getByRole("button", { name: /^Delete/ }).click();
    await window.getByRole("button", { name: "Delete patch night?" }).click();
    await page.getByText("No maintenance windows.").waitFor();

    // Channels: masked once added; a name taken is refused beside the name.
    await page.goto(`${hub.http}/alerts/channels`);
    const addHook = async (name: string) => {
      await page.getByLabel("Name", { exact: true }).fill(name);
      await page.getByLabel(/^URL/).fill("http://127.0.0.1:9/hooks/secret-abcd");
      await page.getByRole("button", { name: "Add channel" }).click();
    };
    await addHook("ops");
    const channel = page.locator("tbody tr", { hasText: "ops" });
    await channel.getByText("…abcd").waitFor();
    assert(!(await page.content()).includes("hooks/secret"), "the URL is not shown back");
    // Its signing secret is shown this once; a test send to a closed port fails, and says so.
    await page.getByRole("status").filter({ hasText: "Signing secret of ops" })
      .locator("code", { hasText: /^whsec_/ }).waitFor();
    await channel.getByRole("button", { name: "Send test to ops" }).click();
    await channel.getByRole("status").filter({ hasText: "Test failed" }).waitFor();
    await addHook("ops");
    await page.getByRole("alert").filter({ hasText: "A channel is already named ops" }).waitFor();
    assertEquals(
      await page.getByLabel("Name", { exact: true }).getAttribute("aria-invalid"),
      "true",
    );
    assertEquals(await sidewaysOverflow(page), 0, "channels at 390 px");
    for (const path of ["/alerts/rules", "/alerts/rules/disk-full", "/alerts/rules/new"]) {
      await page.goto(`${hub.http}${path}`);
      assertEquals(await sidewaysOverflow(page), 0, `${path} at 390 px`);
    }

    // A viewer reads rules (with their preview) and silences, and may not see channels.
    await hubCli(hub, "user", "add", "vic", "--role", "viewer", { stdin: `${PASSWORD}\n` });
    const other = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const viewer = await watchedPage(other);
    await viewer.page.goto(`${hub.http}/login`);
    await viewer.page.getByLabel("Name", { exact: true }).fill("vic");
    await viewer.page.getByLabel("Password").fill(PASSWORD);
    await viewer.page.getByRole("button", { name: "Sign in" }).click();
    await viewer.page.getByRole("heading", { name: "Fleet" }).waitFor();
    await viewer.page.goto(`${hub.http}/alerts/rules/memory-high`);
    assertEquals(
      await viewer.page.getByLabel("Name", { exact: true }).isDisabled(),
      true,
      "read-only",
    );
    assertEquals(await viewer.page.getByRole("button", { name: "Save rule" }).count(), 0);
    await viewer.page.locator("[data-preview-hosts]").waitFor();
    await viewer.page.goto(`${hub.http}/alerts/silences`);
    await viewer.page.getByText("No silence is running").waitFor();
    assertEquals(await viewer.page.getByRole("button", { name: "Add silence" }).count(), 0);
    const refused = await viewer.page.goto(`${hub.http}/alerts/channels`);
    assertEquals(refused!.status(), 403);
    assertEquals(unexpected(viewer.problems).filter((p) => !p.includes("403")), []);

    assertEquals(unexpected(problems), [], "no console errors or CSP");
    assertEquals(problems.length, 3, "the three refusals provoked");
  },
);

/** The README's screenshot of this page, light, then dark. */
async function shoot(page: Page, name: string) {
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({
      path: `docs/${name}${scheme === "dark" ? "-dark" : ""}.png`,
      fullPage: true,
    });
  }
  await page.emulateMedia({ colorScheme: null });
}
