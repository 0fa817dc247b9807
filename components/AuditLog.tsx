/**
 * The audit log as Settings shows it: newest first, who did what to which
 * thing, by name (a removed host's entries still name it; its id is the
 * cell's title), with refused sign-ins marked.
 */
import type { AuditEntry } from "../hub/store/audit/types.ts";

/** Each action in words; an action not listed shows as it is stored. */
const ACTIONS: Record<string, string> = {
  "host.create": "added host",
  "host.token": "renewed the token of",
  "host.tags": "set tags of",
  "host.interval": "set interval of",
  "host.delete": "removed host",
  "user.create": "added user",
  "user.role": "changed role of",
  "user.delete": "removed user",
  "user.password": "changed password of",
  "user.login": "signed in",
  "user.login.failed": "failed to sign in",
  "user.login.blocked": "was refused sign-in",
  "apikey.create": "created API key",
  "apikey.revoke": "revoked API key",
  "setting.set": "changed setting",
};

/** The table. */
export function AuditLog({ entries }: { entries: AuditEntry[] }) {
  return (
    <div class="table-wrap">
      <table class="audit">
        <thead>
          <tr>
            <th scope="col">When (UTC)</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Target</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((a) => (
            <tr class={a.action.startsWith("user.login.") ? "refused" : undefined}>
              <td>{a.at.slice(0, 19).replace("T", " ")}</td>
              <td>{a.actor || <small>(no name)</small>}</td>
              <td title={a.action}>{ACTIONS[a.action] ?? a.action}</td>
              <td title={a.target_id || undefined}>{a.target}</td>
              <td>{a.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
