/**
 * PostgreSQL goes away for 30 s during ingest: the dashboard says the
 * database is unreachable instead of failing, agents keep their batches, and
 * once it is back every batch is stored exactly once and in order.
 * Runs when the suite runs against PostgreSQL and this machine can make a
 * cluster of the test's own (as in CI: root, Debian's postgresql-common).
 */
import { assertEquals } from "../lib/assert.ts";
import {
  assertBatchesOnceInOrder,
  batchAtLeast,
  enroll,
  EventStream,
  type Proc,
  startAgent,
  startHub,
} from "./harness.ts";
import { testDatabaseServer } from "./pg.ts";

const OUTAGE_MS = 30_000;

async function run(cmd: string, args: string[], stdin?: string): Promise<void> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}

/**
 * A PostgreSQL cluster of this test's own (Debian's pg_createcluster, on a
 * free port), so stopping it for the outage leaves the server every other
 * test uses alone — they may be running beside this one.
 */
async function privateCluster() {
  const version = [...Deno.readDirSync("/etc/postgresql")].map((e) => e.name)
    .sort((a, b) => Number(a) - Number(b)).at(-1)!;
  const name = `sightline_outage_${Deno.pid}`;
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  await run("pg_createcluster", [version, name, "-p", String(port), "--start"]);
  const ctl = (action: "start" | "stop") =>
    run("pg_ctlcluster", [version, name, action, ...(action === "stop" ? ["-m", "fast"] : [])]);
  try {
    await run(
      "su",
      ["postgres", "-c", `psql -q -v ON_ERROR_STOP=1 -p ${port}`],
      `
      CREATE ROLE sightline LOGIN PASSWORD 'sightline';
      CREATE DATABASE sightline_outage OWNER sightline;`,
    );
  } catch (err) {
    await run("pg_dropcluster", [version, name, "--stop"]).catch(() => {});
    throw err;
  }
  return {
    url: `postgres://sightline:sightline@127.0.0.1:${port}/sightline_outage`,
    stop: () => ctl("stop"),
    start: () => ctl("start"),
    drop: () => run("pg_dropcluster", [version, name, "--stop"]),
  };
}

const canMakeClusters = testDatabaseServer() !== null && Deno.uid?.() === 0 &&
  (() => {
    try {
      return Deno.statSync("/usr/bin/pg_createcluster").isFile;
    } catch {
      return false;
    }
  })();

Deno.test({
  name: "PostgreSQL down for 30 s during ingest: the dashboard says so, and no sample is lost",
  ignore: !canMakeClusters,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sightline-pg-outage-" });
    const pg = await privateCluster();
    let hub: Awaited<ReturnType<typeof startHub>> | null = null;
    let agent: Proc | null = null;
    let stopped = false;
    try {
      hub = await startHub(`${dir}/hub`, undefined, { DATABASE_URL: pg.url });
      const { key, identity } = await enroll(hub, `${dir}/agent`);
      agent = startAgent(`${dir}/agent`, 1);
      const sse = new EventStream(`${hub.http}/api/v1/events`, key);
      const before = await sse.waitFor(
        "batches",
        batchAtLeast(3),
      );

      await pg.stop();
      stopped = true;
      const down = Date.now();
      await agent.waitForLine(/Hub link down .*database unavailable/i, 15_000).catch((e) => {
        console.error(
          agent!.lines.filter((l) => !l.includes("Batch queued")).slice(-15).join("\n"),
        );
        throw e;
      });
      const res = await fetch(`${hub.http}/api/v1/hosts`, {
        headers: { authorization: `Bearer ${key}` },
      });
      assertEquals(res.status, 503);
      assertEquals((await res.json()).error.code, "database_unavailable");
      // The outage itself is the scenario: keep the database away for 30 s.
      await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - down))));
      await pg.start();
      stopped = false;

      const target = Number(before.data.seq) + 30;
      await sse.waitFor(
        "the outage's batches",
        batchAtLeast(target),
        60_000,
      );
      await sse.close();
      await agent.stop();
      await assertBatchesOnceInOrder(hub, identity.agentId, target);
    } finally {
      if (stopped) await pg.start().catch(() => {});
      await agent?.stop();
      await hub?.dispose();
      await pg.drop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
