/**
 * The agent port under a short churn run (bench/churn.ts has the long one):
 * every hostile sequence the harness knows, from two attacker processes,
 * while a real agent streams. Ingest must never restart, the agent must lose
 * and duplicate nothing, and a standard gRPC client must get its answers.
 */
import { assert, assertEquals } from "../lib/assert.ts";
import { runChurn } from "../bench/churn.ts";
import { ATTACK_KINDS } from "../bench/churn_attacks.ts";

Deno.test({
  name: "a churn of hostile clients never restarts ingest, and the agent beside it loses nothing",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const r = await runChurn({
      sequences: 1200,
      workers: 2,
      concurrency: 16,
      holdMs: 1000,
      longIdle: 4,
      baselineMs: 500,
      quiet: true,
    });
    assertEquals(r.ingestRestarts, 0, "ingest restarts");
    assertEquals(r.unreachable, 0, "sequences that found the port down");
    assertEquals(r.agentLost, 0, "agent batches lost");
    assertEquals(r.agentDuplicated, 0, "agent batches stored twice");
    assertEquals(r.surprises, {}, "unexpected answers");
    assertEquals(
      r.canary.attackFailures,
      0,
      `canary calls that failed during the attack: ${r.canary.attackFailureReasons.join("; ")}`,
    );
    assertEquals(r.standardOk, r.standardCalls, "standard client calls answered UNAUTHENTICATED");
    assert(r.standardCalls > 0, "the standard client ran");
    assertEquals(Object.keys(r.byKind).sort(), [...ATTACK_KINDS].sort(), "every kind ran");
    assertEquals(r.sequences, 1200);
  },
});
