/**
 * A host's Packages tab: its packages, their versions and the updates
 * pending. Kept live: an inventory stored for the host brings the list again
 * from `/api/v1/hosts/:id/packages` (coalesced, as a resync may come with
 * deltas behind it). The filter is a GET form the server applies too, so the
 * tab works without scripts; here it filters as one types, kept in the URL.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { onLive } from "./live.ts";

/** A package as `/api/v1/hosts/:id/packages` gives it. */
export interface HostPackageRow {
  manager: string;
  name: string;
  version: string;
  arch: string;
  update_available: boolean;
  update_version: string | null;
  security: boolean;
}

export interface HostPackagesProps {
  hostId: string;
  packages: HostPackageRow[];
  /** What the inventory is built on; null until the host sent one. */
  inventory: {
    updated_at: number;
    managers: string[];
    errors: Array<{ manager: string; message: string }>;
  } | null;
  filter: string;
}

/** One host's batches come a few at once at most (a resync, a chunked inventory). */
const REFRESH_MS = 1000;

export default function HostPackages(props: HostPackagesProps) {
  const { hostId } = props;
  const [rows, setRows] = useState(props.packages);
  const [inventory, setInventory] = useState(props.inventory);
  const [filter, setFilter] = useState(props.filter);
  const [failed, setFailed] = useState(false);
  const first = useRef(true);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | 0 = 0;
    let ctl: AbortController | null = null;
    let ts = 0;
    const refresh = async () => {
      timer = 0;
      ctl?.abort();
      ctl = new AbortController();
      try {
        const res = await fetch(`/api/v1/hosts/${encodeURIComponent(hostId)}/packages`, {
          signal: ctl.signal,
        });
        if (!res.ok) throw new Error(String(res.status));
        const next: HostPackageRow[] = await res.json();
        setRows(next);
        // The REST list has no managers or errors: a first inventory names what it found.
        setInventory((inv) => ({
          updated_at: Math.max(ts, inv?.updated_at ?? 0),
          managers: inv?.managers ?? [...new Set(next.map((p) => p.manager))],
          errors: inv?.errors ?? [],
        }));
        setFailed(false);
      } catch {
        if (!ctl.signal.aborted) setFailed(true);
      }
    };
    const stop = onLive("host.packages", (d) => {
      if (d.id !== hostId) return;
      ts = Math.max(ts, Date.parse(d.ts));
      if (!timer) timer = setTimeout(refresh, REFRESH_MS);
    }, hostId);
    return () => {
      stop();
      if (timer) clearTimeout(timer);
      ctl?.abort();
    };
  }, [hostId]);

  useEffect(() => {
    if (first.current) {
      first.current = false; // the server filtered the first render already
      return;
    }
    const q = new URLSearchParams(location.search);
    if (filter.trim()) q.set("q", filter.trim());
    else q.delete("q");
    const s = q.toString();
    history.replaceState(null, "", `${location.pathname}${s ? `?${s}` : ""}`);
  }, [filter]);

  if (!inventory) return <p class="empty">No package inventory from this host yet.</p>;
  const needle = filter.trim().slice(0, 100).toLowerCase();
  const shown = needle ? rows.filter((p) => p.name.toLowerCase().includes(needle)) : rows;
  const updates = rows.filter((p) => p.update_available);
  const security = updates.filter((p) => p.security).length;
  const asOf = new Date(inventory.updated_at).toISOString();
  return (
    <>
      <p class="muted" data-inventory>
        {rows.length} packages ({inventory.managers.join(", ") || "no manager found"}),{" "}
        {updates.length}{" "}
        with updates pending{security ? `, ${security} for security` : ""}. Inventory as of{" "}
        <time datetime={asOf}>{asOf.replace("T", " ").slice(0, 19)} UTC</time>.
      </p>
      {inventory.errors.map((e) => (
        <p key={e.manager} class="error" role="status">
          {e.manager} could not be read: {e.message}
        </p>
      ))}
      {failed && <p class="error" role="alert">Could not refresh the list; retrying.</p>}
      <form
        method="get"
        class="row"
        role="search"
        onSubmit={(e) => e.preventDefault()}
      >
        <label>
          Filter
          <input
            type="search"
            name="q"
            value={filter}
            maxLength={100}
            onInput={(e) => setFilter(e.currentTarget.value)}
          />
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
              <tr key={`${p.manager}/${p.name}/${p.arch}`}>
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
  );
}
