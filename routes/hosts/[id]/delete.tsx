/** GET/POST /hosts/:id/delete: removes a host and all its data, after a confirmation. */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../../hub/http/deps.ts";
import { page } from "../../../hub/http/render.tsx";
import { actorOf, requireAdmin } from "../../../hub/http/session.ts";
import { HttpError } from "../../../hub/http/errors.ts";
import { Confirm } from "../../../components/Confirm.tsx";
import { removeHost } from "../../../hub/usecases/hosts.ts";

/** Asks for confirmation. */
export function deleteHostPage({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const host = await store.hosts.get(c.req.param("id")!);
    if (!host) throw new HttpError(404, "not_found", "No such host");
    return page(
      c,
      `Remove ${host.name}`,
      <Confirm
        title={`Remove ${host.name}?`}
        action={`/hosts/${host.id}/delete`}
        confirm="Remove host and its data"
        cancel={`/hosts/${host.id}`}
      >
        <p>
          This deletes the host and all its metrics. Its agent can no longer connect; to monitor it
          again, add it anew.
        </p>
      </Confirm>,
    );
  };
}

/** Deletes and goes back to the fleet. */
export function deleteHost(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    await removeHost(deps, actorOf(c), c.req.param("id")!);
    return c.redirect("/", 303);
  };
}
