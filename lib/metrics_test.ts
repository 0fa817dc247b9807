import { assert, assertEquals } from "./assert.ts";
import { CHARTS, inRange, metric, METRICS, metricTable } from "./metrics.ts";
import { AgentService } from "../proto/gen/sightline/agent/v1/agent_pb.ts";

Deno.test("the README's metric table is the catalogue's", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const m = /<!-- metrics:begin -->\s*([\s\S]*?)\s*<!-- metrics:end -->/.exec(readme);
  assert(m, "the README has the metrics markers");
  // deno fmt aligns the table's columns: compare cell by cell.
  const cells = (t: string) =>
    t.split("\n").filter((l) => !/^\|[\s-|]+\|$/.test(l)).map((l) =>
      l.split("|").slice(1, -1).map((c) => c.trim())
    );
  assertEquals(cells(m[1]), cells(metricTable()));
});

Deno.test("every metric has a range that holds its ordinary values and refuses the impossible", () => {
  for (const def of METRICS) {
    assert(def.min < def.max, def.name);
    assert(inRange(def, def.min) && inRange(def, def.max), def.name);
    assert(!inRange(def, Number.NaN) && !inRange(def, Infinity) && !inRange(def, -1e308), def.name);
  }
  assert(inRange(metric("cpu_percent")!, 100.0000000001), "rounding past 100 % is allowed");
  assert(!inRange(metric("cpu_percent")!, -50));
  assert(!inRange(metric("temp_celsius")!, -300));
});

Deno.test("the proto's metric messages are the ones the catalogue's conversion reads", () => {
  // A new metric field in the proto must reach the catalogue (and conversion):
  // MetricsBatch's fields are the groups the catalogue's names start from.
  const batch = AgentService.methods.find((x) => x.name === "Connect")!.input.fields
    .find((f) => f.name === "metrics")!.message!;
  const groups = batch.fields.map((f) => f.name).filter((n) =>
    ![
      "seq",
      "unix_ms",
      "interval_s",
      "errors",
      // Events and the list's facts, not series (hub/store/containers/).
      "container_events",
      "containers_listed",
      "container_engine",
    ].includes(n)
  );
  const prefix: Record<string, string> = {
    cpu: "cpu_",
    memory: "mem_",
    load: "load",
    uptime_s: "uptime_s",
    filesystems: "fs_",
    disks: "disk_",
    net: "net_",
    temperatures: "temp_",
    containers: "container_",
  };
  assertEquals(
    groups.sort(),
    Object.keys(prefix).sort(),
    "a MetricsBatch field the catalogue does not cover",
  );
  for (const p of Object.values(prefix)) {
    assert(METRICS.some((m) => m.name.startsWith(p)), `no catalogue metric for ${p}`);
  }
});

Deno.test("the host page's charts draw only metrics of the catalogue, each with its label", () => {
  for (const chart of CHARTS) {
    for (const s of chart.series ?? []) {
      assert(
        metric(s.metric)?.label === "",
        `${chart.id}: ${s.metric} is a catalogue metric without a label`,
      );
    }
    const labels = new Set((chart.perLabel ?? []).map((s) => metric(s.metric)?.label));
    for (const s of chart.perLabel ?? []) {
      assert(metric(s.metric), `${chart.id}: ${s.metric} is in the catalogue`);
    }
    assert(
      !labels.has("") && labels.size <= 1,
      `${chart.id}: per-label series share one label kind`,
    );
  }
});
