import { fromBinary } from "@bufbuild/protobuf";
import { fileURLToPath } from "node:url";
import { AgentMessageSchema } from "../../proto/gen/sightline/agent/v1/agent_pb.ts";
import { assert, assertEquals, assertRejects } from "../../lib/assert.ts";
import type { Logger } from "../../lib/log.ts";
import { collectorsFor } from "../collectors/mod.ts";
import { Wal } from "../wal.ts";
import { metricsJob } from "./metrics.ts";

const fixture = (p: string) =>
  fileURLToPath(new URL(`../collectors/testdata/${p}`, import.meta.url));
const ROOTS = { procRoot: fixture("linux/proc"), sysRoot: fixture("linux/sys") };

async function setUp() {
  const dir = await Deno.makeTempDir();
  const wal = await Wal.open(`${dir}/wal.kv`);
  const warned: string[] = [];
  const debug: Array<Record<string, unknown>> = [];
  const log: Logger = {
    debug: (_m, f = {}) => void debug.push(f),
    info: () => {},
    warn: (m, f = {}) => void warned.push(`${m} ${f.collector}`),
    error: () => {},
  };
  let notified = 0;
  const job = metricsJob({
    collectors: collectorsFor("linux", "vm"),
    roots: ROOTS,
    intervalS: 30,
    wal,
    sender: { notify: () => void notified++ },
    log,
  });
  let closed = false;
  const closeWal = () => {
    closed = true;
    wal.close();
  };
  const cleanUp = async () => {
    if (!closed) wal.close();
    await Deno.remove(dir, { recursive: true });
  };
  return { wal, job, warned, debug, notified: () => notified, closeWal, cleanUp };
}

const entries = async (wal: Wal) => {
  const out = [];
  for await (const e of wal.entries()) out.push(e);
  return out;
};

Deno.test("the metrics job's first run sets baselines; each later one queues a batch and wakes the sender", async () => {
  const { wal, job, warned, debug, notified, cleanUp } = await setUp();
  const signal = new AbortController().signal;
  try {
    // At once, then on multiples of the interval, as the loop it replaced did.
    assertEquals(job.schedule, {
      kind: "interval",
      everyMs: 30_000,
      initialDelayMs: 0,
      aligned: true,
    });
    await job.run(signal);
    assertEquals(await entries(wal), []);
    assertEquals(notified(), 0);

    const before = Date.now();
    await job.run(signal);
    const [batch] = await entries(wal);
    assertEquals(batch.seq, 1);
    assertEquals(notified(), 1);
    assertEquals(debug, [{ seq: 1, bytes: batch.data.length }]);
    const kind = fromBinary(AgentMessageSchema, batch.data).kind;
    if (kind.case !== "metrics") throw new Error(`not metrics: ${kind.case}`);
    assertEquals(kind.value.seq, 1n);
    assertEquals(kind.value.load?.load1, 0.52);
    assert(Number(kind.value.unixMs) >= before);
    // The fixture's mounts do not exist here: each failure is a warning, the batch still goes.
    assert(
      warned.length > 0 && warned.every((w) => w === "Collector failed filesystem"),
      `${warned}`,
    );

    await job.run(signal);
    assertEquals((await entries(wal)).map((e) => e.seq), [1, 2]);
    assertEquals(notified(), 2);
  } finally {
    await cleanUp();
  }
});

Deno.test("the metrics job fails (for the scheduler to count) when the WAL cannot take the batch", async () => {
  const { job, notified, closeWal, cleanUp } = await setUp();
  const signal = new AbortController().signal;
  try {
    await job.run(signal);
    closeWal();
    await assertRejects(() => Promise.resolve(job.run(signal)), Error);
    assertEquals(notified(), 0);
  } finally {
    await cleanUp();
  }
});

Deno.test("a container engine that hangs costs a cycle 5 s and an error, never the host's metrics", async () => {
  const dir = await Deno.makeTempDir();
  const wal = await Wal.open(`${dir}/wal.kv`);
  const quiet = () => {};
  let asked = 0;
  const job = metricsJob({
    collectors: collectorsFor("linux", "vm"),
    roots: ROOTS,
    intervalS: 30,
    wal,
    sender: { notify: quiet },
    log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    // An engine whose socket accepts and never answers.
    containers: {
      sample: () => (asked++, new Promise(() => {})),
      takeEvents: () => [],
    },
  });
  const signal = new AbortController().signal;
  try {
    await job.run(signal); // baselines: waits for the engine its 5 s as well
    await job.run(signal);
    const [e] = await entries(wal);
    const msg = fromBinary(AgentMessageSchema, e.data);
    assert(msg.kind.case === "metrics");
    const batch = msg.kind.value;
    assert(batch.cpu !== undefined, "the host's own metrics are in the batch");
    assertEquals(
      batch.errors.find((x) => x.collector === "containers")?.message,
      "the container engine has not answered the last sample yet",
    );
    assertEquals(asked, 1, "one sample at a time, however long the engine takes");
  } finally {
    wal.close();
    await Deno.remove(dir, { recursive: true });
  }
});
