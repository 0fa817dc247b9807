/**
 * PostgreSQL goes away for 30 s during ingest: the dashboard says the
 * database is unreachable instead of failing, agents keep their batches, and
 * once it is back every batch is stored exactly once and in order.
 * Runs when the suite runs against PostgreSQL on this machine (as in CI).
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

function cluster(): string | null {
  try {
    const out = new Deno.Command("pg_lsclusters", { args: ["-h"] }).outputSync();
    const line = new TextDecoder().decode(out.stdout).split("\n").find((l) =>
      /\s5432\s+online/.test(l)
    );
    return line ? line.split(/\s+/).slice(0, 2).join(" ") : null;
  } catch {
    return null;
  }
}

async function pgctl(action: "start" | "stop", which: string) {
  const [version, name] = which.split(" ");
  const args = [version, name, action, ...(action === "stop" ? ["-m", "fast"] : [])];
  const out = await new Deno.Command("pg_ctlcluster", { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`pg_ctlcluster ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

const server = testDatabaseServer();
const local = server && /@(127\.0\.0\.1|localhost)(:5432)?\//.test(server) ? cluster() : null;

Deno.test({
  name: "PostgreSQL down for 30 s during ingest: the dashboard says so, and no sample is lost",
  ignore: !local || Deno.uid?.() !== 0,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sightline-pg-outage-" });
    const hub = await startHub(`${dir}/hub`);
    let agent: Proc | null = null;
    let stopped = false;
    try {
      const { key, identity } = await enroll(hub, `${dir}/agent`);
      agent = startAgent(`${dir}/agent`, 1);
      const sse = new EventStream(`${hub.http}/api/v1/events`, key);
      const before = await sse.waitFor(
        "batches",
        batchAtLeast(3),
      );

      await pgctl("stop", local!);
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
      await pgctl("start", local!);
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
      if (stopped) await pgctl("start", local!);
      await agent?.stop();
      await hub.dispose();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
