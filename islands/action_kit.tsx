/**
 * What the host's Actions section and the Containers tab share (issue 20):
 * the host's allowed actions as its agent lists them, one run signed in this
 * browser (a grant for this host, this action and these parameters, with the
 * operator key in IndexedDB) and relayed by the hub, and what came of it.
 */
import { type Params, signGrant } from "../lib/actions/grant.ts";
import type { ActionListAnswer, ActionResultAnswer } from "../hub/control/types.ts";
import { send } from "./alerting_kit.tsx";
import { loadKey } from "./operator_key.ts";

/** What the island shows of one run. */
export type Outcome =
  | { state: "running" }
  | { state: "done"; result: Extract<ActionResultAnswer, { exit_code: number }> }
  | { state: "refused"; message: string };

const path = (hostId: string) => `/api/v1/hosts/${encodeURIComponent(hostId)}/actions`;

/** The host's actions, or why they cannot be had (the agent is offline, …). */
export async function actionList(hostId: string): Promise<ActionListAnswer | string> {
  const r = await send<ActionListAnswer>("GET", path(hostId));
  return r.ok ? r.body : r.refusal.message;
}

/** Signs a grant for one run and relays it; what came back. */
export async function signAndRun(hostId: string, action: string, params: Params): Promise<Outcome> {
  const key = await loadKey().catch(() => null);
  if (!key) {
    return {
      state: "refused",
      message: "This browser holds no operator key: make one in Settings → Operator key.",
    };
  }
  const grant = await signGrant(key.privateKey, { agent: hostId, action, params });
  const r = await send<ActionResultAnswer>("POST", path(hostId), { action, params, ...grant });
  if (!r.ok) return { state: "refused", message: r.refusal.message };
  if ("refused" in r.body) return { state: "refused", message: r.body.refused };
  return { state: "done", result: r.body };
}

/** A run's outcome: running, refused with why, or its exit status, duration and output. */
export function OutcomeView({ outcome }: { outcome?: Outcome }) {
  if (!outcome) return null;
  if (outcome.state === "running") return <p class="muted" role="status">Running…</p>;
  if (outcome.state === "refused") {
    return (
      <p class="field-error" role="alert" data-testid="action-refused">
        Refused: {outcome.message}
      </p>
    );
  }
  const r = outcome.result;
  return (
    <div class="action-result" role="status" data-testid="action-result">
      <p>
        Exit status <strong>{r.exit_code}</strong> in {Math.round(r.duration_ms)} ms
        {r.output_truncated ? " (output cut at 64 KiB)" : ""}
      </p>
      {r.output && <pre>{r.output}</pre>}
    </div>
  );
}

/** The confirmation that names the host and the action before anything is signed. */
export function Confirm(
  { action, params, hostName, onRun, onCancel }: {
    action: string;
    params: Params;
    hostName: string;
    onRun: () => void;
    onCancel: () => void;
  },
) {
  const shown = Object.entries(params).map(([k, v]) => `${k}=${v}`).join(", ");
  return (
    <div class="confirm card" role="alertdialog" aria-label="Confirm the action">
      <p>
        Run <strong>{action}</strong>
        {shown ? ` (${shown})` : ""} on host{" "}
        <strong>{hostName}</strong>? This browser signs a grant for this one run.
      </p>
      <div class="row">
        <button type="button" class="primary" onClick={onRun}>Sign and run on {hostName}</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </div>
  );
}
