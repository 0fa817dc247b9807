/**
 * Notification channels (admins only): each with its URL masked as the API
 * shows it, a form to add a webhook and a delete that asks first. The URL
 * typed is sent once and never shown again.
 */
import { useState } from "preact/hooks";
import {
  DeleteButton,
  problemOf,
  type Refusal,
  send,
  StackTable,
  TextField,
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
          <StackTable columns={["Channel", "Type", "URL", "Enabled"]} actions>
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
          </StackTable>
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
      <TextField
        label="Name"
        value={name}
        onInput={(v) => (setName(v), setRefused(null))}
        problem={nameProblem}
        id="channel-name-error"
        input={{ maxLength: 200 }}
      />
      <TextField
        label="URL"
        hint="receives a JSON POST per notification"
        value={url}
        onInput={(v) => (setUrl(v), setRefused(null))}
        problem={urlProblem}
        id="channel-url-error"
        grow
        input={{ type: "url", maxLength: 2000, placeholder: "https://…", autocomplete: "off" }}
      />
      <button type="submit" class="primary" disabled={busy}>Add channel</button>
      {other && <p class="field-error" role="alert">{other}</p>}
    </form>
  );
}
