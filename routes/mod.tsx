/**
 * The route table: every handler under routes/ (one per file, named as in
 * Fresh), mounted into the hub's HTTP app (hub/http/app.tsx), which brings
 * the middleware and error pages. hub/ never imports routes/: this file is
 * where the two meet, and main.ts builds the app from it.
 */
import type { Hono } from "hono";
import { createApp } from "../hub/http/app.tsx";
import type { AppDeps, AppEnv } from "../hub/http/deps.ts";
import { App, withAlertCounts } from "./_app.tsx";
import { listHosts } from "./api/v1/hosts/index.ts";
import { getHost } from "./api/v1/hosts/[id]/index.ts";
import { getMetrics } from "./api/v1/hosts/[id]/metrics.ts";
import { getAgent } from "./api/v1/hosts/[id]/agent.ts";
import { getProcesses } from "./api/v1/hosts/[id]/processes.ts";
import { putInterval } from "./api/v1/hosts/[id]/interval.ts";
import { getChanges } from "./api/v1/hosts/[id]/changes.ts";
// -- actions (issue 20) --
import { getActions, postAction } from "./api/v1/hosts/[id]/actions.ts";
import { operatorKeyPage } from "./settings/operator_key.tsx";
// -- end of actions --
// -- containers (issue 20) --
import { getHostContainers } from "./api/v1/hosts/[id]/containers.ts";
import { listContainers } from "./api/v1/containers.ts";
import { containersPage, hostContainersPage } from "./containers.tsx";
// -- end of containers --
import { getHostPackages } from "./api/v1/hosts/[id]/packages.ts";
import { getPackages, getPackagesSummary } from "./api/v1/packages.ts";
import { events } from "./api/v1/events.ts";
import { getFleetMetrics } from "./api/v1/metrics.ts";
import * as alertApi from "./api/v1/alerts/index.ts";
import * as checkApi from "./api/v1/checks/index.ts";
import { statusHtml, statusJson } from "./status.tsx";
import { checkPage, checksPage, deleteCheck, deleteCheckPage } from "./checks/index.tsx";
import { login, loginPage } from "./login.tsx";
import { logout } from "./logout.ts";
import { setup, setupPage } from "./setup.tsx";
import { fleetPage } from "./index.tsx";
import { createHost, newHostPage, renewToken } from "./hosts/new.tsx";
import { hostPage } from "./hosts/[id].tsx";
import { deleteHost, deleteHostPage } from "./hosts/[id]/delete.tsx";
import { setTags } from "./hosts/[id]/tags.ts";
import { hostPackagesPage } from "./hosts/[id]/packages.tsx";
import { packagesPage } from "./packages/index.tsx";
// Alerting: rules, silences, maintenance, channels
import { rulesPage } from "./alerts/rules.tsx";
import * as logApi from "./api/v1/logs/index.ts";
import { hostLogsPage, logsPage } from "./logs/index.tsx";
import { newRulePage, rulePage } from "./alerts/rules/[id].tsx";
import { deleteRule, deleteRulePage } from "./alerts/rules/[id]/delete.tsx";
import { silencesPage } from "./alerts/silences.tsx";
import { maintenancePage } from "./alerts/maintenance.tsx";
import { channelsPage } from "./alerts/channels.tsx";
import {
  addUser,
  changePassword,
  changeRole,
  createKey,
  removeUser,
  revokeKey,
  revokeKeyPage,
  settingsPage,
} from "./settings/index.tsx";
// -- alerts (firing now, history, one alert, counts) --
import { getCounts } from "./api/v1/alerts/counts.ts";
import { alertsPage } from "./alerts/index.tsx";
import { alertPage } from "./alerts/[id].tsx";
// -- end of alerts --

