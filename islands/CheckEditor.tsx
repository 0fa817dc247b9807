/**
 * The check editor (admins): "Add check" on /checks, "Edit" on /checks/:id.
 * Every field of a check (lib/probes/check.ts), the `expect` fields shown
 * following its type. The hub checks what is sent (parseCheck); a refusal is
 * shown beside the field it names and nothing is saved. An edit sends only
 * the fields that changed (a PATCH), so a header value or URL password the
 * API shows masked, left alone, keeps its secret; a header left blank keeps
 * its stored value. A push check's URL is shown once, when it is added.
 * The form is disabled until the island is live (hydrated.tsx).
 */
import { useState } from "preact/hooks";
import { useHydrated } from "./hydrated.tsx";
import {
  CHECK_TYPES,
  type CheckDef,
  type CheckType,
  DNS_TYPES,
  INTERVAL_S,
  TIMEOUT_S,
} from "../lib/probes/check.ts";
import {
  CheckField,
  FieldError,
  invalid,
  type Named,
  problemOf,
  type Refusal,
  send,
  TextField,
  Tick,
} from "./alerting_kit.tsx";
import CopyButton from "./CopyButton.tsx";

export interface CheckEditorProps {
  /** The check edited, as the API shows it (secrets masked); null to add one. */
  check: CheckDef | null;
  /** The registered hosts a check may be picked to run on. */
  hosts: Named[];
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"] as const;

const TYPE_TEXT: Record<CheckType, string> = {
  http: "HTTP(S) request",
  tls: "TLS certificate",
  tcp: "TCP connect",
  dns: "DNS lookup",
  ping: "Ping",
  push: "Push (a cron job calls the hub)",
};

const TARGET_HINT: Record<CheckType, string> = {
  http: "an http:// or https:// URL",
  tls: "host:port",
  tcp: "host:port",
  dns: "the name to look up",
  ping: "a host name or address",
  push: "",
};

/** A request header as the form holds it; `kept` is the stored value's mask, for one already saved. */
interface HeaderDraft {
  name: string;
  value: string;
  /** The name it was saved under and its masked value: left blank, the value stays. */
  kept?: { name: string; mask: string };
}

/** The form's state: numbers as typed, so a half-typed one is refused, not lost. */
export interface Draft {
  name: string;
  type: CheckType;
  target: string;
  interval_s: string;
  timeout_s: string;
  runs: "hosts" | "tag" | "any";
  hosts: string[];
  tag: string;
  any: string;
  k: string;
  rounds: string;
  recover_rounds: string;
  method: string;
  status: string;
  keyword: string;
  json_path: string;
  json_equals: string;
  follow_redirects: boolean;
  headers: HeaderDraft[];
  min_days_left: string;
  record_type: string;
  answer: string;
  resolver: string;
  count: string;
}

export const NEW: Draft = {
  name: "",
  type: "http",
  target: "",
  interval_s: "60",
  timeout_s: "10",
  runs: "any",
  hosts: [],
  tag: "",
  any: "1",
  k: "1",
  rounds: "2",
  recover_rounds: "2",
  method: "GET",
  status: "",
  keyword: "",
  json_path: "",
  json_equals: "",
  follow_redirects: false,
  headers: [],
  min_days_left: "",
  record_type: "A",
  answer: "",
  resolver: "",
  count: "",
};

const str = (n: number | undefined) => n === undefined ? "" : String(n);

export function draftOf(c: CheckDef | null): Draft {
  if (!c) return NEW;
  const e = c.expect ?? {};
  const r = c.runs_on;
  return {
    name: c.name,
    type: c.type,
    target: c.target,
    interval_s: String(c.interval_s),
    timeout_s: String(c.timeout_s),
    runs: "hosts" in r ? "hosts" : "tag" in r ? "tag" : "any",
    hosts: "hosts" in r ? r.hosts : [],
    tag: "tag" in r ? r.tag : "",
    any: "any" in r ? String(r.any) : "1",
    k: String(c.k),
    rounds: String(c.rounds),
    recover_rounds: String(c.recover_rounds),
    method: e.method ?? "GET",
    status: str(e.status),
    keyword: e.keyword ?? "",
    json_path: e.json_path ?? "",
    json_equals: e.json_equals ?? "",
    follow_redirects: e.follow_redirects ?? false,
    headers: Object.entries(e.headers ?? {}).map(([name, mask]) => ({
      name,
      value: "",
      kept: { name, mask },
    })),
    min_days_left: str(e.min_days_left),
    record_type: e.record_type ?? "A",
    answer: e.answer ?? "",
    resolver: e.resolver ?? "",
    count: str(e.count),
  };
}

/** A typed number: NaN (refused by the hub, beside its field) unless it is one. */
const num = (s: string) => s.trim() === "" ? NaN : Number(s);

/**
 * The check as the API takes it. Optional numbers left blank are not sent
 * (the hub's default holds); a header left blank is sent as its mask, which
 * the hub takes for "unchanged" (hub/usecases/checks.ts keptSecrets).
 */
export function bodyOf(d: Draft): Record<string, unknown> {
  const expect: Record<string, unknown> = {};
  const opt = (key: string, v: string, asNumber = false) => {
    if (v.trim() !== "") expect[key] = asNumber ? num(v) : v;
  };
  if (d.type === "http") {
    // What the agent does unless told otherwise (GET, redirects not followed) is not sent.
    if (d.method !== "GET") expect.method = d.method;
    opt("status", d.status, true);
    opt("keyword", d.keyword);
    opt("json_path", d.json_path);
    opt("json_equals", d.json_equals);
    if (d.follow_redirects) expect.follow_redirects = true;
    const headers = d.headers.filter((h) => h.name.trim() || h.value || h.kept);
    if (headers.length) {
      expect.headers = Object.fromEntries(
        headers.map((h) => [h.name.trim(), h.value === "" && h.kept ? h.kept.mask : h.value]),
      );
    }
  }
  if (d.type === "tls") opt("min_days_left", d.min_days_left, true);
  if (d.type === "dns") {
    expect.record_type = d.record_type;
    opt("answer", d.answer);
    opt("resolver", d.resolver.trim());
  }
  if (d.type === "ping") opt("count", d.count, true);
  const body: Record<string, unknown> = {
    name: d.name,
    type: d.type,
    interval_s: num(d.interval_s),
    rounds: num(d.rounds),
    recover_rounds: num(d.recover_rounds),
  };
  if (d.type !== "push") {
    body.target = d.target;
    body.timeout_s = num(d.timeout_s);
    body.expect = expect;
    body.runs_on = d.runs === "hosts"
      ? { hosts: d.hosts }
      : d.runs === "tag"
      ? { tag: d.tag }
      : { any: num(d.any) };
    body.k = num(d.k);
  }
  return body;
}

/** What an edit sends: the fields whose value differs from the check's as it was shown. */
export function changedFields(was: Draft, now: Draft): Record<string, unknown> {
  const before = bodyOf(was);
  const after = bodyOf(now);
  return Object.fromEntries(
    Object.entries(after).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(before[k])),
  );
}

