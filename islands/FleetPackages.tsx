/**
 * The fleet Packages page's search and results. The form is a plain GET
 * form (the search works without scripts and its address can be shared);
 * what it found is kept live: an inventory stored for any host brings the
 * results of the same address again from `/api/v1/packages/summary`, at most
 * every few seconds however many hosts send, since a fleet's deltas arrive
 * all the time and one refresh shows them all.
 */
import { useEffect, useState } from "preact/hooks";
import type { FleetPackagesView } from "../hub/usecases/packages.ts";
import type { PackageHit } from "../hub/store/packages/types.ts";
import { onLive } from "./live.ts";

export interface FleetPackagesProps {
  view: FleetPackagesView;
  /** The managers a search can name (lib/packages/versions.ts, whose libraries stay on the server). */
  managers: readonly string[];
}

/** Refreshes at most this often, whatever the fleet sends. */
const REFRESH_MS = 5000;

const OP_LABELS: Array<[string, string]> = [
  ["", "any version"],
  ["lt", "older than"],
  ["le", "at most"],
  ["eq", "exactly"],
  ["ge", "at least"],
  ["gt", "newer than"],
];

function Spread({ versions }: { versions: string[] }) {
  if (versions.length === 1) return <>{versions[0]}</>;
  return (
    <>
      {versions[0]} … {versions[versions.length - 1]}{" "}
      <span class="muted">({versions.length} versions)</span>
    </>
  );
}

/** The page's address for the view's query, with `more` added. */
function href(form: FleetPackagesView["form"], more: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  const name = form.name.trim();
  if (name) p.set("name", name);
  if (form.manager) p.set("manager", form.manager);
  if (form.op && form.version.trim()) {
    p.set("op", form.op);
    p.set("version", form.version.trim());
  }
  for (const [k, v] of Object.entries(more)) p.set(k, v);
  return `/packages?${p}`;
}

function Hosts({ hits }: { hits: PackageHit[] }) {
  return (
    <div class="table-wrap">
      <table class="package-hosts">
        <thead>
          <tr>
            <th scope="col">Host</th>
            <th scope="col">Version</th>
            <th scope="col">Update</th>
          </tr>
        </thead>
        <tbody>
          {hits.map((h) => (
            <tr key={h.host.id}>
              <td>
                <a href={`/hosts/${encodeURIComponent(h.host.id)}/packages`}>{h.host.name}</a>
              </td>
              <td>{h.version}</td>
              <td>{h.update_version || "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default function FleetPackages(props: FleetPackagesProps) {
  const [view, setView] = useState(props.view);
  const [failed, setFailed] = useState(false);
  const { form, invalid, summary } = view;
  // The inputs are the user's (defaultValue): a refresh of the same address never retypes them.

  useEffect(() => {
    // A query the hub refused lists nothing, whatever changes.
    if (props.view.invalid) return;
    let timer: ReturnType<typeof setTimeout> | 0 = 0;
    let ctl: AbortController | null = null;
    const refresh = async () => {
      timer = 0;
      ctl?.abort();
      ctl = new AbortController();
      try {
        const res = await fetch(`/api/v1/packages/summary${location.search}`, {
          signal: ctl.signal,
        });
        if (!res.ok) throw new Error(String(res.status));
        setView(await res.json());
        setFailed(false);
      } catch {
        if (!ctl.signal.aborted) setFailed(true);
      }
    };
    const stop = onLive("host.packages", () => {
      if (!timer) timer = setTimeout(refresh, REFRESH_MS);
    });
    return () => {
      stop();
      if (timer) clearTimeout(timer);
      ctl?.abort();
    };
  }, []);

  const listed = summary.length + view.more;
  return (
    <>
      <form method="get" action="/packages" class="row package-search" role="search">
        <label>
          Package
          <input
            type="search"
            name="name"
            defaultValue={form.name}
            maxLength={100}
            placeholder="openssl"
            aria-invalid={invalid?.field === "name" ? "true" : undefined}
          />
        </label>
        <label>
          Manager
          <select name="manager">
            <option value="">any</option>
            {props.managers.map((m) => (
              <option key={m} value={m} selected={form.manager === m}>{m}</option>
            ))}
          </select>
        </label>
        <label>
          Version
          <select
            name="op"
            aria-label="Version comparison"
            aria-invalid={invalid?.field === "op" ? "true" : undefined}
          >
            {OP_LABELS.map(([op, label]) => (
              <option key={op} value={op} selected={form.op === op}>{label}</option>
            ))}
          </select>
        </label>
        <label>
          <span class="visually-hidden">Version to compare with</span>
          <input
            type="text"
            name="version"
            defaultValue={form.version}
            maxLength={128}
            placeholder="3.0.15"
            aria-invalid={invalid?.field === "version" ? "true" : undefined}
          />
        </label>
        <button type="submit" class="primary">Search</button>
      </form>
      {invalid && <p class="error" role="alert">{invalid.problem}</p>}
      {failed && <p class="error" role="alert">Could not refresh the results; retrying.</p>}
      {!invalid && (
        <p class="muted">
          {form.name.trim()
            ? `${listed} package${listed === 1 ? "" : "s"} on ${view.hosts} host${
              view.hosts === 1 ? "" : "s"
            } match.`
            : "Packages with updates pending. Search for any package by name."}
          {view.truncated && " Only the first rows were searched: narrow the name."}
        </p>
      )}
      {!invalid && listed === 0 && (
        <p class="empty">
          {form.name.trim() ? "No host has a package like that." : "No updates pending."}
        </p>
      )}
      {summary.length > 0 && (
        <div class="table-wrap">
          <table class="packages">
            <thead>
              <tr>
                <th scope="col">Package</th>
                <th scope="col">Manager</th>
                <th scope="col">Hosts</th>
                <th scope="col">Versions</th>
                <th scope="col">Updates pending</th>
              </tr>
            </thead>
            <tbody>
              {summary.map((s) => {
                const key = `${s.manager}/${s.name}`;
                return (
                  <tr key={key} data-package={key}>
                    <td>
                      <a
                        href={href(form, { pkg: key })}
                        aria-expanded={view.open === key ? "true" : "false"}
                      >
                        {s.name}
                      </a>
                    </td>
                    <td>{s.manager}</td>
                    <td>{s.hosts}</td>
                    <td>
                      <Spread versions={s.versions} />
                    </td>
                    <td>{s.updates || "–"}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {view.more > 0 && <p class="muted">{view.more} more: narrow the search.</p>}
      {view.openHits.length > 0 && (
        <section class="package-hosts" aria-label={`Hosts with ${view.open}`}>
          <h2>{view.open}</h2>
          <Hosts hits={view.openHits} />
        </section>
      )}
    </>
  );
}
