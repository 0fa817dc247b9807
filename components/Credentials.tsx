/**
 * A user's name and password fields, as signing in and the first admin's
 * setup ask for them: the password manager's hints, and for a new password
 * the length rule of hub/auth/passwords.ts.
 */
import { MIN_PASSWORD } from "../hub/auth/passwords.ts";

/** A field for a new password, held to the length rule. */
export function NewPasswordInput() {
  return (
    <input
      name="password"
      type="password"
      autocomplete="new-password"
      required
      minLength={MIN_PASSWORD}
      maxLength={1024}
    />
  );
}

/** The two fields; `name` is what was typed before (kept after a refusal). */
export function Credentials(
  { name, newPassword = false }: { name?: string; newPassword?: boolean },
) {
  return (
    <>
      <label>
        Name
        <input
          name="name"
          autocomplete="username"
          required
          maxLength={64}
          value={name ?? ""}
          autofocus
        />
      </label>
      <label>
        Password {newPassword && <small>(at least {MIN_PASSWORD} characters)</small>}
        {newPassword ? <NewPasswordInput /> : (
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            maxLength={1024}
          />
        )}
      </label>
    </>
  );
}
