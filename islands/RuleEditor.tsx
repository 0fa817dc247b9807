/**
 * The rule editor (/alerts/rules/new, /alerts/rules/:id): every field of a
 * rule, the fields shown following its kind. What is typed is checked with
 * the hub's own `checkRule` at each keystroke, and once it passes, a preview
 * (debounced) says which hosts the rule would watch now and what the last
 * day of their data would have made it do, so a noisy threshold shows before
 * it is saved. The hub checks again on save; a refusal is shown beside the
 * field it names. Viewers see the same form, read-only, with its preview.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { useHydrated } from "./hydrated.tsx";
import {
  type AlertRule,
  checkRule,
  OPS,
  type Override,
  RULE_DEFAULTS,
  RULE_KINDS,
  type RuleInput,
  type RuleKind,
  SEVERITIES,
} from "../lib/alerts/rules.ts";
import { describeRule, KIND_TEXT } from "../lib/alerts/rule_text.ts";
import { metric, METRICS, UNIT_TEXT } from "../lib/metrics.ts";
import type { Preview } from "../hub/alerts/preview.ts";
import {
  CheckField,
  FieldError,
  invalid,
  type Named,
  problemOf,
  type Refusal,
  send,
  StackTable,
  TextField,
  Tick,
  when,
} from "./alerting_kit.tsx";
import RuleHosts from "./RuleHosts.tsx";

/** A host as the scope picker shows it. */
export interface PickHost extends Named {
  tags: string[];
}

export interface RuleEditorProps {
  /** The rule edited; null for a new one. */
  rule: AlertRule | null;
  hosts: PickHost[];
  /** The channels a rule may name; null when this user may not list them (viewers). */
  channels: Named[] | null;
  canEdit: boolean;
}

/** The form's state: numbers as typed, so a half-typed one can be refused, not lost. */
export interface Draft {
  name: string;
  kind: RuleKind;
  metric: string;
  /** The label selector's value: one series, `*` for each apart, "" for none. */
  label: string;
  op: NonNullable<AlertRule["op"]>;
  threshold: string;
  recover: string;
  critical: string;
  for_s: number;
  severity: AlertRule["severity"];
  scope: "all" | "tag" | "hosts";
  tag: string;
  hosts: string[];
  exclude: string[];
  overrides: Array<{ host: string; threshold: string; recover: string }>;
  repeat_s: number;
  group_s: number;
  /** Null: every enabled channel. */
  channels: string[] | null;
  enabled: boolean;
}

export const NEW: Draft = {
  name: "",
  kind: "threshold",
  metric: "cpu_percent",
  label: "",
  op: ">",
  threshold: "90",
  recover: "80",
  critical: "",
  for_s: 300,
  severity: "warning",
  scope: "all",
  tag: "",
  hosts: [],
  exclude: [],
  overrides: [],
  repeat_s: RULE_DEFAULTS.repeat_s,
  group_s: RULE_DEFAULTS.group_s,
  channels: null,
  enabled: true,
};

const text = (n: number | null) => n === null ? "" : String(n);

function draftOf(r: AlertRule | null): Draft {
  if (!r) return NEW;
  const s = r.scope;
  return {
    name: r.name,
    kind: r.kind,
    metric: r.metric ?? NEW.metric,
    label: Object.values(r.labels)[0] ?? "",
    op: r.op ?? ">",
    threshold: text(r.threshold),
    recover: text(r.recover),
    critical: text(r.critical),
    for_s: r.for_s,
    severity: r.severity,
    scope: "all" in s ? "all" : "tag" in s ? "tag" : "hosts",
    tag: "tag" in s ? s.tag : "",
    hosts: "hosts" in s ? s.hosts : [],
    exclude: r.exclude,
    overrides: Object.entries(r.overrides).map(([host, o]) => ({
      host,
      threshold: String(o.threshold),
      recover: String(o.recover),
    })),
    repeat_s: r.repeat_s,
    group_s: r.group_s,
    channels: r.channels,
    enabled: r.enabled,
  };
}

/** The label a kind and metric select on ("" when none). */
function labelOf(kind: RuleKind, metricName: string): string {
  if (kind === "collector_failing") return "collector";
  if (kind.startsWith("check_")) return "check";
  return kind === "threshold" || kind === "nodata" ? metric(metricName)?.label ?? "" : "";
}

/** A typed number: "" is none (null), anything else is what Number makes of it. */
const numberOf = (s: string) => s.trim() === "" ? null : Number(s);

