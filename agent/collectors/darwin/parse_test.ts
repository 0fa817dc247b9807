import { assertEquals, assertThrows } from "../../../lib/assert.ts";
import {
  parseBoottime,
  parseDarwinLoad,
  parseDf,
  parseNetstat,
  parseSwapusage,
  parseSysctl,
  parseTopCpu,
  parseVmStat,
} from "./parse.ts";

const read = (f: string) =>
  Deno.readTextFileSync(new URL(`../testdata/darwin/${f}`, import.meta.url));

Deno.test("parseSysctl() reads name: value lines", () => {
  const s = parseSysctl(read("sysctl.txt"));
  assertEquals(s.get("hw.memsize"), "17179869184");
  assertEquals(parseDarwinLoad(s.get("vm.loadavg")!), { load1: 2.15, load5: 2.43, load15: 2.51 });
  assertEquals(parseSwapusage(s.get("vm.swapusage")!), {
    total: 2048 * 1024 ** 2,
    used: Math.round(1024.5 * 1024 ** 2),
  });
  assertEquals(parseBoottime(s.get("kern.boottime")!, 1795000100_000), 100);
});

Deno.test("parseVmStat() counts app, wired and compressed memory as used", () => {
  const page = 16384;
  const m = parseVmStat(read("vm_stat.txt"), 17179869184);
  assertEquals(m.usedBytes, (300000 - 7890 + 123456 + 40000) * page);
  assertEquals(m.cachedBytes, (150000 + 7890) * page);
  assertEquals(m.totalBytes, 17179869184);
});

Deno.test("parseVmStat() refuses output that is not vm_stat", () => {
  assertThrows(() => parseVmStat("hello", 1), SyntaxError);
});

Deno.test("parseDf() keeps real volumes and skips system helper volumes", () => {
  const fs = parseDf(read("df_kP.txt"));
  assertEquals(fs.map((f) => f.mount), ["/", "/System/Volumes/Data", "/Volumes/My Disk"]);
  assertEquals(fs[0].sizeBytes, 494384795 * 1024);
});

Deno.test("parseNetstat() reads link rows, with or without a MAC address", () => {
  const net = parseNetstat(read("netstat_ibn.txt"));
  assertEquals(net.map((n) => n.iface), ["en0", "utun0"]);
  assertEquals(net[0].rxBytes, 6543210987);
  assertEquals(net[0].txErrors, 1);
  assertEquals(net[0].txDrops, 2);
  assertEquals(net[1].rxBytes, 1000);
  assertEquals(net[1].txBytes, 2000);
});

Deno.test("parseTopCpu() reads the CPU usage line", () => {
  const c = parseTopCpu(read("top_l1.txt"));
  assertEquals(c.user, 5.26);
  assertEquals(c.system, 10.52);
  assertEquals(Math.round(c.percent * 100) / 100, 15.79);
});
