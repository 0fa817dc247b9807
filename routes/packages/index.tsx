/**
 * GET /packages: the fleet's packages. A search by name (a substring),
 * manager and version (compared in each ecosystem's order) lists each
 * matching package with how many hosts have it, the spread of its versions
 * and the updates pending; without a search, the packages with updates
 * pending. `pkg=manager/name` opens one package's list of hosts. A plain GET
 * form: the search works without scripts and its address can be shared.
 */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../hub/http/deps.ts";
import { page } from "../../hub/http/render.tsx";
import {
  checkQuery,
  type PackageQuery,
  searchPackages,
  summarize,
} from "../../hub/usecases/packages.ts";
import { MANAGERS, type Op } from "../../lib/packages/versions.ts";
import type { PackageHit } from "../../hub/store/packages/types.ts";

const OP_LABELS: Array<[Op | "", string]> = [
  ["", "any version"],
  ["lt", "older than"],
  ["le", "at most"],
  ["eq", "exactly"],
  ["ge", "at least"],
  ["gt", "newer than"],
];

/** Packages listed at most (the hosts of one package are never cut). */
const MAX_ROWS = 500;

function Spread({ versions }: { versions: string[] }) {
  if (versions.length === 1) return <>{versions[0]}</>;
  return (
    <>
      {versions[0]} … {versions[versions.length - 1]}{" "}
      <span class="muted">({versions.length} versions)</span>
    </>
  );
}

/** The address of the page for `q`, with `more` added. */
function href(q: PackageQuery, more: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  if (q.name) p.set("name", q.name);
  if (q.manager) p.set("manager", q.manager);
  if (q.op && q.version) {
    p.set("op", q.op);
    p.set("version", q.version);
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
            <tr>
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

export function packagesPage({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const raw = c.req.query();
    const checked = checkQuery(raw, true);
    const q: PackageQuery = checked.ok ? checked.query : { name: (raw.name ?? "").slice(0, 100) };
    const { hits, truncated } = checked.ok
      ? await searchPackages(store, q)
      : { hits: [], truncated: false };
    const summary = summarize(hits);
    const open = raw.pkg ?? "";
    const openHits = hits.filter((h) => `${h.manager}/${h.name}` === open);
    return page(
      c,
      "Packages",
      <>
        <h1>Packages</h1>
        <form method="get" action="/packages" class="row package-search" role="search">
          <label>
            Package
            <input
              type="search"
              name="name"
              value={q.name}
              maxLength={100}
              placeholder="openssl"
              aria-invalid={!checked.ok && checked.field === "name" ? "true" : undefined}
            />
          </label>
          <label>
            Manager
            <select name="manager">
              <option value="">any</option>
              {MANAGERS.map((m) => <option value={m} selected={q.manager === m}>{m}</option>)}
            </select>
          </label>
          <label>
            Version
            <select
              name="op"
              aria-label="Version comparison"
              aria-invalid={!checked.ok && checked.field === "op" ? "true" : undefined}
            >
              {OP_LABELS.map(([op, label]) => (
                <option value={op} selected={(raw.op ?? "") === op}>{label}</option>
              ))}
            </select>
          </label>
          <label>
            <span class="visually-hidden">Version to compare with</span>
            <input
              type="text"
              name="version"
              value={raw.version ?? ""}
              maxLength={128}
              placeholder="3.0.15"
              aria-invalid={!checked.ok && checked.field === "version" ? "true" : undefined}
            />
          </label>
          <button type="submit" class="primary">Search</button>
        </form>
        {!checked.ok && <p class="error" role="alert">{checked.problem}</p>}
        {checked.ok && (
          <p class="muted">
            {q.name
              ? `${summary.length} package${summary.length === 1 ? "" : "s"} on ${
                new Set(hits.map((h) => h.host.id)).size
              } host${new Set(hits.map((h) => h.host.id)).size === 1 ? "" : "s"} match.`
              : "Packages with updates pending. Search for any package by name."}
            {truncated && " Only the first rows were searched: narrow the name."}
          </p>
        )}
        {checked.ok && summary.length === 0 && (
          <p class="empty">{q.name ? "No host has a package like that." : "No updates pending."}</p>
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
                {summary.slice(0, MAX_ROWS).map((s) => {
                  const key = `${s.manager}/${s.name}`;
                  return (
                    <tr data-package={key}>
                      <td>
                        <a
                          href={href(q, { pkg: key })}
                          aria-expanded={open === key ? "true" : "false"}
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
        {summary.length > MAX_ROWS && (
          <p class="muted">{summary.length - MAX_ROWS} more: narrow the search.</p>
        )}
        {openHits.length > 0 && (
          <section class="package-hosts" aria-label={`Hosts with ${open}`}>
            <h2>{open}</h2>
            <Hosts hits={openHits} />
          </section>
        )}
      </>,
      { active: "packages", status: checked.ok ? 200 : 400 },
    );
  };
}
