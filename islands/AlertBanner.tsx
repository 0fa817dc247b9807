/**
 * The host page's banner: the alerts firing on this host, each a link to its
 * page; gone when none fire. Alert events of the host keep it live.
 */
import { useEffect, useState } from "preact/hooks";
import { onLive } from "./live.ts";
import type { AlertView } from "../lib/alerts/view.ts";
import { seriesText } from "../lib/alerts/format.ts";
import { SeverityBadge, Time } from "./alert_parts.tsx";

export interface AlertBannerProps {
  hostId: string;
  /** Its firing alerts as rendered, newest first. */
  alerts: AlertView[];
}

export default function AlertBanner({ hostId, alerts: initial }: AlertBannerProps) {
  const [alerts, setAlerts] = useState(initial);
  useEffect(() => {
    const drop = (a: AlertView) => setAlerts((l) => l.filter((x) => x.id !== a.id));
    const put = (a: AlertView) => {
      if (a.host_id !== hostId) return;
      setAlerts((l) => [a, ...l.filter((x) => x.id !== a.id)]);
    };
    const stops = [
      onLive("alert.firing", put, hostId),
      onLive("alert.acknowledged", (a) => {
        if (a.host_id === hostId && a.state === "firing") {
          setAlerts((l) => l.map((x) => x.id === a.id ? a : x));
        }
      }, hostId),
      onLive("alert.resolved", drop, hostId),
    ];
    return () => stops.forEach((stop) => stop());
  }, [hostId]);
  if (alerts.length === 0) return null;
  const critical = alerts.some((a) => a.severity === "critical");
  return (
    <section
      class={`alert-banner ${critical ? "critical" : "warning"}`}
      aria-labelledby="alert-banner-title"
    >
      <h2 id="alert-banner-title">
        {alerts.length === 1 ? "1 alert firing" : `${alerts.length} alerts firing`}
      </h2>
      <ul>
        {alerts.map((a) => (
          <li key={a.id}>
            <SeverityBadge severity={a.severity} /> <a href={`/alerts/${a.id}`}>{a.rule_name}</a>
            {Object.keys(a.labels).length > 0 && (
              <small class="inline">{seriesText(a.labels)}</small>
            )}
            <small class="inline">
              since <Time iso={a.started_at} />
              {a.acknowledged_by && `, acknowledged by ${a.acknowledged_by}`}
            </small>
          </li>
        ))}
      </ul>
    </section>
  );
}