/** The hub's whole HTTP app over `deps`. */
export function createHubApp(deps: AppDeps): Hono<AppEnv> {
  return createApp(deps, {
    api(api) {
      api.get("/hosts", listHosts(deps));
      api.get("/hosts/:id", getHost(deps));
      api.get("/hosts/:id/metrics", getMetrics(deps));
      api.get("/hosts/:id/agent", getAgent(deps));
      api.get("/hosts/:id/processes", getProcesses(deps));
      api.put("/hosts/:id/interval", putInterval(deps));
      api.get("/hosts/:id/changes", getChanges(deps));
      // -- actions (issue 20) --
      api.get("/hosts/:id/actions", getActions(deps));
      api.post("/hosts/:id/actions", postAction(deps));
      // -- end of actions --
      // -- containers --
      api.get("/hosts/:id/containers", getHostContainers(deps));
      api.get("/containers", listContainers(deps));
      // -- end of containers --
      api.get("/hosts/:id/packages", getHostPackages(deps));
      api.get("/packages", getPackages(deps));
      api.get("/packages/summary", getPackagesSummary(deps));
      api.get("/metrics", getFleetMetrics(deps));
      api.get("/logs", logApi.searchLogs(deps));
      api.get("/log-sources", logApi.listSources(deps));
      api.post("/log-sources", logApi.createSource(deps));
      api.delete("/log-sources/:id", logApi.deleteSource(deps));
      api.get("/events", events(deps));
      api.get("/alerts", alertApi.listAlerts(deps));
      api.get("/checks", checkApi.listChecks(deps));
      api.post("/checks", checkApi.createCheck(deps));
      api.get("/checks/:id", checkApi.getCheck(deps));
      api.get("/checks/:id/row", checkApi.getCheckRow(deps));
      api.get("/checks/:id/metrics", checkApi.getCheckMetrics(deps));
      api.put("/checks/:id", checkApi.updateCheck(deps, false));
      api.patch("/checks/:id", checkApi.updateCheck(deps, true));
      api.delete("/checks/:id", checkApi.deleteCheck(deps));
      api.get("/status-page", checkApi.getStatusPage(deps));
      api.put("/status-page", checkApi.putStatusPage(deps));
      // -- alerts: before /alerts/:id, which would take "counts" for an id --
      api.get("/alerts/counts", getCounts(deps));
      // -- end of alerts --
      api.get("/alerts/:id", alertApi.getAlert(deps));
      api.post("/alerts/:id/ack", alertApi.ackAlert(deps));
      api.get("/alert-rules", alertApi.listRules(deps));
      api.post("/alert-rules", alertApi.createRule(deps));
      api.post("/alert-rules/preview", alertApi.previewRule(deps));
      api.get("/alert-rules/:id", alertApi.getRule(deps));
      api.patch("/alert-rules/:id", alertApi.updateRule(deps));
      api.delete("/alert-rules/:id", alertApi.deleteRule(deps));
      api.get("/silences", alertApi.listSilences(deps));
      api.post("/silences", alertApi.createSilence(deps));
      api.delete("/silences/:id", alertApi.endSilence(deps));
      api.get("/maintenance-windows", alertApi.listWindows(deps));
      api.post("/maintenance-windows", alertApi.createWindow(deps));
      api.delete("/maintenance-windows/:id", alertApi.deleteWindow(deps));
      api.get("/channels", alertApi.listChannels(deps));
      api.post("/channels", alertApi.createChannel(deps));
      api.post("/channels/preview-template", alertApi.previewTemplate(deps));
      api.get("/channels/:id", alertApi.getChannel(deps));
      api.patch("/channels/:id", alertApi.updateChannel(deps));
      api.delete("/channels/:id", alertApi.deleteChannel(deps));
      api.post("/channels/:id/test", alertApi.testChannel(deps));
      api.get("/channel-types", alertApi.channelTypes());
      api.get("/notifications", alertApi.listNotifications(deps));
      api.get("/notification-settings", alertApi.getNotificationSettings(deps));
      api.put("/notification-settings", alertApi.putNotificationSettings(deps));
    },
    open(app) {
      app.get("/login", loginPage());
      app.post("/login", login(deps));
      app.get("/setup", setupPage(deps));
      app.post("/setup", setup(deps));
      app.post("/logout", logout(deps));
      app.get("/status", statusHtml(deps));
      app.get("/status.json", statusJson(deps));
      app.get("/push/:id/:secret", checkApi.push(deps));
    },
    pages(pages) {
      // -- alerts: the navigation's count of firing alerts, on every page --
      pages.use("*", withAlertCounts(deps));
      // -- end of alerts --
      pages.get("/", fleetPage(deps));
      pages.get("/hosts/new", newHostPage());
      pages.post("/hosts/new", createHost(deps));
      pages.get("/hosts/:id", hostPage(deps));
      pages.get("/hosts/:id/delete", deleteHostPage(deps));
      // -- containers --
      pages.get("/hosts/:id/containers", hostContainersPage(deps));
      pages.get("/containers", containersPage(deps));
      // -- end of containers --
      pages.post("/hosts/:id/delete", deleteHost(deps));
      pages.post("/hosts/:id/tags", setTags(deps));
      pages.get("/hosts/:id/packages", hostPackagesPage(deps));
      pages.get("/packages", packagesPage(deps));
      pages.post("/hosts/:id/token", renewToken(deps));
      pages.get("/settings", settingsPage(deps));
      // -- actions (issue 20) --
      pages.get("/settings/operator-key", operatorKeyPage());
      // -- end of actions --
      pages.post("/settings/users", addUser(deps));
      pages.post("/settings/users/:id/role", changeRole(deps));
      pages.post("/settings/users/:id/delete", removeUser(deps));
      pages.post("/settings/password", changePassword(deps));
      pages.post("/settings/apikeys", createKey(deps));
      pages.get("/settings/apikeys/:id/revoke", revokeKeyPage(deps));
      pages.post("/settings/apikeys/:id/revoke", revokeKey(deps));
      // Alerting: rules, silences, maintenance, channels (before /alerts/:id, which they would match)
      pages.get("/logs", logsPage(deps));
      pages.get("/hosts/:id/logs", hostLogsPage(deps));
      pages.get("/alerts/rules", rulesPage(deps));
      pages.get("/alerts/rules/new", newRulePage(deps));
      pages.get("/alerts/rules/:id", rulePage(deps));
      pages.get("/alerts/rules/:id/delete", deleteRulePage(deps));
      pages.post("/alerts/rules/:id/delete", deleteRule(deps));
      pages.get("/alerts/silences", silencesPage(deps));
      pages.get("/alerts/maintenance", maintenancePage(deps));
      pages.get("/alerts/channels", channelsPage(deps));
      // -- alerts (firing now, history, one alert) --
      pages.get("/checks", checksPage(deps));
      pages.get("/checks/:id", checkPage(deps));
      pages.get("/checks/:id/delete", deleteCheckPage(deps));
      pages.post("/checks/:id/delete", deleteCheck(deps));
      pages.get("/alerts", alertsPage(deps));
      pages.get("/alerts/:id{[0-9]+}", alertPage(deps));
      // -- end of alerts --
    },
  }, App);
}
