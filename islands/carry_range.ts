/**
 * Keeps the links marked `data-carry-range` (the host's tabs) carrying the
 * time range now in the page's URL, after an island changed it in place: the
 * range chosen on the charts is the logs' too, and back.
 */
import { viewPart } from "../lib/chart_view.ts";

export function carryRange(): void {
  const range = viewPart(new URLSearchParams(location.search));
  for (const a of document.querySelectorAll<HTMLAnchorElement>("a[data-carry-range]")) {
    const url = new URL(a.href);
    url.search = range;
    a.href = `${url.pathname}${url.search}`;
  }
}
