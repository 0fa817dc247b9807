/**
 * The alerts page: what fires now (firing, then pending, newest first, with
 * how long it has lasted ticking) and the history of resolved alerts, paged
 * by id ("load more"). Filters by state, rule and host are a plain GET form,
 * so they live in the URL. Alert events move rows between the two lists
 * without a reload (islands/alert_rows.ts); admins acknowledge in place.
 */
import { useEffect, useState } from "preact/hooks";
import { onLive } from "./live.ts";
import { useNow } from "./clock.ts";
import { type AlertFilter, type AlertLists, type AlertRow, applyEvent } from "./alert_rows.ts";
import { AckButton, type RuleInfo, SeverityBadge, Time, ValueText } from "./alert_parts.tsx";
import { duration } from "../lib/alerts/view.ts";
import { seriesText } from "../lib/alerts/format.ts";

/** History rows fetched per "load more". */
export const HISTORY_PAGE = 50;

/** Props: both lists as rendered, where history continues, the filter, and names to show. */
export interface AlertsProps extends AlertLists {
  /** The id below which history continues, or null when all of it is listed. */
  cursor: number | null;
  filter: AlertFilter;
  /** Host names by id. */
  hosts: Record<string, string>;
  rules: Record<string, RuleInfo>;
  canAck: boolean;
}

const EVENTS = [
  "alert.pending",
  "alert.firing",
  "alert.resolved",
  "alert.cancelled",
  "alert.acknowledged",
] as const;

/** The query of `filter` (and `extra`), as the page's URL and the REST API read it. */
function query(filter: AlertFilter, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filter, ...extra })) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** The rule's name (linking to the alert) and the series it judged. */
function What({ a }: { a: AlertRow }) {
  const series = seriesText(a.labels);
  return (
    <th scope="row">
      <a href={`/alerts/${a.id}`}>{a.rule_name}</a>
      {series && <small>{series}</small>}
    </th>
  );
}

function HostCell({ a, hosts }: { a: AlertRow; hosts: Record<string, string> }) {
  return (
    <td data-label="Host">
      <a href={`/hosts/${encodeURIComponent(a.host_id)}`}>{hosts[a.host_id] ?? a.host_id}</a>
    </td>
  );
}

