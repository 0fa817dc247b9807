/**
 * The form of one notification channel, for every type: its settings drawn
 * from the type's declaration (hub/notify/channels.ts), the alerts it takes
 * (severities, rules, tags), its own wording (a Mustache title and body,
 * previewed by the hub against an example alert as it is typed) and whether
 * it is on. Editing, a secret shows only its last characters as a
 * placeholder and is sent only when typed again: the hub keeps it otherwise.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { ChannelDeclaration, FieldSpec } from "../hub/notify/channels.ts";
import {
  CheckField,
  FieldError,
  invalid,
  Labelled,
  type Named,
  problemOf,
  type Refusal,
  send,
  TextField,
  Tick,
} from "./alerting_kit.tsx";
import { LiveGate } from "./hydrated.tsx";

const SEVERITIES = ["warning", "critical"] as const;
type Severity = typeof SEVERITIES[number];

/** A channel as the API shows it (secret settings masked: `…abcd`). */
export interface ChannelJson {
  id: string;
  name: string;
  type: string;
  config: Record<string, unknown>;
  severities?: Severity[];
  rules?: string[];
  tags?: string[];
  template?: { title?: string; body?: string } | null;
  enabled: boolean;
}

/** The form as typed: every setting as text. */
interface Draft {
  name: string;
  type: string;
  config: Record<string, string>;
  severities: Severity[];
  rules: string[];
  tags: string;
  title: string;
  body: string;
  enabled: boolean;
}

function draftOf(ch: ChannelJson | null, type: string, kind: ChannelDeclaration): Draft {
  const config: Record<string, string> = {};
  for (const [name, f] of Object.entries(kind.fields)) {
    const v = ch?.config[name];
    // A secret is never filled in: what the hub shows of it is a placeholder.
    config[name] = f.secret || v === undefined ? "" : Array.isArray(v) ? v.join(", ") : String(v);
  }
  return {
    name: ch?.name ?? "",
    type,
    config,
    severities: ch?.severities ?? [],
    rules: ch?.rules ?? [],
    tags: ch?.tags?.join(", ") ?? "",
    title: ch?.template?.title ?? "",
    body: ch?.template?.body ?? "",
    enabled: ch?.enabled ?? true,
  };
}

const listOrNull = <T,>(list: T[]) => list.length ? list : null;

/** The body the API takes; a secret left empty is left out, so the hub keeps it. */
function bodyOf(d: Draft, kind: ChannelDeclaration, editing: boolean) {
  const config: Record<string, string | null> = {};
  for (const [name, f] of Object.entries(kind.fields)) {
    const v = d.config[name].trim();
    if (f.secret && !v) continue;
    config[name] = v || null;
  }
  const template = d.title.trim() || d.body.trim() ? { title: d.title, body: d.body } : null;
  const tags = d.tags.split(",").map((t) => t.trim()).filter(Boolean);
  return {
    name: d.name,
    ...(editing ? {} : { type: d.type }),
    config,
    severities: listOrNull(d.severities),
    rules: listOrNull(d.rules),
    tags: listOrNull(tags),
    template,
    enabled: d.enabled,
  };
}

export interface ChannelFormProps {
  kinds: Record<string, ChannelDeclaration>;
  rules: Named[];
  /** The channel edited; null adds one. */
  editing: ChannelJson | null;
  /** Saved: the channel as the hub answered (with a signing secret when one was made). */
  onSaved: (ch: ChannelJson & { signing_secret?: string }) => void;
  onCancel: () => void;
}

