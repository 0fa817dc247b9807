/**
 * One alert's head on its page: its state, severity, host, value, what mutes
 * it, the timeline of what happened to it (pending since, fired, acknowledged,
 * resolved), and for admins the Acknowledge button. Its events keep it live.
 */
import { useEffect, useState } from "preact/hooks";
import { onLive } from "./live.ts";
import { useNow } from "./clock.ts";
import { ALERT_EVENTS, type AlertRow } from "./alert_rows.ts";
import { AckButton, type RuleInfo, SeverityBadge, Time, ValueText } from "./alert_parts.tsx";
import { type AlertView, duration } from "../lib/alerts/view.ts";
import { seriesText } from "../lib/alerts/format.ts";

export interface AlertSummaryProps {
  alert: AlertRow;
  hostName: string;
  rule: RuleInfo | undefined;
  canAck: boolean;
}

/** What happened to `a`, oldest first. */
function timeline(a: AlertView): Array<[string, string]> {
  const steps: Array<[string, string | null]> = [
    ["Pending since", a.pending_since],
    ["Fired", a.fired_at],
    [`Acknowledged by ${a.acknowledged_by}`, a.acknowledged_at],
    [a.closed_reason ? `Closed (${a.closed_reason})` : "Resolved", a.resolved_at],
  ];
  return steps.filter((s): s is [string, string] => s[1] !== null)
    .sort((x, y) => Date.parse(x[1]) - Date.parse(y[1]));
}

export default function AlertSummary({ alert, hostName, rule, canAck }: AlertSummaryProps) {
  const [a, setA] = useState<AlertRow>(alert);
  const [cancelled, setCancelled] = useState(false);
  const now = useNow(1000);
  useEffect(() => {
    const stops = ALERT_EVENTS.map((event) =>
      onLive(event, (d) => {
        if (d.id !== alert.id) return;
        if (event === "alert.cancelled") setCancelled(true);
        setA((prev) => ({ ...d, muted: prev.muted }));
      }, alert.host_id ?? undefined)
    );
    return () => stops.forEach((stop) => stop());
  }, [alert.id]);

  const series = seriesText(a.labels);
  const end = a.resolved_at ? Date.parse(a.resolved_at) : now;
  return (
    <div class="alert-summary">
      <p class="alert-state" role="status">
        <span class={`badge state-${a.state}`}>{cancelled ? "cancelled" : a.state}</span>{" "}
        <SeverityBadge severity={a.severity} /> {a.state !== "resolved" && !cancelled && (
          <span>
            {a.state === "pending" ? "pending for " : "firing for "}
            {duration(end - Date.parse(a.started_at))}
          </span>
        )}
        {a.state === "resolved" && a.fired_at && (
          <span>lasted {duration(end - Date.parse(a.fired_at))}</span>
        )}
        {a.muted && a.state !== "resolved" && (
          <span class="badge muted-badge">muted: {a.muted}</span>
        )}
      </p>
      <dl class="facts">
        <div>
          <dt>Rule</dt>
          <dd>
            <a href={`/alerts/rules/${encodeURIComponent(a.rule_id)}`}>
              {rule?.name ?? a.rule_name}
            </a>
          </dd>
        </div>
        {a.host_id === null
          ? (
            <div>
              <dt>Check</dt>
              <dd>
                <a href={`/checks/${encodeURIComponent(a.labels.check ?? "")}`}>{hostName}</a>
              </dd>
            </div>
          )
          : (
            <div>
              <dt>Host</dt>
              <dd>
                <a href={`/hosts/${encodeURIComponent(a.host_id)}`}>{hostName}</a>
              </dd>
            </div>
          )}
        {series && (
          <div>
            <dt>Series</dt>
            <dd>{series}</dd>
          </div>
        )}
        <div>
          <dt>Value</dt>
          <dd>
            <ValueText a={a} rule={rule} />
          </dd>
        </div>
      </dl>
      <h2>Timeline</h2>
      <ol class="timeline">
        {timeline(a).map(([what, at]) => (
          <li key={what}>
            <Time iso={at} /> <span>{what}</span>
          </li>
        ))}
      </ol>
      {canAck && a.state === "firing" && !a.acknowledged_by && (
        <AckButton
          id={a.id}
          onDone={(d) => setA((prev) => ({ ...d, muted: prev.muted }))}
        />
      )}
    </div>
  );
}
