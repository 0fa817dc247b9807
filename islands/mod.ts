/**
 * The browser bundle's entry: finds every server-rendered island and
 * hydrates it with its props. Register new islands here.
 */
import { type ComponentType, h, hydrate } from "preact";
import FleetTable from "./FleetTable.tsx";
import HostCharts from "./HostCharts.tsx";
import HostStatus from "./HostStatus.tsx";
import CopyButton from "./CopyButton.tsx";
import AddHost from "./AddHost.tsx";
import Logs from "./Logs.tsx";
import TagEditor from "./TagEditor.tsx";
import ContainerTable from "./ContainerTable.tsx";
import HostPackages from "./HostPackages.tsx";
import FleetPackages from "./FleetPackages.tsx";
// Alerting: rules, silences, maintenance, channels and their delivery log
import RuleList from "./RuleList.tsx";
import RuleEditor from "./RuleEditor.tsx";
import SilenceList from "./SilenceList.tsx";
import MaintenanceList from "./MaintenanceList.tsx";
import ChannelList from "./ChannelList.tsx";
import DeliveryLog from "./DeliveryLog.tsx";
import DestinationPolicy from "./DestinationPolicy.tsx";
// -- alerts --
import Alerts from "./Alerts.tsx";
import AlertSummary from "./AlertSummary.tsx";
import AlertBanner from "./AlertBanner.tsx";
import AlertCount from "./AlertCount.tsx";
// -- end of alerts --
// -- actions (issue 20) --
import HostActions from "./HostActions.tsx";
import OperatorKey from "./OperatorKey.tsx";
// -- end of actions --
import CheckList from "./CheckList.tsx";
import CheckEditor from "./CheckEditor.tsx";

// deno-lint-ignore no-explicit-any
const ISLANDS: Record<string, ComponentType<any>> = {
  FleetTable,
  HostCharts,
  HostStatus,
  CopyButton,
  AddHost,
  Logs,
  TagEditor,
  ContainerTable,
  HostPackages,
  FleetPackages,
  // Alerting: rules, silences, maintenance, channels
  RuleList,
  RuleEditor,
  SilenceList,
  MaintenanceList,
  ChannelList,
  DeliveryLog,
  DestinationPolicy,
  // -- alerts --
  Alerts,
  AlertSummary,
  AlertBanner,
  AlertCount,
  // -- end of alerts --
  // -- actions (issue 20) --
  HostActions,
  OperatorKey,
  // -- end of actions --
  CheckList,
  CheckEditor,
};

for (const el of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const component = ISLANDS[el.dataset.island!];
  const script = el.querySelector(":scope > script");
  const props = JSON.parse(script?.textContent ?? "{}");
  const root = el.querySelector<HTMLElement>(":scope > [data-island-root]");
  if (component && root) {
    hydrate(h(component, props), root);
    // Read once: what an island stops showing (a used token) is then gone from the page.
    script?.remove();
  }
}
