/**
 * GET/POST /hosts/new: an admin names a host; the hub creates it with a
 * one-time registration token and shows the exact commands to run on it. The
 * page turns green by itself when the agent connects.
 */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../hub/http/deps.ts";
import { form, page } from "../../hub/http/render.tsx";
import { actorOf, requireAdmin } from "../../hub/http/session.ts";
import { statusOf } from "../../hub/http/errors.ts";
import {
  createHost as createHostFor,
  renewToken as renewTokenFor,
} from "../../hub/usecases/hosts.ts";
import { UseCaseError } from "../../hub/usecases/errors.ts";
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
export function createHost(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const typed = (await form(c)).name ?? "";
    let created;
    try {
      created = await createHostFor(deps, actorOf(c), { name: typed });
    } catch (err) {
      if (!(err instanceof UseCaseError) || !err.field) throw err;
      const shown = <NewHostForm name={typed.trim()} error={err.message} />;
      return page(c, "Add host", shown, { status: statusOf(err) });
    }
    const { host, token } = created;
    return tokenPage(c, deps.agentAddress, host.id, typed.trim() ? host.name : "New host", token);
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
export function renewToken(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const { host, token } = await renewTokenFor(deps, actorOf(c), c.req.param("id")!);
    return tokenPage(c, deps.agentAddress, host.id, host.name, token);
  };
}
