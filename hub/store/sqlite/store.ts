/**
 * The embedded store: one SQLite file in WAL mode through `node:sqlite`.
 * Several workers may open it at once (ingest writes, the main thread reads,
 * the heartbeat worker syncs status); busy_timeout serialises their writes.
 * Every domain's store shares the one connection and its statement cache.
 */
import type { Store } from "../store.ts";
import { SqliteDb } from "./db.ts";
import { SqlAuditStore } from "../audit/shared.ts";
import { SqlAuthStore } from "../auth/shared.ts";
import { SqliteHistoryStore } from "../history/sqlite.ts";
import { SqlHostStore } from "../hosts/shared.ts";
import { SqliteMetricStore } from "../metrics/sqlite.ts";
import { SeriesIds } from "../metrics/series_ids.ts";
import { SqlNonceStore } from "../nonces/shared.ts";
import { SqlSettingStore } from "../settings/shared.ts";
import { SqlLeaseStore } from "../leases/shared.ts";
import { SqlAlertStore } from "../alerts/shared.ts";
import { SqlNotificationStore } from "../notifications/shared.ts";
import { SqlChangeStore } from "../changes/shared.ts";
import { SqlContainerStore } from "../containers/shared.ts";
import { SqlPackageStore } from "../packages/shared.ts";
import { SqlProbeStore } from "../probes/shared.ts";
import { SqlLogStore } from "../logs/shared.ts";

/** {@link Store} on one SQLite file. */
export class SqliteStore implements Store {
  readonly db: SqliteDb;
  readonly hosts: SqlHostStore;
  readonly nonces: SqlNonceStore;
  readonly metrics: SqliteMetricStore;
  readonly history: SqliteHistoryStore;
  readonly auth: SqlAuthStore;
  readonly audit: SqlAuditStore;
  readonly settings: SqlSettingStore;
  readonly leases: SqlLeaseStore;
  readonly alerts: SqlAlertStore;
  readonly notifications: SqlNotificationStore;
  readonly changes: SqlChangeStore;
  readonly containers: SqlContainerStore;
  readonly packages: SqlPackageStore;
  readonly probes: SqlProbeStore;
  readonly logs: SqlLogStore;

  constructor(path: string) {
    this.db = new SqliteDb(path);
    const seriesIds = new SeriesIds();
    this.hosts = new SqlHostStore(this.db, (id) => seriesIds.forgetHost(id));
    this.nonces = new SqlNonceStore(this.db);
    this.metrics = new SqliteMetricStore(this.db, seriesIds);
    this.history = new SqliteHistoryStore(this.db);
    this.auth = new SqlAuthStore(this.db);
    this.audit = new SqlAuditStore(this.db);
    this.settings = new SqlSettingStore(this.db);
    this.leases = new SqlLeaseStore(this.db);
    this.alerts = new SqlAlertStore(this.db);
    this.notifications = new SqlNotificationStore(this.db);
    this.changes = new SqlChangeStore(this.db);
    this.containers = new SqlContainerStore(this.db);
    this.packages = new SqlPackageStore(this.db);
    this.probes = new SqlProbeStore(this.db);
    this.logs = new SqlLogStore(this.db);
  }

  migrate(): Promise<string[]> {
    return this.db.migrate();
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
