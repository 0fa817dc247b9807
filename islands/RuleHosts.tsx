/**
 * The rule editor's "which hosts" part: every host, hosts with a tag, or
 * hosts picked from the fleet; and hosts the rule leaves alone. A long fleet
 * is filtered by typing, so the lists stay short.
 */
import { useState } from "preact/hooks";
import { FieldError, invalid, Tick } from "./alerting_kit.tsx";
import type { PickHost } from "./RuleEditor.tsx";

type Scope = "all" | "tag" | "hosts";
type Patch = { scope?: Scope; tag?: string; hosts?: string[]; exclude?: string[] };

/** At most this many hosts are listed for picking; typing narrows the rest down. */
const LISTED = 50;

export default function RuleHosts(
  { scope, tag, hosts, exclude, fleet, onChange, problem }: {
    scope: Scope;
    tag: string;
    hosts: string[];
    exclude: string[];
    fleet: PickHost[];
    onChange: (p: Patch) => void;
    problem: (field: string) => string | null;
  },
) {
  const scopeProblem = problem("scope");
  return (
    <fieldset class="group">
      <legend>Hosts</legend>
      <div class="choices" role="radiogroup" aria-label="Scope">
        {([["all", "Every host"], ["tag", "Hosts with a tag"], ["hosts", "Hosts picked"]] as const)
          .map(([value, text]) => (
            <label class="check">
              <input
                type="radio"
                name="scope"
                checked={scope === value}
                onChange={() => onChange({ scope: value })}
              />
              {text}
            </label>
          ))}
      </div>
      {scope === "tag" && (
        <label>
          Tag
          <input
            value={tag}
            maxLength={64}
            {...invalid(scopeProblem, "rule-scope-error")}
            onInput={(e) => onChange({ scope, tag: (e.target as HTMLInputElement).value })}
          />
        </label>
      )}
      {scope === "hosts" && (
        <HostPicker
          label="Watched hosts"
          fleet={fleet}
          picked={hosts}
          onChange={(ids) => onChange({ scope, hosts: ids })}
        />
      )}
      <FieldError id="rule-scope-error" problem={scopeProblem} />
      {scope !== "hosts" && (
        <HostPicker
          label="Except"
          fleet={fleet}
          picked={exclude}
          onChange={(ids) => onChange({ exclude: ids })}
        />
      )}
      <FieldError id="rule-exclude-error" problem={problem("exclude")} />
    </fieldset>
  );
}

/** Hosts to tick, the ticked ones first; a filter once the fleet is long. */
function HostPicker(
  { label, fleet, picked, onChange }: {
    label: string;
    fleet: PickHost[];
    picked: string[];
    onChange: (ids: string[]) => void;
  },
) {
  const [filter, setFilter] = useState("");
  const q = filter.trim().toLowerCase();
  const shown = fleet
    .filter((h) =>
      picked.includes(h.id) || !q || h.name.toLowerCase().includes(q) ||
      h.tags.some((t) => t.includes(q))
    )
    .sort((a, b) => Number(picked.includes(b.id)) - Number(picked.includes(a.id)));
  return (
    <div class="host-picker" role="group" aria-label={label}>
      <span class="picker-title">
        {label} <small>({picked.length} picked)</small>
      </span>
      {fleet.length > 8 && (
        <input
          type="search"
          placeholder="Filter hosts"
          aria-label={`${label}: filter hosts`}
          value={filter}
          onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
        />
      )}
      <div class="picks">
        {shown.slice(0, LISTED).map((h) => (
          <Tick key={h.id} list={picked} item={h.id} onChange={onChange}>
            {h.name}
            {h.tags.map((t) => <span key={t} class="tag">{t}</span>)}
          </Tick>
        ))}
        {!fleet.length && <span class="muted">No hosts yet.</span>}
        {shown.length > LISTED && <span class="muted">{shown.length - LISTED} more: filter</span>}
      </div>
    </div>
  );
}
