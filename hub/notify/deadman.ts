/**
 * The hub's dead-man's switch: when SIGHTLINE_DEADMAN_URL is set, the hub
 * calls it every minute (a GET, as healthchecks.io and its kind expect), so
 * something outside notices when the hub itself is dead, which no alert of
 * its own can say. Every hub of a cluster calls it: give each hub its own
 * check, or one check whose grace covers a hub's restart.
 */
import type { Logger } from "../../lib/log.ts";
import { type Outbound, OutboundPolicy } from "./outbound.ts";

export const DEADMAN_EVERY_MS = 60_000;

export function startDeadman(
  url: string,
  log: Logger,
  opts: { everyMs?: number; outbound?: Outbound } = {},
): { stop(): Promise<void> } {
  const http = opts.outbound ?? new OutboundPolicy();
  let failing = false;
  let running: Promise<void> = Promise.resolve();
  const ping = () => {
    running = (async () => {
      try {
        const res = await http.fetch(
          url,
          { method: "GET", headers: { "user-agent": "Sightline" } },
          10_000,
        );
        await res.body?.cancel();
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        if (failing) log.info("Dead-man's switch reached again");
        failing = false;
      } catch (err) {
        // Once per failing streak: the log is not the place to count minutes.
        if (!failing) {
          log.warn("Cannot reach the dead-man's switch", { error: (err as Error).message });
        }
        failing = true;
      }
    })();
  };
  ping();
  const timer = setInterval(ping, opts.everyMs ?? DEADMAN_EVERY_MS);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
