/** The navigation's count of firing alerts, coloured by the worst of them; nothing when none fire. */
import { useFiringCounts } from "./alert_counts.ts";
import { type FiringCounts, worst } from "../lib/alerts/counts.ts";

export default function AlertCount({ counts }: { counts: FiringCounts | null }) {
  const live = useFiringCounts(counts);
  if (!live || live.firing === 0) return null;
  const critical = Object.values(live.hosts).reduce((n, c) => n + c.critical, 0) +
    (live.unhosted?.critical ?? 0);
  return (
    <span class={`alert-count ${worst({ warning: live.firing - critical, critical })}`}>
      {live.firing}
      <span class="visually-hidden">firing</span>
    </span>
  );
}
