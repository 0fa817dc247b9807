/**
 * The agent stops cleanly on SIGINT and SIGTERM: its jobs are stopped and
 * waited for before the WAL closes, it exits 0 (what a service manager reads
 * as a clean stop), and the next run goes on numbering batches where it left
 * off, so no cycle wrote into a closing WAL or was lost.
 */
import { assertEquals } from "../lib/assert.ts";
import { enroll, startAgent, startHub } from "./harness.ts";

Deno.test("the agent stops cleanly on SIGINT and SIGTERM and its WAL goes on where it left off", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sightline-agent-stop-" });
  const hub = await startHub(`${dir}/hub`);
  try {
    await enroll(hub, `${dir}/agent`);
    let next = 1;
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      const agent = startAgent(`${dir}/agent`, 1);
      await agent.waitForLine(new RegExp(`Batch queued seq=${next + 1}\\b`), 30_000);
      const status = await agent.stop(signal);
      assertEquals(status.code, 0, agent.lines.slice(-10).join("\n"));
      assertEquals(agent.lines.filter((l) => l.includes(`Stopping signal=${signal}`)).length, 1);
      assertEquals(agent.lines.filter((l) => /Jobs still running|Job failed|ERROR/.test(l)), []);
      const queued = agent.lines.flatMap((l) => /Batch queued seq=(\d+)/.exec(l)?.[1] ?? []);
      // One batch per cycle, numbered on from the last run's.
      assertEquals(queued.map(Number), queued.map((_, i) => next + i));
      next += queued.length;
    }
  } finally {
    await hub.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});
