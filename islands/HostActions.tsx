/**
 * A host's actions (issue 20), for admins: what the host's own action file
 * allows (asked of its agent when the section is opened, not on every view of
 * the host page: the question costs a round trip to the agent, and one that
 * cannot answer is an error in the browser's console), each with its typed
 * parameters; running one
 * asks for a confirmation naming the host and the action, signs a one-shot
 * grant with this browser's operator key (islands/operator_key.ts) and shows
 * what came back: the exit status, the output and how long it took, or why
 * the host refused.
 */
import { useEffect, useState } from "preact/hooks";
import type { Params } from "../lib/actions/grant.ts";
import type { ActionListAnswer } from "../hub/control/types.ts";
import { actionList, Confirm, type Outcome, OutcomeView, signAndRun } from "./action_kit.tsx";

export interface HostActionsProps {
  hostId: string;
  hostName: string;
}

type Action = ActionListAnswer["actions"][number];

function ParamField(
  { action, p, value, set }: {
    action: string;
    p: Action["params"][number];
    value: string;
    set: (v: string) => void;
  },
) {
  const id = `param-${action}-${p.name}`;
  const onInput = (e: Event) => set((e.target as HTMLInputElement).value);
  return (
    <label for={id}>
      {p.name} {p.type === "enum"
        ? (
          <select id={id} value={value} onChange={onInput}>
            <option value="">choose…</option>
            {p.values!.map((v) => <option key={v} value={v}>{v}</option>)}
          </select>
        )
        : (
          <input
            id={id}
            value={value}
            onInput={onInput}
            inputMode={p.type === "int" ? "numeric" : undefined}
            placeholder={p.type === "int" ? `${p.min} to ${p.max}` : p.pattern}
          />
        )}
    </label>
  );
}

export default function HostActions(props: HostActionsProps) {
  const [open, setOpen] = useState(false);
  return (
    <details
      class="host-actions-box"
      onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}
    >
      <summary>What this host allows</summary>
      {open && <ActionsOf {...props} />}
    </details>
  );
}

function ActionsOf({ hostId, hostName }: HostActionsProps) {
  const [list, setList] = useState<ActionListAnswer | null>(null);
  const [error, setError] = useState("");
  const [values, setValues] = useState<Record<string, Params>>({});
  const [asking, setAsking] = useState<string | null>(null);
  const [outcomes, setOutcomes] = useState<Record<string, Outcome>>({});
  useEffect(() => {
    actionList(hostId).then((r) => typeof r === "string" ? setError(r) : setList(r));
  }, [hostId]);

  const run = async (a: Action) => {
    setAsking(null);
    setOutcomes((o) => ({ ...o, [a.name]: { state: "running" } }));
    const outcome = await signAndRun(hostId, a.name, values[a.name] ?? {});
    setOutcomes((o) => ({ ...o, [a.name]: outcome }));
  };

  if (error) return <p class="muted">Actions: {error}</p>;
  if (!list) return <p class="muted">Asking the host which actions it allows…</p>;
  // A refused action file offers nothing; a refused key file may leave actions that no grant can run.
  const problem = list.problem && (
    <p class="field-error" role="alert">The host refused its own files: {list.problem}</p>
  );
  if (list.actions.length === 0 && problem) return problem;
  if (list.actions.length === 0) {
    return (
      <p class="muted">
        This host allows no actions (its agent found no action file; see the README, "Actions").
      </p>
    );
  }
  return (
    <div class="host-actions">
      {problem}
      {list.operator_keys.length === 0 && (
        <p class="field-error">
          No operator key is pinned on this host: it will refuse every grant.
        </p>
      )}
      <ul class="action-list">
        {list.actions.map((a) => {
          const params = values[a.name] ?? {};
          const outcome = outcomes[a.name];
          return (
            <li key={a.name} data-action={a.name}>
              <div class="row">
                <strong>{a.name}</strong> <span class="muted">{a.description}</span>
              </div>
              <div class="row">
                {a.params.map((p) => (
                  <ParamField
                    key={p.name}
                    action={a.name}
                    p={p}
                    value={params[p.name] ?? ""}
                    set={(v) =>
                      setValues((all) => ({ ...all, [a.name]: { ...params, [p.name]: v } }))}
                  />
                ))}
                <button
                  type="button"
                  disabled={outcome?.state === "running"}
                  onClick={() => setAsking(a.name)}
                >
                  Run…
                </button>
              </div>
              {asking === a.name && (
                <Confirm
                  action={a.name}
                  params={params}
                  hostName={hostName}
                  onRun={() => run(a)}
                  onCancel={() => setAsking(null)}
                />
              )}
              <OutcomeView outcome={outcome} />
            </li>
          );
        })}
      </ul>
    </div>
  );
}
