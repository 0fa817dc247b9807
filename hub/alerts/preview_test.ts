import { assertEquals } from "../../lib/assert.ts";
import { useCaseTest } from "../usecases/testing.ts";
import { host } from "../store/conformance_helpers.ts";
import { checkRule } from "../../lib/alerts/rules.ts";
import { preview } from "./preview.ts";

useCaseTest(
  "preview: the hosts a rule would watch, and what the last day would have fired",
  async (store) => {
    await host(store, "h1", "web-1");
    await host(store, "h2", "db-1");
    await store.hosts.setTags("h1", ["web"]);
    const now = Date.now();
    const start = now - 3 * 3600_000;
    // A day of one batch a minute on h1: /data above 90 % for 20 minutes, twice; / never.
    for (let i = 0; i < 180; i++) {
      const ts = start + i * 60_000;
      const high = (i >= 30 && i < 50) || (i >= 120 && i < 140);
      await store.metrics.writeBatch("h1", {
        seq: i + 1,
        ts,
        points: [
          { metric: "fs_used_percent", label: "/data", value: high ? 95 : 60 },
          { metric: "fs_used_percent", label: "/", value: 40 },
        ],
        latest: {},
      });
    }
    const c = checkRule({
      name: "disk",
      metric: "fs_used_percent",
      labels: { mount: "*" },
      op: ">",
      threshold: 90,
      recover: 80,
      for_s: 300,
      scope: { tag: "web" },
    });
    if (!c.ok) throw new Error(c.error.problem);
    const p = await preview(store, c.rule, now);
    assertEquals(p.hosts, [{ id: "h1", name: "web-1" }]);
    const iso = (i: number) =>
      new Date(Math.floor((start + i * 60_000) / 60_000) * 60_000).toISOString();
    assertEquals(p.episodes, [
      { host_id: "h1", labels: { mount: "/data" }, fired_at: iso(35), resolved_at: iso(50) },
      { host_id: "h1", labels: { mount: "/data" }, fired_at: iso(125), resolved_at: iso(140) },
    ]);
    // A threshold no day would reach fires nothing; an offline rule lists only hosts.
    const quiet = checkRule({ name: "q", metric: "fs_used_percent", op: ">", threshold: 99 });
    if (!quiet.ok) throw new Error(quiet.error.problem);
    assertEquals((await preview(store, quiet.rule, now)).episodes, []);
    const offline = checkRule({ name: "o", kind: "offline", for_s: 60 });
    if (!offline.ok) throw new Error(offline.error.problem);
    assertEquals((await preview(store, offline.rule, now)).hosts.length, 2);
  },
);
