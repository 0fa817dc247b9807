/**
 * What the rules, silences, maintenance and channels islands share: a REST
 * call that turns a refusal into the field it names, a refusal shown beside
 * its field, a time on the browser's clock, a delete that asks first, and
 * the rule / host / tag fields a silence or a window matches by.
 */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";

/** Something picked by id and shown by name (a rule, a host, a channel). */
export interface Named {
  id: string;
  name: string;
}

/** A change refused by the hub: its sentence, and the field it names when it names one. */
export interface Refusal {
  field: string;
  message: string;
}

export type Sent<T> = { ok: true; body: T } | { ok: false; refusal: Refusal };

/**
 * One call to the REST API with the session cookie. A refusal keeps the
 * field the hub named ("" when it named none, or the hub could not be reached).
 */
export async function send<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
): Promise<Sent<T>> {
  try {
    const res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    if (res.ok) return { ok: true, body: json as T };
    const e = json?.error;
    return {
      ok: false,
      refusal: {
        field: typeof e?.field === "string" ? e.field : "",
        message: e?.message ?? `Refused (HTTP ${res.status})`,
      },
    };
  } catch {
    return {
      ok: false,
      refusal: { field: "", message: "The hub cannot be reached. Nothing was changed; try again." },
    };
  }
}

/** The refusal's sentence when it names `field` (or a part of it: `scope` for `scope.hosts`). */
export function problemOf(refusal: Refusal | null, field: string): string | null {
  if (!refusal) return null;
  const f = refusal.field;
  return f === field || f.startsWith(`${field}.`) ? refusal.message : null;
}

/** A refusal beside its field; `id` is what the field's aria-describedby points at. */
export function FieldError({ id, problem }: { id: string; problem: string | null }) {
  return problem ? <p id={id} class="field-error" role="alert">{problem}</p> : null;
}

/** Attributes marking a field refused, pointing at its error. */
export function invalid(problem: string | null, errorId: string) {
  return problem ? { "aria-invalid": "true" as const, "aria-describedby": errorId } : {};
}

/** A moment on the browser's clock ("2 Dec 2026, 14:05"), the server's on the first render. */
export function when(at: string | number): string {
  return new Date(at).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}

/** A delete that asks first: the button becomes "Delete NAME?" with a way back. */
export function DeleteButton(
  { name, onDelete }: { name: string; onDelete: () => Promise<void> },
) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!asking) {
    return (
      <button type="button" class="danger" onClick={() => setAsking(true)}>
        Delete<span class="visually-hidden">{name}</span>
      </button>
    );
  }
  return (
    <span class="ask">
      <button
        type="button"
        class="danger"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          await onDelete();
          setBusy(false);
          setAsking(false);
        }}
      >
        Delete {name}?
      </button>
      <button type="button" onClick={() => setAsking(false)}>Cancel</button>
    </span>
  );
}

/** What a silence or a window matches by, as the form holds it ("" for any). */
export interface MatchDraft {
  rule_id: string;
  host_id: string;
  tag: string;
}

export const NO_MATCH: MatchDraft = { rule_id: "", host_id: "", tag: "" };