/** A header renamed but left blank: its stored value cannot follow it, so one must be typed. */
function renamedBlank(d: Draft): Refusal | null {
  const h = d.type === "http" &&
    d.headers.find((h) => h.kept && !h.value && h.name !== h.kept.name);
  return h
    ? {
      field: "expect.headers",
      message: `Type the value of ${
        h.name || "the renamed header"
      }: a renamed header's value is not kept`,
    }
    : null;
}

/** The fields the form shows a refusal beside; any other is shown under the buttons. */
const PLACED = [
  "name",
  "type",
  "target",
  "interval_s",
  "timeout_s",
  "runs_on",
  "k",
  "rounds",
  "recover_rounds",
  "expect",
];

const NUMERIC = { inputMode: "numeric" };

type Saved = CheckDef & { push_url?: string };

export default function CheckEditor({ check, hosts }: CheckEditorProps) {
  const [saved, setSaved] = useState<CheckDef | null>(check);
  const [draft, setDraft] = useState(() => draftOf(check));
  const [refused, setRefused] = useState<Refusal | null>(null);
  const [status, setStatus] = useState("");
  const [pushed, setPushed] = useState<Saved | null>(null);
  const [busy, setBusy] = useState(false);
  const live = useHydrated();
  const editing = saved !== null;

  const set = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setRefused(null);
    setStatus("");
  };
  const problem = (field: string) => problemOf(refused, field);
  const err = (field: string) => `check-${field.replace(/\./g, "-")}-error`;

  const save = async (e: Event) => {
    e.preventDefault();
    const local = renamedBlank(draft);
    if (local) {
      setRefused(local);
      return;
    }
    if (editing) {
      const patch = changedFields(draftOf(saved), draft);
      if (!Object.keys(patch).length) {
        setStatus("Nothing changed.");
        return;
      }
      setBusy(true);
      const sent = await send<CheckDef>("PATCH", `/api/v1/checks/${saved.id}`, patch);
      setBusy(false);
      if (!sent.ok) {
        setRefused(sent.refusal);
        return;
      }
      setSaved(sent.body);
      setDraft(draftOf(sent.body));
      setStatus(`Saved: ${sent.body.name} is tested every ${sent.body.interval_s} s.`);
      return;
    }
    setBusy(true);
    const sent = await send<Saved>("POST", "/api/v1/checks", bodyOf(draft));
    setBusy(false);
    if (!sent.ok) {
      setRefused(sent.refusal);
      return;
    }
    if (sent.body.push_url) {
      setPushed(sent.body);
      setDraft(NEW);
      return;
    }
    location.assign(`/checks/${sent.body.id}`);
  };

  const field = (
    key: keyof Draft,
    label: string,
    apiField: string,
    opts: { hint?: string; input?: Record<string, string | number>; grow?: boolean } = {},
  ) => (
    <TextField
      label={label}
      hint={opts.hint}
      value={draft[key] as string}
      onInput={(v) => set({ [key]: v } as Partial<Draft>)}
      problem={problem(apiField)}
      id={err(apiField)}
      grow={opts.grow}
      input={opts.input}
    />
  );
  const pick = (
    key: "type" | "method" | "record_type",
    label: string,
    apiField: string,
    options: ReadonlyArray<string>,
    show: (o: string) => string = String,
  ) => (
    <div class="field">
      <label>
        <span>{label}</span>
        <select
          value={draft[key]}
          {...invalid(problem(apiField), err(apiField))}
          onChange={(e) => set({ [key]: (e.target as HTMLSelectElement).value } as Partial<Draft>)}
        >
          {options.map((o) => <option key={o} value={o}>{show(o)}</option>)}
        </select>
      </label>
      <FieldError id={err(apiField)} problem={problem(apiField)} />
    </div>
  );
  // A check cannot become or stop being a push check: an edit offers the types on its side.
  const types = !editing
    ? CHECK_TYPES
    : saved.type === "push"
    ? (["push"] as const)
    : CHECK_TYPES.filter((t) => t !== "push");
  const push = draft.type === "push";
  const unplaced = refused && !PLACED.some((f) => problemOf(refused, f)) ? refused.message : null;
  const maskedUrl = editing && draft.target.includes("%E2%80%A2");

  return (
    <div class="check-editor">
      {pushed?.push_url && (
        <section class="card push-once" role="status" aria-labelledby="push-once-title">
          <h2 id="push-once-title">Push URL of {pushed.name}</h2>
          <p>
            Have the cron job call this URL (<code>curl -fsS URL</code>) at least every{" "}
            {pushed.interval_s} s. <strong>It is shown this once and never again</strong>{" "}
            — copy it now; to get a new one, remove the check and add it again.
          </p>
          <p>
            <code class="push-url">{location.origin}{pushed.push_url}</code>{" "}
            <CopyButton text={`${location.origin}${pushed.push_url}`} />
          </p>
          <p>
            <a href={`/checks/${pushed.id}`}>Open {pushed.name}</a>
          </p>
        </section>
      )}
      <form
        class="card"
        onSubmit={save}
        noValidate
        aria-label={editing ? "Edit check" : "Add check"}
      >
        <fieldset disabled={!live}>
          <legend class="visually-hidden">Check</legend>
          <div class="grid">
            {field("name", "Name", "name", { grow: true, input: { maxLength: 100 } })}
            {types.length > 1
              ? pick("type", "Type", "type", types, (t) => TYPE_TEXT[t as CheckType])
              : (
                <div class="field">
                  <span class="label">Type</span> {TYPE_TEXT[draft.type]}
                </div>
              )}
            {!push &&
              field("target", "Target", "target", {
                hint: TARGET_HINT[draft.type] +
                  (maskedUrl ? "; the password shown as •••• is kept unless typed" : ""),
                grow: true,
                input: { maxLength: 2000 },
              })}
            {field("interval_s", push ? "Expected every (s)" : "Every (s)", "interval_s", {
              hint: `${INTERVAL_S.min} to ${INTERVAL_S.max}`,
              input: NUMERIC,
            })}
            {!push &&
              field("timeout_s", "Timeout (s)", "timeout_s", {
                hint: `${TIMEOUT_S.min} to ${TIMEOUT_S.max}, at most the interval`,
                input: NUMERIC,
              })}
          </div>
          {draft.type === "http" && (
            <fieldset class="group">
              <legend>The response must</legend>
              <div class="grid">
                {pick("method", "Method", "expect.method", METHODS)}
                {field("status", "Status", "expect.status", {
                  hint: "empty: any 2xx or 3xx",
                  input: NUMERIC,
                })}
                {field("keyword", "Contain", "expect.keyword", {
                  hint: "a keyword of the body",
                  input: { maxLength: 500 },
                })}
                {field("json_path", "JSON path", "expect.json_path", {
                  hint: "e.g. $.status",
                  input: { maxLength: 200 },
                })}
                {field("json_equals", "JSON value equals", "expect.json_equals", {
                  input: { maxLength: 500 },
                })}
              </div>
              <CheckField
                checked={draft.follow_redirects}
                onChange={(follow_redirects) => set({ follow_redirects })}
              >
                Follow redirects
              </CheckField>
              <FieldError
                id={err("expect.follow_redirects")}
                problem={problem("expect.follow_redirects")}
              />
              <Headers
                rows={draft.headers}
                onChange={(headers) => set({ headers })}
                problem={problem("expect.headers")}
                id={err("expect.headers")}
              />
            </fieldset>
          )}
          {draft.type === "tls" && (
            <div class="grid">
              {field("min_days_left", "Fail with fewer days left than", "expect.min_days_left", {
                hint: "0 to 3650; empty: only when expired",
                input: NUMERIC,
              })}
            </div>
          )}
          {draft.type === "dns" && (
            <div class="grid">
              {pick("record_type", "Record type", "expect.record_type", DNS_TYPES)}
              {field("answer", "Expected answer", "expect.answer", {
                hint: "empty: any answer",
                input: { maxLength: 500 },
              })}
              {field("resolver", "Resolver", "expect.resolver", {
                hint: "an IP address, optionally :port; empty: the agent's",
                input: { maxLength: 60 },
              })}
            </div>
          )}
          {draft.type === "ping" && (
            <div class="grid">
              {field("count", "Echo requests per round", "expect.count", {
                hint: "1 to 20",
                input: NUMERIC,
              })}
            </div>
          )}
          {!push && (
            <RunsOn
              draft={draft}
              hosts={hosts}
              set={set}
              problem={problem}
              err={err}
            />
          )}
          <fieldset class="group">
            <legend>Judged</legend>
            <div class="grid">
              {!push &&
                field("k", "Down when this many agents fail", "k", {
                  hint: "1 to 100",
                  input: NUMERIC,
                })}
              {field("rounds", push ? "Missed pushes in a row" : "Rounds in a row", "rounds", {
                hint: "1 to 100",
                input: NUMERIC,
              })}
              {field("recover_rounds", "Up again after successes", "recover_rounds", {
                hint: "1 to 100",
                input: NUMERIC,
              })}
            </div>
          </fieldset>
        </fieldset>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || !live}>
            {editing ? "Save check" : "Add check"}
          </button>
          {editing && <a class="button danger" href={`/checks/${saved.id}/delete`}>Delete check</a>}
          {status && <p class="ok" role="status">{status}</p>}
          {unplaced && <p class="field-error" role="alert">{unplaced}</p>}
        </div>
      </form>
    </div>
  );
}

