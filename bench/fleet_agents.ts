/**
 * The fleet bench's load generator, in a process of its own: simulated
 * agents that do what the real one does on the wire. Each registers with a
 * one-time token (Register RPC), opens its own TLS connection with a signed
 * Connect stream (HMAC, pinned CA), says Hello, then sends a heartbeat every
 * 5 s and a metrics batch every 30 s (a snapshot of this machine, collected
 * once, with the time and a few values changed), and counts the hub's acks.
 * It keeps unacked batches in memory, not in a write-ahead log, and sends
 * them again after a reconnect; a batch still unacked at the end is lost.
 *
 * `--values=alerts`: each batch carries bench/alerts_fleet.ts's values for
 * host `h<N>` (the agent's id) instead of this machine's snapshot.
 *
 * `deno run -A bench/fleet_agents.ts HUB_ADDR [--values=alerts] [--every=S] [--heartbeat=S]`;
 * reads NDJSON commands on
 * stdin (`{"add": [token, …]}`, `{"pause": true|false}`, `{"stop": true}`) and writes NDJSON reports
 * on stdout (`{"ready": n}` after each add, `{"stats": …}` every second).
 */
import { Buffer } from "node:buffer";
import { type Call, Channel } from "../agent/grpc.ts";
import { authMetadata, signStream } from "../lib/stream_auth.ts";
import { AGENT_VERSION, HUB_TLS_NAME } from "../lib/link.ts";
import { register } from "../agent/transport.ts";
import {
  decodeHubMessage,
  encodeBatch,
  encodeHeartbeat,
  encodeHello,
  METHODS,
} from "../agent/wire.ts";
import { collect, collectorsFor } from "../agent/collectors/mod.ts";
import type { Snapshot } from "../agent/collectors/types.ts";
import { readLines } from "../lib/ndjson.ts";

/** `--every=S` and `--heartbeat=S` stretch the agent's 30 s and 5 s for a bench that needs a lighter load per host. */
const flag = (name: string, fallback: number) => {
  const v = Number(Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1]);
  return Number.isFinite(v) && v > 0 ? v * 1000 : fallback;
};
const HEARTBEAT_MS = flag("heartbeat", 5_000);
const METRICS_MS = flag("every", 30_000);
/** Registrations in flight at once. */
const REGISTER_CONCURRENCY = 32;

const hub = Deno.args[0];
/** bench/alerts_fleet.ts's batch for host `h`, when asked for (loaded only then). */
const alertsBatch = Deno.args.includes("--values=alerts")
  ? (await import("./alerts_fleet.ts")).hostBytes
  : null;
if (!hub) {
  console.error("usage: fleet_agents.ts HOST:PORT");
  Deno.exit(2);
}

const stats = {
  sent: 0,
  acked: 0,
  rejected: 0,
  streamErrors: 0,
  connected: 0,
  registered: 0,
  failed: 0,
};
const agents: SimAgent[] = [];
/** While set, agents skip their metrics batches (heartbeats go on): lets acks drain. */
let paused = false;
const base: Snapshot = await collect(collectorsFor("linux", "vm"), {
  procRoot: "/proc",
  sysRoot: "/sys",
}, 30);

/** Waits `ms`. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One simulated agent: its identity, its stream and its timers. Like the
 * real agent it keeps unacknowledged batches (in memory here) and sends them
 * again after reconnecting with backoff; the hub's (host, seq) idempotency
 * makes that safe.
 */
class SimAgent {
  #channel: Channel;
  #call: Call | null = null;
  #timers: ReturnType<typeof setTimeout>[] = [];
  #seq = 0;
  #pending = new Map<number, Uint8Array>();
  #stopped = false;
  #attempt = 0;

  constructor(
    readonly id: string,
    readonly key: Uint8Array,
    caPem: string,
  ) {
    // A connection per agent, as on a real fleet: the real agent's client.
    this.#channel = new Channel(hub, { serverName: HUB_TLS_NAME, caPem });
  }

  /** Batches sent that the hub has not acked. */
  get unacked(): number {
    return this.#pending.size;
  }

  /** Connects until welcomed, then starts the heartbeat and metrics timers at a random phase. */
  async start(): Promise<void> {
    await this.#connect();
    this.#schedule();
  }