export function ChannelForm({ kinds, rules, editing, onSaved, onCancel }: ChannelFormProps) {
  const firstType = editing?.type ?? Object.keys(kinds)[0];
  const [draft, setDraft] = useState(() => draftOf(editing, firstType, kinds[firstType]));
  const [refused, setRefused] = useState<Refusal | null>(null);
  const [busy, setBusy] = useState(false);
  const kind = kinds[draft.type];
  const form = useRef<HTMLFormElement>(null);
  // Edit is pressed in the list below: bring the form into view (a phone shows one at a time).
  useEffect(() => {
    if (editing) form.current?.scrollIntoView({ block: "start" });
  }, []);
  const preview = useTemplatePreview(draft.title, draft.body);
  const set = (change: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...change }));
    setRefused(null);
  };

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const body = bodyOf(draft, kind, editing !== null);
    const sent = editing
      ? await send<ChannelJson>("PATCH", `/api/v1/channels/${editing.id}`, body)
      : await send<ChannelJson>("POST", "/api/v1/channels", body);
    setBusy(false);
    if (!sent.ok) return setRefused(sent.refusal);
    setRefused(null);
    if (!editing) setDraft(draftOf(null, draft.type, kind));
    onSaved(sent.body);
  };

  const shown = new Set(["name", "type", "severities", "rules", "tags", "template", "enabled"]);
  const claimed = (f: string) =>
    shown.has(f.split(".")[0]) || (f.startsWith("config.") && f.slice(7) in kind.fields);
  const other = refused && !claimed(refused.field) ? refused.message : null;
  const templateProblem = (part: "title" | "body") =>
    problemOf(refused, `template.${part}`) ??
      (preview.state === "refused" ? problemOf(preview.refusal, `template.${part}`) : null);

  return (
    <form ref={form} class="card channel-form" onSubmit={save} noValidate>
      <LiveGate>
        <h2>{editing ? `Edit ${editing.name}` : "Add a channel"}</h2>
        <div class="grid">
          <TextField
            label="Name"
            value={draft.name}
            onInput={(name) => set({ name })}
            problem={problemOf(refused, "name")}
            id="channel-name-error"
            input={{ maxLength: 200 }}
          />
          <div class="field">
            <label>
              Type
              <select
                value={draft.type}
                disabled={editing !== null}
                onChange={(e) => {
                  const type = (e.target as HTMLSelectElement).value;
                  set({ type, config: draftOf(null, type, kinds[type]).config });
                }}
              >
                {Object.entries(kinds).map(([t, k]) => <option key={t} value={t}>{k.title}
                </option>)}
              </select>
            </label>
          </div>
          {Object.entries(kind.fields).map(([name, f]) => (
            <Setting
              key={`${draft.type}.${name}`}
              name={name}
              spec={f}
              value={draft.config[name]}
              masked={f.secret && editing ? String(editing.config[name] ?? "") : ""}
              onInput={(v) => set({ config: { ...draft.config, [name]: v } })}
              problem={problemOf(refused, `config.${name}`)}
            />
          ))}
        </div>

        <fieldset class="group">
          <legend>Which alerts</legend>
          <p class="muted">Nothing ticked or typed takes every alert.</p>
          <fieldset class="choices" aria-label="Severities">
            {SEVERITIES.map((s) => (
              <Tick
                key={s}
                list={draft.severities}
                item={s}
                onChange={(severities) => set({ severities })}
              >
                {s}
              </Tick>
            ))}
          </fieldset>
          <FieldError id="channel-severities-error" problem={problemOf(refused, "severities")} />
          {rules.length > 0 && (
            <details class="host-picker" open={draft.rules.length > 0}>
              <summary>Only these rules ({draft.rules.length || "any"})</summary>
              <div class="picks">
                {rules.map((r) => (
                  <Tick
                    key={r.id}
                    list={draft.rules}
                    item={r.id}
                    onChange={(rs) => set({ rules: rs })}
                  >
                    {r.name}
                  </Tick>
                ))}
              </div>
            </details>
          )}
          <FieldError id="channel-rules-error" problem={problemOf(refused, "rules")} />
          <TextField
            label="Tags"
            hint="hosts with any of these tags, comma-separated"
            value={draft.tags}
            onInput={(tags) => set({ tags })}
            problem={problemOf(refused, "tags")}
            id="channel-tags-error"
            input={{ maxLength: 500, placeholder: "any" }}
          />
        </fieldset>

        <fieldset class="group">
          <legend>Wording</legend>
          <p class="muted">
            Left empty, the default title and text. A template is{" "}
            <a href="https://mustache.github.io/mustache.5.html">Mustache</a>; it may use{" "}
            <code>{"{{title}}"}</code>, <code>{"{{text}}"}</code> (the defaults),{" "}
            <code>{"{{kind}}"}</code> (firing, reminder, escalated, resolved),{" "}
            <code>{"{{rule.name}}"}</code>, <code>{"{{rule.severity}}"}</code>,{" "}
            <code>{"{{count}}"}</code>, <code>{"{{url}}"}</code> and, in{" "}
            <code>{"{{#alerts}}…{{/alerts}}"}</code>, <code>{"{{host.name}}"}</code>,{" "}
            <code>{"{{value}}"}</code>, <code>{"{{threshold}}"}</code>,{" "}
            <code>{"{{labels.NAME}}"}</code>, <code>{"{{started_at}}"}</code>.
          </p>
          <TextField
            label="Title template"
            value={draft.title}
            onInput={(title) => set({ title })}
            problem={templateProblem("title")}
            id="channel-template-title-error"
            input={{ maxLength: 4000 }}
          />
          <TextArea
            label="Body template"
            value={draft.body}
            onInput={(body) => set({ body })}
            problem={templateProblem("body")}
            id="channel-template-body-error"
          />
          {preview.state === "done" && (
            <section class="template-preview" aria-label="Preview">
              <h3>Preview, with an example alert</h3>
              <p data-preview-title>
                <strong>{preview.title}</strong>
              </p>
              <pre data-preview-text>{preview.text}</pre>
            </section>
          )}
        </fieldset>

        <CheckField checked={draft.enabled} onChange={(enabled) => set({ enabled })}>
          Enabled
        </CheckField>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {editing ? "Save channel" : "Add channel"}
          </button>
          {editing && <button type="button" onClick={onCancel}>Cancel</button>}
          {other && <p class="field-error" role="alert">{other}</p>}
        </div>
      </LiveGate>
    </form>
  );
}

