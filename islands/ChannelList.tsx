/**
 * Notification channels (admins only): the form that adds one of any type
 * or edits one (islands/ChannelForm.tsx), and the list, each with its
 * secrets masked as the API shows them, a switch that turns it on and off,
 * a test send that shows the service's own answer, and a delete that asks
 * first. A webhook's signing secret is shown once, when it is added.
 */
import { useState } from "preact/hooks";
import type { ChannelDeclaration } from "../hub/notify/channels.ts";
import CopyButton from "./CopyButton.tsx";
import { DeleteButton, type Named, send, StackTable } from "./alerting_kit.tsx";
import { ChannelForm, type ChannelJson } from "./ChannelForm.tsx";

export type { ChannelJson };

/** What a test send came to, as the API says. */
interface Tested {
  ok: boolean;
  status: number | null;
  response: string;
}

export interface ChannelListProps {
  channels: ChannelJson[];
  kinds: Record<string, ChannelDeclaration>;
  rules: Named[];
}

export default function ChannelList({ channels: initial, kinds, rules }: ChannelListProps) {
  const [channels, setChannels] = useState(initial);
  const [editing, setEditing] = useState<ChannelJson | null>(null);
  const [notice, setNotice] = useState<{ error?: string; ok?: string }>({});
  const [tests, setTests] = useState<Record<string, Tested | "sending">>({});
  // A webhook's signing secret, made by the hub and shown only in the answer that added it.
  const [secret, setSecret] = useState<{ name: string; value: string } | null>(null);

  const replace = (ch: ChannelJson) => setChannels((cs) => cs.map((x) => x.id === ch.id ? ch : x));
  const saved = ({ signing_secret, ...ch }: ChannelJson & { signing_secret?: string }) => {
    setSecret(signing_secret ? { name: ch.name, value: signing_secret } : null);
    if (editing) {
      replace(ch);
      setEditing(null);
      setNotice({ ok: `Saved ${ch.name}` });
    } else {
      setChannels((cs) => [...cs, ch]);
      setNotice({});
    }
  };
  const remove = async (ch: ChannelJson) => {
    const sent = await send("DELETE", `/api/v1/channels/${ch.id}`);
    if (!sent.ok) return setNotice({ error: sent.refusal.message });
    setNotice({});
    if (editing?.id === ch.id) setEditing(null);
    setChannels((cs) => cs.filter((x) => x.id !== ch.id));
  };
  const toggle = async (ch: ChannelJson, enabled: boolean) => {
    const sent = await send<ChannelJson>("PATCH", `/api/v1/channels/${ch.id}`, { enabled });
    if (!sent.ok) {
      setChannels((cs) => [...cs]); // the switch goes back to what is saved
      return setNotice({ error: sent.refusal.message });
    }
    setNotice({});
    replace(sent.body);
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
      <ChannelForm
        // A new form for each channel edited: its draft starts from what is saved.
        key={editing?.id ?? "new"}
        kinds={kinds}
        rules={rules}
        editing={editing}
        onSaved={saved}
        onCancel={() => setEditing(null)}
      />
      {secret && (
        <div class="card" role="status">
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
      {notice.error && <p class="error" role="alert">{notice.error}</p>}
      {notice.ok && <p class="ok" role="status">{notice.ok}</p>}
      {channels.length
        ? (
          <StackTable columns={["Channel", "Type", "Settings", "Enabled"]} actions name="channels">
            {channels.map((ch) => {
              const t = tests[ch.id];
              const kind = kinds[ch.type];
              return (
                <tr key={ch.id} class={ch.enabled ? undefined : "disabled"}>
                  <th scope="row">{ch.name}</th>
                  <td data-label="Type">{kind?.title ?? ch.type}</td>
                  <td data-label="Settings">
                    {Object.entries(ch.config).map(([k, v]) => (
                      <small key={k}>
                        {kind?.fields[k]?.label ?? k}{" "}
                        <code>{Array.isArray(v) ? v.join(", ") : String(v)}</code>
                      </small>
                    ))}
                  </td>
                  <td data-label="Enabled">
                    <label class="switch">
                      <input
                        type="checkbox"
                        checked={ch.enabled}
                        onChange={(e) => toggle(ch, (e.target as HTMLInputElement).checked)}
                      />
                      <span>{ch.enabled ? "on" : "off"}</span>
                      <span class="visually-hidden">{ch.name}</span>
                    </label>
                  </td>
                  <td>
                    <span class="ask">
                      <button type="button" onClick={() => (setEditing(ch), setNotice({}))}>
                        Edit<span class="visually-hidden">{ch.name}</span>
                      </button>
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
            No channels: alerts show on the dashboard only. Add one above to be told.
          </p>
        )}
    </>
  );
}
