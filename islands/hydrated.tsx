/**
 * Forms whose values live in an island's state are not usable until the
 * island is live. Before hydration the server's HTML is on screen: what a
 * user (or a test) types there sits in the DOM while the island's state
 * keeps the server's values, and hydration does not read it back, so a save
 * sent the old values without a word, and a submit before hydration
 * reloaded the page. Until then, the controls are disabled.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";

/** False on the server and in hydration's first render; true once the island runs. */
export function useHydrated(): boolean {
  const [live, setLive] = useState(false);
  useEffect(() => setLive(true), []);
  return live;
}

/**
 * Wraps a form's contents in a fieldset that is disabled until the island is
 * live; it has no box of its own (`.live-gate`), so the form's layout holds.
 */
export function LiveGate({ children }: { children: ComponentChildren }) {
  const live = useHydrated();
  return <fieldset class="live-gate" disabled={!live}>{children}</fieldset>;
}
