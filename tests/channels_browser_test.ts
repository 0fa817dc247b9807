/**
 * Notification channels in Chromium, on a phone, against a real hub, a real
 * agent and a local ntfy server: found from Settings, an ntfy channel added
 * through the form (a refusal beside its field, a template previewed and a
 * broken one refused as it is typed), tested (the page shows what the server
 * answered), edited without retyping its secrets (the server still gets the
 * topic and the token), switched off and on, sent to no private address once
 * the policy forbids it, and its delivery of a real alert in the log, linked
 * to the alert. Nothing scrolls sideways; no secret is in the page.
 * With SIGHTLINE_SCREENSHOTS=1 it saves the channel form's screenshots in docs/.
 */
import type { Page } from "playwright-core";
import { assert, assertEquals } from "../lib/assert.ts";
import { enroll, startAgent, until } from "./harness.ts";
import { FakeProc, MEMORY_RULE, ok } from "./alerts_harness.ts";
import { browserTest, setUpAdmin, SHOTS, sidewaysOverflow, watchedPage } from "./browser.ts";

/** What an ntfy server was sent: https://docs.ntfy.sh/publish/ */
interface Published {
  path: string;
  authorization: string | null;
  title: string | null;
  priority: string | null;
  body: string;
}

/** A local ntfy server: keeps each publish and answers as ntfy does, a message id in JSON. */
class NtfyServer {
  readonly got: Published[] = [];
  readonly #server: Deno.HttpServer<Deno.NetAddr>;

  constructor() {
    this.#server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      if (req.method !== "POST") return new Response("method", { status: 405 });
      this.got.push({
        path: new URL(req.url).pathname,
        authorization: req.headers.get("authorization"),
        title: req.headers.get("title"),
        priority: req.headers.get("priority"),
        body: await req.text(),
      });
      const topic = new URL(req.url).pathname.slice(1);
      return Response.json({ id: `msg${this.got.length}`, event: "message", topic });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.#server.addr.port}`;
  }

  async next(count: number): Promise<Published> {
    await until(`${count} publish(es) (got ${this.got.length})`, () => this.got.length >= count);
    return this.got[count - 1];
  }

  stop(): Promise<void> {
    return this.#server.shutdown();
  }
}

const TOPIC = "sightline-alerts-5678";
const TOKEN = "tk_supersecret_token_1234";

/** Only these refusals, which the test provokes, may show in the console. */
const unexpected = (problems: string[]) => problems.filter((p) => !/status of 400 /.test(p));

