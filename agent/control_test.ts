import { fileURLToPath } from "node:url";
import { assert, assertEquals, assertRejects } from "../lib/assert.ts";
import { logger } from "../lib/log.ts";
import { AGENT_VERSION } from "../lib/link.ts";
import {
  ControlError_Code,
  type DesiredState,
} from "../proto/gen/sightline/agent/v1/agent_lean.ts";
import { AgentControl } from "./control.ts";
import { DesiredStore } from "./desired.ts";
import { Wal } from "./wal.ts";

const push = (p: Partial<DesiredState> & { seconds?: number }): DesiredState => ({
  version: p.version ?? 1,
  full: p.full ?? false,
  set: p.seconds === undefined ? [] : [{
    key: "metrics.interval",
    value: { case: "metricsInterval", value: { seconds: p.seconds } },
  }],
  removed: p.removed ?? [],
});

async function withWal(fn: (wal: Wal, path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  const wal = await Wal.open(`${dir}/wal.kv`);
  try {
    await fn(wal, `${dir}/wal.kv`);
  } finally {
    wal.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const PROCS = fileURLToPath(new URL("testdata/procs", import.meta.url));

const opts = (wal: Wal, roots = { root: PROCS, procRoot: `${PROCS}/proc` }) => ({
  wal,
  configuredIntervalS: 30,
  collectors: ["cpu", "memory"],
  roots,
  log: logger("test"),
});

Deno.test("answer() gives the agent's info, and UNSUPPORTED for a request it does not know", async () => {
  await withWal(async (wal) => {
    const control = await AgentControl.open("a1", opts(wal));
    const info = await control.answer({ id: 7, body: { case: "agentInfo", value: {} } });
    assertEquals(info.id, 7);
    if (info.result.case !== "agentInfo") throw new Error(`not info: ${info.result.case}`);
    assertEquals(info.result.value.pid, Deno.pid);
    assertEquals(info.result.value.agentVersion, AGENT_VERSION);
    assertEquals(info.result.value.collectors, ["cpu", "memory"]);
    assertEquals(info.result.value.metricsIntervalS, 30);
    assert(info.result.value.hostUptimeS > 0);
    const unknown = await control.answer({ id: 8, body: { case: undefined } });
    assertEquals(unknown, {
      id: 8,
      result: {
        case: "error",
        value: { code: ControlError_Code.UNSUPPORTED, message: "unknown request" },
      },
    });
  });
});

Deno.test("pushes apply whole or as a diff, are kept across a restart, and an out-of-range interval is ignored", async () => {
  await withWal(async (wal, path) => {
    const control = await AgentControl.open("a1", opts(wal));
    const seen: number[] = [];
    control.onIntervalChange((s) => seen.push(s));
    await control.apply(push({ version: 1, full: true, seconds: 5 }));
    assertEquals([control.intervalS(), control.desiredVersion()], [5, 1]);
    await control.apply(push({ version: 2, seconds: 99_999 }));
    assertEquals([control.intervalS(), control.desiredVersion()], [30, 2]);
    await control.apply(push({ version: 3, seconds: 10 }));
    assertEquals(seen, [5, 30, 10]);

    // Restarted: the same state, read from the KV anew.
    const again = await Wal.open(path);
    try {
      const reopened = await AgentControl.open("a1", opts(again));
      assertEquals([reopened.intervalS(), reopened.desiredVersion()], [10, 3]);
      await reopened.apply(push({ version: 4, removed: ["metrics.interval"] }));
      assertEquals([reopened.intervalS(), reopened.desiredVersion()], [30, 4]);
      // Another identity, or another build, holds nothing: the hub sends it all again.
      assertEquals((await AgentControl.open("a2", opts(again))).desiredVersion(), 0);
      assertEquals((await new DesiredStore(again.kv, "a1", "other").load()).version, 0);
      // A full push replaces everything held.
      await reopened.apply(push({ version: 5, full: true, seconds: 7 }));
      await reopened.apply(push({ version: 6, full: true }));
      assertEquals([reopened.intervalS(), reopened.desiredVersion()], [30, 6]);
    } finally {
      again.close();
    }
  });
});

Deno.test("a push that fails to apply does not keep later pushes from applying", async () => {
  await withWal(async (wal) => {
    const control = await AgentControl.open("a1", opts(wal));
    let broken = true;
    control.onIntervalChange(() => {
      if (broken) {
        broken = false;
        throw new Error("a listener broke");
      }
    });
    await assertRejects(
      () => control.apply(push({ version: 1, full: true, seconds: 5 })),
      Error,
      "a listener broke",
    );
    await control.apply(push({ version: 2, seconds: 10 }));
    assertEquals([control.intervalS(), control.desiredVersion()], [10, 2]);
  });
});

Deno.test({
  name: "answer() samples the top processes; requests at once share one sample",
  ignore: Deno.build.os !== "linux",
  async fn() {
    await withWal(async (wal) => {
      const control = await AgentControl.open("a1", opts(wal));
      const ask = (id: number) => control.answer({ id, body: { case: "topProcesses", value: {} } });
      const [a, b] = await Promise.all([ask(1), ask(2)]);
      assertEquals([a.id, b.id], [1, 2]);
      if (a.result.case !== "topProcesses" || b.result.case !== "topProcesses") {
        throw new Error(`not top processes: ${a.result.case}, ${b.result.case}`);
      }
      assert(a.result.value === b.result.value, "one sample for both");
      const [first] = a.result.value.byMemory;
      assertEquals([first.pid, first.name, first.user], [412, "postgres", "postgres"]);
      const later = await ask(3);
      assert(later.result.case === "topProcesses" && later.result.value !== a.result.value);
    });
  },
});

Deno.test("answer() says FAILED, with the reason, where the processes cannot be read", async () => {
  await withWal(async (wal) => {
    const roots = { root: "/nonexistent", procRoot: "/nonexistent/proc" };
    const control = await AgentControl.open("a1", opts(wal, roots));
    const res = await control.answer({ id: 4, body: { case: "topProcesses", value: {} } });
    if (res.result.case !== "error") throw new Error(`not an error: ${res.result.case}`);
    assertEquals(res.result.value.code, ControlError_Code.FAILED);
    const reason = Deno.build.os === "linux" ? "/nonexistent/proc" : "does not have";
    assert(res.result.value.message.includes(reason), res.result.value.message);
  });
});