/**
 * The rule as the API takes it. Every field is sent, those the kind has not
 * as null, so a PATCH that changes the kind leaves nothing of the old one.
 */
export function bodyOf(d: Draft): Record<string, unknown> {
  const threshold = d.kind === "threshold";
  // A check_slow or check_cert_expiring rule has a threshold and the kind's own comparison.
  const measured = d.kind === "check_slow" || d.kind === "check_cert_expiring";
  const label = labelOf(d.kind, d.metric);
  const overrides: Record<string, Partial<Override>> = {};
  if (threshold) {
    for (const o of d.overrides) {
      if (o.host) {
        overrides[o.host] = {
          threshold: numberOf(o.threshold) as number,
          recover: numberOf(o.recover) as number,
        };
      }
    }
  }
  return {
    name: d.name,
    kind: d.kind,
    metric: threshold || d.kind === "nodata" ? d.metric : null,
    labels: label && d.label.trim() ? { [label]: d.label.trim() } : {},
    op: threshold ? d.op : null,
    threshold: threshold || measured ? numberOf(d.threshold) ?? "" : null,
    recover: threshold ? numberOf(d.recover) : null,
    critical: threshold ? numberOf(d.critical) : null,
    // A check_down rule fires as the check is judged down: the check's rounds are its `for`.
    for_s: d.kind === "check_down" ? 0 : d.for_s,
    severity: d.severity,
    scope: d.scope === "all" ? { all: true } : d.scope === "tag" ? { tag: d.tag } : {
      hosts: d.hosts,
    },
    exclude: d.exclude,
    overrides,
    repeat_s: d.repeat_s,
    group_s: d.group_s,
    channels: d.channels,
    enabled: d.enabled,
  };
}

const UNITS: Array<[string, number]> = [["h", 3600], ["min", 60], ["s", 1]];

/** A duration in seconds, typed as a number and a unit. */
function DurationField(
  { label, hint, value, onChange, problem, id }: {
    label: string;
    hint?: string;
    value: number;
    onChange: (s: number) => void;
    problem: string | null;
    id: string;
  },
) {
  const [unit, setUnit] = useState(
    () => UNITS.find(([, f]) => value !== 0 && value % f === 0)?.[1] ?? 60,
  );
  const [typed, setTyped] = useState(String(value / unit));
  const emit = (t: string, u: number) => onChange(t.trim() === "" ? NaN : Number(t) * u);
  return (
    <div class="field">
      <label>
        {label} {hint && <small>{hint}</small>}
        <span class="joined">
          <input
            type="number"
            min={0}
            step="any"
            inputMode="decimal"
            value={typed}
            {...invalid(problem, id)}
            onInput={(e) => {
              const t = (e.target as HTMLInputElement).value;
              setTyped(t);
              emit(t, unit);
            }}
          />
          <select
            aria-label={`${label} unit`}
            value={unit}
            onChange={(e) => {
              const u = Number((e.target as HTMLSelectElement).value);
              setUnit(u);
              emit(typed, u);
            }}
          >
            {UNITS.map(([name, f]) => <option key={f} value={f}>{name}</option>)}
          </select>
        </span>
      </label>
      <FieldError id={id} problem={problem} />
    </div>
  );
}

