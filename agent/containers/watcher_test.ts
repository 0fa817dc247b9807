import { assertEquals } from "../../lib/assert.ts";
import { logger } from "../../lib/log.ts";
import { ContainerWatcher } from "./watcher.ts";
import { Wal } from "../wal.ts";
import { metricsJob } from "../jobs/metrics.ts";
import { decodeAgentMessage } from "../../proto/gen/sightline/agent/v1/agent_lean.ts";

const NO_ENGINE = { DOCKER_HOST: "unix:///nonexistent/docker.sock" };

Deno.test("without an engine: an empty whole list, no error, and an events job that waits quietly", async () => {
  const w = new ContainerWatcher({ env: NO_ENGINE, root: "/", log: logger("test") });
  assertEquals(await w.sample(), { listed: true, engine: "", containers: [] });
  const ctl = new AbortController();
  const run = w.eventsJob().run(ctl.signal);
  ctl.abort();
  await run; // returns once told, never throws
  assertEquals(w.takeEvents(), []);
  w.close();
});

Deno.test("the metrics job sends an engine's absence as an empty list, not as a collector error", async () => {
  const dir = await Deno.makeTempDir();
  const wal = await Wal.open(`${dir}/wal.kv`, 1 << 20);
  const w = new ContainerWatcher({ env: NO_ENGINE, root: "/", log: logger("test") });
  try {
    const job = metricsJob({
      collectors: [],
      roots: { procRoot: "/proc", sysRoot: "/sys" },
      intervalS: 1,
      wal,
      sender: { notify() {} },
      log: logger("test"),
      containers: w,
    });
    const signal = new AbortController().signal;
    await job.run(signal); // baselines
    await job.run(signal);
    const entries = [];
    for await (const e of wal.entries()) entries.push(e);
    assertEquals(entries.length, 1);
    const msg = decodeAgentMessage(entries[0].data);
    assertEquals(msg.kind?.case, "metrics");
    if (msg.kind?.case !== "metrics") return;
    const b = msg.kind.value;
    assertEquals([b.containersListed, b.containerEngine, b.containers, b.errors], [
      true,
      "",
      [],
      [],
    ]);
  } finally {
    w.close();
    wal.close();
    await Deno.remove(dir, { recursive: true });
  }
});
