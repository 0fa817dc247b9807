/**
 * The PostgreSQL store, through postgres.js: for fleets that outgrow the
 * embedded SQLite file, and for several hubs on one database. Every domain's
 * store shares the one pool; metric samples and rollups are range-partitioned
 * by time (partitions.ts), made ahead of the data.
 */
import type { Migration } from "../migrations.ts";
import type { Store } from "../store.ts";
import { PostgresDb } from "./db.ts";
import { Partitions } from "./partitions.ts";
import { SqlAuditStore } from "../audit/shared.ts";
import { SqlAuthStore } from "../auth/shared.ts";
import { PostgresHistoryStore } from "../history/postgres.ts";
import { SqlHostStore } from "../hosts/shared.ts";
import { PostgresMetricStore } from "../metrics/postgres.ts";
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

/** {@link Store} on one PostgreSQL database. */
export class PostgresStore implements Store {
  readonly db: PostgresDb;
  readonly partitions: Partitions;
  readonly hosts: SqlHostStore;
  readonly nonces: SqlNonceStore;
  readonly metrics: PostgresMetricStore;
  readonly history: PostgresHistoryStore;
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

  constructor(url: string, options: { pool?: number } = {}) {
    this.db = new PostgresDb(url, options);
    this.partitions = new Partitions(this.db.sql);
    const seriesIds = new SeriesIds();
    this.hosts = new SqlHostStore(this.db, (id) => seriesIds.forgetHost(id));
    this.nonces = new SqlNonceStore(this.db);
    this.metrics = new PostgresMetricStore(this.db.sql, this.partitions, seriesIds);
    this.history = new PostgresHistoryStore(this.db, this.partitions);
    this.auth = new SqlAuthStore(this.db);
    this.audit = new SqlAuditStore(this.db);
    this.settings = new SqlSettingStore(this.db);
    this.leases = new SqlLeaseStore(this.db);
    this.alerts = new SqlAlertStore(this.db);
    this.notifications = new SqlNotificationStore(this.db);
    this.changes = new SqlChangeStore(this.db);
    this.containers = new SqlContainerStore(this.db);
    this.packages = new SqlPackageStore(this.db);
    this.probes = new SqlProbeStore(
      this.db,
      (ts) => this.partitions.mayLack(ts) ? this.partitions.ensure(ts) : Promise.resolve(),
    );
    this.logs = new SqlLogStore(this.db, {
      // Lines from days well past (a journal read from its start, a clock set back) go to
      // the default partition, as late samples do: a partition for every day back to the
      // oldest line would be made for every time table, each its own file.
      ensure: (from, to) => this.partitions.ensure(Math.max(from, Date.now() - 2 * 86_400_000), to),
      dropBefore: async (before) => {
        await this.partitions.prune("log_lines", "ts", before, 100_000);
      },
    });
  }

  /** Applies pending migrations (those of sql/postgres, or `source` in tests), then makes partitions. */
  async migrate(source?: Migration[]): Promise<string[]> {
    const applied = await this.db.migrate(source);
    await this.partitions.ensure(Date.now());
    return applied;
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
