/**
 * The metrics job: every interval, run the collectors, append the snapshot
 * to the WAL as the next batch and wake the hub link to send it. The first
 * run only sets the baselines rates are computed from, so it writes nothing.
 */
import type { Logger } from "../../lib/log.ts";
import { collect } from "../collectors/mod.ts";
import type { Collector } from "../collectors/types.ts";
import type { Job } from "../scheduler.ts";
import type { Wal } from "../wal.ts";
import { encodeBatch } from "../wire.ts";
import type { ContainerWatcher } from "../containers/watcher.ts";

/** What the metrics job needs from the rest of the agent. */
export interface MetricsDeps {
  collectors: Collector[];
  roots: { procRoot: string; sysRoot: string };
  intervalS: number;
  wal: Wal;
  /** Told after each batch is in the WAL (the hub link). */
  sender: { notify(): void };
  log: Logger;
  /** The host's containers, sampled with each cycle (absent: not watched). */
  containers?: Pick<ContainerWatcher, "sample" | "takeEvents">;
}

/**
 * The job, run at once and then on multiples of the interval (so cycles do
 * not drift). A snapshot's interval is the time since the last one, so
 * rates stay right when the interval is changed while the agent runs.
 */
export function metricsJob(deps: MetricsDeps): Job {
  const { collectors, roots, wal, sender, log } = deps;
  let last: number | null = null;
  /**
   * The engine's list; an engine that fails is one collector's error, not the cycle's. Nor
   * is one that hangs: each of its calls has its own timeout, but a list and a call per
   * container would hold the host's metrics for a long time, so the cycle waits for it at
   * most 5 s, and asks again only once the last sample is over.
   */
  let sampling: Promise<unknown> | null = null;
  const sampleContainers = async (now: number) => {
    const none = (error: string) => ({ listed: false, engine: "", containers: [], error });
    if (!deps.containers) return none("");
    if (sampling) return none("the container engine has not answered the last sample yet");
    const waitMs = 5000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const sample = sampling = deps.containers.sample(now).finally(() => sampling = null);
    try {
      return await Promise.race([
        sample.then((c) => ({ ...c, error: "" })),
        new Promise<ReturnType<typeof none>>((resolve) => {
          timer = setTimeout(
            () => resolve(none(`the container engine did not answer within ${waitMs / 1000} s`)),
            waitMs,
          );
        }),
      ]);
    } catch (err) {
      return none((err as Error).message.slice(0, 500));
    } finally {
      clearTimeout(timer);
      sample.catch(() => {}); // a late failure is the next sample's to tell
    }
  };
  return {
    name: "metrics",
    schedule: {
      kind: "interval",
      everyMs: deps.intervalS * 1000,
      initialDelayMs: 0,
      aligned: true,
    },
    async run() {
      const now = Date.now();
      if (last === null) {
        // Baselines only; container events wait in the watcher for the first batch.
        await Promise.all([collect(collectors, roots, 0, now), sampleContainers(now)]);
        last = now;
        return;
      }
      const [snapshot, containers] = await Promise.all([
        collect(collectors, roots, (now - last) / 1000, now),
        sampleContainers(now),
      ]);
      last = now;
      if (deps.containers) {
        snapshot.containers = { ...containers, events: deps.containers.takeEvents() };
        if (containers.error) {
          snapshot.errors.push({ collector: "containers", message: containers.error });
        }
      }
      for (const e of snapshot.errors) {
        log.warn("Collector failed", { collector: e.collector, error: e.message });
      }
      let bytes = 0;
      const seq = await wal.append((s) => {
        const data = encodeBatch(s, snapshot);
        bytes = data.length;
        return data;
      });
      log.debug("Batch queued", { seq, bytes });
      sender.notify();
    },
  };
}