/** One setting as its declaration says: a choice, a certificate, or a line (secrets hidden). */
function Setting(
  { name, spec: f, value, masked, onInput, problem }: {
    name: string;
    spec: FieldSpec;
    value: string;
    /** The saved secret's last characters ("" when adding). */
    masked: string;
    onInput: (v: string) => void;
    problem: string | null;
  },
) {
  const id = `channel-config-${name}-error`;
  const hint = [f.help, f.kind === "emails" && "comma-separated", !f.required && "optional"]
    .filter(Boolean).join(" · ");
  if (f.kind === "choice") {
    return (
      <Labelled label={f.label} hint={hint} problem={problem} id={id}>
        <select
          value={value || String(f.default ?? "")}
          {...invalid(problem, id)}
          onChange={(e) => onInput((e.target as HTMLSelectElement).value)}
        >
          {f.choices?.map((c) => <option key={c} value={c}>{c}</option>)}
        </select>
      </Labelled>
    );
  }
  const common = { label: f.label, hint, value, onInput, problem, id };
  if (f.kind === "pem") return <TextArea {...common} placeholder="-----BEGIN CERTIFICATE-----" />;
  const type = f.secret
    ? "password"
    : f.kind === "url"
    ? "url"
    : f.kind === "number"
    ? "number"
    : "text";
  const placeholder = masked
    ? `${masked} (kept unless typed)`
    : f.default !== undefined
    ? String(f.default)
    : f.kind === "url"
    ? "https://…"
    : "";
  return (
    <TextField
      {...common}
      grow={f.kind === "url" || f.kind === "emails"}
      input={{
        type,
        placeholder,
        maxLength: 2000,
        autocomplete: f.secret ? "new-password" : "off",
      }}
    />
  );
}

function TextArea(
  { label, hint, value, onInput, problem, id, placeholder }: {
    label: string;
    hint?: string;
    value: string;
    onInput: (v: string) => void;
    problem: string | null;
    id: string;
    placeholder?: string;
  },
) {
  return (
    <Labelled label={label} hint={hint} problem={problem} id={id} wide>
      <textarea
        rows={4}
        value={value}
        placeholder={placeholder}
        {...invalid(problem, id)}
        onInput={(e) => onInput((e.target as HTMLTextAreaElement).value)}
      />
    </Labelled>
  );
}

type TemplatePreview =
  | { state: "idle" }
  | { state: "done"; title: string; text: string }
  | { state: "refused"; refusal: Refusal };

/**
 * Asks the hub what the template makes of an example alert once typing
 * stops (the hub renders it as it will render a notification); the latest
 * answer wins.
 */
function useTemplatePreview(title: string, body: string): TemplatePreview {
  const [got, setGot] = useState<TemplatePreview>({ state: "idle" });
  useEffect(() => {
    if (!title.trim() && !body.trim()) return setGot({ state: "idle" });
    let current = true;
    const timer = setTimeout(async () => {
      const sent = await send<{ title: string; text: string }>(
        "POST",
        "/api/v1/channels/preview-template",
        { template: { title, body } },
      );
      if (!current) return;
      setGot(
        sent.ok ? { state: "done", ...sent.body } : { state: "refused", refusal: sent.refusal },
      );
    }, 400);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [title, body]);
  return got;
}
