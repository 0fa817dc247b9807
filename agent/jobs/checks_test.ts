/**
 * The checks job against a real TCP port on loopback and a real WAL: checks
 * pushed as desired state run, their results land in the WAL as
 * AgentMessage{checks} batches, a changed check runs as changed, a removed
 * one stops, and a restarted agent holds its checks before it connects.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { AgentMessageSchema } from "../../proto/gen/sightline/agent/v1/agent_pb.ts";
import {
  createCheck,
  createTcpCheck,
  type DesiredState,
} from "../../proto/gen/sightline/agent/v1/agent_lean.ts";
import { assert, assertEquals } from "../../lib/assert.ts";
import { logger } from "../../lib/log.ts";
import { AgentControl } from "../control.ts";
import { Wal } from "../wal.ts";
import { ChecksRunner } from "./checks.ts";
import { Scheduler } from "../scheduler.ts";

const tcp = (id: string, port: number, intervalS = 60) =>
  createCheck({
    id,
    intervalS,
    timeoutS: 2,
    spec: { case: "tcp", value: createTcpCheck({ host: "127.0.0.1", port }) },
  });

const push = (
  version: number,
  full: boolean,
  checks: ReturnType<typeof tcp>[],
  removed: string[] = [],
): DesiredState => ({
  version,
  full,
  set: checks.map((c) => ({ key: `check:${c.id}`, value: { case: "check" as const, value: c } })),
  removed,
});

/** Waits for the WAL to hold check results matching `want`, returning every result in it. */
async function resultsIn(wal: Wal, want: (r: { checkId: string; ok: boolean }[]) => boolean) {
  for (let i = 0; i < 400; i++) {
    const out = [];
    for await (const e of wal.entries()) {
      const kind = fromBinary(AgentMessageSchema, e.data).kind;
      if (kind.case !== "checks") throw new Error(`not checks: ${kind.case}`);
      assertEquals(Number(kind.value.seq), e.seq);
      out.push(...kind.value.results);
    }
    if (want(out)) return out;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("the results never came");
}

Deno.test("checks pushed as desired state run from the WAL's point of view: results batched, changes and removals followed", async () => {
  const dir = await Deno.makeTempDir();
  const open = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const c of open) c.close();
  })();
  const closedPort = (() => {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    l.close();
    return l.addr.port;
  })();
  let wal = await Wal.open(`${dir}/wal.kv`);
  let notified = 0;
  const opts = () => ({
    wal,
    configuredIntervalS: 30,
    collectors: [],
    roots: { root: "/", procRoot: "/proc" },
    log: logger("test"),
  });
  const jobs = new Scheduler({ log: logger("test") });
  try {
    const control = await AgentControl.open("a1", opts());
    // No jitter: each first round at once.
    const runner = new ChecksRunner({
      wal,
      sender: { notify: () => void notified++ },
      log: logger("test"),
      flushMs: 50,
      random: () => 0,
    });
    control.onChecksChange((held) => runner.set(held));
    jobs.add(runner.job());

    await control.apply(push(1, true, [tcp("web", open.addr.port), tcp("db", closedPort)]));
    assertEquals(runner.ids().sort(), ["db", "web"]);
    let results = await resultsIn(wal, (rs) => rs.length >= 2);
    const by = Object.fromEntries(results.map((r) => [r.checkId, r]));
    assertEquals([by.web.ok, by.web.message], [true, "open"]);
    assertEquals([by.db.ok, by.db.message], [false, "connection refused"]);
    // A loopback connect can take under the timer's resolution: a time is there, not above 0.
    const connectMs = by.web.timings!.connectMs;
    assert(Number(by.web.unixMs) > 0 && Number.isFinite(connectMs) && connectMs >= 0);
    assert(notified > 0);

    // "db" now points at the open port: it starts over as changed; "web" goes.
    await control.apply(push(2, false, [tcp("db", open.addr.port)], ["check:web"]));
    assertEquals(runner.ids(), ["db"]);
    results = await resultsIn(wal, (rs) => rs.some((r) => r.checkId === "db" && r.ok));
    assertEquals(results.filter((r) => r.checkId === "web").length, 1);

    // The same check pushed again keeps running as it was (no new first round).
    const before = results.length;
    await control.apply(push(3, true, [tcp("db", open.addr.port)]));
    await jobs.stop(2000);
    assertEquals((await resultsIn(wal, () => true)).length, before);

    // A checks runner refuses what the host does not allow, and says so.
    const fresh = new ChecksRunner({ wal, sender: { notify() {} }, log: logger("test") });
    fresh.set([tcp("fast", open.addr.port, 1), createCheck({ id: "none", intervalS: 60 })]);
    assertEquals(fresh.ids(), []);
    await fresh.stop();

    // A restarted agent holds its checks before it connects.
    wal.close();
    wal = await Wal.open(`${dir}/wal.kv`);
    const again = await AgentControl.open("a1", opts());
    assertEquals(again.checks().map((c) => c.id), ["db"]);
  } finally {
    await jobs.stop(100);
    open.close();
    wal.close();
    await Deno.remove(dir, { recursive: true });
  }
});
