/**
 * The rule editor's preview: which hosts a rule would watch right now, and
 * what the last day of their data would have made it do, replayed through
 * the engine's own step (judge.ts) on one-minute averages, so a threshold
 * that would have fired forty times a day shows before it is saved.
 */
import { type AlertRule, EACH, inScope, type RuleInput } from "../../lib/alerts/rules.ts";
import { metric } from "../../lib/metrics.ts";
import type { Store } from "../store/store.ts";
import { type Held, judgeValue } from "./judge.ts";

/** At most this many hosts are replayed (the match list is whole). */
export const PREVIEW_HOSTS = 200;
const DAY_MS = 86_400_000;
const STEP_MS = 60_000;

export interface PreviewEpisode {
  host_id: string;
  labels: Record<string, string>;
  fired_at: string;
  /** Null when it would still be firing. */
  resolved_at: string | null;
}

export interface Preview {
  hosts: Array<{ id: string; name: string }>;
  /** Hosts replayed (the first PREVIEW_HOSTS matched). */
  replayed: number;
  episodes: PreviewEpisode[];
}

export async function preview(
  store: Pick<Store, "hosts" | "metrics">,
  input: RuleInput,
  now = Date.now(),
): Promise<Preview> {
  const rule: AlertRule = { ...input, id: "preview" };
  const hosts = (await store.hosts.list()).filter((h) => h.registered && inScope(rule, h));
  const out: Preview = {
    hosts: hosts.map((h) => ({ id: h.id, name: h.name })),
    replayed: 0,
    episodes: [],
  };
  if (rule.kind !== "threshold" || !rule.metric) return out;
  const labelName = metric(rule.metric)?.label || "";
  const want = rule.labels[labelName];
  const iso = (t: number) => new Date(t).toISOString();
  for (const h of hosts.slice(0, PREVIEW_HOSTS)) {
    out.replayed++;
    const labels = !labelName
      ? [""]
      : want && want !== EACH
      ? [want]
      : await store.metrics.seriesLabels(h.id, rule.metric);
    for (const label of labels) {
      const rows = await store.metrics.queryRange({
        hostIds: [h.id],
        metric: rule.metric,
        label,
        tier: "raw",
        from: now - DAY_MS,
        to: now,
        stepMs: STEP_MS,
      });
      let held: (Held & { firedAt?: number }) | undefined;
      const seriesLabels = labelName ? { [labelName]: label } : {};
      for (const r of rows) {
        const step = judgeValue(rule, h.id, held, r.avg, r.t);
        if (!step) continue;
        if (step.kind === "pend") {
          held = { state: "pending", pendingSince: step.at, severity: step.severity };
        } else if (step.kind === "fire") {
          held = {
            state: "firing",
            pendingSince: held?.pendingSince ?? step.at,
            severity: step.severity,
          };
          out.episodes.push({
            host_id: h.id,
            labels: seriesLabels,
            fired_at: iso(step.at),
            resolved_at: null,
          });
        } else if (step.kind === "escalate" && held) held.severity = "critical";
        else if (step.kind === "resolve") {
          out.episodes[out.episodes.length - 1].resolved_at = iso(step.at);
          held = undefined;
        } else if (step.kind === "cancel") held = undefined;
      }
    }
  }
  return out;
}
