/**
 * `deno task bench churn [--full]`: the agent port under attack. A hub on
 * loopback, a real agent streaming a batch a second beside the attack, and
 * attacker processes (bench/churn_attacks.ts) running bounded rounds of every
 * hostile sequence a client can try. Counts ingest restarts, checks the
 * agent's batches arrived once each and in order, and times a canary call
 * (a refused Register) before and during the attack.
 *
 * Headline: `churn: sequences=N ingest_restarts=0 agent_lost=0 … canary_p99_ratio=R`,
 * R the canary's p99 during the attack over its p99 before it.
 */
import { fileURLToPath } from "node:url";
import { Channel, GrpcError } from "../agent/grpc.ts";
import { encodeRegisterRequest, METHODS } from "../agent/wire.ts";
import { HUB_TLS_NAME } from "../lib/link.ts";
import { percentile } from "./common.ts";
import {
  batchAtLeast,
  enroll,
  EventStream,
  openHubStore,
  type Proc,
  startAgent,
  startHub,
  until,
} from "../tests/harness.ts";
import type { AttackConfig, AttackReport } from "./churn_attacks.ts";
import { batchSeqs } from "../hub/store/testing.ts";

const ATTACKER = fileURLToPath(new URL("./churn_attacks.ts", import.meta.url));

export interface ChurnOptions {
  sequences: number;
  /** Attacker processes, and sequences each runs at once. */
  workers: number;
  concurrency: number;
  holdMs: number;
  longIdle: number;
  /** How long the canary is timed before the attack. */
  baselineMs: number;
  /** No progress lines on stderr. */
  quiet?: boolean;
}

export interface ChurnResult {
  sequences: number;
  ingestRestarts: number;
  agentBatches: number;
  /** Batches the agent numbered up to the check that are not stored, and those stored twice. */
  agentLost: number;
  agentDuplicated: number;
  unreachable: number;
  standardCalls: number;
  standardOk: number;
  byKind: Record<string, number>;
  surprises: Record<string, number>;
  canary: {
    baselineP99Ms: number;
    attackP99Ms: number;
    attackFailures: number;
    /** Calls the hub shed (RESOURCE_EXHAUSTED: a loaded event loop), answered at once. */
    attackShed: number;
    /** What the failed calls got, at most five. */
    attackFailureReasons: string[];
  };
  seconds: number;
}

/** Times a refused Register every 50 ms until stopped. */
function canary(addr: string, caPem: string) {
  const ch = new Channel(addr, { serverName: HUB_TLS_NAME, caPem });
  const body = encodeRegisterRequest({
    token: "sl_reg_" + "c".repeat(32),
    hostname: "canary",
    agentVersion: "",
    os: "",
    arch: "",
  });
  let phase: number[] = [];
  let failures = 0;
  let shed = 0;
  let reasons: string[] = [];
  let stop = false;
  const done = (async () => {
    while (!stop) {
      const t0 = performance.now();
      try {
        await ch.unary(METHODS.register, body, 10_000);
      } catch (e) {
        // UNAUTHENTICATED is the answer asked for; RESOURCE_EXHAUSTED is the hub shedding
        // load while its loop lags, a quick answer too (the client backs off and retries).
        if (e instanceof GrpcError && e.code === 8) shed++;
        else if (!(e instanceof GrpcError) || e.code !== 16) {
          failures++;
          if (reasons.length < 5) reasons.push(String((e as Error).message ?? e).slice(0, 200));
        }
      }
      phase.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 50));
    }
    await ch.close();
  })();
  return {
    /** The samples so far, and a fresh start. */
    take(): { samples: number[]; failures: number; shed: number; reasons: string[] } {
      const out = { samples: phase, failures, shed, reasons };
      phase = [];
      failures = 0;
      shed = 0;
      reasons = [];
      return out;
    },
    async stop() {
      stop = true;
      await done;
    },
  };
}

function restartLines(proc: Proc): number {
  return proc.lines.filter((l) => /Ingest process (died|stopped answering)/.test(l)).length;
}

