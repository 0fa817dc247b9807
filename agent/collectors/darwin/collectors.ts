/** macOS collectors: run sysctl, vm_stat, df, netstat and top, parse their output. */
import { type Collector, rate } from "../types.ts";
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

/** Runs `cmd args…` and returns its stdout; throws with its stderr when it fails. */
export async function run(cmd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim().slice(0, 200);
    throw new Error(`${cmd} exited with ${out.code}${err ? `: ${err}` : ""}`);
  }
  return new TextDecoder().decode(out.stdout);
}

const SYSCTLS = ["hw.memsize", "hw.ncpu", "vm.loadavg", "vm.swapusage", "kern.boottime"];

/** The macOS collectors, in the order they run. */
export function darwinCollectors(): Collector[] {
  let prevNet = new Map<string, { rx: number; tx: number }>();
  return [
    {
      name: "cpu",
      async collect(_ctx, out) {
        const top = parseTopCpu(await run("top", "-l", "1", "-n", "0", "-s", "0"));
        const cores = Number(parseSysctl(await run("sysctl", "hw.ncpu")).get("hw.ncpu")) || 1;
        out.cpu = { ...top, iowait: 0, steal: 0, perCore: [], cores };
      },
    },
    {
      name: "system",
      async collect(_ctx, out) {
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
    },
    {
      name: "filesystem",
      async collect(_ctx, out) {
        out.filesystems.push(...parseDf(await run("df", "-k", "-P")));
      },
    },
    {
      name: "net",
      async collect(ctx, out) {
        const next = new Map<string, { rx: number; tx: number }>();
        for (const n of parseNetstat(await run("netstat", "-ibn"))) {
          const p = prevNet.get(n.iface);
          next.set(n.iface, { rx: n.rxBytes, tx: n.txBytes });
          out.net.push({
            ...n,
            rxBytesPerS: rate(p?.rx, n.rxBytes, ctx.intervalS),
            txBytesPerS: rate(p?.tx, n.txBytes, ctx.intervalS),
          });
        }
        prevNet = next;
      },
    },
  ];
}
