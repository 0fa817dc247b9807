/**
 * Containers end to end on a real Docker daemon: a hub, one agent on this
 * host, a few containers of the busybox test image. Their stats reach the hub
 * and agree with `docker stats --no-stream` (a busy loop near one core, a
 * process holding 64 MiB); a health check's verdict and its change as an
 * event; a killed container's `die` event and exited state
 * arrive with the next batches, and a removed one leaves the live list; the
 * environment given to a container is never stored. In a browser the host's
 * Containers tab follows the batches and the fleet's page searches and filters.
 */
import { assert, assertEquals } from "../lib/assert.ts";
import type { ContainerView } from "../lib/containers.ts";
import {
  api,
  batchAtLeast,
  enroll,
  EventStream,
  openHubStore,
  type Proc,
  startAgent,
  startHub,
  until,
} from "./harness.ts";
import { DOCKER_SOCKET, dockerOk, dockerTest, runContainer } from "./docker.ts";
import { launch, setUpAdmin, sidewaysOverflow, watchedPage } from "./browser.ts";
import type { Browser } from "playwright-core";

// Unique per run: the same test may run from another checkout on this daemon at once.
const PREFIX = `sl-test-stats-${crypto.randomUUID().slice(0, 8)}-`;
const BUSY = `${PREFIX}busy`;
const MEM = `${PREFIX}mem`;
const VICTIM = `${PREFIX}victim`;
const SECRET = "sl-env-secret-3f9a";
const INTERVAL_S = 1;

/** `docker stats --no-stream` for one container: CPU percent and memory in bytes. */
async function dockerStats(name: string): Promise<{ cpu: number; mem: number }> {
  const out = await dockerOk(
    "stats",
    "--no-stream",
    "--format",
    "{{.CPUPerc}}|{{.MemUsage}}",
    name,
  );
  const [cpu, mem] = out.split("|");
  const m = /^([\d.]+)\s*([KMG]?i?B)/.exec(mem.trim())!;
  const unit: Record<string, number> = {
    B: 1,
    KiB: 1024,
    MiB: 1024 ** 2,
    GiB: 1024 ** 3,
    kB: 1e3,
    MB: 1e6,
    GB: 1e9,
  };
  return { cpu: parseFloat(cpu), mem: parseFloat(m[1]) * (unit[m[2]] ?? 1) };
}