export default function Alerts(props: AlertsProps) {
  const { filter, hosts, rules, canAck } = props;
  const [lists, setLists] = useState<AlertLists>({ open: props.open, history: props.history });
  const [cursor, setCursor] = useState(props.cursor);
  const [more, setMore] = useState<{ busy?: boolean; error?: string }>({});
  const now = useNow(1000);

  useEffect(() => {
    const stops = EVENTS.map((event) =>
      onLive(event, (a) => setLists((l) => applyEvent(l, event, a, filter)))
    );
    return () => stops.forEach((stop) => stop());
  }, []);

  const update = (a: AlertRow | Omit<AlertRow, "muted">) =>
    setLists((l) => applyEvent(l, "alert.acknowledged", a, filter));

  const loadMore = async (e: Event) => {
    e.preventDefault();
    if (cursor === null) return;
    setMore({ busy: true });
    try {
      const q = query(
        { ...filter, state: "resolved" },
        { before: String(cursor), limit: String(HISTORY_PAGE + 1) },
      );
      const res = await fetch(`/api/v1/alerts${q}`);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const page = (await res.json()) as AlertRow[];
      const shown = page.slice(0, HISTORY_PAGE);
      setLists((l) => {
        // One resolved live meanwhile may be in the page too.
        const have = new Set(l.history.map((r) => r.id));
        return { ...l, history: [...l.history, ...shown.filter((r) => !have.has(r.id))] };
      });
      setCursor(page.length > HISTORY_PAGE ? shown[shown.length - 1].id : null);
      setMore({});
    } catch {
      setMore({ error: "Could not load more: the hub cannot be reached. Try again." });
    }
  };

  const showOpen = filter.state !== "resolved";
  const showHistory = filter.state === "" || filter.state === "resolved";
  const ruleList = Object.entries(rules).sort((a, b) => a[1].name.localeCompare(b[1].name));
  const hostList = Object.entries(hosts).sort((a, b) => a[1].localeCompare(b[1]));
  const submit = (e: Event) => (e.currentTarget as HTMLSelectElement).form?.requestSubmit();

  return (
    <div class="alerts">
      <form method="get" action="/alerts" class="toolbar">
        <label>
          <span class="visually-hidden">State</span>
          <select name="state" value={filter.state} onChange={submit}>
            <option value="">All states</option>
            <option value="firing">Firing</option>
            <option value="pending">Pending</option>
            <option value="resolved">Resolved</option>
          </select>
        </label>
        <label>
          <span class="visually-hidden">Rule</span>
          <select name="rule" value={filter.rule} onChange={submit}>
            <option value="">All rules</option>
            {ruleList.map(([id, r]) => <option key={id} value={id}>{r.name}</option>)}
          </select>
        </label>
        <label>
          <span class="visually-hidden">Host</span>
          <select name="host" value={filter.host} onChange={submit}>
            <option value="">All hosts</option>
            {hostList.map(([id, name]) => <option key={id} value={id}>{name}</option>)}
          </select>
        </label>
        <button type="submit">Filter</button>
        {(filter.state || filter.rule || filter.host) && <a href="/alerts">Clear filters</a>}
      </form>

      {showOpen && (
        <section aria-labelledby="open-title">
          <h2 id="open-title">
            Firing now <span class="muted">({lists.open.length})</span>
          </h2>
          {lists.open.length === 0
            ? (
              <p class="empty card">
                Nothing is firing{filter.state === "pending" ? " or pending" : ""}.
              </p>
            )
            : (
              <div class="table-wrap">
                <table class="cards">
                  <thead>
                    <tr>
                      <th scope="col">Alert</th>
                      <th scope="col">Severity</th>
                      <th scope="col">Host</th>
                      <th scope="col">Value</th>
                      <th scope="col">Since</th>
                      <th scope="col">Status</th>
                    </tr>
                  </thead>
                  <tbody>
                    {lists.open.map((a) => (
                      <tr key={a.id} data-alert={a.id} class={a.state}>
                        <What a={a} />
                        <td data-label="Severity">
                          <SeverityBadge severity={a.severity} />
                        </td>
                        <HostCell a={a} hosts={hosts} />
                        <td class="num" data-label="Value">
                          <ValueText a={a} rule={rules[a.rule_id]} />
                        </td>
                        <td data-label="Since">
                          <Time iso={a.started_at} />
                          <small>
                            {a.state === "pending" ? "pending " : "for "}
                            {duration(now - Date.parse(a.started_at))}
                          </small>
                        </td>
                        <td data-label="Status" class="status">
                          {a.state === "pending" && <span class="badge pending">pending</span>}
                          {a.acknowledged_by && (
                            <span class="acked">acknowledged by {a.acknowledged_by}</span>
                          )}
                          {a.muted && <span class="badge muted-badge">muted: {a.muted}</span>}
                          {canAck && a.state === "firing" && !a.acknowledged_by && (
                            <AckButton id={a.id} onDone={update} />
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
        </section>
      )}

      {showHistory && (
        <section aria-labelledby="history-title">
          <h2 id="history-title">History</h2>
          {lists.history.length === 0
            ? (
              <p class="empty card">
                No alert has resolved{filter.rule || filter.host ? " here" : " yet"}.
              </p>
            )
            : (
              <div class="table-wrap">
                <table class="cards">
                  <thead>
                    <tr>
                      <th scope="col">Alert</th>
                      <th scope="col">Severity</th>
                      <th scope="col">Host</th>
                      <th scope="col">Value</th>
                      <th scope="col">Fired</th>
                      <th scope="col">Lasted</th>
                      <th scope="col">Acknowledged</th>
                      <th scope="col">Closed</th>
                    </tr>
                  </thead>
                  <tbody>
                    {lists.history.map((a) => (
                      <tr key={a.id} data-alert={a.id}>
                        <What a={a} />
                        <td data-label="Severity">
                          <SeverityBadge severity={a.severity} />
                        </td>
                        <HostCell a={a} hosts={hosts} />
                        <td class="num" data-label="Value">
                          <ValueText a={a} rule={rules[a.rule_id]} />
                        </td>
                        <td data-label="Fired">{a.fired_at ? <Time iso={a.fired_at} /> : "–"}</td>
                        <td data-label="Lasted">
                          {a.fired_at && a.resolved_at
                            ? duration(Date.parse(a.resolved_at) - Date.parse(a.fired_at))
                            : "–"}
                        </td>
                        <td data-label="Acknowledged">{a.acknowledged_by ?? "–"}</td>
                        <td data-label="Closed">{a.closed_reason ?? "recovered"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          {cursor !== null && (
            <p class="more">
              <a
                class="button"
                href={`/alerts${
                  query({ ...filter, state: "resolved" }, { before: String(cursor) })
                }`}
                onClick={loadMore}
                aria-disabled={more.busy ? "true" : undefined}
              >
                Load more
              </a>
              {more.error && <span class="field-error" role="alert">{more.error}</span>}
            </p>
          )}
        </section>
      )}
    </div>
  );
}
