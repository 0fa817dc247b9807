import { assert, assertEquals } from "../../lib/assert.ts";
import { cpuPercent, isoMs, memoryUsed, reading } from "./stats.ts";
import { engineSocket } from "./engine.ts";

// Trimmed from Docker 20.10's one-shot answers on this machine (cgroup v1) and
// from Docker 27 on a cgroup v2 host.
const V1 = {
  cpu_stats: {
    cpu_usage: { total_usage: 2_028_645_936, percpu_usage: [2_008_936_687, 19_709_249] },
    system_cpu_usage: 932_210_000_000,
    online_cpus: 2,
  },
  memory_stats: {
    usage: 70_000_000,
    limit: 25_275_990_016,
    stats: { total_inactive_file: 2_000_000, inactive_file: 1_000_000, cache: 3_000_000 },
  },
  networks: { eth0: { rx_bytes: 952, tx_bytes: 10 }, eth1: { rx_bytes: 48, tx_bytes: 0 } },
  blkio_stats: {
    io_service_bytes_recursive: [
      { major: 8, minor: 0, op: "Read", value: 4096 },
      { major: 8, minor: 0, op: "Write", value: 8192 },
      { major: 8, minor: 0, op: "Total", value: 12288 },
    ],
  },
};
const V2 = {
  cpu_stats: {
    cpu_usage: { total_usage: 5_000_000 },
    system_cpu_usage: 1_000_000_000,
    online_cpus: 4,
  },
  memory_stats: { usage: 10_000_000, stats: { inactive_file: 4_000_000, anon: 5_000_000 } },
  blkio_stats: {
    io_service_bytes_recursive: [{ op: "read", value: 100 }, { op: "write", value: 7 }],
  },
};

Deno.test("memory is usage less the inactive file cache, by each cgroup version's key", () => {
  assertEquals(memoryUsed(V1.memory_stats), 68_000_000);
  assertEquals(memoryUsed(V2.memory_stats), 6_000_000);
  // A cache larger than the usage (a race in the kernel's counters) leaves the usage.
  assertEquals(memoryUsed({ usage: 5, stats: { inactive_file: 9 } }), 5);
  assertEquals(memoryUsed(undefined), 0);
});

Deno.test("a reading sums every network and the block ops of either spelling", () => {
  const r = reading(V1);
  assertEquals([r.netRx, r.netTx, r.blockRead, r.blockWrite, r.onlineCpus], [
    1000,
    10,
    4096,
    8192,
    2,
  ]);
  const r2 = reading(V2);
  assertEquals([r2.blockRead, r2.blockWrite, r2.netRx], [100, 7, 0]);
  // No online_cpus (an old engine): the per-CPU list's length.
  const old = reading({ cpu_stats: { cpu_usage: { total_usage: 1, percpu_usage: [1, 0, 0] } } });
  assertEquals(old.onlineCpus, 3);
});

Deno.test("CPU percent is the docker CLI's: container over host time, times online CPUs", () => {
  const prev = reading(V1);
  // Over 2 s of a 2-CPU host (4e9 ns of host time) the container ran 2e9 ns: one core.
  const next = reading({
    ...V1,
    cpu_stats: {
      ...V1.cpu_stats,
      cpu_usage: { total_usage: V1.cpu_stats.cpu_usage.total_usage + 2e9 },
      system_cpu_usage: V1.cpu_stats.system_cpu_usage + 4e9,
    },
  });
  assert(Math.abs(cpuPercent(prev, next) - 100) < 1e-9);
  // A counter that went back (the container restarted) is no figure, not a negative one.
  assertEquals(cpuPercent(next, prev), 0);
});

Deno.test("engine times: the zero time and garbage are unknown", () => {
  assertEquals(isoMs("2026-12-02T06:30:37.081314132Z"), Date.UTC(2026, 11, 2, 6, 30, 37, 81));
  assertEquals(isoMs("0001-01-01T00:00:00Z"), 0);
  assertEquals(isoMs("soon"), 0);
  assertEquals(isoMs(undefined), 0);
});

Deno.test("the engine socket: DOCKER_HOST's, else the first usual one that exists, else none", async () => {
  const root = await Deno.makeTempDir();
  try {
    assertEquals(engineSocket({}, root), null);
    assertEquals(engineSocket({ DOCKER_HOST: "tcp://10.0.0.1:2375" }, root), null);
    await Deno.mkdir(`${root}/run/podman`, { recursive: true });
    const l = Deno.listen({ transport: "unix", path: `${root}/run/podman/podman.sock` });
    try {
      assertEquals(engineSocket({}, root), `${root}/run/podman/podman.sock`);
      assertEquals(
        engineSocket({ DOCKER_HOST: "unix:///run/podman/podman.sock" }, root),
        `${root}/run/podman/podman.sock`,
      );
      // DOCKER_HOST wins, even when it names a socket that is not there.
      assertEquals(engineSocket({ DOCKER_HOST: "unix:///nowhere.sock" }, root), null);
      // A plain file is no socket.
      await Deno.mkdir(`${root}/var/run`, { recursive: true });
      await Deno.writeTextFile(`${root}/var/run/docker.sock`, "");
      assertEquals(engineSocket({}, root), `${root}/run/podman/podman.sock`);
    } finally {
      l.close();
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
