/** macOS CPU use from `top`'s one-shot sample, and the core count from sysctl. */
import { defineCollector } from "../registry.ts";
import { parseSysctl, parseTopCpu } from "./parse.ts";
import { run } from "./run.ts";

defineCollector({
  name: "cpu",
  os: "darwin",
  init: () => async (_ctx, out) => {
    const top = parseTopCpu(await run("top", "-l", "1", "-n", "0", "-s", "0"));
    const cores = Number(parseSysctl(await run("sysctl", "hw.ncpu")).get("hw.ncpu")) || 1;
    out.cpu = { ...top, iowait: 0, steal: 0, perCore: [], cores };
  },
});