/** The rule, host and tag fields; each left at "any" matches everything. */
export function MatchFields(
  { value, onChange, rules, hosts, refusal, prefix }: {
    value: MatchDraft;
    onChange: (m: MatchDraft) => void;
    rules: Named[];
    hosts: Named[];
    refusal: Refusal | null;
    /** Tells this form's error ids from another's. */
    prefix: string;
  },
) {
  const field = (key: keyof MatchDraft, label: string, options: Named[]) => {
    const problem = problemOf(refusal, key);
    return (
      <div class="field">
        <label>
          {label}
          <select
            value={value[key]}
            {...invalid(problem, `${prefix}-${key}-error`)}
            onChange={(e) => onChange({ ...value, [key]: (e.target as HTMLSelectElement).value })}
          >
            <option value="">any</option>
            {options.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
          </select>
        </label>
        <FieldError id={`${prefix}-${key}-error`} problem={problem} />
      </div>
    );
  };
  return (
    <>
      {field("rule_id", "Rule", rules)}
      {field("host_id", "Host", hosts)}
      <TextField
        label="Tag"
        value={value.tag}
        onInput={(tag) => onChange({ ...value, tag })}
        problem={problemOf(refusal, "tag")}
        id={`${prefix}-tag-error`}
        input={{ maxLength: 64, placeholder: "any" }}
      />
    </>
  );
}

/** A match as the API takes it: what is left at "any" is not sent. */
export function matchBody(m: MatchDraft): Record<string, string> {
  const out: Record<string, string> = {};
  if (m.rule_id) out.rule_id = m.rule_id;
  if (m.host_id) out.host_id = m.host_id;
  if (m.tag.trim()) out.tag = m.tag.trim();
  return out;
}

/** id → name, for describing matches and scopes. */
export function namesOf(list: Named[]): Record<string, string> {
  return Object.fromEntries(list.map((x) => [x.id, x.name]));
}

/** A table that reads as cards on a phone: the column titles, then the rows given. */
export function StackTable(
  { columns, actions, name, children }: {
    columns: string[];
    /** A last column of buttons, titled for screen readers only. */
    actions?: boolean;
    /** A class of its own, for styles of one table. */
    name?: string;
    children: ComponentChildren;
  },
) {
  return (
    <div class="table-wrap">
      <table class={name ? `${name} stack` : "stack"}>
        <thead>
          <tr>
            {columns.map((c) => <th key={c} scope="col">{c}</th>)}
            {actions && (
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** A text field with its label, an optional hint, and the refusal that names it beside it. */
export function TextField(
  { label, hint, value, onInput, problem, id, grow, input = {} }: {
    label: ComponentChildren;
    hint?: string;
    value: string;
    onInput: (value: string) => void;
    problem: string | null;
    /** The error's id. */
    id: string;
    /** Takes the room left in its row. */
    grow?: boolean;
    /** More attributes of the input: type, maxLength, placeholder… */
    input?: Record<string, string | number>;
  },
) {
  return (
    <div class={grow ? "field grow" : "field"}>
      <label>
        <span>{label}</span>
        {hint && <small>{hint}</small>}
        <input
          {...input}
          value={value}
          {...invalid(problem, id)}
          onInput={(e) => onInput((e.target as HTMLInputElement).value)}
        />
      </label>
      <FieldError id={id} problem={problem} />
    </div>
  );
}

/** A checkbox that puts `item` in `list` or takes it out. */
export function Tick<T>(
  { list, item, onChange, children }: {
    list: T[];
    item: T;
    onChange: (list: T[]) => void;
    children: ComponentChildren;
  },
) {
  return (
    <label class="check">
      <input
        type="checkbox"
        checked={list.includes(item)}
        onChange={(e) =>
          onChange(
            (e.target as HTMLInputElement).checked
              ? [...list, item]
              : list.filter((x) => x !== item),
          )}
      />
      {children}
    </label>
  );
}

/** A checkbox with its label beside it (a rule's or a channel's "Enabled"). */
export function CheckField(
  { checked, onChange, children }: {
    checked: boolean;
    onChange: (checked: boolean) => void;
    children: ComponentChildren;
  },
) {
  return (
    <label class="check">
      <input
        type="checkbox"
        checked={checked}
        onChange={(e) => onChange((e.target as HTMLInputElement).checked)}
      />
      {children}
    </label>
  );
}

/** A field's label, its hint, the control given, and the refusal that names it beside it. */
export function Labelled(
  { label, hint, problem, id, wide, children }: {
    label: ComponentChildren;
    hint?: string;
    problem: string | null;
    /** The error's id. */
    id: string;
    /** Takes the whole row. */
    wide?: boolean;
    children: ComponentChildren;
  },
) {
  return (
    <div class={wide ? "field wide" : "field"}>
      <label>
        <span>{label}</span>
        {hint && <small>{hint}</small>}
        {children}
      </label>
      <FieldError id={id} problem={problem} />
    </div>
  );
}