export default function RuleEditor({ rule, hosts, channels, canEdit }: RuleEditorProps) {
  const [draft, setDraft] = useState(() => draftOf(rule));
  const [saved, setSaved] = useState(rule);
  const [touched, setTouched] = useState<Set<string>>(() => new Set(rule ? ["*"] : []));
  const [refused, setRefused] = useState<Refusal | null>(null);
  const [busy, setBusy] = useState(false);
  const live = useHydrated();
  const [status, setStatus] = useState("");
  const body = useMemo(() => bodyOf(draft), [draft]);
  const check = useMemo(() => checkRule(body), [body]);

  /** Changes fields; the fields named count as touched (their problems show from then on). */
  const set = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setTouched((t) => new Set([...t, ...Object.keys(patch)]));
    setRefused(null);
    setStatus("");
  };

  // What the hub refused, else what checkRule finds once its field was touched.
  const local: Refusal | null = check.ok ? null : {
    field: check.error.field,
    message: check.error.problem,
  };
  const top = local?.field.split(".")[0];
  const seen = top && (touched.has("*") || touched.has(top === "labels" ? "label" : top));
  const shown = refused ?? (seen ? local : null);
  const problem = (field: string) => problemOf(shown, field);
  const err = (field: string) => `rule-${field}-error`;

  const preview = usePreview(check.ok ? check.rule : null);
  const label = labelOf(draft.kind, draft.metric);
  const def = metric(draft.metric);
  const unit = def ? UNIT_TEXT[def.unit] : "";
  const hostNames = useMemo(() => Object.fromEntries(hosts.map((h) => [h.id, h.name])), [hosts]);

  const save = async (e: Event) => {
    e.preventDefault();
    if (!check.ok) {
      setTouched((t) => new Set([...t, "*"]));
      return;
    }
    setBusy(true);
    const sent = saved
      ? await send<AlertRule>("PATCH", `/api/v1/alert-rules/${saved.id}`, body)
      : await send<AlertRule>("POST", "/api/v1/alert-rules", body);
    setBusy(false);
    if (!sent.ok) {
      setRefused(sent.refusal);
      return;
    }
    if (!saved) {
      location.assign("/alerts/rules");
      return;
    }
    setSaved(sent.body);
    setStatus(`Saved: ${describeRule(sent.body)}`);
  };

  const numberField = (key: "threshold" | "recover" | "critical", name: string, hint?: string) => (
    <TextField
      label={unit ? `${name} (${unit})` : name}
      hint={hint}
      value={draft[key]}
      onInput={(v) => set({ [key]: v })}
      problem={problem(key)}
      id={err(key)}
      input={{ inputMode: "decimal" }}
    />
  );
  const pickField = <K extends "kind" | "op" | "severity">(
    key: K,
    name: string,
    options: ReadonlyArray<Draft[K]>,
    show: (o: Draft[K]) => string = String,
  ) => (
    <div class="field">
      <label>
        {name}
        <select
          value={draft[key]}
          {...invalid(problem(key), err(key))}
          onChange={(e) => set({ [key]: (e.target as HTMLSelectElement).value } as Partial<Draft>)}
        >
          {options.map((o) => <option key={o} value={o}>{show(o)}</option>)}
        </select>
      </label>
      <FieldError id={err(key)} problem={problem(key)} />
    </div>
  );
  const unplaced = shown && !KNOWN.some((f) => problemOf(shown, f)) ? shown.message : null;

  return (
    <div class="rule-editor">
      <form class="card" onSubmit={save} noValidate>
        <fieldset disabled={!canEdit || !live}>
          <legend class="visually-hidden">Rule</legend>
          <div class="grid">
            {pickField("kind", "Kind", RULE_KINDS, (k) => KIND_TEXT[k])}
            <TextField
              label="Name"
              value={draft.name}
              onInput={(name) => set({ name })}
              problem={problem("name")}
              id={err("name")}
              grow
              input={{ maxLength: 100 }}
            />
            {(draft.kind === "threshold" || draft.kind === "nodata") && (
              <div class="field wide">
                <label>
                  Metric
                  <select
                    value={draft.metric}
                    {...invalid(problem("metric"), err("metric"))}
                    onChange={(e) => {
                      const m = (e.target as HTMLSelectElement).value;
                      set({ metric: m, label: metric(m)?.label ? "*" : "" });
                    }}
                  >
                    {METRICS.map((m) => (
                      <option value={m.name}>
                        {m.title} ({m.name}
                        {UNIT_TEXT[m.unit] && `, ${UNIT_TEXT[m.unit]}`})
                      </option>
                    ))}
                  </select>
                </label>
                <FieldError id={err("metric")} problem={problem("metric")} />
              </div>
            )}
            {label && (
              <TextField
                label={label[0].toUpperCase() + label.slice(1)}
                hint="one value, or * for each apart"
                value={draft.label}
                onInput={(v) => set({ label: v })}
                problem={problem("labels")}
                id={err("labels")}
                input={{ maxLength: 200 }}
              />
            )}
            {draft.kind === "threshold" && (
              <>
                {pickField("op", "Fires when the value is", OPS)}
                {numberField("threshold", "Threshold")}
                {numberField("recover", "Resolves at", "empty: the threshold")}
                {numberField("critical", "Critical at", "optional second level")}
              </>
            )}
            {draft.kind === "check_slow" && numberField("threshold", "Slower than (ms)")}
            {draft.kind === "check_cert_expiring" &&
              numberField("threshold", "Fewer days left than")}
            {draft.kind !== "check_down" && (
              <DurationField
                label={draft.kind === "wal_dropping" ? "Resolves after" : "For"}
                hint={draft.kind === "wal_dropping" ? "without drops" : "held this long first"}
                value={draft.for_s}
                onChange={(for_s) => set({ for_s })}
                problem={problem("for_s")}
                id={err("for_s")}
              />
            )}
            {pickField("severity", "Severity", SEVERITIES)}
            <DurationField
              label="Remind every"
              hint="while firing; 0 for never"
              value={draft.repeat_s}
              onChange={(repeat_s) => set({ repeat_s })}
              problem={problem("repeat_s")}
              id={err("repeat_s")}
            />
            <DurationField
              label="Group within"
              hint="one notification for hosts that fire together"
              value={draft.group_s}
              onChange={(group_s) => set({ group_s })}
              problem={problem("group_s")}
              id={err("group_s")}
            />
          </div>
          <RuleHosts
            scope={draft.scope}
            tag={draft.tag}
            hosts={draft.hosts}
            exclude={draft.exclude}
            fleet={hosts}
            onChange={set}
            problem={problem}
          />
          {draft.kind === "threshold" && (
            <Overrides
              rows={draft.overrides}
              hosts={hosts}
              onChange={(overrides) => set({ overrides })}
              problem={problem("overrides")}
            />
          )}
          <Channels
            value={draft.channels}
            channels={channels}
            onChange={(c) => set({ channels: c })}
            problem={problem("channels")}
          />
          <CheckField checked={draft.enabled} onChange={(enabled) => set({ enabled })}>
            Enabled
          </CheckField>
        </fieldset>
        {canEdit && (
          <div class="actions">
            <button type="submit" class="primary" disabled={busy || !live}>
              {saved ? "Save rule" : "Add rule"}
            </button>
            <a class="button" href="/alerts/rules">Back to rules</a>
            {saved && (
              <a class="button danger" href={`/alerts/rules/${saved.id}/delete`}>Delete rule</a>
            )}
            {status && <p class="ok" role="status">{status}</p>}
            {unplaced && <p class="field-error" role="alert">{unplaced}</p>}
          </div>
        )}
      </form>
      <PreviewPanel preview={preview} hostNames={hostNames} rule={check.ok ? check.rule : null} />
    </div>
  );
}

