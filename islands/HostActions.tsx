/**
 * A host's actions (issue 20), for admins: what the host's own action file
 * allows (asked of its agent), each with its typed parameters; running one
 * asks for a confirmation naming the host and the action, signs a one-shot
 * grant with this browser's operator key (islands/operator_key.ts) and shows
 * what came back: the exit status, the output and how long it took, or why
 * the host refused.
 */
import { useEffect, useState } from "preact/hooks";
import { type Params, signGrant } from "../lib/actions/grant.ts";
import type { ActionListAnswer, ActionResultAnswer } from "../hub/control/types.ts";
import { send } from "./alerting_kit.tsx";
import { loadKey } from "./operator_key.ts";

export interface HostActionsProps {
  hostId: string;
  hostName: string;
}

type Action = ActionListAnswer["actions"][number];

/** What the island shows of one run. */
type Outcome =
  | { state: "running" }
  | { state: "done"; result: Extract<ActionResultAnswer, { exit_code: number }> }
  | { state: "refused"; message: string };

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

export default function HostActions({ hostId, hostName }: HostActionsProps) {
  const [list, setList] = useState<ActionListAnswer | null>(null);
  const [error, setError] = useState("");
  const [values, setValues] = useState<Record<string, Params>>({});
  const [asking, setAsking] = useState<string | null>(null);
  const [outcomes, setOutcomes] = useState<Record<string, Outcome>>({});
  const base = `/api/v1/hosts/${encodeURIComponent(hostId)}/actions`;

  useEffect(() => {
    send<ActionListAnswer>("GET", base).then((r) =>
      r.ok ? setList(r.body) : setError(r.refusal.message)
    );
  }, [hostId]);

  const run = async (a: Action) => {
    setAsking(null);
    setOutcomes((o) => ({ ...o, [a.name]: { state: "running" } }));
    const refused = (message: string) =>
      setOutcomes((o) => ({ ...o, [a.name]: { state: "refused", message } }));
    const key = await loadKey().catch(() => null);
    if (!key) {
      refused("This browser holds no operator key: make one in Settings → Operator key.");
      return;
    }
    const params = values[a.name] ?? {};
    const grant = await signGrant(key.privateKey, { agent: hostId, action: a.name, params });
    const r = await send<ActionResultAnswer>("POST", base, { action: a.name, params, ...grant });
    if (!r.ok) return refused(r.refusal.message);
    if ("refused" in r.body) return refused(r.body.refused);
    setOutcomes((o) => ({ ...o, [a.name]: { state: "done", result: r.body as never } }));
  };

  if (error) return <p class="muted">Actions: {error}</p>;
  if (!list) return <p class="muted">Asking the host which actions it allows…</p>;
  if (list.problem) {
    return <p class="field-error" role="alert">The host offers no actions: {list.problem}</p>;
  }
  if (list.actions.length === 0) {
    return (
      <p class="muted">
        This host allows no actions (its agent found no action file; see the README, "Actions").
      </p>
    );
  }
  return (
    <div class="host-actions">
      {list.operator_keys.length === 0 && (
        <p class="field-error">
          No operator key is pinned on this host: it will refuse every grant.
        </p>
      )}
      <ul class="action-list">
        {list.actions.map((a) => {
          const params = values[a.name] ?? {};
          const outcome = outcomes[a.name];
          const shown = Object.entries(params).map(([k, v]) => `${k}=${v}`).join(", ");
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
                <div class="confirm card" role="alertdialog" aria-label="Confirm the action">
                  <p>
                    Run <strong>{a.name}</strong>
                    {shown ? ` (${shown})` : ""} on host{" "}
                    <strong>{hostName}</strong>? This browser signs a grant for this one run.
                  </p>
                  <div class="row">
                    <button
                      type="button"
                      class="primary"
                      onClick={() =>
                        run(a)}
                    >
                      Sign and run on {hostName}
                    </button>
                    <button
                      type="button"
                      onClick={() =>
                        setAsking(null)}
                    >
                      Cancel
                    </button>
                  </div>
                </div>
              )}
              {outcome?.state === "running" && <p class="muted" role="status">Running…</p>}
              {outcome?.state === "refused" && (
                <p class="field-error" role="alert" data-testid="action-refused">
                  Refused: {outcome.message}
                </p>
              )}
              {outcome?.state === "done" && (
                <div class="action-result" role="status" data-testid="action-result">
                  <p>
                    Exit status <strong>{outcome.result.exit_code}</strong> in{" "}
                    {Math.round(outcome.result.duration_ms)} ms
                    {outcome.result.output_truncated ? " (output cut at 64 KiB)" : ""}
                  </p>
                  {outcome.result.output && <pre>{outcome.result.output}</pre>}
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
