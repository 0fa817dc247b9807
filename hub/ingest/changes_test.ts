import { assertEquals } from "../../lib/assert.ts";
import type { Host, HostInfo } from "../store/hosts/types.ts";
import {
  agentStarted,
  helloChanges,
  rebootChange,
  RebootWatch,
  type UptimeMark,
} from "./changes.ts";

const AT = Date.UTC(2026, 10, 24, 12);
const INFO: HostInfo = {
  hostname: "web-1",
  os: "linux",
  arch: "x86_64",
  kernel: "6.1.0-18-amd64",
  agent_version: "0.4.0",
  environment: "vm",
  ips: [],
  interval_s: 30,
  dropped_batches: 0,
};
/** The host as stored, last heard from `lastSeen`. */
const host = (info: Partial<HostInfo>, lastSeen: number | null): Host => ({
  ...INFO,
  ...info,
  id: "h1",
  name: "web-1",
  status: "online",
  last_seen: lastSeen === null ? null : new Date(lastSeen).toISOString(),
  created_at: new Date(0).toISOString(),
  registered: true,
  tags: [],
});
const kinds = (cs: Array<{ kind: string }>) => cs.map((c) => c.kind);

Deno.test("helloChanges(): a reconnect of the same agent process says nothing", () => {
  const started = AT - 3_600_000;
  assertEquals(helloChanges(host({}, AT - 10_000), INFO, started, AT), []);
});

Deno.test("helloChanges(): a new process is a restart, keyed by its start", () => {
  const started = AT - 2_000;
  const [c] = helloChanges(host({}, AT - 5_000), INFO, started, AT);
  assertEquals(
    [c.kind, c.key, c.ts, c.summary],
    ["agent_restart", `agent:${started}`, started, "Agent restarted"],
  );
  // A host whose agent never connected: its first start, and nothing compared.
  const fresh = host({ agent_version: "", kernel: "", os: "" }, null);
  assertEquals(kinds(helloChanges(fresh, INFO, started, AT)), ["agent_start"]);
  // An agent that does not say when it started cannot tell restarts apart.
  assertEquals(helloChanges(host({}, AT - 5_000), INFO, 0, AT), []);
});

Deno.test("helloChanges(): kernel, OS and agent version changes, before and after", () => {
  const started = AT - 1_000;
  const before = host(
    { kernel: "6.1.0-17-amd64", agent_version: "0.3.9", os: "darwin" },
    AT - 60_000,
  );
  const changes = helloChanges(before, INFO, started, AT);
  assertEquals(kinds(changes), ["agent_restart", "kernel", "os", "agent_version"]);
  assertEquals(changes[1].summary, "Kernel 6.1.0-17-amd64 → 6.1.0-18-amd64");
  assertEquals(changes[1].details, { before: "6.1.0-17-amd64", after: "6.1.0-18-amd64" });
  assertEquals(changes[3].summary, "Agent 0.3.9 → 0.4.0");
  assertEquals(changes.map((c) => c.ts), [started, started, started, started]);
  // The same Hello again (a second hub, a retry) has the same keys.
  assertEquals(
    helloChanges(before, INFO, started, AT + 5).map((c) => c.key),
    changes.map((c) => c.key),
  );
  // Without a start time the hub's clock stands in.
  assertEquals(helloChanges(before, INFO, 0, AT).map((c) => c.ts), [AT, AT, AT]);
});

Deno.test("agentStarted(): only a plausible time", () => {
  assertEquals(agentStarted(BigInt(AT - 5), AT), AT - 5);
  assertEquals(agentStarted(0n, AT), 0);
  assertEquals(agentStarted(BigInt(AT + 3_600_000), AT), 0);
  assertEquals(agentStarted(-5n, AT), 0);
});

const mark = (seq: number, ts: number, uptime: number | null): UptimeMark => ({ seq, ts, uptime });

Deno.test("rebootChange(): the uptime went back; dated when the host booted", () => {
  const prev = mark(10, AT, 86_400);
  assertEquals(rebootChange(prev, mark(11, AT + 30_000, 86_430)), null);
  const c = rebootChange(prev, mark(11, AT + 120_000, 45))!;
  assertEquals([c.kind, c.key, c.ts], ["reboot", "reboot:11", AT + 75_000]);
  assertEquals(c.details, {
    booted_at: new Date(AT + 75_000).toISOString(),
    uptime_s: 45,
    previous_uptime_s: 86_400,
  });
  // A boot time the clocks put before the last batch is kept after it.
  assertEquals(rebootChange(prev, mark(11, AT + 10_000, 60))!.ts, AT);
  // An older batch, or one that does not say, shows nothing.
  assertEquals(rebootChange(prev, mark(9, AT + 120_000, 45)), null);
  assertEquals(rebootChange(prev, mark(11, AT + 120_000, null)), null);
  assertEquals(rebootChange(null, mark(11, AT, 45)), null);
});

Deno.test("RebootWatch: seeded once, then batch to batch, across batches without uptime", async () => {
  let seeds = 0;
  const watch = new RebootWatch(() => {
    seeds++;
    return Promise.resolve(mark(5, AT, 1_000));
  });
  assertEquals(await watch.see(mark(5, AT, 1_000)), null); // the seed itself, replayed
  assertEquals(await watch.see(mark(6, AT + 30_000, 1_030)), null);
  assertEquals(await watch.see(mark(7, AT + 60_000, null)), null);
  assertEquals((await watch.see(mark(8, AT + 200_000, 20)))?.key, "reboot:8");
  assertEquals(await watch.see(mark(9, AT + 230_000, 50)), null);
  assertEquals(seeds, 1);
});
