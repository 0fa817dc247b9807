/**
 * The log jobs. The file job: a long-running job that polls the file sources the hub set
 * (reader.ts) four times a second until the agent stops. Polling, not file
 * watches: a poll sees renames, truncation and a file made again in one
 * stat, inotify would still need the same checks, and the cost is a stat
 * per file.
 */
import type { Job } from "../scheduler.ts";
import type { LogReader } from "./reader.ts";
import { followJournal, type JournalOptions, type JournalSource } from "./journal.ts";
import {
  createLogBatch,
  encodeAgentMessage,
} from "../../proto/gen/sightline/agent/v1/agent_lean.ts";

import { pause } from "../pause.ts";

const POLL_MS = 250;

export function logsJob(reader: LogReader): Job {
  return {
    name: "logs",
    schedule: { kind: "long-running" },
    async run(signal) {
      try {
        while (!signal.aborted) {
          await reader.poll();
          await pause(POLL_MS, signal);
        }
      } finally {
        reader.close();
      }
    },
  };
}

/** What the journal job needs: the journal sources in force, and the follower's options. */
export interface JournalJobOptions extends JournalOptions {
  sources: () => JournalSource[];
  /** false: SIGHTLINE_AGENT_JOURNAL=off, journal sources are refused. */
  enabled: boolean;
}

/** Sends a source's refusal or failure to the hub once per distinct message. */
async function tellHub(
  opts: JournalJobOptions,
  told: Map<string, string>,
  id: string,
  message: string,
) {
  if (told.get(id) === message) return;
  told.set(id, message);
  opts.log.warn("Log source refused or failing", { source: id, error: message });
  await opts.wal.append((seq) =>
    encodeAgentMessage({
      kind: {
        case: "logs",
        value: createLogBatch({
          seq,
          unixMs: Date.now(),
          errors: [{ collector: `logs:${id}`, message }],
        }),
      },
    })
  );
  opts.sender?.notify();
}

/**
 * The journal job: one follower (journal.ts) per journal source the hub
 * set, started and stopped as the sources change, and started again 5 s
 * after journalctl fails or ends.
 */
export function journalJob(opts: JournalJobOptions): Job {
  return {
    name: "logs.journal",
    schedule: { kind: "long-running" },
    async run(signal) {
      const running = new Map<string, { stop: AbortController; done: Promise<void> }>();
      const told = new Map<string, string>();
      const retryAt = new Map<string, number>();
      try {
        while (!signal.aborted) {
          const sources = opts.sources();
          const wanted = new Map(sources.map((s) => [`${s.id}|${s.units.join(",")}`, s]));
          for (const [k, r] of running) {
            if (!wanted.has(k)) {
              r.stop.abort();
              await r.done;
              running.delete(k);
            }
          }
          for (const [k, src] of wanted) {
            if (running.has(k) || (retryAt.get(k) ?? 0) > Date.now()) continue;
            if (!opts.enabled) {
              await tellHub(
                opts,
                told,
                src.id,
                "the journal is off on this host (SIGHTLINE_AGENT_JOURNAL=off)",
              );
              continue;
            }
            const stop = new AbortController();
            const stopIt = () => stop.abort();
            signal.addEventListener("abort", stopIt, { once: true });
            const done = followJournal(src, opts, stop.signal).then(
              () => {},
              async (err) => {
                const message = err instanceof Deno.errors.NotFound
                  ? "cannot read the journal: journalctl is not installed"
                  : `cannot read the journal: ${(err as Error).message}`;
                await tellHub(opts, told, src.id, message).catch(() => {});
              },
            ).finally(() => {
              signal.removeEventListener("abort", stopIt);
              running.delete(k);
              retryAt.set(k, Date.now() + 5000);
            });
            running.set(k, { stop, done });
          }
          await pause(1000, signal);
        }
      } finally {
        for (const r of running.values()) r.stop.abort();
        await Promise.all([...running.values()].map((r) => r.done));
      }
    },
  };
}
