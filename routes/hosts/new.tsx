/**
 * GET/POST /hosts/new: an admin names a host; the hub creates it with a
 * one-time registration token and shows the exact commands to run on it. The
 * page turns green by itself when the agent connects.
 */
import type { Context } from "hono";
import { checkName } from "../../lib/names.ts";
import { fleetRow } from "../../lib/fleet.ts";
import type { AppDeps, AppEnv } from "../../hub/http/deps.ts";
import { form, page } from "../../hub/http/render.tsx";
import { requireAdmin } from "../../hub/http/session.ts";
import { hashSecret, newRegistrationToken, TOKEN_TTL_MS } from "../../hub/auth/secrets.ts";
import { Island } from "../../components/Island.tsx";
import AddHost from "../../islands/AddHost.tsx";

function NewHostForm({ error, name }: { error?: string; name?: string }) {
  return (
    <section class="card narrow">
      <h1>Add a host</h1>
      {error && <p class="error" role="alert">{error}</p>}
      <form method="post" action="/hosts/new">
        <label>
          Name <small>(leave empty to use the host's own name)</small>
          <input name="name" maxLength={128} value={name ?? ""} autofocus />
        </label>
        <button type="submit" class="primary">Create registration token</button>
      </form>
    </section>
  );
}

/** The form. */
export function newHostPage() {
  return (c: Context<AppEnv>) => {
    requireAdmin(c);
    return page(c, "Add host", <NewHostForm />);
  };
}

/** Creates the host and its token; shows the commands. */
export function createHost({ store, status, live, agentAddress }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const f = await form(c);
    const check = (f.name ?? "").trim() ? checkName("host", f.name ?? "") : null;
    const name = check?.ok ? check.name : (f.name ?? "").trim();
    if (check && !check.ok) {
      return page(
        c,
        "Add host",
        <NewHostForm name={name} error={check.problem} />,
        {
          status: 400,
        },
      );
    }
    const token = newRegistrationToken();
    const now = Date.now();
    const host = await store.createHostWithToken({
      hostId: crypto.randomUUID(),
      name: name || null,
      tokenHash: hashSecret(token),
      createdAt: now,
      expiresAt: now + TOKEN_TTL_MS,
    });
    await store.audit({
      at: now,
      actor: c.var.user!.name,
      action: "host.create",
      target: host.id,
      detail: host.name,
    });
    live.hostAdded(fleetRow(status.apply(host)));
    const hub = agentAddress?.(c.req.header("host") ?? "localhost") ?? "HUB:50051";
    const command = `deno task agent register --hub ${hub} --token ${token} && deno task agent run`;
    return page(
      c,
      "Add host",
      <section class="card">
        <h1>{name || "New host"}</h1>
        <Island name="AddHost" component={AddHost} props={{ hostId: host.id, command }} />
      </section>,
    );
  };
}
