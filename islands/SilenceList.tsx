/**
 * Silences: those running (what they match, until when, why, by whom), for
 * admins a form to add one (by rule, host and/or tag; for a while or until
 * a time) and "End now"; the last few ended below.
 */
import { useState } from "preact/hooks";
import type { Silence } from "../hub/store/alerts/types.ts";
import { describeMatch } from "../lib/alerts/rule_text.ts";
import { duration } from "../lib/alerts/view.ts";
import { useNow } from "./clock.ts";
import {
  FieldError,
  invalid,
  matchBody,
  MatchFields,
  type Named,
  namesOf,
  NO_MATCH,
  problemOf,
  type Refusal,
  send,
  StackTable,
  TextField,
  when,
} from "./alerting_kit.tsx";
import { LiveGate } from "./hydrated.tsx";

export interface SilenceListProps {
  /** Running or yet to start, soonest ending first. */
  running: Silence[];
  /** The last few ended, latest first. */
  ended: Silence[];
  rules: Named[];
  hosts: Named[];
  canEdit: boolean;
}

/** How many ended silences stay listed. */
export const ENDED_SHOWN = 10;

const FOR: Array<[string, number]> = [
  ["1 hour", 3600],
  ["4 hours", 4 * 3600],
  ["1 day", 86_400],
  ["1 week", 7 * 86_400],
];

/** The API's silence (ISO times) as the store's (ms). */
type SilenceJson = Omit<Silence, "starts_at" | "ends_at" | "created_at"> & {
  starts_at: string;
  ends_at: string;
  created_at: string;
};
const fromJson = (s: SilenceJson): Silence => ({
  ...s,
  starts_at: Date.parse(s.starts_at),
  ends_at: Date.parse(s.ends_at),
  created_at: Date.parse(s.created_at),
});

export default function SilenceList(props: SilenceListProps) {
  const [running, setRunning] = useState(props.running);
  const [ended, setEnded] = useState(props.ended);
  const [error, setError] = useState("");
  useNow(30_000); // "1 h left" moves on
  const now = Date.now();
  const ruleNames = namesOf(props.rules);
  const hostNames = namesOf(props.hosts);

  const end = async (s: Silence) => {
    const sent = await send("DELETE", `/api/v1/silences/${s.id}`);
    if (!sent.ok) return setError(sent.refusal.message);
    setError("");
    setRunning((r) => r.filter((x) => x.id !== s.id));
    setEnded((e) => [{ ...s, ends_at: Date.now() }, ...e].slice(0, ENDED_SHOWN));
  };

  const table = (list: Silence[], live: boolean) => (
    <StackTable
      columns={["Matches", live ? "Until" : "Ended", "Reason", "By"]}
      actions={live && props.canEdit}
    >
      {list.map((s) => (
        <tr key={s.id}>
          <th scope="row">{describeMatch(s, ruleNames, hostNames)}</th>
          <td data-label={live ? "Until" : "Ended"}>
            {when(s.ends_at)}
            {live && (
              <small>
                {s.starts_at > now
                  ? `starts ${when(s.starts_at)}`
                  : `${duration(s.ends_at - now)} left`}
              </small>
            )}
          </td>
          <td data-label="Reason">{s.reason}</td>
          <td data-label="By">{s.created_by}</td>
          {live && props.canEdit && (
            <td>
              <button type="button" onClick={() => end(s)}>
                End now<span class="visually-hidden">: {s.reason}</span>
              </button>
            </td>
          )}
        </tr>
      ))}
    </StackTable>
  );

  return (
    <>
      {props.canEdit && (
        <AddSilence
          rules={props.rules}
          hosts={props.hosts}
          onAdded={(s) => setRunning((r) => [...r, s].sort((a, b) => a.ends_at - b.ends_at))}
        />
      )}
      <section>
        <h2>Running</h2>
        {error && <p class="error" role="alert">{error}</p>}
        {running.length
          ? table(running, true)
          : <p class="empty">No silence is running: every notification goes out.</p>}
      </section>
      {ended.length > 0 && (
        <section>
          <h2>Ended</h2>
          {table(ended, false)}
        </section>
      )}
    </>
  );
}

function AddSilence(
  { rules, hosts, onAdded }: { rules: Named[]; hosts: Named[]; onAdded: (s: Silence) => void },
) {
  const [match, setMatch] = useState(NO_MATCH);
  const [mode, setMode] = useState<"for" | "until">("for");
  const [forS, setForS] = useState(3600);
  const [until, setUntil] = useState("");
  const [reason, setReason] = useState("");
  const [refused, setRefused] = useState<Refusal | null>(null);
  const [busy, setBusy] = useState(false);

  const add = async (e: Event) => {
    e.preventDefault();
    const ends = mode === "until" ? Date.parse(until) : NaN;
    if (mode === "until" && !Number.isFinite(ends)) {
      return setRefused({ field: "ends_at", message: "Pick the date and time it ends" });
    }
    setBusy(true);
    const sent = await send<SilenceJson>("POST", "/api/v1/silences", {
      ...matchBody(match),
      // A datetime-local value is on the browser's clock, as Date.parse reads it.
      ...(mode === "for" ? { duration_s: forS } : { ends_at: new Date(ends).toISOString() }),
      reason,
    });
    setBusy(false);
    if (!sent.ok) return setRefused(sent.refusal);
    setRefused(null);
    setReason("");
    onAdded(fromJson(sent.body));
  };
  const endsProblem = problemOf(refused, "ends_at");
  const reasonProblem = problemOf(refused, "reason");
  const other = refused && !["rule_id", "host_id", "tag", "ends_at", "reason"]
      .some((f) => problemOf(refused, f))
    ? refused.message
    : null;
  return (
    <form class="card row" onSubmit={add} noValidate>
      <LiveGate>
        <h2 class="full">Add a silence</h2>
        <MatchFields
          value={match}
          onChange={(m) => (setMatch(m), setRefused(null))}
          rules={rules}
          hosts={hosts}
          refusal={refused}
          prefix="silence"
        />
        <label>
          Lasts
          <select
            value={mode === "for" ? String(forS) : "until"}
            onChange={(e) => {
              const v = (e.target as HTMLSelectElement).value;
              if (v === "until") setMode("until");
              else (setMode("for"), setForS(Number(v)));
            }}
          >
            {FOR.map(([text, s]) => <option key={s} value={String(s)}>for {text}</option>)}
            <option value="until">until…</option>
          </select>
        </label>
        {mode === "until" && (
          <label>
            Ends
            <input
              type="datetime-local"
              value={until}
              {...invalid(endsProblem, "silence-ends-error")}
              onInput={(e) => (setUntil((e.target as HTMLInputElement).value), setRefused(null))}
            />
          </label>
        )}
        <TextField
          label="Reason"
          value={reason}
          onInput={(v) => (setReason(v), setRefused(null))}
          problem={reasonProblem}
          id="silence-reason-error"
          grow
          input={{ maxLength: 200 }}
        />
        <button type="submit" class="primary" disabled={busy}>Add silence</button>
        <FieldError id="silence-ends-error" problem={endsProblem} />
        {other && <p class="field-error" role="alert">{other}</p>}
      </LiveGate>
    </form>
  );
}
