/** macOS load, uptime, memory and swap: one sysctl call for all of them, plus vm_stat. */
import { defineCollector } from "../registry.ts";
import {
  parseBoottime,
  parseDarwinLoad,
  parseSwapusage,
  parseSysctl,
  parseVmStat,
} from "./parse.ts";
import { run } from "./run.ts";

const SYSCTLS = ["hw.memsize", "hw.ncpu", "vm.loadavg", "vm.swapusage", "kern.boottime"];

defineCollector({
  name: "system",
  os: "darwin",
  init: () => async (_ctx, out) => {
    const s = parseSysctl(await run("sysctl", ...SYSCTLS));
    out.load = parseDarwinLoad(s.get("vm.loadavg") ?? "");
    out.uptimeS = parseBoottime(s.get("kern.boottime") ?? "", Date.now());
    const total = Number(s.get("hw.memsize"));
    const swap = parseSwapusage(s.get("vm.swapusage") ?? "");
    out.memory = {
      ...parseVmStat(await run("vm_stat"), total),
      swapTotalBytes: swap.total,
      swapUsedBytes: swap.used,
    };
  },
});