export async function runChurn(o: ChurnOptions): Promise<ChurnResult> {
  const started = performance.now();
  const say = (what: string) =>
    o.quiet ||
    console.error(`churn: ${((performance.now() - started) / 1000).toFixed(1)} s: ${what}`);
  const dir = await Deno.makeTempDir({ prefix: "sightline-churn-" });
  const hub = await startHub(`${dir}/hub`);
  let agent: Proc | null = null;
  try {
    const { key, identity } = await enroll(hub, `${dir}/agent`, "streaming-agent");
    const attacker = (await enroll(hub, `${dir}/attacker`, "attacker")).identity;
    agent = startAgent(`${dir}/agent`, 1);
    const sse = new EventStream(`${hub.http}/api/v1/events`, key);
    await sse.waitFor("the agent's first batches", batchAtLeast(2), 30_000);
    await sse.close();

    say("the agent streams; timing the canary");
    const can = canary(hub.grpc, identity.caPem);
    await new Promise((r) => setTimeout(r, o.baselineMs));
    const baseline = can.take();

    say(`attacking: ${o.sequences} sequences from ${o.workers} processes`);
    const per = Math.ceil(o.sequences / o.workers);
    const reports = await Promise.all(Array.from({ length: o.workers }, async (_, i) => {
      const cfg: AttackConfig = {
        hub: hub.grpc,
        caPem: identity.caPem,
        agentId: attacker.agentId,
        agentKey: attacker.agentKey,
        sequences: Math.min(per, o.sequences - i * per),
        concurrency: o.concurrency,
        holdMs: o.holdMs,
        longIdle: o.longIdle,
        seed: 1000 + i,
      };
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", ATTACKER, JSON.stringify(cfg)],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      const line = text.split("\n").find((l) => l.startsWith('{"done"'));
      if (!line) {
        throw new Error(
          `attacker ${i} failed (code ${out.code}): ${
            new TextDecoder().decode(out.stderr).slice(-2000)
          }`,
        );
      }
      return (JSON.parse(line) as { done: AttackReport }).done;
    }));
    say("attack over; checking the agent's batches");
    const during = can.take();
    await can.stop();
    say("canary stopped");

    // The agent goes on; batches stored after the attack show its link held.
    const store = openHubStore(hub);
    const stored = () => batchSeqs(store, identity.agentId);
    const last = Math.max(0, ...await stored());
    await until(
      "two more batches after the attack",
      async () => Math.max(0, ...await stored()) >= last + 2,
      30_000,
    );
    say(`batch ${last + 2} arrived after the attack`);
    await agent.stop();
    say("agent stopped");
    const seqs = await stored().finally(() => store.close());
    const unique = new Set(seqs);
    let lost = 0;
    for (let seq = 1; seq <= last + 2; seq++) if (!unique.has(seq)) lost++;
    const merged = (f: (r: AttackReport) => Record<string, number>) => {
      const out: Record<string, number> = {};
      for (const r of reports) {
        for (const [k, v] of Object.entries(f(r))) out[k] = (out[k] ?? 0) + v;
      }
      return out;
    };
    return {
      sequences: reports.reduce((a, r) => a + r.sequences, 0),
      ingestRestarts: restartLines(hub.proc),
      agentBatches: seqs.length,
      agentLost: lost,
      agentDuplicated: seqs.length - unique.size,
      unreachable: reports.reduce((a, r) => a + r.unreachable, 0),
      standardCalls: reports.reduce((a, r) => a + r.standardCalls, 0),
      standardOk: reports.reduce((a, r) => a + r.standardOk, 0),
      byKind: merged((r) => r.byKind),
      surprises: merged((r) => r.surprises),
      canary: {
        baselineP99Ms: percentile(baseline.samples, 99),
        attackP99Ms: percentile(during.samples, 99),
        attackFailures: during.failures,
        attackShed: during.shed,
        attackFailureReasons: during.reasons,
      },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await agent?.stop();
    await hub.dispose();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

export async function run({ full }: { full: boolean }) {
  const o: ChurnOptions = full
    ? {
      sequences: 20_000,
      workers: 2,
      concurrency: 32,
      holdMs: 5_000,
      longIdle: 20,
      baselineMs: 5000,
    }
    : {
      sequences: 10_000,
      workers: 2,
      concurrency: 24,
      holdMs: 2_000,
      longIdle: 10,
      baselineMs: 3000,
    };
  const r = await runChurn(o);
  console.log(JSON.stringify(r, null, 2));
  const ratio = r.canary.attackP99Ms / Math.max(r.canary.baselineP99Ms, 0.001);
  const headline = `churn: sequences=${r.sequences} ingest_restarts=${r.ingestRestarts} ` +
    `agent_lost=${r.agentLost} agent_duplicated=${r.agentDuplicated} unreachable=${r.unreachable} ` +
    `standard_client_ok=${r.standardOk}/${r.standardCalls} ` +
    `canary_p99_ms=${r.canary.attackP99Ms.toFixed(1)} canary_p99_ratio=${ratio.toFixed(2)}`;
  return { headline, data: r };
}
