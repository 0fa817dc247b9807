/**
 * The fleet's rows as live events change them: a host's figures and status
 * patched in, hosts added and removed, and a host this page hears of but does
 * not list fetched from the REST API. Updates are queued and applied once per
 * animation frame, so a thousand hosts reporting at once cost one render.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { onLive } from "./live.ts";
import type { FleetRow } from "../lib/live_events.ts";
import { fleetRow } from "../lib/fleet.ts";

/** CPU % samples of the last hour, `[unix ms, value]`, oldest first. */
export type Spark = Array<[number, number]>;

/** How far back a row's CPU sparkline reaches, and how close its points are. */
export const SPARK_MS = 3_600_000;
export const SPARK_STEP_MS = 60_000;

/** A fleet row with its sparkline. */
export interface Row extends FleetRow {
  spark: Spark;
}

/** Whether a queued patch is a whole row (a `host.added`), not a change to one. */
function isRow(patch: Partial<FleetRow>): patch is FleetRow {
  return typeof patch.name === "string" && Array.isArray(patch.tags) && "os" in patch;
}

/** The rows, first as the server rendered them, then as live events change them. */
export function useFleetRows(hosts: FleetRow[], sparks: Record<string, Spark>): Map<string, Row> {
  const [rows, setRows] = useState(() =>
    new Map<string, Row>(hosts.map((h) => [h.id, { ...h, spark: sparks[h.id] ?? [] }]))
  );
  // A patch, or null for a host that was removed.
  const queued = useRef(new Map<string, Partial<FleetRow> | null>());
  const frame = useRef(0);
  const fetching = useRef(new Set<string>());
  const shown = useRef(rows);
  shown.current = rows;

  useEffect(() => {
    const flush = () => {
      frame.current = 0;
      const updates = queued.current;
      queued.current = new Map();
      for (const [id, patch] of updates) {
        const row = shown.current.get(id);
        // News of a host this page does not list (added through the CLI, or on
        // another hub before this page subscribed): ask for the whole host.
        // A host whose agent just connected has an OS, a version… to show now.
        if (patch && ((!row && !isRow(patch)) || (row && !row.registered && patch.registered))) {
          void fetchRow(id);
        }
      }
      setRows((prev) => {
        const next = new Map(prev);
        for (const [id, patch] of updates) {
          const row = next.get(id);
          if (patch === null) next.delete(id);
          else if (row) next.set(id, { ...row, ...patch, spark: grow(row.spark, patch) });
          else if (isRow(patch)) next.set(id, { ...patch, spark: [] });
        }
        return next;
      });
    };
    const queue = (id: string, patch: Partial<FleetRow> | null) => {
      const before = queued.current.get(id);
      // A removed host stays removed: news of it that trails the removal is dropped.
      if (before === null) return;
      queued.current.set(id, patch ? { ...before, ...patch } : null);
      frame.current ||= requestAnimationFrame(flush);
    };
    const fetchRow = async (id: string) => {
      if (fetching.current.has(id)) return;
      fetching.current.add(id);
      try {
        const res = await fetch(`/api/v1/hosts/${encodeURIComponent(id)}`);
        // Gone again (removed meanwhile) or not ours to see: nothing to show.
        if (res.ok) {
          const host = await res.json();
          const row = fleetRow(host, host.latest);
          setRows((prev) => {
            const known = prev.get(id);
            // A listed row keeps its live figures and takes what the host is from the answer.
            const { name, registered, os, tags, environment, agent_version } = row;
            return new Map(prev).set(
              id,
              known
                ? { ...known, name, registered, os, tags, environment, agent_version }
                : { ...row, spark: [] },
            );
          });
        }
      } catch {
        // Offline browser: the row appears with the next event or reload.
      } finally {
        fetching.current.delete(id);
      }
    };
    const stops = [
      onLive("host.status", (d) =>
        queue(d.id, {
          status: d.status,
          last_seen: d.last_seen,
          registered: d.registered !== false,
        })),
      onLive("host.metrics", (d) => {
        // The row's figures are the summary's, less what the fleet does not show.
        const { id, ts, seq: _seq, swap_used_bytes: _swap, load1: _load, ...figures } = d;
        queue(id, { ...figures, last_seen: ts });
      }),
      onLive("host.added", (row) => queue(row.id, row)),
      onLive("host.changed", (d) => queue(d.id, { name: d.name, tags: d.tags })),
      onLive("host.removed", (d) => queue(d.id, null)),
    ];
    return () => stops.forEach((stop) => stop());
  }, []);
  return rows;
}

/** A row's sparkline with a batch's CPU figure added (and what is older than an hour dropped). */
function grow(spark: Spark, patch: Partial<FleetRow>): Spark {
  if (typeof patch.cpu_percent !== "number" || !patch.last_seen) return spark;
  const t = Date.parse(patch.last_seen);
  const last = spark[spark.length - 1];
  // One point a minute is all 60 pixels can show.
  if (last && t - last[0] < SPARK_STEP_MS) return spark;
  const from = t - SPARK_MS;
  return [...spark.filter(([at]) => at >= from), [t, patch.cpu_percent]];
}
