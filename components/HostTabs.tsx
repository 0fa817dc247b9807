/**
 * The tabs of a host's pages: its overview (charts) and one page per capability that has
 * something per host (packages, containers, logs). A capability adds its line to TABS and its
 * route at `/hosts/:id/<path>`.
 */

export type HostTab = "overview" | "packages" | "containers" | "logs";

const TABS: Array<[HostTab, string, string]> = [
  ["overview", "", "Overview"],
  ["packages", "packages", "Packages"],
  ["containers", "containers", "Containers"],
  ["logs", "logs", "Logs"],
];

/**
 * `range`: the time range in the page's URL (lib/chart_view.ts viewPart), carried to
 * every tab so the logs show the span the charts do and back; islands that change the
 * range rewrite these links (islands/carry_range.ts).
 */
export function HostTabs(
  { hostId, current, range = "" }: { hostId: string; current: HostTab; range?: string },
) {
  if (TABS.length < 2) return null; // one tab is no choice
  return (
    <nav class="tabs" aria-label="Host">
      {TABS.map(([tab, path, label]) => (
        <a
          href={`/hosts/${hostId}${path ? `/${path}` : ""}${range ? `?${range}` : ""}`}
          data-carry-range
          aria-current={tab === current ? "page" : undefined}
        >
          {label}
        </a>
      ))}
    </nav>
  );
}
