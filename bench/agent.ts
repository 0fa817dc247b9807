/**
 * bench/agent: the agent's footprint against Debian's prometheus-node-exporter
 * on this machine, side by side for the same period: steady RSS, CPU time per
 * collection cycle (node_exporter: per scrape, scraped as often as the agent
 * collects) and bytes sent per minute. A second baseline is the runtime
 * itself: an idle script (`deno eval`), whose RSS is the floor any agent run
 * with `deno run` starts from.
 */
import { hubCli, lastLine, registerAgent, startAgent, startHub } from "../tests/harness.ts";
import { procUsage } from "./common.ts";

const NODE_EXPORTER = "/usr/bin/prometheus-node-exporter";

/** Runs the bench; returns the headline and the figures. */
export async function run(opts: { full: boolean }): Promise<{ headline: string; data: unknown }> {
  try {
    Deno.statSync(NODE_EXPORTER);
  } catch {
    throw new Error(`bench agent needs ${NODE_EXPORTER}: apt-get install prometheus-node-exporter`);
  }
  const intervalS = 5;
  const periodMs = (opts.full ? 300 : 60) * 1000;
  const dir = await Deno.makeTempDir({ prefix: "sightline-bench-agent-" });
  const hub = await startHub(`${dir}/hub`);
  const port = hub.ports.http + 1;
  const exporter = new Deno.Command(NODE_EXPORTER, {
    args: [`--web.listen-address=127.0.0.1:${port}`],
    stdout: "null",
    stderr: "null",
  }).spawn();
  // The same runtime with nothing to do: what the agent costs above the floor.
  const idle = new Deno.Command(Deno.execPath(), {
    args: ["eval", "setInterval(() => {}, 60_000)"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const token = lastLine((await hubCli(hub, "token", "create")).stdout);
    const reg = await registerAgent(hub, token, `${dir}/agent`);
    if (reg.code !== 0) throw new Error(reg.output);
    const agent = startAgent(`${dir}/agent`, intervalS);
    // Warm up: two cycles each, so start-up costs do not count.
    await agent.waitForLine(/Batch queued seq=2\b/, 30_000);
    const scrape = async () =>
      (await (await fetch(`http://127.0.0.1:${port}/metrics`)).arrayBuffer()).byteLength;
    await scrape();
    await scrape();

    const agentCpu0 = procUsage(agent.pid).cpuMs;
    const exporterCpu0 = procUsage(exporter.pid).cpuMs;
    const firstLine = agent.lines.length;
    let scrapes = 0;
    let scrapeBytes = 0;
    const started = Date.now();
    while (Date.now() - started < periodMs) {
      const next = started + (scrapes + 1) * intervalS * 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
      scrapeBytes += await scrape();
      scrapes++;
    }
    const elapsedMin = (Date.now() - started) / 60_000;
    const queued = agent.lines.slice(firstLine).map((l) =>
      /Batch queued seq=\d+ bytes=(\d+)/.exec(l)
    ).filter((m) => m);
    const cycles = queued.length;
    const agentBytes = queued.reduce((n, m) => n + Number(m![1]), 0);
    const agentCpu = procUsage(agent.pid).cpuMs - agentCpu0;
    const exporterCpu = procUsage(exporter.pid).cpuMs - exporterCpu0;
    const mb = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1));
    const agentMem = procUsage(agent.pid);
    const data = {
      period_s: Math.round(elapsedMin * 60),
      interval_s: intervalS,
      agent: {
        rss_mb: mb(agentMem.rss),
        /** Private memory: the heaps, not the pages of the executable. */
        anon_mb: mb(agentMem.anon),
        cycles,
        cpu_ms_per_cycle: Number((agentCpu / Math.max(1, cycles)).toFixed(2)),
        bytes_per_min: Math.round(agentBytes / elapsedMin),
      },
      idle_runtime: { rss_mb: mb(procUsage(idle.pid).rss), anon_mb: mb(procUsage(idle.pid).anon) },
      node_exporter: {
        rss_mb: mb(procUsage(exporter.pid).rss),
        scrapes,
        cpu_ms_per_scrape: Number((exporterCpu / Math.max(1, scrapes)).toFixed(2)),
        bytes_per_min: Math.round(scrapeBytes / elapsedMin),
      },
    };
    await agent.stop();
    console.log(JSON.stringify(data, null, 2));
    const rssRatio = (data.agent.rss_mb / data.node_exporter.rss_mb).toFixed(2);
    const cpuRatio =
      (data.agent.cpu_ms_per_cycle / Math.max(0.01, data.node_exporter.cpu_ms_per_scrape)).toFixed(
        2,
      );
    const bytesRatio = (data.agent.bytes_per_min / Math.max(1, data.node_exporter.bytes_per_min))
      .toFixed(3);
    const aboveRuntime = (data.agent.rss_mb - data.idle_runtime.rss_mb).toFixed(1);
    return {
      headline:
        `agent: rss_mb=${data.agent.rss_mb} rss_ratio=${rssRatio} cpu_ms_per_cycle=${data.agent.cpu_ms_per_cycle} cpu_ratio=${cpuRatio} bytes_per_min=${data.agent.bytes_per_min} bytes_ratio=${bytesRatio} idle_runtime_rss_mb=${data.idle_runtime.rss_mb} rss_above_runtime_mb=${aboveRuntime}`,
      data,
    };
  } finally {
    exporter.kill("SIGTERM");
    await exporter.status;
    idle.kill("SIGTERM");
    await idle.status;
    await hub.dispose();
    await Deno.remove(dir, { recursive: true });
  }
}