/** Where the check runs: the hosts picked, those with a tag, or any N agents. */
function RunsOn(
  { draft, hosts, set, problem, err }: {
    draft: Draft;
    hosts: Named[];
    set: (p: Partial<Draft>) => void;
    problem: (field: string) => string | null;
    err: (field: string) => string;
  },
) {
  const choices = [
    ["any", "Any agents"],
    ["tag", "Hosts with a tag"],
    ["hosts", "Hosts picked"],
  ] as const;
  return (
    <fieldset class="group">
      <legend>Runs on</legend>
      <div class="choices" role="radiogroup" aria-label="Runs on">
        {choices.map(([value, text]) => (
          <label class="check">
            <input
              type="radio"
              name="runs_on"
              checked={draft.runs === value}
              onChange={() => set({ runs: value })}
            />
            {text}
          </label>
        ))}
      </div>
      <div class="grid">
        {draft.runs === "any" && (
          <TextField
            label="How many agents"
            hint="the hub picks them, 1 to 100"
            value={draft.any}
            onInput={(any) => set({ any })}
            problem={problem("runs_on.any")}
            id={err("runs_on.any")}
            input={{ inputMode: "numeric" }}
          />
        )}
        {draft.runs === "tag" && (
          <TextField
            label="Tag"
            value={draft.tag}
            onInput={(tag) => set({ tag })}
            problem={problem("runs_on.tag")}
            id={err("runs_on.tag")}
            input={{ maxLength: 64 }}
          />
        )}
      </div>
      {draft.runs === "hosts" && (
        <div class="host-picker" role="group" aria-label="Hosts picked">
          {hosts.length === 0 && <p class="muted">No registered host yet.</p>}
          <div class="picks">
            {hosts.map((h) => (
              <Tick
                key={h.id}
                list={draft.hosts}
                item={h.id}
                onChange={(l) => set({ hosts: l })}
              >
                {h.name}
              </Tick>
            ))}
          </div>
          <FieldError id={err("runs_on.hosts")} problem={problem("runs_on.hosts")} />
        </div>
      )}
      <FieldError
        id={err("runs_on")}
        problem={refusalOnly(problem("runs_on"), [
          problem("runs_on.any"),
          problem("runs_on.tag"),
          problem("runs_on.hosts"),
        ])}
      />
    </fieldset>
  );
}

