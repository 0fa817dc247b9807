/**
 * The browser bundle's entry: finds every server-rendered island and
 * hydrates it with its props. Register new islands here.
 */
import { type ComponentType, h, hydrate } from "preact";
import FleetTable from "./FleetTable.tsx";
import HostCharts from "./HostCharts.tsx";
import HostStatus from "./HostStatus.tsx";
import CopyButton from "./CopyButton.tsx";

// deno-lint-ignore no-explicit-any
const ISLANDS: Record<string, ComponentType<any>> = {
  FleetTable,
  HostCharts,
  HostStatus,
  CopyButton,
};

for (const el of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const component = ISLANDS[el.dataset.island!];
  const props = JSON.parse(el.querySelector(":scope > script")?.textContent ?? "{}");
  const root = el.querySelector<HTMLElement>(":scope > [data-island-root]");
  if (component && root) hydrate(h(component, props), root);
}
