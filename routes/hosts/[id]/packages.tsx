/**
 * GET /hosts/:id/packages: the host's Packages tab: every package its agent
 * reported, its version and any update pending (security ones marked), the
 * time of the inventory and the managers that could not be read. `q` filters
 * by name, server-side, so the tab works without scripts.
 */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../../hub/http/deps.ts";
import { page } from "../../../hub/http/render.tsx";
import { HttpError } from "../../../hub/http/errors.ts";
import { HostTabs } from "../../../components/HostTabs.tsx";

export function hostPackagesPage({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const id = c.req.param("id")!;
    const host = await store.hosts.get(id);
    if (!host) throw new HttpError(404, "not_found", "No such host");
    const [all, baseline] = await Promise.all([
      store.packages.list(id),
      store.packages.baseline(id),
    ]);
    const filter = (c.req.query("q") ?? "").trim().slice(0, 100).toLowerCase();
    const shown = filter ? all.filter((p) => p.name.toLowerCase().includes(filter)) : all;
    const updates = all.filter((p) => p.update_version);
    const security = updates.filter((p) => p.security).length;
    return page(
      c,
      `${host.name} · Packages`,
      <>
        <div class="page-head">
          <h1>{host.name}</h1>
        </div>
        <HostTabs hostId={id} current="packages" />
        {!baseline ? <p class="empty">No package inventory from this host yet.</p> : (
          <>
            <p class="muted">
              {all.length} packages ({baseline.managers.join(", ") || "no manager found"}),{" "}
              {updates.length}{" "}
              with updates pending{security ? `, ${security} for security` : ""}. Inventory as of
              {" "}
              <time datetime={new Date(baseline.updated_at).toISOString()}>
                {new Date(baseline.updated_at).toISOString().replace("T", " ").slice(0, 19)} UTC
              </time>.
            </p>
            {baseline.errors.map((e) => (
              <p class="error" role="status">{e.manager} could not be read: {e.message}</p>
            ))}
            <form method="get" class="row" role="search">
              <label>
                Filter
                <input type="search" name="q" value={filter} maxLength={100} />
              </label>
              <button type="submit">Filter</button>
            </form>
            <div class="table-wrap">
              <table class="host-packages">
                <thead>
                  <tr>
                    <th scope="col">Package</th>
                    <th scope="col">Version</th>
                    <th scope="col">Arch</th>
                    <th scope="col">Manager</th>
                    <th scope="col">Update</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((p) => (
                    <tr>
                      <td>{p.name}</td>
                      <td>{p.version}</td>
                      <td>{p.arch || "–"}</td>
                      <td>{p.manager}</td>
                      <td>
                        {p.update_version || "–"}
                        {p.security && <span class="badge critical">security</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {shown.length === 0 && <p class="empty">No package matches.</p>}
            </div>
          </>
        )}
      </>,
    );
  };
}
