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

const opts = (wal: Wal) => ({
  wal,
  configuredIntervalS: 30,
  collectors: ["cpu", "memory"],
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
