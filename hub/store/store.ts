/**
 * The store the hub opens: one connection (SQLite) or pool (PostgreSQL) and,
 * on it, one narrow store per domain. Each domain's interface, its types and
 * its implementations live in its own folder (hosts/, metrics/, …); callers
 * never see SQL.
 */
import type { AuditStore } from "./audit/types.ts";
import type { AuthStore } from "./auth/types.ts";
import type { HistoryStore } from "./history/types.ts";
import type { HostStore } from "./hosts/types.ts";
import type { MetricStore } from "./metrics/types.ts";
import type { NonceStore } from "./nonces/types.ts";
import type { SettingStore } from "./settings/types.ts";
import type { LeaseStore } from "./leases/types.ts";
import type { AlertStore } from "./alerts/types.ts";
import type { NotificationStore } from "./notifications/types.ts";
import type { ChangeStore } from "./changes/types.ts";
import type { ContainerStore } from "./containers/types.ts";
import type { PackageStore } from "./packages/types.ts";
import type { ProbeStore } from "./probes/types.ts";
import type { LogStore } from "./logs/types.ts";

/** Every domain's store on one database. Every write is atomic. */
export interface Store {
  readonly hosts: HostStore;
  readonly nonces: NonceStore;
  readonly metrics: MetricStore;
  readonly history: HistoryStore;
  readonly auth: AuthStore;
  readonly audit: AuditStore;
  readonly settings: SettingStore;
  readonly leases: LeaseStore;
  readonly alerts: AlertStore;
  readonly notifications: NotificationStore;
  readonly changes: ChangeStore;
  readonly containers: ContainerStore;
  readonly packages: PackageStore;
  readonly probes: ProbeStore;
  readonly logs: LogStore;
  /** Applies pending migrations; returns the names of those applied. */
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}