  /** One stream: resolves once welcomed; on its end, reconnects after a backoff. */
  #connect(): Promise<void> {
    const creds = signStream(this.id, this.key);
    return new Promise((resolve) => {
      let welcomed = false;
      const call = this.#call = this.#channel.stream(
        METHODS.connect,
        authMetadata(creds),
        (bytes) => {
          const m = decodeHubMessage(bytes).kind;
          if (m.case === "welcome") {
            welcomed = true;
            this.#attempt = 0;
            stats.connected++;
            // What the hub already has is acked by its Welcome; the rest goes again.
            for (const [seq, batch] of this.#pending) {
              if (seq <= m.value.lastSeq) this.#ack(seq, false);
              else call.write(batch);
            }
            resolve();
          } else if (m.case === "ack") {
            this.#ack(m.value.seq, m.value.rejected !== "");
          }
        },
      );
      // The hub ends a stream only to drop the agent: any end is a reconnect.
      call.status.catch(() => {}).then(async () => {
        stats.streamErrors++;
        if (welcomed) stats.connected--;
        if (this.#stopped) return;
        await sleep(Math.min(30_000, 500 * 2 ** this.#attempt++) * (0.5 + Math.random() / 2));
        if (!this.#stopped) this.#connect().then(resolve);
      });
      call.write(encodeHello({
        hostname: `sim-${this.id.slice(0, 8)}`,
        agentVersion: AGENT_VERSION,
        os: "linux",
        arch: "x86_64",
        kernel: "6.1.0-sim",
        environment: "vm",
        ips: ["192.0.2.1"],
        metricsIntervalS: METRICS_MS / 1000,
        droppedBatches: 0,
      }));
    });
  }

  #ack(seq: number, rejected: boolean) {
    if (!this.#pending.delete(seq)) return;
    if (rejected) stats.rejected++;
    else stats.acked++;
  }

  #schedule() {
    const heartbeat = () =>
      this.#call?.write(encodeHeartbeat({
        unixMs: Date.now(),
        pendingBatches: this.#pending.size,
        droppedBatches: 0,
      }));
    const metrics = () => {
      if (paused) return;
      const seq = ++this.#seq;
      const h = /^h(\d+)$/.exec(this.id);
      let bytes: Uint8Array;
      if (alertsBatch && h) bytes = alertsBatch(Number(h[1]), seq - 1, Date.now());
      else {
        const cpu = base.cpu && { ...base.cpu, percent: (seq * 7 + this.id.charCodeAt(0)) % 100 };
        bytes = encodeBatch(seq, { ...base, cpu, unixMs: Date.now() });
      }
      this.#pending.set(seq, bytes);
      stats.sent++;
      this.#call?.write(bytes);
    };
    // Spread over the intervals, as agents started at different times are.
    const h = setTimeout(() => {
      heartbeat();
      this.#timers.push(setInterval(heartbeat, HEARTBEAT_MS));
    }, Math.random() * HEARTBEAT_MS);
    const m = setTimeout(() => {
      metrics();
      this.#timers.push(setInterval(metrics, METRICS_MS));
    }, Math.random() * METRICS_MS);
    this.#timers.push(h, m);
  }

  /** Stops sending, half-closes the stream and closes the connection. */
  stop() {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#call?.end();
    this.#channel.close();
  }
}

/** Registers with `token`, trying again a few times while the hub is unreachable. */
async function registerWithRetry(token: string) {
  for (let attempt = 0;; attempt++) {
    try {
      return await register(hub, token, { hostname: "sim", os: "linux", arch: "x86_64" });
    } catch (err) {
      if (attempt >= 5) throw err;
      await sleep(500 * 2 ** attempt);
    }
  }
}

/** Registers and connects one agent per token, a few at a time. */
async function add(tokens: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tokens.length) {
      const token = tokens[next++];
      try {
        const id = await registerWithRetry(token);
        stats.registered++;
        const a = new SimAgent(id.agentId, Buffer.from(id.agentKey, "base64"), id.caPem);
        agents.push(a);
        await a.start();
      } catch (err) {
        stats.failed++;
        console.error(`agent failed to start: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: REGISTER_CONCURRENCY }, worker));
}

const report = (m: unknown) => console.log(JSON.stringify(m));
const ticker = setInterval(
  () =>
    report({
      stats: {
        ...stats,
        unacked: agents.reduce((n, a) => n + a.unacked, 0),
        agents: agents.length,
      },
    }),
  1000,
);

for await (const line of readLines(Deno.stdin.readable)) {
  const cmd = JSON.parse(line) as { add?: string[]; pause?: boolean; stop?: boolean };
  if (cmd.pause !== undefined) paused = cmd.pause;
  if (cmd.add) {
    await add(cmd.add);
    report({ ready: agents.length });
  }
  if (cmd.stop) break;
}
clearInterval(ticker);
for (const a of agents) a.stop();
report({ stopped: true });
Deno.exit(0);