/** The fields a refusal may name that the form shows beside a field: all it sends but one. */
const KNOWN = Object.keys(bodyOf(NEW)).filter((f) => f !== "enabled");

/** Per-host thresholds: a host, its threshold and its recovery level. */
function Overrides(
  { rows, hosts, onChange, problem }: {
    rows: Draft["overrides"];
    hosts: Named[];
    onChange: (rows: Draft["overrides"]) => void;
    problem: string | null;
  },
) {
  const edit = (i: number, patch: Partial<Draft["overrides"][number]>) =>
    onChange(rows.map((r, j) => j === i ? { ...r, ...patch } : r));
  return (
    <fieldset class="group">
      <legend>Per-host thresholds</legend>
      {rows.map((r, i) => (
        <div class="row">
          <label>
            Host
            <select
              value={r.host}
              onChange={(e) => edit(i, { host: (e.target as HTMLSelectElement).value })}
            >
              <option value="">choose…</option>
              {hosts.map((h) => <option key={h.id} value={h.id}>{h.name}</option>)}
            </select>
          </label>
          <label>
            Threshold
            <input
              inputMode="decimal"
              value={r.threshold}
              onInput={(e) => edit(i, { threshold: (e.target as HTMLInputElement).value })}
            />
          </label>
          <label>
            Resolves at
            <input
              inputMode="decimal"
              value={r.recover}
              onInput={(e) => edit(i, { recover: (e.target as HTMLInputElement).value })}
            />
          </label>
          <button type="button" onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            Remove
          </button>
        </div>
      ))}
      <FieldError id="rule-overrides-error" problem={problem} />
      <button
        type="button"
        onClick={() => onChange([...rows, { host: "", threshold: "", recover: "" }])}
      >
        Add a host's threshold
      </button>
    </fieldset>
  );
}

/** Every enabled channel, or those picked. */
function Channels(
  { value, channels, onChange, problem }: {
    value: string[] | null;
    channels: Named[] | null;
    onChange: (v: string[] | null) => void;
    problem: string | null;
  },
) {
  return (
    <fieldset class="group">
      <legend>Notify</legend>
      <label class="check">
        <input
          type="checkbox"
          checked={value === null}
          onChange={(e) => onChange((e.target as HTMLInputElement).checked ? null : [])}
        />
        Every enabled channel
      </label>
      {value !== null && channels === null && <p class="muted">{value.length} channel(s)</p>}
      {value !== null && channels?.length === 0 && <p class="muted">No channels yet.</p>}
      {value !== null &&
        channels?.map((c) => (
          <Tick key={c.id} list={value} item={c.id} onChange={onChange}>{c.name}</Tick>
        ))}
      <FieldError id="rule-channels-error" problem={problem} />
    </fieldset>
  );
}

