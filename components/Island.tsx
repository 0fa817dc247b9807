/**
 * Renders an island on the server: its HTML now, and its props as JSON for
 * the browser bundle (islands/mod.ts) to hydrate it with. The JSON sits in a
 * non-executable script element, so the strict CSP holds.
 */
import type { ComponentType } from "preact";

/** Server side of an island: `name` must be registered in islands/mod.ts. */
export function Island<P extends object>(
  { name, component: C, props }: { name: string; component: ComponentType<P>; props: P },
) {
  const json = JSON.stringify(props).replace(/</g, "\\u003c");
  return (
    <div data-island={name} class="island">
      <script type="application/json" dangerouslySetInnerHTML={{ __html: json }} />
      <div data-island-root>
        <C {...props} />
      </div>
    </div>
  );
}
