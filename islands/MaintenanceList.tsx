/**
 * Weekly maintenance windows: what each matches, on which days, from when
 * on local clocks of its time zone, for how long, and whether it is open
 * now; for admins a form to add one (the time zone defaulting to the
 * browser's) and delete.
 */
import { useEffect, useState } from "preact/hooks";
import type { MaintenanceWindow } from "../hub/store/alerts/types.ts";
import { describeMatch } from "../lib/alerts/rule_text.ts";
import { duration } from "../lib/alerts/view.ts";
import {
  DeleteButton,
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
  Tick,
} from "./alerting_kit.tsx";
import { LiveGate } from "./hydrated.tsx";

/** A window as the API shows it: its local start as "HH:MM", and whether it is open now. */
export type WindowJson = Omit<MaintenanceWindow, "start_minute" | "created_at"> & {
  start: string;
  open_now: boolean;
};

export interface MaintenanceListProps {
  windows: WindowJson[];
  rules: Named[];
  hosts: Named[];
  canEdit: boolean;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
/** Monday first, as a week is read. */
const WEEK = [1, 2, 3, 4, 5, 6, 0];

export default function MaintenanceList(props: MaintenanceListProps) {
  const [windows, setWindows] = useState(props.windows);
  const [error, setError] = useState("");
  const ruleNames = namesOf(props.rules);
  const hostNames = namesOf(props.hosts);

  const remove = async (w: WindowJson) => {
    const sent = await send("DELETE", `/api/v1/maintenance-windows/${w.id}`);
    if (!sent.ok) return setError(sent.refusal.message);
    setError("");
    setWindows((ws) => ws.filter((x) => x.id !== w.id));
  };

  return (
    <>
      {props.canEdit && (
        <AddWindow
          rules={props.rules}
          hosts={props.hosts}
          onAdded={(w) => setWindows((ws) => [...ws, w])}
        />
      )}
      {error && <p class="error" role="alert">{error}</p>}
      {windows.length
        ? (
          <StackTable
            columns={["Window", "Matches", "When", "Time zone", "Now"]}
            actions={props.canEdit}
          >
            {windows.map((w) => (
              <tr key={w.id}>
                <th scope="row">{w.name}</th>
                <td data-label="Matches">{describeMatch(w, ruleNames, hostNames)}</td>
                <td data-label="When">
                  {WEEK.filter((d) => w.days.includes(d)).map((d) => DAYS[d]).join(", ")}{" "}
                  {w.start}, for {duration(w.duration_min * 60_000)}
                </td>
                <td data-label="Time zone">{w.time_zone}</td>
                <td data-label="Now">
                  {w.open_now
                    ? <span class="badge pending">open</span>
                    : <span class="muted">closed</span>}
                </td>
                {props.canEdit && (
                  <td>
                    <DeleteButton
                      name={w.name}
                      onDelete={() => remove(w)}
                    />
                  </td>
                )}
              </tr>
            ))}
          </StackTable>
        )
        : <p class="empty">No maintenance windows.</p>}
    </>
  );
}

/** Every time zone this browser knows, with `tz` among them. */
function zones(tz: string): string[] {
  const all = Intl.supportedValuesOf("timeZone");
  return all.includes(tz) ? all : [tz, ...all];
}

function AddWindow(
  { rules, hosts, onAdded }: {
    rules: Named[];
    hosts: Named[];
    onAdded: (w: WindowJson) => void;
  },
) {
  const [name, setName] = useState("");
  const [match, setMatch] = useState(NO_MATCH);
  const [days, setDays] = useState<number[]>([0]);
  const [start, setStart] = useState("02:00");
  const [length, setLength] = useState("2");
  const [unit, setUnit] = useState(60);
  // The server renders its own zone; the browser's replaces it once running.
  const [tz, setTz] = useState("UTC");
  useEffect(() => setTz(Intl.DateTimeFormat().resolvedOptions().timeZone), []);
  const [refused, setRefused] = useState<Refusal | null>(null);
  const [busy, setBusy] = useState(false);
  const changed = <T,>(set: (v: T) => void) => (v: T) => (set(v), setRefused(null));

  const add = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const sent = await send<WindowJson>("POST", "/api/v1/maintenance-windows", {
      name,
      ...matchBody(match),
      days,
      start,
      duration_min: length.trim() === "" ? null : Math.round(Number(length) * unit),
      time_zone: tz,
    });
    setBusy(false);
    if (!sent.ok) return setRefused(sent.refusal);
    setRefused(null);
    setName("");
    onAdded(sent.body);
  };
  const p = (f: string) => problemOf(refused, f);
  const other = refused &&
      !["name", "rule_id", "host_id", "tag", "days", "start", "duration_min", "time_zone"]
        .some((f) => p(f))
    ? refused.message
    : null;
  return (
    <form class="card row" onSubmit={add} noValidate>
      <LiveGate>
        <h2 class="full">Add a window</h2>
        <TextField
          label="Name"
          value={name}
          onInput={changed(setName)}
          problem={p("name")}
          id="window-name-error"
          grow
          input={{ maxLength: 200 }}
        />
        <MatchFields
          value={match}
          onChange={changed(setMatch)}
          rules={rules}
          hosts={hosts}
          refusal={refused}
          prefix="window"
        />
        <fieldset class="days full" {...invalid(p("days"), "window-days-error")}>
          <legend>Days</legend>
          {WEEK.map((d) => (
            <Tick key={d} list={days} item={d} onChange={changed(setDays)}>{DAYS[d]}</Tick>
          ))}
          <FieldError id="window-days-error" problem={p("days")} />
        </fieldset>
        <TextField
          label="Starts"
          hint="local time"
          value={start}
          onInput={changed(setStart)}
          problem={p("start")}
          id="window-start-error"
          input={{ type: "time" }}
        />
        <div class="field">
          <label>
            Lasts
            <span class="joined">
              <input
                type="number"
                min={1}
                step="any"
                value={length}
                {...invalid(p("duration_min"), "window-duration-error")}
                onInput={(e) => changed(setLength)((e.target as HTMLInputElement).value)}
              />
              <select
                aria-label="Lasts unit"
                value={unit}
                onChange={(e) => setUnit(Number((e.target as HTMLSelectElement).value))}
              >
                <option value={60}>h</option>
                <option value={1}>min</option>
              </select>
            </span>
          </label>
          <FieldError id="window-duration-error" problem={p("duration_min")} />
        </div>
        <div class="field">
          <label>
            Time zone
            <select
              value={tz}
              {...invalid(p("time_zone"), "window-tz-error")}
              onChange={(e) => changed(setTz)((e.target as HTMLSelectElement).value)}
            >
              {zones(tz).map((z) => <option key={z} value={z}>{z}</option>)}
            </select>
          </label>
          <FieldError id="window-tz-error" problem={p("time_zone")} />
        </div>
        <button type="submit" class="primary" disabled={busy}>Add window</button>
        {other && <p class="field-error" role="alert">{other}</p>}
      </LiveGate>
    </form>
  );
}
