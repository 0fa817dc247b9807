/**
 * What the public status page shows, built from the chosen items only:
 * each one's name as chosen, its status, 90 daily uptime bars and its
 * incidents' times (never their causes: a failure's message can name a
 * host or an address). A host item shows online or offline, nothing more.
 */
import {
  parseStatusPage,
  STATUS_PAGE_OFF,
  type StatusPageSettings,
} from "../../lib/probes/status_page.ts";
import { uptimePercent } from "../../lib/probes/uptime.ts";
import type { Host } from "../store/hosts/types.ts";
import type { Store } from "../store/store.ts";

export const STATUS_PAGE_KEY = "status_page";
const DAY_MS = 86_400_000;
const DAYS = 90;

export interface PublicItem {
  name: string;
  status: "up" | "down" | "pending" | "online" | "offline";
  /** Checks: uptime over 90 days, and one bar per day, oldest first (null: not judged then). */
  uptime_90d?: number | null;
  days?: Array<number | null>;
  incidents?: Array<{ start: string; end: string | null }>;
}

export interface PublicStatus {
  title: string;
  updated: string;
  items: PublicItem[];
}

export async function statusPageSettings(
  store: Pick<Store, "settings">,
): Promise<StatusPageSettings> {
  const raw = await store.settings.get(STATUS_PAGE_KEY);
  if (!raw) return STATUS_PAGE_OFF;
  try {
    return parseStatusPage(JSON.parse(raw));
  } catch {
    return STATUS_PAGE_OFF;
  }
}

/** The page's content, or null while it is off. */
export async function publicStatus(
  store: Pick<Store, "settings" | "probes" | "hosts">,
  live: { check(id: string): string | undefined; host(h: Host): "online" | "offline" },
  now = Date.now(),
): Promise<PublicStatus | null> {
  const settings = await statusPageSettings(store);
  if (!settings.enabled) return null;
  const states = new Map((await store.probes.states()).map((s) => [s.check_id, s]));
  const items: PublicItem[] = [];
  for (const item of settings.items) {
    if (item.kind === "host") {
      const host = await store.hosts.get(item.id);
      if (host) items.push({ name: item.name, status: live.host(host) });
      continue;
    }
    const def = await store.probes.getCheck(item.id);
    if (!def) continue;
    const state = states.get(def.id);
    const from = startOfDay(now) - (DAYS - 1) * DAY_MS;
    const incidents = await store.probes.incidents(def.id, from, now, 1000);
    const spans = incidents.map((i) => ({ start: i.started_at, end: i.ended_at }));
    const since = state?.judged_since ?? null;
    items.push({
      name: item.name,
      status: (live.check(def.id) ?? state?.status ?? "pending") as PublicItem["status"],
      uptime_90d: uptimePercent(spans, since, now - DAYS * DAY_MS, now),
      days: Array.from({ length: DAYS }, (_, d) => {
        const start = from + d * DAY_MS;
        return uptimePercent(spans, since, start, Math.min(start + DAY_MS, now));
      }),
      incidents: incidents.slice(0, 20).map((i) => ({
        start: new Date(i.started_at).toISOString(),
        end: i.ended_at === null ? null : new Date(i.ended_at).toISOString(),
      })),
    });
  }
  return { title: settings.title, updated: new Date(now).toISOString(), items };
}

const startOfDay = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;
