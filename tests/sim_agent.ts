/**
 * A simulated agent for the changes tests: one stream at a time through the
 * agent's own gRPC client, saying exactly the Hello and batches a test
 * needs (a kernel, a version, when the process started, the host's uptime),
 * which a real agent cannot be made to say.
 */
import { Channel } from "../agent/grpc.ts";
import { encodeBatch, encodeHello } from "../agent/wire.ts";
import { probeStream } from "./probe.ts";
import { HUB_TLS_NAME } from "../lib/link.ts";
import type { Hello } from "../proto/gen/sightline/agent/v1/agent_lean.ts";

/** One batch: its seq, its time and the host's uptime then, with a CPU figure to chart. */
export interface SimBatch {
  seq: number;
  unixMs: number;
  uptimeS: number;
}

/**
 * One stream: `hello`, then `batches`, resolving once each is acknowledged
 * (so the hub has handled the Hello and every batch), then closing.
 */
export async function session(
  addr: string,
  id: { agentId: string; agentKey: string; caPem: string },
  hello: Partial<Hello>,
  batches: SimBatch[],
): Promise<void> {
  if (!batches.length) {
    throw new Error("a session needs a batch: its ack says the Hello was handled");
  }
  const channel = new Channel(addr, { serverName: HUB_TLS_NAME, caPem: id.caPem });
  let acked = 0;
  let done: () => void;
  const all = new Promise<void>((r) => (done = r));
  const call = probeStream(
    channel,
    id,
    encodeHello({ hostname: "sim", os: "linux", arch: "x64", environment: "vm", ...hello }),
    (m) => m.case === "ack" && ++acked === batches.length && done(),
  );
  for (const b of batches) {
    call.write(encodeBatch(b.seq, {
      unixMs: b.unixMs,
      intervalS: 30,
      cpu: { percent: 20, user: 15, system: 5, iowait: 0, steal: 0, perCore: [20], cores: 1 },
      uptimeS: b.uptimeS,
      filesystems: [],
      disks: [],
      net: [],
      temperatures: [],
      errors: [],
    }));
  }
  const timer = setTimeout(() => call.cancel(), 15_000);
  try {
    await Promise.race([
      all,
      call.status.then(() => {
        throw new Error(`stream ended after ${acked} of ${batches.length} acks`);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    call.end();
    await call.status.catch(() => {});
    await channel.close();
  }
}
