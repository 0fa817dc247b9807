/**
 * An action from the dashboard, in Chromium (issue 20): the admin makes an
 * operator key in the browser, the host pins its public half, its host page
 * lists the action, and a restart confirmed on its Containers tab restarts
 * the real container and shows the result; a viewer has no action and no
 * button on either page.
 */
import { assert, assertEquals } from "../lib/assert.ts";
import { enroll, hubCli, startAgent } from "./harness.ts";
import { browserTest, PASSWORD, setUpAdmin, SHOTS, watchedPage } from "./browser.ts";
import { docker, DOCKER_SOCKET, dockerOk, removeContainers, runContainer } from "./docker.ts";

/** Where no Docker daemon answers, tests/docker.ts says so and this test is not registered. */
const daemon = (await docker("version", "--format", "{{.Server.Version}}")).code === 0;

if (daemon) {
  browserTest(
    "actions: the admin makes a key, the host pins it, a confirmed restart runs and shows its result",
    async ({ dir, hub, browser, own }) => {
      const web = `sl-act-b-${crypto.randomUUID().slice(0, 8)}`;
      own({ stop: () => removeContainers(web) });
      await runContainer(web, 'trap "exit 0" TERM; while true; do sleep 0.2; done');
      const startedAt = () => dockerOk("inspect", "-f", "{{.State.StartedAt}}", web);
      await Deno.mkdir(`${dir}/etc`, { mode: 0o755 });
      await Deno.writeTextFile(
        `${dir}/etc/actions.toml`,
        '[[container]]\nname = "restart-web"\nmatch = "sl-act-b-*"\n',
        { mode: 0o644 },
      );
      const { identity } = await enroll(hub, `${dir}/agent`, "act-b");
      const agent = own(startAgent(`${dir}/agent`, 1, {
        SIGHTLINE_AGENT_ACTIONS_FILE: `${dir}/etc/actions.toml`,
        SIGHTLINE_AGENT_OPERATOR_KEY_FILE: `${dir}/etc/operator.pub`,
        DOCKER_HOST: DOCKER_SOCKET,
      }));
      await agent.waitForLine(/Connected to hub/);

      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const { page, problems } = await watchedPage(context);
      await setUpAdmin(page, hub);
      await page.goto(`${hub.http}/settings/operator-key`);
      await page.getByRole("button", { name: "Make an operator key" }).click();
      const publicKey = (await page.getByTestId("public-key").textContent())!;
      assert(/^ed25519:[A-Za-z0-9_-]{43}$/.test(publicKey), publicKey);
      if (SHOTS) await page.screenshot({ path: "docs/operator-key.png", fullPage: true });
      // The operator pins it on the host, as root.
      await Deno.writeTextFile(`${dir}/etc/operator.pub`, `${publicKey}\n`, { mode: 0o644 });

      // The host page lists what the host allows; the Containers tab offers it on each match.
      await page.goto(`${hub.http}/hosts/${identity.agentId}`);
      await page.getByText("What this host allows").click();
      await page.locator('[data-action="restart-web"]').getByText(
        "restart a container named sl-act-b-*",
      )
        .waitFor();
      await page.goto(`${hub.http}/hosts/${identity.agentId}/containers`);
      const row = page.locator(`tr[data-container="${web}"]`);
      await row.getByRole("button", { name: "restart-web…" }).click({ timeout: 30_000 });
      const confirm = page.getByRole("alertdialog");
      await confirm.getByText(`Run restart-web (container=${web}) on host act-b?`).waitFor();
      const before = await startedAt();
      await confirm.getByRole("button", { name: "Sign and run on act-b" }).click();
      const result = page.getByTestId("action-result");
      await result.waitFor({ timeout: 30_000 });
      const shown = (await result.textContent())!;
      assert(shown.includes("Exit status 0"), shown);
      assert((await startedAt()) > before, "the container restarted");
      if (SHOTS) await page.screenshot({ path: "docs/container-actions.png", fullPage: true });
      assertEquals(problems, [], "no console errors");

      // A viewer sees the host, and nothing to act with.
      await hubCli(hub, "user", "add", "vic", "--role", "viewer", { stdin: `${PASSWORD}\n` });
      const viewer = await watchedPage(await browser.newContext());
      await viewer.page.goto(`${hub.http}/login`);
      await viewer.page.getByLabel("Name", { exact: true }).fill("vic");
      await viewer.page.getByLabel("Password").fill(PASSWORD);
      await viewer.page.getByRole("button", { name: "Sign in" }).click();
      await viewer.page.getByRole("heading", { name: "Fleet" }).waitFor();
      await viewer.page.goto(`${hub.http}/hosts/${identity.agentId}`);
      await viewer.page.getByRole("heading", { name: "act-b" }).waitFor();
      assertEquals(await viewer.page.getByRole("heading", { name: "Actions" }).count(), 0);
      assertEquals(await viewer.page.getByRole("button", { name: "Run…" }).count(), 0);
      await viewer.page.goto(`${hub.http}/hosts/${identity.agentId}/containers`);
      await viewer.page.locator(`tr[data-container="${web}"]`).waitFor();
      assertEquals(await viewer.page.getByRole("button", { name: /restart-web/ }).count(), 0);
      assertEquals(await viewer.page.getByRole("columnheader", { name: "Actions" }).count(), 0);
    },
  );
}