/** A refusal of the group itself, not shown again when one of its fields shows it. */
function refusalOnly(p: string | null, parts: Array<string | null>): string | null {
  return p && !parts.includes(p) ? p : null;
}

/** Request headers: name and value; a saved one's value is masked and kept unless typed. */
function Headers(
  { rows, onChange, problem, id }: {
    rows: HeaderDraft[];
    onChange: (rows: HeaderDraft[]) => void;
    problem: string | null;
    id: string;
  },
) {
  const edit = (i: number, patch: Partial<HeaderDraft>) =>
    onChange(rows.map((r, j) => j === i ? { ...r, ...patch } : r));
  return (
    <fieldset class="group headers">
      <legend>Request headers</legend>
      {rows.map((r, i) => (
        <div class="row">
          <label>
            Header name
            <input
              value={r.name}
              maxLength={64}
              {...invalid(problem, id)}
              onInput={(e) => edit(i, { name: (e.target as HTMLInputElement).value })}
            />
          </label>
          <label>
            Header value
            <input
              value={r.value}
              maxLength={1000}
              autoComplete="off"
              placeholder={r.kept ? `${r.kept.mask} (kept unless typed)` : ""}
              {...invalid(problem, id)}
              onInput={(e) => edit(i, { value: (e.target as HTMLInputElement).value })}
            />
          </label>
          <button type="button" onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            Remove<span class="visually-hidden">{r.name}</span>
          </button>
        </div>
      ))}
      <FieldError id={id} problem={problem} />
      <button
        type="button"
        disabled={rows.length >= 20}
        onClick={() => onChange([...rows, { name: "", value: "" }])}
      >
        Add a header
      </button>
    </fieldset>
  );
}