dockerTest(
  "container stats reach the hub and match docker stats; a killed container's die event and state arrive within an interval",
  PREFIX,
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "sightline-containers-" });
    await runContainer(BUSY, "while :; do :; done");
    // dd holds its 64 MiB block, read from /dev/zero, while the pipe is never read.
    // Its health check fails until the test makes /ok.
    await runContainer(MEM, "dd if=/dev/zero bs=64M count=1 | sleep 3600", [
      "-e",
      `TOKEN=${SECRET}`,
      "--health-cmd",
      "test -e /ok",
      "--health-interval",
      "1s",
      "--health-retries",
      "1",
    ]);
    await runContainer(VICTIM, "sleep 3600");
    const hub = await startHub(`${dir}/hub`);
    let agent: Proc | null = null;
    let events: EventStream | null = null;
    let browser: Browser | null = null;
    try {
      const { key, identity } = await enroll(hub, `${dir}/agent`, "ctr-1");
      const host = identity.agentId;
      events = new EventStream(`${hub.http}/api/v1/events?host=${host}`, key);
      agent = startAgent(`${dir}/agent`, INTERVAL_S, { DOCKER_HOST: DOCKER_SOCKET });
      const list = () => api<ContainerView[]>(hub, key, `/api/v1/hosts/${host}/containers`);
      const find = async (name: string) => (await list()).find((c) => c.name === name);

      // Rates need two readings: the busy loop's CPU from the agent's second batch on.
      await until("the busy container's CPU on the hub", async () => {
        const c = await find(BUSY);
        return c !== undefined && c.cpu_percent !== null && c.cpu_percent > 30;
      }, 30_000);
      const busy = (await find(BUSY))!;
      assertEquals([busy.state, busy.image, busy.restarts], [
        "running",
        "sightline-test-busybox:1",
        0,
      ]);
      assert(busy.started_at !== null && Date.parse(busy.started_at) <= Date.now());
      // The two read different windows, and the hub's first ones overlap the
      // agent's own start on two cores: wait for a batch that agrees. A busy
      // loop is one core (100 %) on an idle machine; on a loaded one both read
      // less, so the bound is agreement, clearly busy, and never past one core.
      let seen = "";
      await until("the hub's CPU and memory to agree with docker stats", async () => {
        const [b, m, db, dm] = await Promise.all([
          find(BUSY),
          find(MEM),
          dockerStats(BUSY),
          dockerStats(MEM),
        ]);
        seen =
          `cpu hub ${b?.cpu_percent} docker ${db.cpu}; mem hub ${m?.mem_bytes} docker ${dm.mem}`;
        return b?.cpu_percent != null && m?.mem_bytes != null &&
          Math.abs(b.cpu_percent - db.cpu) < Math.max(15, db.cpu / 4) &&
          b.cpu_percent > 20 && b.cpu_percent < 110 &&
          m.mem_bytes > 60 * 1024 ** 2 && Math.abs(m.mem_bytes - dm.mem) / dm.mem < 0.1;
      }, 30_000).catch((err) => {
        throw new Error(`${err.message}: last seen ${seen}`);
      });
      // Health as the engine judges it, and its change as an event.
      await until(
        "the failing check to make it unhealthy",
        async () => (await find(MEM))?.health === "unhealthy",
      );
      await dockerOk("exec", MEM, "touch", "/ok");
      await until(
        "the passing check to make it healthy",
        async () => (await find(MEM))?.health === "healthy",
      );
      // The figures are series too, labelled by container name, for charts and alerts.
      const series = await api<{ points: Array<[number, number | null]> }>(
        hub,
        key,
        `/api/v1/hosts/${host}/metrics?metric=container_cpu_percent&label=${BUSY}`,
      );
      assert(series.points.some(([, v]) => v !== null && v > 30), JSON.stringify(series.points));

      // The host's Containers tab, in a browser: the busy row's CPU moves with the batches.
      browser = await launch();
      const { page, problems } = await watchedPage(await browser.newContext());
      await setUpAdmin(page, hub);
      await page.goto(`${hub.http}/hosts/${host}/containers`);
      const row = (name: string) => page.locator(`tr[data-container="${name}"]`);
      const cpuCell = row(BUSY).locator("[data-cpu]");
      const firstCpu = await cpuCell.textContent();
      assert(/^\d+\.\d%$/.test(firstCpu ?? ""), `CPU cell says ${firstCpu}`);
      await page.waitForFunction(
        ([sel, was]) => document.querySelector(sel)?.textContent !== was,
        [`tr[data-container="${BUSY}"] [data-cpu]`, firstCpu] as const,
        { timeout: 15_000 },
      );
      assertEquals(await row(VICTIM).locator(".badge").textContent(), "running");

      // Kill one: the next batch after the event carries it, and its list says exited.
      const last = events.events.filter((e) => e.event === "host.metrics").at(-1)!;
      await dockerOk("kill", VICTIM);
      await events.waitFor("two batches after the kill", batchAtLeast(Number(last.data.seq) + 2));
      assertEquals((await find(VICTIM))?.state, "exited");
      // …and the open tab shows it without a reload.
      await row(VICTIM).locator(".badge", { hasText: "exited" }).waitFor({ timeout: 10_000 });
      // The fleet's page: search by part of a name or image, filter by state. Only
      // what this test made is counted: the daemon may run other tests' containers.
      await page.goto(`${hub.http}/containers`);
      await page.getByLabel("Name or image").fill(PREFIX);
      await until(
        "this test's three containers",
        async () => await page.locator("tbody tr").count() === 3,
      );
      await page.getByLabel("State").selectOption("exited");
      await until(
        "only the exited one",
        async () =>
          (await page.locator("tbody tr").count()) === 1 && await row(VICTIM).count() === 1,
      );
      assert(page.url().includes("state=exited"), page.url());
      await page.getByLabel("State").selectOption("");
      await page.getByLabel("Name or image").fill("test-busybox");
      await until(
        "the containers of the test image",
        async () => await row(BUSY).count() === 1 && await row(MEM).count() === 1,
      );
      assertEquals(problems, []);
      // On a phone both pages are cards: nothing scrolls sideways.
      const phone = await browser.newContext({
        viewport: { width: 390, height: 844 },
        storageState: await page.context().storageState(),
      });
      const small = await phone.newPage();
      for (const path of [`/hosts/${host}/containers`, `/containers?name=${PREFIX}`]) {
        await small.goto(`${hub.http}${path}`);
        await small.locator(`tr[data-container="${BUSY}"]`).waitFor();
        assertEquals(await sidewaysOverflow(small), 0, `${path} at 390 px`);
      }
      const store = openHubStore(hub);
      try {
        const died = (await store.containers.events(host, 0, Date.now() + 60_000))
          .filter((e) => e.details.name === VICTIM);
        assertEquals(died.map((e) => [e.details.action, e.details.exit_code]), [["die", 137]]);
        assertEquals(died[0].summary, `${VICTIM} exited with code 137`);
        const health = (await store.containers.events(host, 0, Date.now() + 60_000))
          .filter((e) => e.details.name === MEM && e.details.action === "health_status")
          .map((e) => e.details.health);
        assert(health.at(-1) === "healthy", `health events of ${MEM}: ${health}`);
        // …and on the host's "what changed" timeline, beside its reboots and upgrades.
        const changes = await api<Array<{ kind: string; summary: string }>>(
          hub,
          key,
          `/api/v1/hosts/${host}/changes`,
        );
        assert(
          changes.some((c) =>
            c.kind === "container" && c.summary === `${VICTIM} exited with code 137`
          ),
          JSON.stringify(changes),
        );
      } finally {
        await store.close();
      }

      // Removed: gone from the live list with the next batches.
      const before = events.events.filter((e) => e.event === "host.metrics").at(-1)!;
      await dockerOk("rm", "-f", VICTIM);
      await events.waitFor(
        "two batches after the removal",
        batchAtLeast(Number(before.data.seq) + 2),
      );
      assertEquals(await find(VICTIM), undefined);
      assert((await find(BUSY)) !== undefined);

      const latest =
        (await api<{ latest: Record<string, unknown> }>(hub, key, `/api/v1/hosts/${host}`))
          .latest;
      assertEquals((latest.errors as unknown[]).length, 0, JSON.stringify(latest.errors));
      if (!hub.env.DATABASE_URL) {
        // The container's environment was never sent, so it is nowhere in the hub's files.
        for await (const f of Deno.readDir(`${dir}/hub`)) {
          if (!f.isFile) continue;
          const bytes = await Deno.readFile(`${dir}/hub/${f.name}`);
          assert(!new TextDecoder().decode(bytes).includes(SECRET), `${f.name} holds the env`);
        }
      }
    } finally {
      await browser?.close();
      await events?.close();
      await agent?.stop();
      await hub.dispose();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
);
