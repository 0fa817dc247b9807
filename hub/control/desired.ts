/**
 * Desired state: what the hub wants each agent to hold, as keyed typed
 * items with one version per host. The values live in the store's settings
 * (`host.<id>.interval_s` for the metrics interval); beside them,
 * `host.<id>.desired` keeps the host's version and, per item key, the
 * version it last changed at, so the hub can send an agent that says it
 * holds version v just what changed since (a removed item is a key whose
 * value is gone), or the whole set when it cannot tell.
 *
 * The main process writes (a REST change); the ingest process reads when an
 * agent connects or a change is announced. A change writes the version and
 * the value in one transaction that holds both keys, so two changes never
 * take the same version; a reader reads the version first, so what it sends
 * under a version is that version's value or a newer one, never an older.
 */
import type { AuditRecord } from "../store/audit/types.ts";
import type { Store } from "../store/store.ts";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { CheckSchema } from "../../proto/gen/sightline/agent/v1/agent_pb.ts";
import { checkItem } from "../probes/assign.ts";
import type { LogSourceRow } from "../store/logs/types.ts";
import { LogSource_Kind } from "../../proto/gen/sightline/agent/v1/agent_pb.ts";

/** Desired state lives in the settings store. */
type Settings = Pick<Store, "settings">;
/**
 * What the items are made from: settings, the checks assigned to the host
 * (hub/probes/assign.ts assigns them) and the log sources that apply to it.
 */
type Sources = Pick<Store, "settings" | "probes" | "logs" | "hosts">;

/** A check for the agent to run, keyed `check:<id>` (protobuf-es's init shape of Check). */
export type CheckItem = {
  key: string;
  value: { case: "check"; value: MessageInitShape<typeof CheckSchema> };
};

/** One item as it is pushed: its key and its typed value. */
export type DesiredItem =
  | {
    key: typeof INTERVAL_ITEM;
    value: { case: "metricsInterval"; value: { seconds: number } };
  }
  | CheckItem
  | {
    key: string;
    value: {
      case: "logSource";
      value: { id: string; kind: LogSource_Kind; path: string; units: string[] };
    };
  };

/** What one push to an agent carries. */
export interface DesiredPush {
  version: number;
  /** The whole set, replacing what the agent holds; otherwise a diff. */
  full: boolean;
  set: DesiredItem[];
  removed: string[];
}

/** The item key of the metrics interval. */
export const INTERVAL_ITEM = "metrics.interval";

/** The range an interval set on the hub must lie in, in seconds (as the agent's own flag). */
export const INTERVAL_RANGE = { min: 1, max: 3600 } as const;

const intervalKey = (hostId: string) => `host.${hostId}.interval_s`;
const logKey = (hostId: string) => `host.${hostId}.desired`;
/** The checks assigned to a host: check id → fingerprint of what the agent was sent. */
const checksKey = (hostId: string) => `host.${hostId}.checks`;

