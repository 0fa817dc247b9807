/** The tabs of the alerting pages: alerts, rules, silences, maintenance windows, channels. */

export type AlertsTab = "alerts" | "rules" | "silences" | "maintenance" | "channels";

const TABS: Array<[AlertsTab, string, string]> = [
  ["alerts", "/alerts", "Alerts"],
  ["rules", "/alerts/rules", "Rules"],
  ["silences", "/alerts/silences", "Silences"],
  ["maintenance", "/alerts/maintenance", "Maintenance"],
  ["channels", "/alerts/channels", "Channels"],
];

export function AlertsNav({ current }: { current: AlertsTab }) {
  return (
    <nav class="tabs" aria-label="Alerting">
      {TABS.map(([tab, href, label]) => (
        <a href={href} aria-current={tab === current ? "page" : undefined}>{label}</a>
      ))}
    </nav>
  );
}
