/**
 * The conformance suite every store passes with the same inputs and outputs,
 * one file per domain (hosts/conformance.ts, …); conformance_test.ts runs it
 * against SQLite, and against PostgreSQL when a test database server is
 * configured.
 */
import { assertEquals } from "../../lib/assert.ts";
import type { OpenStore, StoreTest } from "./conformance_helpers.ts";
import { auditConformance } from "./audit/conformance.ts";
import { authConformance } from "./auth/conformance.ts";
import { historyConformance } from "./history/conformance.ts";
import { hostsConformance } from "./hosts/conformance.ts";
import { metricsConformance } from "./metrics/conformance.ts";
import { noncesConformance } from "./nonces/conformance.ts";
import { settingsConformance } from "./settings/conformance.ts";
import { leasesConformance } from "./leases/conformance.ts";
import { alertsConformance } from "./alerts/conformance.ts";
import { notificationsConformance } from "./notifications/conformance.ts";
import { changesConformance } from "./changes/conformance.ts";
import { containersConformance } from "./containers/conformance.ts";
import { packagesConformance } from "./packages/conformance.ts";
import { probesConformance } from "./probes/conformance.ts";
import { logsConformance } from "./logs/conformance.ts";

/** Registers every domain's suite for one backend. */
export function storeConformance(
  backend: string,
  open: OpenStore,
  options: { ignore?: boolean } = {},
): void {
  const test: StoreTest = (name, fn) =>
    Deno.test({
      name: `${backend}: ${name}`,
      ignore: options.ignore,
      sanitizeResources: false,
      sanitizeOps: false,
      async fn() {
        const { store, dispose } = await open();
        try {
          await fn(store);
        } finally {
          await dispose();
        }
      },
    });

  test("migrate() is idempotent", async (s) => {
    assertEquals(await s.migrate(), []);
  });

  hostsConformance(test);
  noncesConformance(test);
  metricsConformance(test);
  historyConformance(test);
  authConformance(test);
  auditConformance(test);
  settingsConformance(test);
  leasesConformance(test);
  alertsConformance(test);
  notificationsConformance(test);
  changesConformance(test);
  containersConformance(test);
  packagesConformance(test);
  probesConformance(test);
  logsConformance(test);
}
