/**
 * The log job: a long-running job that polls the file sources the hub set
 * (reader.ts) four times a second until the agent stops. Polling, not file
 * watches: a poll sees renames, truncation and a file made again in one
 * stat, inotify would still need the same checks, and the cost is a stat
 * per file.
 */
import type { Job } from "../scheduler.ts";
import type { LogReader } from "./reader.ts";

const POLL_MS = 250;

export function logsJob(reader: LogReader): Job {
  return {
    name: "logs",
    schedule: { kind: "long-running" },
    async run(signal) {
      try {
        while (!signal.aborted) {
          await reader.poll();
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, POLL_MS);
            signal.addEventListener("abort", () => {
              clearTimeout(t);
              resolve();
            }, { once: true });
          });
        }
      } finally {
        reader.close();
      }
    },
  };
}
