/**
 * The alerts page: what fires now (firing, then pending, newest first, with
 * how long it has lasted ticking) and the history of resolved alerts, paged
 * by id ("load more"). Filters by state, rule and host are a plain GET form,
 * so they live in the URL. Alert events move rows between the two lists
 * without a reload (islands/alert_rows.ts); admins acknowledge in place.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { onLive } from "./live.ts";
import { useNow } from "./clock.ts";
import {
  ALERT_EVENTS,
  type AlertFilter,
  type AlertLists,
  type AlertRow,
  applyEvent,
} from "./alert_rows.ts";
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
  /** Push checks' names by id, for alerts on no host. */
  checks: Record<string, string>;
  rules: Record<string, RuleInfo>;
  canAck: boolean;
}

/** The query of `filter` (and `extra`), as the page's URL and the REST API read it. */
function query(filter: AlertFilter, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filter, ...extra })) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

const STATE_OPTIONS: Array<[string, string]> = [
  ["", "All states"],
  ["firing", "Firing"],
  ["pending", "Pending"],
  ["resolved", "Resolved"],
];

/** One filter of the GET form; choosing submits it (the button does without scripts). */
function Choice({ label, name, value, options }: {
  label: string;
  name: string;
  value: string;
  options: Array<[string, string]>;
}) {
  return (
    <label>
      <span class="visually-hidden">{label}</span>
      <select
        name={name}
        value={value}
        onChange={(e) => (e.currentTarget as HTMLSelectElement).form?.requestSubmit()}
      >
        {options.map(([v, text]) => <option key={v} value={v}>{text}</option>)}
      </select>
    </label>
  );
}

/**
 * Alerts as a table (cards on a phone): what fired, its severity, host and
 * value, then the columns `more` names, filled by `children` for each alert.
 */
function AlertTable({ list, hosts, checks, rules, more, children }: {
  list: AlertRow[];
  hosts: Record<string, string>;
  checks: Record<string, string>;
  rules: Record<string, RuleInfo>;
  more: string[];
  children: (a: AlertRow) => ComponentChildren;
}) {
  return (
    <div class="table-wrap">
      <table class="cards">
        <thead>
          <tr>
            {["Alert", "Severity", "Host", "Value", ...more].map((h) => (
              <th key={h} scope="col">{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {list.map((a) => {
            const series = seriesText(a.labels);
            return (
              <tr key={a.id} data-alert={a.id}>
                <th scope="row">
                  <a href={`/alerts/${a.id}`}>{a.rule_name}</a>
                  {series && <small>{series}</small>}
                </th>
                <td data-label="Severity">
                  <SeverityBadge severity={a.severity} />
                </td>
                <td data-label="Host">
                  {a.host_id === null
                    ? (
                      // On no host: a push check's alert, named by its check.
                      <a href={`/checks/${encodeURIComponent(a.labels.check ?? "")}`}>
                        check {checks[a.labels.check ?? ""] ?? a.labels.check}
                      </a>
                    )
                    : (
                      <a href={`/hosts/${encodeURIComponent(a.host_id)}`}>
                        {hosts[a.host_id] ?? a.host_id}
                      </a>
                    )}
                </td>
                <td class="num" data-label="Value">
                  <ValueText a={a} rule={rules[a.rule_id]} />
                </td>
                {children(a)}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export default function Alerts(props: AlertsProps) {
  const { filter, hosts, rules, canAck } = props;
  const [lists, setLists] = useState<AlertLists>({ open: props.open, history: props.history });
  const [checks, setChecks] = useState(props.checks);
  const [cursor, setCursor] = useState(props.cursor);
  const [more, setMore] = useState<{ busy?: boolean; error?: string }>({});
  const now = useNow(1000);

  useEffect(() => {
    const stops = ALERT_EVENTS.map((event) =>
      onLive(event, (a) => setLists((l) => applyEvent(l, event, a, filter)))
    );
    return () => stops.forEach((stop) => stop());
  }, []);

  // An alert on no host of a check added since the page was rendered: its name is read once.
  useEffect(() => {
    const unnamed = new Set(
      [...lists.open, ...lists.history].filter((a) => a.host_id === null && a.labels.check)
        .map((a) => a.labels.check).filter((id) => !(id in checks)),
    );
    for (const id of unnamed) {
      setChecks((c) => ({ ...c, [id]: id })); // asked once, shown by id until it answers
      fetch(`/api/v1/checks/${encodeURIComponent(id)}`)
        .then((res) => res.ok ? res.json() : null)
        .then((c: { name?: string } | null) => {
          if (c?.name) setChecks((all) => ({ ...all, [id]: c.name! }));
        })
        .catch(() => {});
    }
  }, [lists]);

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
  const byName = (a: [string, string], b: [string, string]) => a[1].localeCompare(b[1]);
  const ruleOptions: Array<[string, string]> = [
    ["", "All rules"],
    ...Object.entries(rules).map(([id, r]): [string, string] => [id, r.name]).sort(byName),
  ];
  const hostOptions: Array<[string, string]> = [
    ["", "All hosts"],
    ...Object.entries(hosts).sort(byName),
  ];

  return (
    <div class="alerts">
      <form method="get" action="/alerts" class="toolbar">
        <Choice label="State" name="state" value={filter.state} options={STATE_OPTIONS} />
        <Choice label="Rule" name="rule" value={filter.rule} options={ruleOptions} />
        <Choice label="Host" name="host" value={filter.host} options={hostOptions} />
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
              <AlertTable
                list={lists.open}
                hosts={hosts}
                checks={checks}
                rules={rules}
                more={["Since", "Status"]}
              >
                {(a) => (
                  <>
                    <td data-label="Since">
                      <Time iso={a.started_at} />
                      <small>
                        {a.state === "pending" ? "pending " : "for "}
                        {duration(now - Date.parse(a.started_at))}
                      </small>
                    </td>
                    <td data-label="Status">
                      <div class="status">
                        {a.state === "pending" && <span class="badge pending">pending</span>}
                        {a.acknowledged_by && (
                          <span class="acked">acknowledged by {a.acknowledged_by}</span>
                        )}
                        {a.muted && <span class="badge muted-badge">muted: {a.muted}</span>}
                        {canAck && a.state === "firing" && !a.acknowledged_by && (
                          <AckButton id={a.id} onDone={update} />
                        )}
                      </div>
                    </td>
                  </>
                )}
              </AlertTable>
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
              <AlertTable
                list={lists.history}
                hosts={hosts}
                checks={checks}
                rules={rules}
                more={["Fired", "Lasted", "Acknowledged", "Closed"]}
              >
                {(a) => (
                  <>
                    <td data-label="Fired">{a.fired_at ? <Time iso={a.fired_at} /> : "–"}</td>
                    <td data-label="Lasted">
                      {a.fired_at && a.resolved_at
                        ? duration(Date.parse(a.resolved_at) - Date.parse(a.fired_at))
                        : "–"}
                    </td>
                    <td data-label="Acknowledged">{a.acknowledged_by ?? "–"}</td>
                    <td data-label="Closed">{a.closed_reason ?? "recovered"}</td>
                  </>
                )}
              </AlertTable>
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
