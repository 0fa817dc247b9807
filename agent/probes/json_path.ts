/**
 * The JSON-path condition of the HTTP check: a plain path, `$.a.b[0]` or
 * `a.b.0`, to one value. By hand: the condition needs only member and index
 * steps, and the JSONPath libraries bring filters and script expressions an
 * agent should not evaluate for the hub.
 */

/** The value at `path` as text (a string itself, anything else as JSON), or undefined. */
export function jsonPathText(doc: unknown, path: string): string | undefined {
  const steps = path.replace(/^\$\.?/, "").match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let at: unknown = doc;
  for (const raw of steps) {
    const step = raw.startsWith("[") ? raw.slice(1, -1) : raw;
    if (at === null || typeof at !== "object" || !Object.hasOwn(at, step)) return undefined;
    at = (at as Record<string, unknown>)[step];
  }
  return typeof at === "string" ? at : JSON.stringify(at);
}
