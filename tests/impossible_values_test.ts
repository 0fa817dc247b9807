/**
 * One agent sends values no metric can have (CPU ±1e308 inside one 10 min
 * window, as an attacker did to stop every host's history); another sends
 * ordinary batches of the same minutes beside it. Nothing impossible is
 * stored, the first host's count of dropped values says what happened, and
 * the second host's rollups go on.
 */
import { assert, assertEquals } from "../lib/assert.ts";
import { Channel } from "../agent/grpc.ts";
import { encodeBatch } from "../agent/wire.ts";
import { probeHello, probeStream } from "./probe.ts";
import { HUB_TLS_NAME } from "../lib/link.ts";
import type { Snapshot } from "../agent/collectors/types.ts";
import { enroll, openHubStore, processTest, startHub, until } from "./harness.ts";

/** Sends `snapshots` as batches 1…n on one stream and resolves once each is acked. */
async function sendBatches(
  addr: string,
  id: { agentId: string; agentKey: string; caPem: string },
  snapshots: Snapshot[],
): Promise<string[]> {
  const channel = new Channel(addr, { serverName: HUB_TLS_NAME, caPem: id.caPem });
  const acks: string[] = [];
  let done: () => void;
  const allAcked = new Promise<void>((r) => (done = r));
  const call = probeStream(channel, id, probeHello("hostile", 1), (m) => {
    if (m.case !== "ack") return;
    acks.push(m.value.rejected);
    if (acks.length === snapshots.length) done();
  });
  snapshots.forEach((s, i) => call.write(encodeBatch(i + 1, s)));
  const timer = setTimeout(() => call.cancel(), 15_000);
  try {
    await allAcked;
  } finally {
    clearTimeout(timer);
    call.end();
    await call.status.catch(() => {});
    await channel.close();
  }
  return acks;
}

/** An ordinary batch: what a healthy host sends. */
function ordinary(unixMs: number): Snapshot {
  const s = snapshot(unixMs, 12);
  return {
    ...s,
    memory: { ...s.memory!, usedBytes: 40 },
    uptimeS: 3600,
    temperatures: [{ sensor: "cpu", celsius: 45 }],
  };
}

function snapshot(unixMs: number, cpu: number): Snapshot {
  return {
    unixMs,
    intervalS: 30,
    cpu: { percent: cpu, user: cpu, system: 1, iowait: 0, steal: 0, perCore: [cpu], cores: 1 },
    memory: {
      totalBytes: 100,
      usedBytes: 2 ** 63, // of 100 bytes
      availableBytes: 50,
      cachedBytes: 1,
      swapTotalBytes: 0,
      swapUsedBytes: 0,
    },
    load: { load1: 1, load5: 1, load15: 1 },
    uptimeS: 1e308,
    filesystems: [],
    disks: [],
    net: [],
    temperatures: [{ sensor: "cpu", celsius: -1e308 }],
    errors: [],
  };
}

processTest(
  "impossible values from one agent are dropped and counted; another host's rollups go on",
  async ({ dir, own }) => {
    const hub = own(await startHub(`${dir}/hub`, undefined, { SIGHTLINE_ROLLUP_EVERY: "1" }));
    const store = openHubStore(hub);
    own({ stop: () => store.close() });
    const good = (await enroll(hub, `${dir}/good`, "good")).identity;
    const bad = (await enroll(hub, `${dir}/bad`, "bad")).identity;
    // Minutes that have ended, so their 1 min buckets are rolled up at the next run.
    const t0 = Date.now() - 5 * 60_000;
    const ordinaryAcks = sendBatches(
      hub.grpc,
      good,
      [0, 1, 2, 3, 4, 5].map((i) => ordinary(t0 + i * 30_000)),
    );
    const acks = await sendBatches(hub.grpc, bad, [
      snapshot(t0, 1e308),
      snapshot(t0 + 30_000, 1e308),
      snapshot(t0 + 60_000, -1e308),
      snapshot(t0 + 90_000, -1e308),
    ]);
    // The batches are acknowledged (the agent would resend them forever otherwise)…
    assertEquals(acks, ["", "", "", ""]);
    assertEquals(await ordinaryAcks, ["", "", "", "", "", ""]);
    // …but nothing impossible is stored, and the host says how much was dropped.
    const latest = (await store.metrics.latest(bad.agentId))!.data;
    assertEquals(
      [latest.cpu_percent, latest.mem_used_bytes, latest.uptime_s],
      [null, null, null],
    );
    // Per batch: cpu percent, user, core 0; memory used; uptime; temperature.
    assertEquals(latest.invalid_values_total, 4 * 6);
    const stored = await store.metrics.queryRange({
      hostIds: [bad.agentId],
      metric: "cpu_percent",
      label: "",
      tier: "raw",
      from: t0 - 60_000,
      to: Date.now(),
      stepMs: 60_000,
    });
    assertEquals(stored, []);
    // The other host's history keeps being rolled up.
    await until("the good host's 1 min rollups", async () => {
      const rows = await store.metrics.queryRange({
        hostIds: [good.agentId],
        metric: "cpu_percent",
        label: "",
        tier: "1m",
        from: t0 - 60_000,
        to: Date.now(),
        stepMs: 60_000,
      });
      return rows.length >= 3;
    }, 30_000);
    assert(
      !hub.proc.lines.some((l) => /Cannot roll up|NOT NULL/.test(l)),
      "no rollup run failed",
    );
  },
);
