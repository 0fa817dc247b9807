/**
 * The logs REST API: log sources (list, add, remove; admins change, audited,
 * pushed to the agents as desired state) and the search over stored lines,
 * newest first, a page at a time by an opaque cursor (never an offset).
 */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../../../hub/http/deps.ts";
import { HttpError } from "../../../../hub/http/errors.ts";
import { jsonBody } from "../../../../hub/http/body.ts";
import { actorOf, requireAdmin } from "../../../../hub/http/session.ts";
import * as uc from "../../../../hub/usecases/logs.ts";
import { LOG_LEVELS } from "../../../../hub/ingest/logs.ts";
import type { LogLineRow, LogQuery } from "../../../../hub/store/logs/types.ts";

const bad = (field: string, message: string) => new HttpError(400, "invalid_query", message, field);

/** A cursor is the last line's (ts, id), opaque to clients. */
export function encodeCursor(c: { ts: number; id: number }): string {
  return btoa(`${c.ts}.${c.id}`).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");
}

function decodeCursor(raw: string): { ts: number; id: number } {
  let text = "";
  try {
    text = atob(raw.replaceAll("-", "+").replaceAll("_", "/"));
  } catch { /* below */ }
  const m = /^(\d{1,16})\.(\d{1,16})$/.exec(text);
  if (!m || !Number.isSafeInteger(Number(m[1])) || !Number.isSafeInteger(Number(m[2]))) {
    throw bad("cursor", "cursor must be a next_cursor this API returned");
  }
  return { ts: Number(m[1]), id: Number(m[2]) };
}

/** A time as ISO 8601 or Unix ms. */
function time(field: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const ms = /^\d{1,16}$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isSafeInteger(ms)) throw bad(field, `${field} must be an ISO 8601 time or Unix ms`);
  return ms;
}

function list(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw === "") return undefined;
  return raw.split(",").map((s) => s.trim()).filter(Boolean);
}

const lineView = (l: LogLineRow) => ({
  id: l.id,
  ts: new Date(l.ts).toISOString(),
  host_id: l.host_id,
  source: l.source_id,
  origin: l.origin,
  level: l.level,
  message: l.message,
});

/** Reads a search from a query string; a bad field is a 400 naming it. */
export async function queryOf(
  deps: Pick<AppDeps, "store">,
  q: Record<string, string>,
): Promise<{ query: LogQuery; context: number }> {
  const limit = q.limit === undefined ? 100 : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw bad("limit", "limit must be a whole number from 1 to 1000");
  }
  const text = q.q ?? "";
  if (text.length > 256) throw bad("q", "q must be at most 256 characters");
  const levels = list(q.level);
  const unknown = levels?.find((l) => !(LOG_LEVELS as readonly string[]).includes(l));
  if (unknown !== undefined) throw bad("level", `level must be among ${LOG_LEVELS.join(", ")}`);
  let hostIds = list(q.host);
  if (hostIds && hostIds.length > 1000) throw bad("host", "host names at most 1000 hosts");
  if (q.tag) {
    const tagged = (await deps.store.hosts.list()).filter((h) => h.tags.includes(q.tag));
    const ids = tagged.map((h) => h.id);
    hostIds = hostIds ? hostIds.filter((h) => ids.includes(h)) : ids;
  }
  const from = time("from", q.from);
  const to = time("to", q.to);
  if (from !== undefined && to !== undefined && from >= to) {
    throw bad("to", "to must be after from");
  }
  const context = q.context === undefined ? 0 : Number(q.context);
  if (!Number.isInteger(context) || context < 0 || context > 10) {
    throw bad("context", "context must be a whole number from 0 to 10");
  }
  if (context && limit > 100) throw bad("limit", "limit must be at most 100 with context");
  if (q.source !== undefined && (q.source === "" || q.source.length > 64)) {
    throw bad("source", "source must be a log source id");
  }
  return {
    query: {
      text: text || undefined,
      hostIds,
      sourceId: q.source,
      levels,
      from,
      to,
      limit,
      cursor: q.cursor ? decodeCursor(q.cursor) : undefined,
    },
    context,
  };
}

/** GET /api/v1/logs?q=&host=&tag=&source=&level=&from=&to=&limit=&cursor=&context= */
export function searchLogs(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const { query, context } = await queryOf(deps, c.req.query());
    const page = await deps.store.logs.search(query);
    const lines = [];
    for (const l of page.lines) {
      if (!context) {
        lines.push(lineView(l));
        continue;
      }
      const around = await deps.store.logs.context(l.id, context);
      lines.push({
        ...lineView(l),
        before: around?.before.map(lineView) ?? [],
        after: around?.after.map(lineView) ?? [],
      });
    }
    return c.json({ lines, next_cursor: page.next ? encodeCursor(page.next) : null });
  };
}

/** GET /api/v1/log-sources: every source, with what each host's agent said it could not read. */
export function listSources({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const [sources, errors] = await Promise.all([
      store.logs.listSources(),
      store.logs.sourceErrors(),
    ]);
    return c.json(sources.map((s) => ({
      ...s,
      created_at: new Date(s.created_at).toISOString(),
      errors: errors.filter((e) => e.source_id === s.id).map((e) => ({
        host_id: e.host_id,
        message: e.message,
        ts: new Date(e.ts).toISOString(),
      })),
    })));
  };
}

/** POST /api/v1/log-sources (admin): 201 with the source. */
export function createSource(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const s = await uc.createLogSource(deps, actorOf(c), await jsonBody(c));
    return c.json({ ...s, created_at: new Date(s.created_at).toISOString() }, 201);
  };
}

/** DELETE /api/v1/log-sources/:id (admin): 204. */
export function deleteSource(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    await uc.deleteLogSource(deps, actorOf(c), c.req.param("id")!);
    return c.body(null, 204);
  };
}
