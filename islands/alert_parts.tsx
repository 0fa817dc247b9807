/**
 * Pieces the alert islands share: a severity badge, a time in the browser's
 * zone, an alert's value against its threshold, and the Acknowledge button.
 */
import { useState } from "preact/hooks";
import type { AlertView } from "../lib/alerts/view.ts";
import { formatValue, localTime } from "../lib/alerts/format.ts";
import type { MetricUnit } from "../lib/metrics.ts";

/** What the pages know of a rule to show its alerts: its name, its comparison and unit. */
export interface RuleInfo {
  name: string;
  op: string | null;
  unit?: MetricUnit;
}

export function SeverityBadge({ severity }: { severity: AlertView["severity"] }) {
  return <span class={`badge sev-${severity}`}>{severity}</span>;
}

/** A moment, written in the browser's time zone once hydrated (the server's until then). */
export function Time({ iso }: { iso: string }) {
  return <time dateTime={iso}>{localTime(iso)}</time>;
}

/** "95.2% > 90%": the value at its last change against the threshold it crossed. */
export function ValueText({ a, rule }: { a: AlertView; rule: RuleInfo | undefined }) {
  const value = formatValue(a.value, rule?.unit);
  if (a.threshold === null) return <>{value}</>;
  return (
    <>
      {value}{" "}
      <small class="inline">{rule?.op ?? "vs"} {formatValue(a.threshold, rule?.unit)}</small>
    </>
  );
}

/**
 * Acknowledges a firing alert through the REST API; the answer (and the
 * live event every other page gets) shows who did. A refusal is shown beside it.
 */
export function AckButton(
  { id, onDone }: { id: number; onDone: (a: AlertView) => void },
) {
  const [state, setState] = useState<{ busy?: boolean; error?: string }>({});
  const ack = async () => {
    setState({ busy: true });
    try {
      const res = await fetch(`/api/v1/alerts/${id}/ack`, { method: "POST" });
      const body = await res.json().catch(() => null);
      if (!res.ok) {
        setState({ error: body?.error?.message ?? `Not acknowledged (HTTP ${res.status})` });
        return;
      }
      setState({});
      onDone(body);
    } catch {
      setState({ error: "Not acknowledged: the hub cannot be reached. Try again." });
    }
  };
  return (
    <span class="ack">
      <button type="button" onClick={ack} disabled={state.busy}>Acknowledge</button>
      {state.error && <span class="field-error" role="alert">{state.error}</span>}
    </span>
  );
}
