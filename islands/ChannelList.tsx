/**
 * Notification channels (admins only): each with its URL masked as the API
 * shows it, a test send, a form to add a webhook (its signing secret shown
 * this once) and a delete that asks first. The URL typed is sent once and
 * never shown again.
 */
import { useState } from "preact/hooks";
import CopyButton from "./CopyButton.tsx";
import {
  DeleteButton,
  problemOf,
  type Refusal,
  send,
  StackTable,
  TextField,
} from "./alerting_kit.tsx";

/** A channel as the API shows it (secret settings masked: `…abcd`). */
export interface ChannelJson {
  id: string;
  name: string;
  type: string;
  config: Record<string, unknown>;
  enabled: boolean;
}

/** What a test send came to, as the API says. */
interface Tested {
  ok: boolean;
  status: number | null;
  response: string;
}

export default function ChannelList({ channels: initial }: { channels: ChannelJson[] }) {
  const [channels, setChannels] = useState(initial);
  const [error, setError] = useState("");
  const [tests, setTests] = useState<Record<string, Tested | "sending">>({});
  const remove = async (ch: ChannelJson) => {
    const sent = await send("DELETE", `/api/v1/channels/${ch.id}`);
    if (!sent.ok) return setError(sent.refusal.message);
    setError("");
    setChannels((cs) => cs.filter((x) => x.id !== ch.id));
  };
  const test = async (ch: ChannelJson) => {
    setTests((t) => ({ ...t, [ch.id]: "sending" }));
    const sent = await send<Tested>("POST", `/api/v1/channels/${ch.id}/test`);
    const outcome = sent.ok
      ? sent.body
      : { ok: false, status: null, response: sent.refusal.message };
    setTests((t) => ({ ...t, [ch.id]: outcome }));
  };
  return (
    <>
      <AddChannel onAdded={(ch) => setChannels((cs) => [...cs, ch])} />
      {error && <p class="error" role="alert">{error}</p>}
      {channels.length
        ? (
          <StackTable columns={["Channel", "Type", "URL", "Enabled"]} actions>
            {channels.map((ch) => {
              const t = tests[ch.id];
              return (
                <tr key={ch.id}>
                  <th scope="row">{ch.name}</th>
                  <td data-label="Type">{ch.type}</td>
                  <td data-label="URL">
                    <code>{String(ch.config.url ?? "–")}</code>
                  </td>
                  <td data-label="Enabled">{ch.enabled ? "yes" : "no"}</td>
                  <td>
                    <span class="ask">
                      <button type="button" disabled={t === "sending"} onClick={() => test(ch)}>
                        Send test<span class="visually-hidden">to {ch.name}</span>
                      </button>
                      <DeleteButton name={ch.name} onDelete={() => remove(ch)} />
                    </span>
                    {t && t !== "sending" && (
                      <p class={t.ok ? "ok" : "field-error"} role="status">
                        {t.ok ? "Test delivered" : "Test failed"}
                        {t.status !== null && ` (HTTP ${t.status})`}
                        {t.response && `: ${t.response}`}
                      </p>
                    )}
                  </td>
                </tr>
              );
            })}
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
  // A webhook's signing secret, made by the hub and shown only in the answer that added it.
  const [secret, setSecret] = useState<{ name: string; value: string } | null>(null);
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
    const made = sent.body as ChannelJson & { signing_secret?: string };
    setSecret(made.signing_secret ? { name: made.name, value: made.signing_secret } : null);
    const { signing_secret: _, ...channel } = made;
    onAdded(channel);
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
      {secret && (
        <div class="full" role="status">
          <p>
            Signing secret of {secret.name}, shown only now: each request carries{" "}
            <code>X-Sightline-Signature</code>, an HMAC-SHA256 with it, for the receiver to check.
          </p>
          <div class="command">
            <pre><code>{secret.value}</code></pre>
            <CopyButton text={secret.value} />
          </div>
        </div>
      )}
    </form>
  );
}
