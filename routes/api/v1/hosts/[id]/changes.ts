/**
 * GET /api/v1/hosts/:id/changes?from=ISO&to=ISO: what changed on the host
 * in [from, to) — reboots, kernel, OS, agent upgrades and restarts, and
 * every other source's changes (hub/changes/sources.ts) — oldest first, as
 * `[{ts, kind, summary, details}]`. By default the last 7 days. At most
 * 1,000: the newest of the range, with `X-Sightline-Truncated: true`.
 */
import type { Context } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../../../../hub/http/deps.ts";
import { HttpError } from "../../../../../hub/http/errors.ts";
import { changeSources, mergeChanges } from "../../../../../hub/changes/sources.ts";
import type { ChangeView } from "../../../../../lib/changes.ts";

const DEFAULT_RANGE_MS = 7 * 86_400_000;
/** The longest range one call may ask for: ten years, as the metrics API. */
const MAX_RANGE_MS = 3660 * 86_400_000;
export const MAX_CHANGES = 1000;
/** An ISO 8601 time with its offset, as the metrics API takes. */
const ISO = z.iso.datetime({ offset: true });

function time(field: "from" | "to", value: string | undefined): number | null {
  if (value === undefined) return null;
  const ms = ISO.safeParse(value).success ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) {
    throw new HttpError(
      400,
      "invalid_query",
      `Invalid ${field}: an ISO 8601 time with its offset, such as 2026-05-01T12:00:00Z`,
      field,
    );
  }
  return ms;
}

/** Answers the host's changes over a range. */
export function getChanges({ store, changeSources: sources }: AppDeps) {
  const all = sources ?? changeSources(store);
  return async (c: Context) => {
    const id = c.req.param("id")!;
    const to = time("to", c.req.query("to")) ?? Date.now();
    const from = time("from", c.req.query("from")) ?? to - DEFAULT_RANGE_MS;
    if (from >= to) {
      throw new HttpError(400, "invalid_query", "Invalid from: it must be before to", "from");
    }
    if (to - from > MAX_RANGE_MS) {
      throw new HttpError(
        400,
        "invalid_query",
        "Invalid from: at most ten years before to",
        "from",
      );
    }
    const host = await store.hosts.get(id);
    if (!host) throw new HttpError(404, "not_found", `No such host: ${id.slice(0, 64)}`);
    const { changes, truncated } = await mergeChanges(all, id, from, to, MAX_CHANGES);
    if (truncated) c.header("X-Sightline-Truncated", "true");
    return c.json(
      changes.map((ch): ChangeView => ({
        ts: new Date(ch.ts).toISOString(),
        kind: ch.kind,
        summary: ch.summary,
        details: ch.details,
      })),
    );
  };
}
