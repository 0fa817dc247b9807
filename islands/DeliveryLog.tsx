/**
 * The delivery log (admins only): recent notifications across channels,
 * newest first, each with its channel, kind, alerts (linked), state and
 * every attempt with the service's status and the start of its answer.
 * One channel can be picked; older pages come by id (`before`).
 */
import { useState } from "preact/hooks";
import type { NotificationView } from "../lib/alerts/notification_view.ts";
import { type Named, namesOf, send, StackTable, when } from "./alerting_kit.tsx";

export interface DeliveryLogProps {
  entries: NotificationView[];
  channels: Named[];
  /** How many a page holds: a full page may have more behind it. */
  pageSize: number;
}

/** The alerts of a notification listed by link; the rest counted. */
const LINKED = 3;

export default function DeliveryLog({ entries: initial, channels, pageSize }: DeliveryLogProps) {
  const [entries, setEntries] = useState(initial);
  const [channel, setChannel] = useState("");
  const [more, setMore] = useState(initial.length === pageSize);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const names = namesOf(channels);

  const load = async (of: string, before?: number) => {
    setBusy(true);
    const q = new URLSearchParams({ limit: String(pageSize) });
    if (of) q.set("channel", of);
    if (before !== undefined) q.set("before", String(before));
    const sent = await send<NotificationView[]>("GET", `/api/v1/notifications?${q}`);
    setBusy(false);
    if (!sent.ok) return setError(sent.refusal.message);
    setError("");
    setEntries((es) => before === undefined ? sent.body : [...es, ...sent.body]);
    setMore(sent.body.length === pageSize);
  };

  return (
    <>
      <div class="toolbar">
        <label>
          Channel{" "}
          <select
            value={channel}
            onChange={(e) => {
              const of = (e.target as HTMLSelectElement).value;
              setChannel(of);
              load(of);
            }}
          >
            <option value="">all</option>
            {channels.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </label>
        <button type="button" disabled={busy} onClick={() => load(channel)}>Refresh</button>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {entries.length
        ? (
          <StackTable
            columns={["Queued", "Channel", "Kind", "Alerts", "State", "Attempts"]}
            name="delivery"
          >
            {entries.map((n) => (
              <tr key={n.id}>
                <th scope="row">{when(n.created_at)}</th>
                <td data-label="Channel">{names[n.channel_id] ?? "(removed)"}</td>
                <td data-label="Kind">{n.kind}</td>
                <td data-label="Alerts">
                  {n.alert_ids.slice(0, LINKED).map((id) => (
                    <a key={id} class="tag" href={`/alerts/${id}`}>#{id}</a>
                  ))}
                  {n.alerts > LINKED && <small>and {n.alerts - LINKED} more</small>}
                </td>
                <td data-label="State">
                  <span class={`badge ${n.state}`}>{n.state}</span>
                  {n.state === "queued" && n.attempts.length > 0 && (
                    <small>next try {when(n.due_at)}</small>
                  )}
                </td>
                <td data-label="Attempts">
                  {n.attempts.length
                    ? n.attempts.map((a, i) => (
                      <small key={i} class="attempt">
                        {when(a.at)}: {a.ok ? "ok" : "failed"}
                        {a.status !== null && ` (HTTP ${a.status})`}
                        {a.detail && ` ${a.detail}`}
                      </small>
                    ))
                    : <small>none yet</small>}
                </td>
              </tr>
            ))}
          </StackTable>
        )
        : <p class="empty">Nothing sent yet{channel ? " to this channel" : ""}.</p>}
      {more && (
        <p class="more">
          <button
            type="button"
            disabled={busy}
            onClick={() => load(channel, entries[entries.length - 1].id)}
          >
            Older
          </button>
        </p>
      )}
    </>
  );
}
