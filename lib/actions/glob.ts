/**
 * The one glob of the action file (`*` any run, `?` one character, nothing
 * else special): the agent decides with it, the Containers tab uses it to
 * offer an action only on the containers it can apply to.
 */
export function globMatch(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\-]/g, "\\$&").replaceAll("*", ".*").replaceAll(
    "?",
    ".",
  );
  return new RegExp(`^${re}$`).test(name);
}