browserTest(
  "channels on a phone: an ntfy channel added, tested, edited keeping its secrets, switched off and on, its delivery logged",
  async ({ dir, hub, browser, own }) => {
    const ntfy = own(new NtfyServer());
    const proc = await FakeProc.make(`${dir}/proc`);
    const { key } = await enroll(hub, `${dir}/agent`, "web-1");
    for (const r of await ok<Array<{ id: string }>>(hub, key, "GET", "/api/v1/alert-rules")) {
      await ok(hub, key, "DELETE", `/api/v1/alert-rules/${r.id}`);
    }
    await ok(hub, key, "POST", "/api/v1/alert-rules", { ...MEMORY_RULE, for_s: 0 });

    const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const { page, problems } = await watchedPage(phone);
    await setUpAdmin(page, hub);
    await page.goto(`${hub.http}/settings`);
    await page.getByRole("link", { name: "Alerts → Channels" }).click();
    await page.waitForURL(/\/alerts\/channels$/);
    await page.getByText("Nothing sent yet").waitFor();

    // Added through the form: a bad topic is refused beside it, nothing saved.
    const form = page.locator("form.channel-form");
    await form.getByLabel("Type").selectOption({ label: "ntfy" });
    await form.getByLabel("Name", { exact: true }).fill("phones");
    await form.getByLabel(/^Server/).fill(ntfy.url);
    await form.getByLabel(/^Topic/).fill("not a topic!");
    await form.getByLabel(/^Access token/).fill(TOKEN);
    await form.getByRole("button", { name: "Add channel" }).click();
    await form.getByRole("alert").filter({ hasText: "Topic must be 1–64 letters" }).waitFor();
    assertEquals(await form.getByLabel(/^Topic/).getAttribute("aria-invalid"), "true");
    assertEquals(await ok<unknown[]>(hub, key, "GET", "/api/v1/channels"), []);
    await form.getByLabel(/^Topic/).fill(TOPIC);
    assertEquals(await form.getByLabel(/^Topic/).getAttribute("type"), "password");

    // The template: a broken one refused beside it as it is typed, a good one previewed.
    const body = form.getByLabel("Body template");
    await body.fill("{{#alerts}}{{host.name}} at {{value}}");
    await form.getByRole("alert").filter({ hasText: 'Unclosed section "alerts" at' }).waitFor();
    assertEquals(await body.getAttribute("aria-invalid"), "true");
    await body.fill("{{#alerts}}{{host.name}} at {{value}}{{/alerts}}");
    await form.getByLabel("Title template").fill("{{rule.name}}: {{count}} host(s)");
    await form.locator("[data-preview-text]", { hasText: "web-1 at 93.4" }).waitFor();
    await form.locator("[data-preview-title]", { hasText: "Memory above 90 %: 1 host(s)" })
      .waitFor();
    assertEquals(await sidewaysOverflow(page), 0, "the form at 390 px");
    await form.getByRole("button", { name: "Add channel" }).click();
    const row = page.locator("table.channels tbody tr", { hasText: "phones" });
    await row.getByText("…5678").waitFor();
    await row.getByText("…1234").waitFor();
    const html = await page.content();
    assert(!html.includes(TOPIC) && !html.includes("supersecret"), "no secret in the page");

    // Tested: the page shows the server's own answer; the server got the documented request.
    await row.getByRole("button", { name: "Send test to phones" }).click();
    await row.getByRole("status").filter({ hasText: 'Test delivered (HTTP 200): {"id":"msg1"' })
      .waitFor();
    const test = await ntfy.next(1);
    assertEquals([test.path, test.authorization], [`/${TOPIC}`, `Bearer ${TOKEN}`]);
    assertEquals(test.title, "Test: 1 host(s)", "the channel's own title");

    // Edited without retyping its secrets: kept, as the next test shows.
    await row.getByRole("button", { name: "Edit phones" }).click();
    await form.getByRole("heading", { name: "Edit phones" }).waitFor();
    const topic = form.getByLabel(/^Topic/);
    assertEquals(await topic.inputValue(), "");
    assert((await topic.getAttribute("placeholder"))!.startsWith("…5678"), "masked placeholder");
    assertEquals(await form.getByLabel(/^Server/).inputValue(), `${ntfy.url}/`);
    await form.getByLabel("Name", { exact: true }).fill("on-call phones");
    await form.getByRole("checkbox", { name: "critical" }).check();
    await form.getByRole("checkbox", { name: "warning" }).check();
    await form.getByRole("button", { name: "Save channel" }).click();
    await page.getByRole("status").filter({ hasText: "Saved on-call phones" }).waitFor();
    const edited = page.locator("table.channels tbody tr", { hasText: "on-call phones" });
    await edited.getByRole("button", { name: "Send test to on-call phones" }).click();
    await edited.getByRole("status").filter({ hasText: '{"id":"msg2"' }).waitFor();
    const again = await ntfy.next(2);
    assertEquals([again.path, again.authorization], [`/${TOPIC}`, `Bearer ${TOKEN}`]);
    const [saved] = await ok<Array<{ id: string; severities: string[] }>>(
      hub,
      key,
      "GET",
      "/api/v1/channels",
    );
    assertEquals(saved.severities.sort(), ["critical", "warning"]);

    // Private destinations forbidden: the test is refused by the hub, not sent; then allowed.
    const policy = page.getByRole("checkbox", { name: "Block private destinations" });
    await policy.check();
    await page.getByRole("status").filter({ hasText: "Private destinations blocked" }).waitFor();
    await edited.getByRole("button", { name: "Send test to on-call phones" }).click();
    await edited.getByRole("status").filter({ hasText: "Test failed" }).waitFor();
    assertEquals(ntfy.got.length, 2, "nothing sent to a private address");
    await policy.uncheck();
    await page.getByRole("status").filter({ hasText: "Any destination allowed" }).waitFor();

    // Switched off and on, and so after a reload.
    const enabled = () =>
      ok<Array<{ enabled: boolean }>>(hub, key, "GET", "/api/v1/channels").then(([c]) => c.enabled);
    await edited.getByRole("checkbox").uncheck();
    await until("the channel off", async () => !(await enabled()));
    await page.reload();
    assertEquals(await edited.getByRole("checkbox").isChecked(), false);
    await edited.getByRole("checkbox").check();
    await until("the channel on", enabled);

    // A real alert: delivered with the channel's wording, then in the log, linked to the alert.
    own(startAgent(`${dir}/agent`, 1, proc.env));
    await proc.memory(95);
    const fired = await ntfy.next(3);
    assertEquals([fired.path, fired.title], [`/${TOPIC}`, "memory high: 1 host(s)"]);
    assert(/^web-1 at 9\d/.test(fired.body), fired.body);
    const log = page.locator("section", {
      has: page.getByRole("heading", { name: "Delivery log" }),
    });
    const entry = log.locator("tbody tr", { hasText: "firing" });
    await until("the delivery logged as sent", async () => {
      await log.getByRole("button", { name: "Refresh" }).click();
      return (await entry.getByText("sent", { exact: true }).count()) === 1;
    });
    await entry.getByText("on-call phones").waitFor();
    await entry.getByText('ok (HTTP 200) {"id":"msg3"').waitFor();
    assertEquals(await sidewaysOverflow(page), 0, "the list and the log at 390 px");
    const [alert] = await ok<Array<{ id: number }>>(hub, key, "GET", "/api/v1/alerts");
    await entry.getByRole("link", { name: `#${alert.id}` }).click();
    await page.waitForURL(new RegExp(`/alerts/${alert.id}$`));

    if (SHOTS) {
      await page.goto(`${hub.http}/alerts/channels`);
      await page.getByRole("button", { name: "Edit on-call phones" }).click();
      await shoot(page, "channel-form");
    }
    assertEquals(unexpected(problems), [], "no console errors or CSP");
    assertEquals(problems.length, 2, "the two refusals provoked");
  },
);

/** The README's screenshot of the channel form at a desktop's width, light, then dark. */
async function shoot(page: Page, name: string) {
  await page.setViewportSize({ width: 1280, height: 900 });
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.locator("form.channel-form").screenshot({
      path: `docs/${name}${scheme === "dark" ? "-dark" : ""}.png`,
    });
  }
  await page.emulateMedia({ colorScheme: null });
}
