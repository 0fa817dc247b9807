/**
 * Fuzzing the agent stream: on authenticated streams, Hello then a mutated
 * message (a real batch with bytes flipped, cut, duplicated or spliced in).
 * Each stream must end or be answered within a deadline; a refused message
 * (an ack that says rejected, or the stream ended with an error) changes
 * nothing in the store; ingest never restarts.
 *
 * Short here; `SIGHTLINE_FUZZ_CASES=5000` for a long run; `SIGHTLINE_FUZZ_SEED`
 * repeats one.
 */
import { assert, assertEquals } from "../lib/assert.ts";
import { Channel, GrpcError } from "../agent/grpc.ts";
import { encodeBatch } from "../agent/wire.ts";
import { probeHello, probeStream } from "./probe.ts";
import { HUB_TLS_NAME } from "../lib/link.ts";
import type { Snapshot } from "../agent/collectors/types.ts";
import { enroll, openHubStore, startHub } from "./harness.ts";
import { prng } from "../lib/prng.ts";

const CASES = Number(Deno.env.get("SIGHTLINE_FUZZ_CASES") ?? 150);
const SEED = Number(Deno.env.get("SIGHTLINE_FUZZ_SEED") ?? Date.now() % 1e9);

function snapshot(unixMs: number): Snapshot {
  return {
    unixMs,
    intervalS: 30,
    cpu: { percent: 12, user: 8, system: 4, iowait: 0, steal: 0, perCore: [10, 14], cores: 2 },
    memory: {
      totalBytes: 8e9,
      usedBytes: 2e9,
      availableBytes: 6e9,
      cachedBytes: 1e9,
      swapTotalBytes: 0,
      swapUsedBytes: 0,
    },
    load: { load1: 0.5, load5: 0.4, load15: 0.3 },
    uptimeS: 1000,
    filesystems: [{
      mount: "/",
      device: "sda1",
      fstype: "ext4",
      sizeBytes: 1e11,
      usedBytes: 5e10,
      availBytes: 5e10,
    }],
    disks: [],
    net: [],
    temperatures: [],
    errors: [],
  };
}

function mutate(bytes: Uint8Array, rand: () => number): Uint8Array {
  const b = [...bytes];
  const at = () => Math.floor(rand() * b.length);
  for (let n = 0; n < 1 + rand() * 3; n++) {
    switch (Math.floor(rand() * 5)) {
      case 0:
        b[at()] = Math.floor(rand() * 256);
        break;
      case 1:
        b.length = at();
        break;
      case 2:
        b.splice(
          at(),
          0,
          ...Array.from({ length: 1 + rand() * 8 }, () => Math.floor(rand() * 256)),
        );
        break;
      case 3: {
        const i = at();
        b.splice(i, 0, ...b.slice(i, i + 1 + Math.floor(rand() * 20)));
        break;
      }
      default:
        b[at()] ^= 1 << Math.floor(rand() * 8);
    }
  }
  return new Uint8Array(b);
}

type Outcome = "stored" | "rejected" | "ended";

/** One stream: Hello, then `message`; how the hub took it. */
async function oneStream(
  channel: Channel,
  id: { agentId: string; agentKey: string },
  message: Uint8Array,
): Promise<Outcome> {
  let outcome: Outcome | null = null;
  const call = probeStream(channel, id, probeHello("fuzz", 30), (m, call) => {
    if (m.case === "ack") {
      outcome = m.value.rejected ? "rejected" : "stored";
      call.end();
    }
  });
  call.write(message);
  // A message that is no batch gets no ack: half-close, and the hub must end the stream.
  const halfClose = setTimeout(() => call.end(), 300);
  const deadline = setTimeout(() => call.cancel(), 10_000);
  try {
    await call.status;
  } catch (err) {
    if (err instanceof GrpcError && err.code === 1) {
      throw new Error("the hub never ended the stream");
    }
    if (!(err instanceof GrpcError)) throw err;
  } finally {
    clearTimeout(halfClose);
    clearTimeout(deadline);
  }
  return outcome ?? "ended";
}

Deno.test({
  name:
    `mutated messages on an authenticated stream are answered in time and refusals change nothing (seed ${SEED})`,
  ignore: Deno.build.os !== "linux",
  async fn() {
    const rand = prng(SEED);
    const dir = await Deno.makeTempDir({ prefix: "sightline-fuzz-" });
    const hub = await startHub(`${dir}/hub`);
    const store = openHubStore(hub);
    try {
      const id = (await enroll(hub, `${dir}/agent`, "fuzz")).identity;
      const channel = new Channel(hub.grpc, { serverName: HUB_TLS_NAME, caPem: id.caPem });
      const counts: Record<Outcome, number> = { stored: 0, rejected: 0, ended: 0 };
      const state = async () =>
        JSON.stringify([await store.batchSeqs(id.agentId), (await store.latest(id.agentId))?.data]);
      try {
        for (let i = 0; i < CASES; i++) {
          const base = encodeBatch(1_000 + i, snapshot(Date.now() - 60_000));
          const before = await state();
          const outcome = await oneStream(channel, id, mutate(base, rand));
          counts[outcome]++;
          if (outcome !== "stored") {
            assertEquals(await state(), before, `case ${i} (seed ${SEED}): ${outcome} but stored`);
          }
        }
      } finally {
        await channel.close();
      }
      if (Deno.env.get("SIGHTLINE_TEST_VERBOSE")) console.error("stream fuzz:", counts);
      // Mutations mostly break the message; some leave a valid batch.
      assert(counts.ended + counts.rejected > 0, JSON.stringify(counts));
      assertEquals(hub.proc.lines.filter((l) => /Ingest process (died|stopped)/.test(l)), []);
      const health = await fetch(`${hub.http}/healthz`);
      assertEquals(health.status, 200);
      await health.body?.cancel();
    } finally {
      await store.close();
      await hub.dispose();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
