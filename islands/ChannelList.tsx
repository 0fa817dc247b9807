/**
 * Notification channels (admins only): each with its URL masked as the API
 * shows it, a form to add a webhook and a delete that asks first. The URL
 * typed is sent once and never shown again.
 */
import { useState } from "preact/hooks";
import {
  DeleteButton,
  FieldError,
  invalid,
  problemOf,
  type Refusal,
  send,
} from "./alerting_kit.tsx";

/** A channel as the API shows it (settings masked: `…abcd`). */
export interface ChannelJson {
  id: string;
  name: string;
  type: string;
  config: Record<string, string>;
  enabled: boolean;
}

export default function ChannelList({ channels: initial }: { channels: ChannelJson[] }) {
  const [channels, setChannels] = useState(initial);
  const [error, setError] = useState("");
  const remove = async (ch: ChannelJson) => {
    const sent = await send("DELETE", `/api/v1/channels/${ch.id}`);
    if (!sent.ok) return setError(sent.refusal.message);
    setError("");
    setChannels((cs) => cs.filter((x) => x.id !== ch.id));
  };
  return (
    <>
      <AddChannel onAdded={(ch) => setChannels((cs) => [...cs, ch])} />
      {error && <p class="error" role="alert">{error}</p>}
      {channels.length
        ? (
          <div class="table-wrap">
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">Channel</th>
                  <th scope="col">Type</th>
                  <th scope="col">URL</th>
                  <th scope="col">Enabled</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {channels.map((ch) => (
                  <tr key={ch.id}>
                    <th scope="row">{ch.name}</th>
                    <td data-label="Type">{ch.type}</td>
                    <td data-label="URL">
                      <code>{ch.config.url ?? "–"}</code>
                    </td>
                    <td data-label="Enabled">{ch.enabled ? "yes" : "no"}</td>
                    <td>
                      <DeleteButton name={ch.name} onDelete={() => remove(ch)} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
        : (
          <p class="empty">
            No channels: alerts show on the dashboard only. Add a webhook to be told.
          </p>
        )}
    </>
  );
}

function AddChannel({ onAdded }: { onAdded: (ch: ChannelJson) => void }) {
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [refused, setRefused] = useState<Refusal | null>(null);
  const [busy, setBusy] = useState(false);
  const add = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const sent = await send<ChannelJson>("POST", "/api/v1/channels", {
      name,
      type: "webhook",
      config: { url },
    });
    setBusy(false);
    if (!sent.ok) return setRefused(sent.refusal);
    setRefused(null);
    setName("");
    setUrl("");
    onAdded(sent.body);
  };
  const nameProblem = problemOf(refused, "name");
  const urlProblem = problemOf(refused, "config");
  const other = refused && !nameProblem && !urlProblem ? refused.message : null;
  return (
    <form class="card row" onSubmit={add} noValidate>
      <h2 class="full">Add a webhook</h2>
      <div class="field">
        <label>
          Name
          <input
            value={name}
            maxLength={200}
            {...invalid(nameProblem, "channel-name-error")}
            onInput={(e) => (setName((e.target as HTMLInputElement).value), setRefused(null))}
          />
        </label>
        <FieldError id="channel-name-error" problem={nameProblem} />
      </div>
      <div class="field grow">
        <label>
          URL <small>receives a JSON POST per notification</small>
          <input
            type="url"
            value={url}
            maxLength={2000}
            placeholder="https://…"
            autocomplete="off"
            {...invalid(urlProblem, "channel-url-error")}
            onInput={(e) => (setUrl((e.target as HTMLInputElement).value), setRefused(null))}
          />
        </label>
        <FieldError id="channel-url-error" problem={urlProblem} />
      </div>
      <button type="submit" class="primary" disabled={busy}>Add channel</button>
      {other && <p class="field-error" role="alert">{other}</p>}
    </form>
  );
}
