/**
 * The rules page's table: each rule in words, its scope and severity, and
 * for admins a switch that enables or disables it in place (PATCH) and the
 * way to delete it (a confirmation page).
 */
import { useState } from "preact/hooks";
import type { AlertRule } from "../lib/alerts/rules.ts";
import { describeRule, describeScope, KIND_TEXT } from "../lib/alerts/rule_text.ts";
import { send, StackTable } from "./alerting_kit.tsx";

export interface RuleListProps {
  rules: AlertRule[];
  /** Host id → name, for scopes that list hosts. */
  hostNames: Record<string, string>;
  canEdit: boolean;
}

export default function RuleList({ rules: initial, hostNames, canEdit }: RuleListProps) {
  const [rules, setRules] = useState(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const toggle = async (rule: AlertRule, enabled: boolean) => {
    const sent = await send<AlertRule>("PATCH", `/api/v1/alert-rules/${rule.id}`, { enabled });
    if (sent.ok) {
      setRules((rs) => rs.map((r) => r.id === rule.id ? sent.body : r));
      setErrors(({ [rule.id]: _, ...rest }) => rest);
    } else {
      setRules((rs) => [...rs]); // the switch goes back to what is saved
      setErrors((e) => ({ ...e, [rule.id]: sent.refusal.message }));
    }
  };

  if (!rules.length) {
    return <p class="empty">No rules: nothing is watched. {canEdit && "Add one above."}</p>;
  }
  return (
    <StackTable
      columns={["Rule", "Checks", "Scope", "Severity", "Enabled"]}
      actions={canEdit}
      name="rules"
    >
      {rules.map((r) => (
        <tr key={r.id} class={r.enabled ? undefined : "disabled"}>
          <th scope="row">
            <a href={`/alerts/rules/${r.id}`}>{r.name}</a>
            {KIND_TEXT[r.kind] !== r.name && <small>{KIND_TEXT[r.kind]}</small>}
          </th>
          <td data-label="Checks">{describeRule(r)}</td>
          <td data-label="Scope">{describeScope(r.scope, r.exclude, hostNames)}</td>
          <td data-label="Severity">
            <span class={`badge ${r.severity}`}>{r.severity}</span>
            {r.critical !== null && <small>critical at {r.critical}</small>}
          </td>
          <td data-label="Enabled">
            {canEdit
              ? (
                <label class="switch">
                  <input
                    type="checkbox"
                    checked={r.enabled}
                    onChange={(e) => toggle(r, (e.target as HTMLInputElement).checked)}
                  />
                  <span>{r.enabled ? "on" : "off"}</span>
                  <span class="visually-hidden">{r.name}</span>
                </label>
              )
              : r.enabled
              ? "on"
              : "off"}
            {errors[r.id] && <p class="field-error" role="alert">{errors[r.id]}</p>}
          </td>
          {canEdit && (
            <td>
              <a class="button danger" href={`/alerts/rules/${r.id}/delete`}>
                Delete<span class="visually-hidden">{r.name}</span>
              </a>
            </td>
          )}
        </tr>
      ))}
    </StackTable>
  );
}
