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
import { HttpError } from "../../hub/http/errors.ts";
import { hashSecret, newRegistrationToken, TOKEN_TTL_MS } from "../../hub/auth/secrets.ts";
import { UNNAMED_HOST } from "../../hub/store/hosts/types.ts";
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
    const hostId = crypto.randomUUID();
    const host = await store.hosts.create({
      hostId,
      name: name || null,
      tokenHash: hashSecret(token),
      createdAt: now,
      expiresAt: now + TOKEN_TTL_MS,
    }, {
      at: now,
      actor: c.var.user!.name,
      action: "host.create",
      target: hostId,
      detail: name || UNNAMED_HOST,
    });
    live.hostAdded(fleetRow(status.apply(host)));
    return tokenPage(c, agentAddress, host.id, name || "New host", token);
  };
}

/** The page that shows a new token once, in the command that registers the host's agent. */
function tokenPage(
  c: Context<AppEnv>,
  agentAddress: AppDeps["agentAddress"],
  hostId: string,
  title: string,
  token: string,
) {
  const hub = agentAddress?.(c.req.header("host") ?? "localhost") ?? "HUB:50051";
  const command = `deno task agent register --hub ${hub} --token ${token} && deno task agent run`;
  return page(
    c,
    "Add host",
    <section class="card">
      <h1>{title}</h1>
      <Island name="AddHost" component={AddHost} props={{ hostId, command }} />
    </section>,
  );
}

/**
 * POST /hosts/:id/token: a fresh token for a host whose agent never
 * registered (the first one is shown only once); the old one stops working.
 */
export function renewToken({ store, agentAddress }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const id = c.req.param("id")!;
    const host = await store.hosts.get(id);
    if (!host) throw new HttpError(404, "not_found", "No such host");
    const token = newRegistrationToken();
    const now = Date.now();
    const renewed = await store.hosts.renewToken(
      id,
      { tokenHash: hashSecret(token), createdAt: now, expiresAt: now + TOKEN_TTL_MS },
      { at: now, actor: c.var.user!.name, action: "host.token", target: id, detail: host.name },
    );
    if (!renewed) {
      throw new HttpError(409, "already_registered", `${host.name}'s agent has registered already`);
    }
    return tokenPage(c, agentAddress, id, host.name, token);
  };
}
