import { assert, assertEquals } from "../../lib/assert.ts";
import { fileURLToPath as fromFileUrl } from "node:url";
import { cpuCollector, cpuPercent, parseProcStat } from "./cpu.ts";
import { parseMeminfo } from "./memory.ts";
import { parseLoadavg } from "./load.ts";
import { parseUptime } from "./uptime.ts";
import { parseMounts } from "./filesystem.ts";
import { diskCollector, parseDiskstats } from "./disk.ts";
import { netCollector, parseNetDev } from "./net.ts";
import { readHwmon } from "./temperature.ts";
import { detectEnvironment } from "./environment.ts";
import { collect } from "./mod.ts";
import type { Collector, Snapshot } from "./types.ts";

const fixture = (p: string) => fromFileUrl(new URL(`testdata/${p}`, import.meta.url));
const PROC = fixture("linux/proc");
const PROC2 = fixture("linux2/proc");
const SYS = fixture("linux/sys");
const read = (p: string) => Deno.readTextFileSync(fixture(p));

function empty(): Snapshot {
  return {
    unixMs: 0,
    intervalS: 0,
    filesystems: [],
    disks: [],
    net: [],
    temperatures: [],
    errors: [],
  };
}

Deno.test("parseProcStat() reads the total and every core in order", () => {
  const { total, cores } = parseProcStat(read("linux/proc/stat"));
  assertEquals(total.user, 10000);
  assertEquals(total.steal, 300);
  assertEquals(cores.length, 2);
});

Deno.test("cpuPercent() splits busy time between two readings", () => {
  const a = parseProcStat(read("linux/proc/stat")).total;
  const b = parseProcStat(read("linux2/proc/stat")).total;
  // deltas: user 600, system 400, idle 800, iowait 100 → total 1900
  const p = cpuPercent(a, b);
  assertEquals(Math.round(p.percent * 100) / 100, Math.round((1000 / 1900) * 10000) / 100);
  assertEquals(Math.round(p.iowait * 100) / 100, Math.round((100 / 1900) * 10000) / 100);
  assertEquals(p.steal, 0);
});

Deno.test("cpuCollector() reports nothing on the baseline read, then percentages", async () => {
  const c = cpuCollector();
  const first = empty();
  await c.collect({ procRoot: PROC, sysRoot: SYS, intervalS: 0 }, first);
  assertEquals(first.cpu, undefined);
  const second = empty();
  await c.collect({ procRoot: PROC2, sysRoot: SYS, intervalS: 10 }, second);
  assertEquals(second.cpu?.cores, 2);
  assertEquals(second.cpu?.perCore.length, 2);
  assert(second.cpu!.percent > 50 && second.cpu!.percent < 55);
});

Deno.test("parseMeminfo() converts kB to bytes and derives used from MemAvailable", () => {
  const m = parseMeminfo(read("linux/proc/meminfo"));
  assertEquals(m.totalBytes, 16318480 * 1024);
  assertEquals(m.usedBytes, (16318480 - 8159240) * 1024);
  assertEquals(m.swapTotalBytes, 2097148 * 1024);
  assertEquals(m.swapUsedBytes, (2097148 - 1048574) * 1024);
});

Deno.test("parseMeminfo() falls back to free + buffers + cached on old kernels", () => {
  const m = parseMeminfo("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n");
  assertEquals(m.availableBytes, 400 * 1024);
  assertEquals(m.swapUsedBytes, 0);
});

Deno.test("parseLoadavg() reads the three load averages", () => {
  assertEquals(parseLoadavg(read("linux/proc/loadavg")), {
    load1: 0.52,
    load5: 0.58,
    load15: 0.59,
  });
});

Deno.test("parseUptime() reads seconds since boot", () => {
  assertEquals(parseUptime(read("linux/proc/uptime")), 350735.47);
});

Deno.test("parseMounts() keeps real filesystems once per device and decodes escapes", () => {
  const mounts = parseMounts(read("linux/proc/self/mounts"));
  assertEquals(mounts.map((m) => m.mount), ["/", "/boot/efi", "/mnt/My Backups", "/mnt/nfs"]);
});

