/**
 * Simulated agents for tests and benches that need many hosts: the load
 * generator (bench/fleet_agents.ts) in a process of its own, driven over
 * NDJSON, and hosts with one-time tokens made straight in a hub's store.
 */
import { hashSecret, newRegistrationToken } from "../hub/auth/secrets.ts";
import { type Hub, openHubStore } from "./harness.ts";
import { readLines } from "../lib/ndjson.ts";

const DENO = Deno.execPath();
const ROOT = new URL("../", import.meta.url).pathname;

export interface GeneratorStats {
  sent: number;
  acked: number;
  rejected: number;
  streamErrors: number;
  connected: number;
  registered: number;
  failed: number;
  unacked: number;
  agents: number;
}

/** The load generator process and what it last reported. */
export class Generator {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  stats: GeneratorStats | null = null;
  /** When the last stats line came (they come every second). */
  statsAt = 0;
  #waiters: Array<(n: number) => void> = [];
  done: Promise<void>;

  /**
   * `values: "alerts"`: batches carry bench/alerts_fleet.ts's values (agents `h<N>`);
   * `everyS`, `heartbeatS`: other than the agent's 30 s and 5 s.
   */
  constructor(
    grpcAddr: string,
    opts: { values?: "alerts"; everyS?: number; heartbeatS?: number } = {},
  ) {
    const child = this.#child = new Deno.Command(DENO, {
      args: [
        "run",
        "-A",
        "bench/fleet_agents.ts",
        grpcAddr,
        ...(opts.values ? [`--values=${opts.values}`] : []),
        ...(opts.everyS ? [`--every=${opts.everyS}`] : []),
        ...(opts.heartbeatS ? [`--heartbeat=${opts.heartbeatS}`] : []),
      ],
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.done = (async () => {
      for await (const line of readLines(child.stdout)) {
        const m = JSON.parse(line);
        if (m.stats) {
          this.stats = m.stats;
          this.statsAt = Date.now();
        }
        if (m.ready !== undefined) this.#waiters.shift()?.(m.ready);
      }
    })();
  }

  get pid(): number {
    return this.#child.pid;
  }

  /** Registers and connects agents with these tokens; resolves with the total once done. */
  add(tokens: string[]): Promise<number> {
    const ready = new Promise<number>((r) => this.#waiters.push(r));
    void this.#send({ add: tokens });
    return ready;
  }

  /** Stops (or restarts) the agents' metrics batches; heartbeats go on. */
  pause(on: boolean): Promise<void> {
    return this.#send({ pause: on });
  }

  async stop(): Promise<void> {
    await this.#send({ stop: true }).catch(() => {});
    await this.#writer.close().catch(() => {});
    await Promise.race([this.#child.status, new Promise((r) => setTimeout(r, 10_000))]);
    try {
      this.#child.kill("SIGKILL");
    } catch { /* already gone */ }
    await this.done.catch(() => {});
  }

  #send(cmd: unknown) {
    return this.#writer.write(new TextEncoder().encode(JSON.stringify(cmd) + "\n"));
  }
}

/** Makes `n` hosts with one-time tokens straight in the hub's store; returns the tokens. */
export async function tokens(hub: Hub, n: number): Promise<string[]> {
  const store = openHubStore(hub);
  const out: string[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const token = newRegistrationToken();
      await store.hosts.create({
        hostId: crypto.randomUUID(),
        name: null,
        tokenHash: hashSecret(token),
        createdAt: Date.now(),
        expiresAt: Date.now() + 3_600_000,
      });
      out.push(token);
    }
  } finally {
    await store.close();
  }
  return out;
}
