/** The Checks page's rows (islands/CheckList.tsx), from the store. */
import type { CheckDef } from "../../lib/probes/check.ts";
import type { CheckStatus } from "../../lib/probes/judge.ts";
import { uptimePercent } from "../../lib/probes/uptime.ts";
import type { CheckRow } from "../../islands/CheckList.tsx";
import type { Store } from "../store/store.ts";
import { checkView } from "./view.ts";

const DAY_MS = 86_400_000;

export async function checkRow(
  store: Pick<Store, "probes">,
  def: CheckDef,
  live: CheckStatus | undefined,
  now = Date.now(),
): Promise<CheckRow> {
  const from = Math.floor(now / DAY_MS) * DAY_MS - 29 * DAY_MS;
  const [view, incidents, rounds, states] = await Promise.all([
    checkView(store, def, live, now),
    store.probes.incidents(def.id, from, now, 1000),
    store.probes.rounds(def.id, now - DAY_MS, now, 40),
    store.probes.states(),
  ]);
  const since = states.find((s) => s.check_id === def.id)?.judged_since ?? null;
  const spans = incidents.map((i) => ({ start: i.started_at, end: i.ended_at }));
  const certs = view.last_results.map((r) => r.cert_days_left).filter((d) => d !== undefined);
  return {
    id: def.id,
    name: def.name,
    type: def.type,
    status: view.status,
    uptime: { "24h": view.uptime["24h"], "30d": view.uptime["30d"] },
    days: Array.from({ length: 30 }, (_, d) => {
      const start = from + d * DAY_MS;
      return uptimePercent(spans, since, start, Math.min(start + DAY_MS, now));
    }),
    spark: rounds.map((r) => r.ms),
    cert_days_left: certs.length ? Math.min(...certs as number[]) : null,
  };
}
