/**
 * A check as the REST API shows it (issue 19's contract): its definition,
 * its status, uptime over each window and each agent's newest round.
 */
import type { CheckDef } from "../../lib/probes/check.ts";
import type { CheckStatus } from "../../lib/probes/judge.ts";
import {
  passPercent,
  UPTIME_WINDOWS,
  uptimePercent,
  type UptimeWindow,
} from "../../lib/probes/uptime.ts";
import type { Store } from "../store/store.ts";

export interface CheckView extends CheckDef {
  status: CheckStatus;
  /** When the status last changed (ISO), null before the first judgement. */
  since: string | null;
  uptime: Record<UptimeWindow, number | null>;
  last_results: Array<{
    host_id: string;
    ok: boolean;
    ms: number;
    message: string;
    ts: string;
    cert_days_left?: number;
  }>;
}

/** What a secret shows of itself: its last four characters when it is long enough to spare them. */
function masked(v: string): string {
  return v.length >= 12 ? `••••${v.slice(-4)}` : "••••";
}

/**
 * A check's definition as it is shown: the values of its request headers
 * (an `Authorization` token, an API key) and a password in its target URL
 * masked, as channel secrets are. The agents running it get them whole, over
 * their streams; a PATCH that leaves `expect` out keeps them.
 */
export function shownDef(def: CheckDef): CheckDef {
  let target = def.target;
  try {
    const url = new URL(def.target);
    if (url.password) {
      url.password = "••••";
      target = url.toString();
    }
  } catch { /* not a URL (host:port, a name): nothing to mask */ }
  const headers = def.expect?.headers;
  return {
    ...def,
    target,
    ...(headers
      ? {
        expect: {
          ...def.expect,
          headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, masked(v)])),
        },
      }
      : {}),
  };
}

export async function checkView(
  store: Pick<Store, "probes">,
  def: CheckDef,
  live: CheckStatus | undefined,
  now = Date.now(),
): Promise<CheckView> {
  const [states, last, incidents] = await Promise.all([
    store.probes.states(),
    store.probes.lastRounds(def.id),
    store.probes.incidents(def.id, now - UPTIME_WINDOWS["1y"], now, 10_000),
  ]);
  const state = states.find((s) => s.check_id === def.id);
  const spans = incidents.map((i) => ({ start: i.started_at, end: i.ended_at }));
  const uptime = Object.fromEntries(
    Object.entries(UPTIME_WINDOWS).map(([w, ms]) => [
      w,
      uptimePercent(spans, state?.judged_since ?? null, now - ms, now),
    ]),
  ) as Record<UptimeWindow, number | null>;
  return {
    ...shownDef(def),
    status: live ?? state?.status ?? "pending",
    since: state ? new Date(state.since).toISOString() : null,
    uptime,
    last_results: last.map((r) => ({
      host_id: r.host_id,
      ok: r.ok,
      ms: r.ms,
      message: r.message,
      ts: new Date(r.ts).toISOString(),
      ...(r.details.cert_days_left !== undefined
        ? { cert_days_left: r.details.cert_days_left }
        : {}),
    })),
  };
}

/** Each agent's share of passing rounds over each window. */
export async function agentUptime(
  store: Pick<Store, "probes">,
  checkId: string,
  now = Date.now(),
): Promise<Record<string, Record<UptimeWindow, number | null>>> {
  const out: Record<string, Record<UptimeWindow, number | null>> = {};
  for (const [w, ms] of Object.entries(UPTIME_WINDOWS) as Array<[UptimeWindow, number]>) {
    for (const [host, c] of await store.probes.passCounts(checkId, now - ms)) {
      (out[host] ??= {} as Record<UptimeWindow, number | null>)[w] = passPercent(c.passed, c.total);
    }
  }
  return out;
}
