/**
 * Nothing is lost: the hub is killed (SIGKILL) mid-stream and stays down for
 * 20 s while the agent keeps collecting every second; after the restart every
 * batch reaches the store exactly once and in order.
 */
import { Buffer } from "node:buffer";
import { rollUpAll } from "../hub/store/retention.ts";
import * as grpc from "@grpc/grpc-js";
import { assert, assertEquals } from "../lib/assert.ts";
import { signStream } from "../lib/stream_auth.ts";
import { tryConnect } from "./probe.ts";
import { Wal } from "../agent/wal.ts";
import type { TierName } from "../hub/store/tiers.ts";
import {
  assertBatchesOnceInOrder,
  batchAtLeast,
  enroll,
  EventStream,
  openHubStore,
  processTest,
  startAgent,
  startHub,
} from "./harness.ts";

const OUTAGE_BATCHES = 20;

processTest(
  "a hub killed mid-stream and down for 20 s loses and duplicates no batch",
  async ({ dir, own }) => {
    let hub = own(await startHub(`${dir}/hub`));
    const ports = hub.ports;
    const { key, identity } = await enroll(hub, `${dir}/agent`);
    const agent = own(startAgent(`${dir}/agent`, 1));
    let sse = new EventStream(`${hub.http}/api/v1/events`, key);
    const before = await sse.waitFor("a few batches", batchAtLeast(3));

    await hub.proc.stop("SIGKILL");
    await sse.close();
    const target = Number(before.data.seq) + OUTAGE_BATCHES;
    // The agent goes on collecting into its WAL while the hub is down.
    await agent.waitForLine(
      new RegExp(`Batch queued seq=${target}\\b`),
      (OUTAGE_BATCHES + 15) * 1000,
    );
    await agent.waitForLine(/Hub link down/);

    hub = own(await startHub(`${dir}/hub`, ports));
    sse = new EventStream(`${hub.http}/api/v1/events`, key);
    await sse.waitFor(
      "the outage replayed and live batches after it",
      batchAtLeast(target + 2),
      30_000,
    );
    await sse.close();
    await agent.stop();
    await hub.proc.stop();

    const hostId = identity.agentId;
    const arrived = await assertBatchesOnceInOrder(hub, hostId, target + 2);
    const store = openHubStore(hub);
    // Every stored sample counts once, in raw data and in every rollup.
    await rollUpAll(store);
    const q = { hostIds: [hostId], metric: "cpu_percent", label: "", from: 0 };
    const count = async (tier: TierName) =>
      (await store.metrics.queryRange({
        ...q,
        tier,
        to: Date.now() + 60_000,
        stepMs: 86_400_000,
      }))
        .reduce((sum, r) => sum + r.n, 0);
    const counts = [await count("raw"), await count("1m"), await count("1h"), await count("1d")];
    await store.close();
    const n = arrived.length;
    assertEquals(counts, [n, n, n, n], "one CPU sample per batch, counted once in each tier");

    const wal = await Wal.open(`${dir}/agent/wal.kv`);
    const left: number[] = [];
    for await (const e of wal.entries()) left.push(e.seq);
    const next = await wal.nextSeq();
    assertEquals(await wal.dropped(), 0);
    wal.close();
    // Whatever the hub lacks is still in the agent's WAL: nothing fell between.
    const produced = next - 1;
    const held = new Set([...arrived, ...left]);
    assertEquals(held.size, produced, `hub and WAL together hold all ${produced} batches`);
    // A graceful stop waits for outstanding acks, so the WAL is left with at
    // most a batch collected during shutdown.
    assert(
      left.every((seq) => seq > arrived.length),
      `the WAL still holds stored batches: ${left}`,
    );
    assert(left.length <= 2, `${left.length} batches still waiting`);
  },
);

processTest(
  "a crashed ingest process is restarted while the dashboard stays up, and no batch is lost",
  async ({ dir, own }) => {
    const hub = own(await startHub(`${dir}/hub`));
    const { key, identity } = await enroll(hub, `${dir}/agent`);
    const agent = own(startAgent(`${dir}/agent`, 1));
    // One SSE connection for the whole test: the HTTP side never goes down.
    const sse = new EventStream(`${hub.http}/api/v1/events`, key);
    const before = await sse.waitFor("batches", batchAtLeast(3));

    // A handshake used before the crash...
    const creds = signStream(identity.agentId, Buffer.from(identity.agentKey, "base64"));
    assertEquals(await tryConnect(hub.grpc, identity.caPem, creds), "welcomed");

    const [, pid] = await hub.proc.waitForLine(/Ingest process started pid=(\d+)/);
    Deno.kill(Number(pid), "SIGKILL");
    await hub.proc.waitForLine(/Ingest process died; restarting/);
    await hub.proc.waitForLine(new RegExp(`Ingest process ready pid=(?!${pid}\\b)\\d+`));
    // ...cannot be replayed against the restarted process.
    assertEquals(await tryConnect(hub.grpc, identity.caPem, creds), grpc.status.UNAUTHENTICATED);
    const target = Number(before.data.seq) + 5;
    await sse.waitFor(
      "batches after the restart",
      batchAtLeast(target),
    );
    await sse.close();
    await agent.stop();
    await hub.proc.stop();

    await assertBatchesOnceInOrder(hub, identity.agentId, target);
  },
);