function parseChecks(raw: string | null | undefined): Record<string, string> {
  try {
    const v = raw ? JSON.parse(raw) : {};
    return v && typeof v === "object" && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

/** The checks a host is assigned now, as stored (check id → fingerprint). */
export async function hostChecks(store: Settings, hostId: string): Promise<Record<string, string>> {
  return parseChecks(await store.settings.get(checksKey(hostId)));
}

/**
 * Sets the checks a host runs (id → fingerprint); a check added, changed
 * or gone takes a new version, so the agent gets it as a diff. Returns
 * whether anything changed (then tell the agent).
 */
export async function setHostChecks(
  store: Settings,
  hostId: string,
  wanted: Record<string, string>,
): Promise<boolean> {
  const differ = (had: Record<string, string>) =>
    [...new Set([...Object.keys(had), ...Object.keys(wanted)])].filter((id) =>
      had[id] !== wanted[id]
    );
  // The assigner asks for every host on every pass: most have what they had, and a read
  // says so without a write transaction (on a big fleet, thousands a pass).
  if (!differ(parseChecks(await store.settings.get(checksKey(hostId)))).length) return false;
  let changed = false;
  await store.settings.update([logKey(hostId), checksKey(hostId)], (current) => {
    const changedIds = differ(parseChecks(current.get(checksKey(hostId))));
    if (!changedIds.length) return new Map(); // changed back meanwhile: nothing to write
    changed = true;
    const log = parseLog(current.get(logKey(hostId)));
    log.version += 1;
    for (const id of changedIds) log.changed[`check:${id}`] = log.version;
    return new Map([
      [logKey(hostId), JSON.stringify(log)],
      [checksKey(hostId), Object.keys(wanted).length ? JSON.stringify(wanted) : null],
    ]);
  });
  return changed;
}

/** A host's version and, per item key, the version it last changed at. */
interface ChangeLog {
  version: number;
  changed: Record<string, number>;
}

/** A stored change log; one that cannot be read counts as none (agents then get the whole set). */
function parseLog(raw: string | null | undefined): ChangeLog {
  try {
    const log = raw ? JSON.parse(raw) as Partial<ChangeLog> : null;
    const changed = log?.changed && typeof log.changed === "object" ? log.changed : {};
    return { version: Number(log?.version) || 0, changed };
  } catch {
    return { version: 0, changed: {} };
  }
}

async function readLog(store: Settings, hostId: string): Promise<ChangeLog> {
  return parseLog(await store.settings.get(logKey(hostId)));
}

/** The interval set on the hub for a host, or null (the agent's own applies). */
export async function hostInterval(store: Settings, hostId: string): Promise<number | null> {
  const raw = await store.settings.get(intervalKey(hostId));
  return raw === null ? null : Number(raw);
}

/**
 * The interval each host's batches come at, by host id: the one set on the
 * hub (pushed to the agent at once), else what the agent said when it
 * connected. One read for any number of hosts.
 */
export async function effectiveIntervalsS(
  store: Settings,
  hosts: Array<{ id: string; interval_s: number }>,
): Promise<Map<string, number>> {
  const set = hosts.length === 1
    ? new Map([[intervalKey(hosts[0].id), await store.settings.get(intervalKey(hosts[0].id))]])
    : await store.settings.matching("host.", ".interval_s");
  return new Map(hosts.map((h) => {
    const raw = set.get(intervalKey(h.id));
    return [h.id, raw === null || raw === undefined ? h.interval_s : Number(raw)];
  }));
}

/**
 * Sets (or with null, unsets) a host's metrics interval; returns the new
 * version. The caller checks the value's range and that the host exists.
 */
export async function setHostInterval(
  store: Settings,
  hostId: string,
  seconds: number | null,
  audit?: AuditRecord,
): Promise<number> {
  let version = 0;
  // The version, the value and the audit entry in one transaction.
  await store.settings.update([logKey(hostId), intervalKey(hostId)], (current) => {
    const log = parseLog(current.get(logKey(hostId)));
    version = log.version + 1;
    log.version = version;
    log.changed[INTERVAL_ITEM] = version;
    return new Map([
      [logKey(hostId), JSON.stringify(log)],
      [intervalKey(hostId), seconds === null ? null : String(seconds)],
    ]);
  }, audit);
  return version;
}

/** The item key of a log source: one item per source, so adding or removing one is a diff. */
export const logSourceItem = (id: string) => `log_source:${id}`;

/** Whether a source's scope takes in a host with these tags. */
export function inScope(source: LogSourceRow, host: { id: string; tags: string[] }): boolean {
  const s = source.scope;
  return "all" in s ? s.all : "tag" in s ? host.tags.includes(s.tag) : s.hosts.includes(host.id);
}

/**
 * Marks item `keys` changed for every host in `hostIds` (a log source
 * added, removed, or its scope met by a host's new tags): each host's
 * version moves on, so its agent gets the diff. Returns the hosts marked.
 */
export async function markChanged(
  store: Settings,
  hostIds: string[],
  keys: string[],
): Promise<void> {
  for (const hostId of hostIds) {
    await store.settings.update([logKey(hostId)], (current) => {
      const log = parseLog(current.get(logKey(hostId)));
      log.version += 1;
      for (const k of keys) log.changed[k] = log.version;
      return new Map([[logKey(hostId), JSON.stringify(log)]]);
    });
  }
}

/** Every item the hub wants `hostId` to hold now. */
async function items(store: Sources, hostId: string): Promise<Map<string, DesiredItem>> {
  const out = new Map<string, DesiredItem>();
  for (const id of Object.keys(parseChecks(await store.settings.get(checksKey(hostId))))) {
    // A check removed since is no item: the change log already says its key changed.
    const def = await store.probes.getCheck(id);
    if (def && def.type !== "push") out.set(`check:${id}`, checkItem(def));
  }
  const host = await store.hosts.get(hostId);
  for (const src of host ? await store.logs.listSources() : []) {
    if (!inScope(src, host!)) continue;
    const key = logSourceItem(src.id);
    out.set(key, {
      key,
      value: {
        case: "logSource",
        value: {
          id: src.id,
          kind: src.type === "file" ? LogSource_Kind.FILE : LogSource_Kind.JOURNAL,
          path: src.path,
          units: src.units,
        },
      },
    });
  }
  const seconds = await hostInterval(store, hostId);
  if (seconds !== null) {
    out.set(INTERVAL_ITEM, {
      key: INTERVAL_ITEM,
      value: { case: "metricsInterval", value: { seconds } },
    });
  }
  return out;
}

/** Forgets a removed host's desired state, both keys at once. */
export async function forgetHost(store: Settings, hostId: string): Promise<void> {
  await store.settings.update(
    [logKey(hostId), intervalKey(hostId), checksKey(hostId)],
    () => new Map([[logKey(hostId), null], [intervalKey(hostId), null], [checksKey(hostId), null]]),
  );
}

/**
 * What to send an agent that holds version `held`: nothing when it is
 * current; what changed since when the hub can tell (held is one of its
 * versions); else the whole set (an agent with none, or one whose version
 * the hub never issued: the store was replaced).
 */
export async function desiredFor(
  store: Sources,
  hostId: string,
  held: number,
): Promise<DesiredPush | null> {
  const log = await readLog(store, hostId);
  if (held === log.version) return null;
  const now = await items(store, hostId);
  if (held === 0 || held > log.version) {
    return { version: log.version, full: true, set: [...now.values()], removed: [] };
  }
  const push: DesiredPush = { version: log.version, full: false, set: [], removed: [] };
  for (const [key, at] of Object.entries(log.changed)) {
    if (at <= held) continue;
    const item = now.get(key);
    if (item) push.set.push(item);
    else push.removed.push(key);
  }
  return push;
}