type PreviewState =
  | { state: "idle" }
  | { state: "loading" }
  | { state: "done"; preview: Preview; for: string }
  | { state: "failed"; message: string };

/**
 * Asks the hub for the preview of `rule` once typing stops; the latest answer
 * wins. `stale` while the answer shown is of the rule as it was.
 */
function usePreview(rule: RuleInput | null): PreviewState & { stale: boolean } {
  const [got, setGot] = useState<PreviewState>({ state: "idle" });
  const key = rule ? JSON.stringify(rule) : "";
  useEffect(() => {
    if (!key) return;
    let current = true;
    const timer = setTimeout(async () => {
      setGot({ state: "loading" });
      const sent = await send<Preview>("POST", "/api/v1/alert-rules/preview", JSON.parse(key));
      if (!current) return;
      setGot(
        sent.ok
          ? { state: "done", preview: sent.body, for: key }
          : { state: "failed", message: sent.refusal.message },
      );
    }, 500);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [key]);
  return { ...got, stale: got.state === "done" && got.for !== key };
}

/** At most this many episodes are listed (the count is whole). */
const EPISODES_SHOWN = 50;

function PreviewPanel(
  { preview: p, hostNames, rule }: {
    preview: ReturnType<typeof usePreview>;
    hostNames: Record<string, string>;
    rule: RuleInput | null;
  },
) {
  return (
    <section
      class={`card preview${p.stale ? " stale" : ""}`}
      aria-labelledby="preview-title"
      aria-busy={p.state === "loading" || p.stale}
    >
      <h2 id="preview-title">Preview</h2>
      {rule && <p class="muted">{describeRule(rule)}</p>}
      {!rule && <p class="muted">Shown once the rule is complete.</p>}
      {rule && p.state !== "done" && p.state !== "failed" && (
        <p class="muted">Replaying the last day…</p>
      )}
      {rule && p.state === "failed" && <p class="error" role="alert">{p.message}</p>}
      {rule && p.state === "done" && (
        <PreviewResult p={p.preview} hostNames={hostNames} rule={rule} />
      )}
    </section>
  );
}

function PreviewResult(
  { p, hostNames, rule }: { p: Preview; hostNames: Record<string, string>; rule: RuleInput | null },
) {
  const firing = p.episodes.filter((e) => e.resolved_at === null).length;
  const noun = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;
  return (
    <>
      <h3>Watches now</h3>
      <p data-preview-hosts>
        {p.hosts.length
          ? `${noun(p.hosts.length, "host")}: ${p.hosts.map((h) => h.name).join(", ")}`
          : "No host: the scope matches none right now."}
      </p>
      <h3>The last day</h3>
      {rule?.kind !== "threshold"
        ? <p class="muted">The replay covers threshold rules; this kind is judged live only.</p>
        : (
          <>
            <p data-preview-summary>
              {p.episodes.length
                ? `Would have fired ${noun(p.episodes.length, "time")}${
                  firing ? `, ${firing} still firing` : ""
                }.`
                : "Would not have fired."}
              {p.replayed < p.hosts.length && ` (replayed the first ${p.replayed} hosts)`}
            </p>
            {p.episodes.length > 0 && (
              <StackTable columns={["Host", "Series", "Fired", "Resolved"]}>
                {p.episodes.slice(0, EPISODES_SHOWN).map((e) => (
                  <tr>
                    <th scope="row">{hostNames[e.host_id] ?? e.host_id}</th>
                    <td data-label="Series">
                      {Object.entries(e.labels).map(([k, v]) => `${k}=${v}`).join(", ") ||
                        "–"}
                    </td>
                    <td data-label="Fired">{when(e.fired_at)}</td>
                    <td data-label="Resolved">
                      {e.resolved_at ? when(e.resolved_at) : <strong>still firing</strong>}
                    </td>
                  </tr>
                ))}
              </StackTable>
            )}
            {p.episodes.length > EPISODES_SHOWN && (
              <p class="more">and {p.episodes.length - EPISODES_SHOWN} more</p>
            )}
          </>
        )}
    </>
  );
}
