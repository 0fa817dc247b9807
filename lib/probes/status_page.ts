/**
 * The public status page's settings: off unless an admin turns it on, and
 * then showing only the checks and hosts chosen, each under the name chosen
 * for it. Nothing else of a check or host (its target, its agents, a
 * failure's message, a host's name or addresses) is ever on the page.
 */

export interface StatusPageItem {
  kind: "check" | "host";
  id: string;
  /** The name the public sees. */
  name: string;
}

export interface StatusPageSettings {
  enabled: boolean;
  title: string;
  items: StatusPageItem[];
}

export const STATUS_PAGE_OFF: StatusPageSettings = { enabled: false, title: "Status", items: [] };

export class StatusPageInputError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

// deno-lint-ignore no-control-regex -- refusing control characters is the point
const TEXT = /^[^\u0000-\u001f\u007f<>]{1,100}$/;

/** The settings `raw` describes; throws StatusPageInputError naming the field. */
export function parseStatusPage(raw: unknown): StatusPageSettings {
  const fail = (field: string, m: string): never => {
    throw new StatusPageInputError(field, m);
  };
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    return fail("body", "expected an object");
  }
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (!["enabled", "title", "items"].includes(k)) fail(k, `unknown field ${k}`);
  }
  if (typeof r.enabled !== "boolean") fail("enabled", "enabled must be true or false");
  const title = r.title === undefined ? "Status" : r.title;
  if (typeof title !== "string" || !TEXT.test(title.trim())) {
    fail("title", "title must be 1 to 100 characters, without control characters or < >");
  }
  if (!Array.isArray(r.items) || r.items.length > 100) {
    fail("items", "items must be a list of at most 100 {kind, id, name}");
  }
  const items = (r.items as unknown[]).map((it, i): StatusPageItem => {
    const o = (it ?? {}) as Record<string, unknown>;
    if (o.kind !== "check" && o.kind !== "host") {
      fail(`items.${i}.kind`, "kind must be check or host");
    }
    if (typeof o.id !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(o.id)) {
      fail(`items.${i}.id`, "id must be a check's or host's id");
    }
    if (typeof o.name !== "string" || !TEXT.test(o.name.trim())) {
      fail(
        `items.${i}.name`,
        "name must be 1 to 100 characters, without control characters or < >",
      );
    }
    return {
      kind: o.kind as "check" | "host",
      id: o.id as string,
      name: (o.name as string).trim(),
    };
  });
  return { enabled: r.enabled as boolean, title: (title as string).trim(), items };
}