Deno.test("parseMounts() keeps a container's overlay root", () => {
  const mounts = parseMounts("overlay / overlay rw 0 0\nproc /proc proc rw 0 0\n");
  assertEquals(mounts, [{ device: "overlay", mount: "/", fstype: "overlay" }]);
});

Deno.test("parseDiskstats() reads sectors as 512-byte units", () => {
  const [d] = parseDiskstats(read("linux/proc/diskstats"), (n) => n === "sda");
  assertEquals(d, {
    device: "sda",
    reads: 500,
    readBytes: 8000 * 512,
    writes: 50,
    writeBytes: 4000 * 512,
  });
});

Deno.test("diskCollector() keeps whole disks listed in /sys/block and computes rates", async () => {
  const c = diskCollector();
  const a = empty();
  await c.collect({ procRoot: PROC, sysRoot: SYS, intervalS: 0 }, a);
  assertEquals(a.disks.map((d) => d.device), ["nvme0n1", "sda"]);
  assertEquals(a.disks[0].readBytesPerS, 0);
});

Deno.test("parseNetDev() skips loopback and veth and reads errors and drops", () => {
  const net = parseNetDev(read("linux/proc/net/dev"));
  assertEquals(net.map((n) => n.iface), ["eth0", "wlan0"]);
  assertEquals(net[0].rxErrors, 1);
  assertEquals(net[0].rxDrops, 2);
  assertEquals(net[0].txBytes, 182244);
  assertEquals(net[0].txDrops, 4);
});

Deno.test("netCollector() reports zero rates first, then bytes per second", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/net`);
  const line = (rx: number) => `h\nh\n  eth0: ${rx} 1 0 0 0 0 0 0 ${rx * 2} 1 0 0 0 0 0 0\n`;
  const c = netCollector();
  await Deno.writeTextFile(`${dir}/net/dev`, line(1000));
  const a = empty();
  await c.collect({ procRoot: dir, sysRoot: SYS, intervalS: 0 }, a);
  assertEquals(a.net[0].rxBytesPerS, 0);
  await Deno.writeTextFile(`${dir}/net/dev`, line(3000));
  const b = empty();
  await c.collect({ procRoot: dir, sysRoot: SYS, intervalS: 10 }, b);
  assertEquals(b.net[0].rxBytesPerS, 200);
  assertEquals(b.net[0].txBytesPerS, 400);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("readHwmon() names sensors by chip and label and converts millidegrees", async () => {
  assertEquals(await readHwmon(SYS), [
    { sensor: "coretemp_Package id 0", celsius: 45 },
    { sensor: "coretemp_temp2", celsius: 43.5 },
    { sensor: "nvme_temp1", celsius: 38.85 },
  ]);
});

Deno.test("readHwmon() finds nothing where there is no hwmon", async () => {
  assertEquals(await readHwmon(PROC), []);
});

Deno.test("detectEnvironment() sees a VM by its DMI vendor", async () => {
  assertEquals(await detectEnvironment({ root: SYS, procRoot: PROC, sysRoot: SYS }), "vm");
});

Deno.test("detectEnvironment() sees a container by its marker file", async () => {
  const root = await Deno.makeTempDir();
  await Deno.writeTextFile(`${root}/.dockerenv`, "");
  assertEquals(await detectEnvironment({ root, procRoot: PROC, sysRoot: SYS }), "container");
  await Deno.remove(root, { recursive: true });
});

Deno.test("collect() records a failing collector and still runs the others", async () => {
  const broken: Collector = {
    name: "broken",
    collect: () => Promise.reject(new Error("boom")),
  };
  const fine: Collector = {
    name: "fine",
    collect: (_ctx, out) => {
      out.uptimeS = 5;
      return Promise.resolve();
    },
  };
  const s = await collect([broken, fine], { procRoot: PROC, sysRoot: SYS }, 30, 1234);
  assertEquals(s.errors, [{ collector: "broken", message: "boom" }]);
  assertEquals(s.uptimeS, 5);
  assertEquals(s.unixMs, 1234);
});
