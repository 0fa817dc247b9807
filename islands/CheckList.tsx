/**
 * The Checks page's table (and a check page's summary row): status, uptime,
 * 30 daily bars, a response-time sparkline and certificate days left, kept
 * live: on a `check.status` event the status changes at once and the row is
 * read again (GET /api/v1/checks/:id/row), so its uptime and bars follow.
 */
import { useEffect, useState } from "preact/hooks";
import { onLive } from "./live.ts";

export interface CheckRow {
  id: string;
  name: string;
  type: string;
  status: "up" | "down" | "pending";
  uptime: { "24h": number | null; "30d": number | null };
  /** One bar per day, oldest first (null: not judged that day). */
  days: Array<number | null>;
  /** The newest rounds' response times, oldest first. */
  spark: number[];
  cert_days_left: number | null;
}

const pct = (v: number | null) => v === null ? "–" : `${v} %`;

function Spark({ values }: { values: number[] }) {
  if (values.length < 2) return <span class="muted">–</span>;
  const max = Math.max(...values, 1);
  const w = 120, h = 24;
  const points = values.map((v, i) =>
    `${(i / (values.length - 1) * w).toFixed(1)},${(h - v / max * h).toFixed(1)}`
  ).join(" ");
  return (
    <svg class="spark" width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img">
      <title>{`Response time, last ${values.length} rounds, up to ${Math.round(max)} ms`}</title>
      <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
  );
}

export default function CheckList({ rows: initial }: { rows: CheckRow[] }) {
  const [rows, setRows] = useState(initial);
  useEffect(
    () =>
      onLive("check.status", async (d) => {
        // The status at once; the uptime and today's bar as the hub computes them.
        setRows((rs) => rs.map((r) => r.id === d.id ? { ...r, status: d.status } : r));
        try {
          const res = await fetch(`/api/v1/checks/${encodeURIComponent(d.id)}/row`);
          if (!res.ok) return; // removed meanwhile, or signed out: the status stands
          const row: CheckRow = await res.json();
          setRows((rs) => rs.map((r) => r.id === row.id ? row : r));
        } catch { /* the hub is out of reach: the stream reconnects, the status stands */ }
      }),
    [],
  );
  if (!rows.length) return <p class="muted">No checks yet.</p>;
  return (
    <table class="checks">
      <thead>
        <tr>
          <th>Check</th>
          <th>Status</th>
          <th>24 h</th>
          <th>30 d</th>
          <th>Last 30 days</th>
          <th>Response</th>
          <th>Certificate</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr data-check={r.id} data-status={r.status}>
            <td>
              <a href={`/checks/${r.id}`}>{r.name}</a> <span class="muted">{r.type}</span>
            </td>
            <td>
              <span class={`check-status ${r.status}`}>{r.status}</span>
            </td>
            <td>{pct(r.uptime["24h"])}</td>
            <td>{pct(r.uptime["30d"])}</td>
            <td>
              <span class="uptime-bars small" role="img" aria-label="Uptime per day, 30 days">
                {r.days.map((d) => (
                  <span
                    class={d === null
                      ? "bar none"
                      : d >= 99.9
                      ? "bar up"
                      : d > 0
                      ? "bar part"
                      : "bar down"}
                    title={d === null ? "no data" : `${d} %`}
                  />
                ))}
              </span>
            </td>
            <td>
              <Spark values={r.spark} />
            </td>
            <td>{r.cert_days_left === null ? "–" : `${r.cert_days_left} days left`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
