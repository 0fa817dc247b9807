/**
 * The check editor in Chromium against a real hub: an HTTP check added
 * through the form after a refusal shown beside its target, edited (its
 * interval, then a keyword) with its masked header keeping its secret,
 * deleted after a confirmation that says what goes; a push check's URL
 * shown once; a viewer sees no form and no button.
 */
import { assert, assertEquals } from "../lib/assert.ts";
import { hubCli, lastLine } from "./harness.ts";
import { browserTest, PASSWORD, setUpAdmin, watchedPage } from "./browser.ts";

/** Only the refusals the test provokes may show in the console. */
const unexpected = (problems: string[]) => problems.filter((p) => !/status of 400 /.test(p));

const TOKEN = "Bearer abcdefghijklmnop1234";

browserTest(
  "check editor: add with a refusal beside its field, edit keeping a masked header, delete; viewers read",
  async ({ hub, browser }) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, problems } = await watchedPage(context);
    await setUpAdmin(page, hub);
    const key = lastLine((await hubCli(hub, "apikey", "create", "t")).stdout);
    const api = async <T>(path: string): Promise<T> => {
      const res = await fetch(`${hub.http}/api/v1${path}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      assertEquals(res.status, 200, path);
      return await res.json();
    };

    // Added: a bad target is refused beside the target, and nothing is saved.
    await page.goto(`${hub.http}/checks`);
    await page.getByText("No checks yet.").waitFor();
    const form = page.getByRole("form", { name: "Add check" });
    await form.getByLabel("Name", { exact: true }).fill("Shop");
    await form.getByLabel(/^Type/).selectOption("http");
    const target = form.getByLabel(/^Target/);
    await target.fill("shop.example/health");
    await form.getByLabel(/^Every \(s\)/).fill("60");
    await form.getByRole("button", { name: "Add a header" }).click();
    await form.getByLabel("Header name").fill("Authorization");
    await form.getByLabel("Header value").fill(TOKEN);
    await form.getByRole("button", { name: "Add check" }).click();
    await form.getByRole("alert").filter({ hasText: "target must be an http:// or https:// URL" })
      .waitFor();
    assertEquals(await target.getAttribute("aria-invalid"), "true");
    assertEquals(await api<unknown[]>("/checks"), [], "nothing saved");
    await target.fill("http://127.0.0.1:9/health");
    assertEquals(
      await target.getAttribute("aria-invalid"),
      null,
      "the refusal goes as it is fixed",
    );
    await form.getByRole("button", { name: "Add check" }).click();
    await page.waitForURL(/\/checks\/[0-9a-f-]{36}$/);
    await page.getByRole("heading", { name: "Shop" }).waitFor();
    const id = page.url().split("/").pop()!;
    type Shown = {
      interval_s: number;
      expect: { keyword?: string; headers?: Record<string, string> };
    };
    const made = await api<Shown>(`/checks/${id}`);
    assertEquals([made.interval_s, made.expect.headers], [60, { Authorization: "••••1234" }]);

    // Edited: the form is disabled until it is live (the island's code held back), then the
    // interval alone is saved. Were the mask saved over the token, the API would show "••••"
    // (the mask of a short value), not the token's last four characters.
    let release = () => {};
    const held = new Promise<void>((resolve) => release = resolve);
    await page.route("**/static/islands/mod.js", async (route) => {
      await held;
      await route.continue();
    });
    // Not "load": that waits for the script held back.
    await page.reload({ waitUntil: "commit" });
    const edit = page.getByRole("form", { name: "Edit check" });
    const every = edit.getByLabel(/^Every \(s\)/);
    assertEquals(await every.inputValue(), "60");
    assertEquals(await every.isDisabled(), true, "disabled before hydration");
    const typed = every.fill("120");
    release();
    await typed;
    await page.unroute("**/static/islands/mod.js");
    assertEquals(await edit.getByLabel("Header value").inputValue(), "", "the value not shown");
    assertEquals(
      await edit.getByLabel("Header value").getAttribute("placeholder"),
      "••••1234 (kept unless typed)",
    );
    await edit.getByRole("button", { name: "Save check" }).click();
    await edit.getByRole("status").filter({ hasText: "tested every 120 s" }).waitFor();
    let now = await api<Shown>(`/checks/${id}`);
    assertEquals([now.interval_s, now.expect.headers], [120, { Authorization: "••••1234" }]);
    // An expect field changed beside the header: the header goes back as shown, and is kept.
    await edit.getByLabel(/^Contain/).fill("ok");
    await edit.getByRole("button", { name: "Save check" }).click();
    await edit.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    now = await api<Shown>(`/checks/${id}`);
    assertEquals([now.expect.keyword, now.expect.headers], ["ok", { Authorization: "••••1234" }]);
    // A refusal from the hub beside its field on an edit too; nothing saved.
    await every.fill("2");
    await edit.getByRole("button", { name: "Save check" }).click();
    await edit.getByRole("alert").filter({ hasText: "interval_s must be a whole number" })
      .waitFor();
    assertEquals((await api<Shown>(`/checks/${id}`)).interval_s, 120);
    // An http check is not offered to become a push check.
    assertEquals(await edit.locator("option[value=push]").count(), 0);

    // A push check's URL, shown once on its creation.
    await page.goto(`${hub.http}/checks`);
    const add = page.getByRole("form", { name: "Add check" });
    await add.getByLabel("Name", { exact: true }).fill("Nightly backup");
    await add.getByLabel(/^Type/).selectOption("push");
    assertEquals(await add.getByLabel(/^Target/).count(), 0, "a push check has no target");
    await add.getByLabel(/^Expected every/).fill("3600");
    await add.getByRole("button", { name: "Add check" }).click();
    const once = page.locator("section.push-once");
    await once.getByText("It is shown this once and never again").waitFor();
    const url = await once.locator("code.push-url").textContent();
    assert(url && /\/push\/[0-9a-f-]{36}\/\S+$/.test(url), `push URL ${url}`);
    assertEquals((await fetch(url)).status, 200, "the URL works");
    await page.reload();
    assertEquals(await page.locator("section.push-once").count(), 0, "not shown again");

    // Deleted after a confirmation that says what goes.
    await page.goto(`${hub.http}/checks/${id}`);
    await page.getByRole("link", { name: "Delete check" }).click();
    await page.getByRole("heading", { name: "Delete the check Shop?" }).waitFor();
    await page.getByText("its rounds, its incidents and its uptime history").waitFor();
    await page.getByRole("button", { name: "Delete check" }).click();
    await page.waitForURL(/\/checks$/);
    const left = await api<Array<{ name: string }>>("/checks");
    assertEquals(left.map((c) => c.name), ["Nightly backup"]);

    // A viewer sees the checks, no form and no button.
    await hubCli(hub, "user", "add", "vic", "--role", "viewer", { stdin: `${PASSWORD}\n` });
    const other = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const viewer = await watchedPage(other);
    await viewer.page.goto(`${hub.http}/login`);
    await viewer.page.getByLabel("Name", { exact: true }).fill("vic");
    await viewer.page.getByLabel("Password").fill(PASSWORD);
    await viewer.page.getByRole("button", { name: "Sign in" }).click();
    await viewer.page.getByRole("heading", { name: "Fleet" }).waitFor();
    await viewer.page.goto(`${hub.http}/checks`);
    await viewer.page.getByRole("link", { name: "Nightly backup" }).click();
    await viewer.page.getByRole("heading", { name: "Nightly backup" }).waitFor();
    assertEquals(await viewer.page.locator("[data-island=CheckEditor]").count(), 0, "no form");
    assertEquals(await viewer.page.getByRole("link", { name: "Delete check" }).count(), 0);
    await viewer.page.goto(`${hub.http}/checks`);
    assertEquals(await viewer.page.getByRole("button", { name: "Add check" }).count(), 0);
    assertEquals(await viewer.page.locator("[data-island=CheckEditor]").count(), 0);
    assertEquals(viewer.problems, []);

    assertEquals(unexpected(problems), [], "no console errors or CSP");
    assertEquals(problems.length, 2, "the two refusals provoked");
  },
);
