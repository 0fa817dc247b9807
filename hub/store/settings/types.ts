/** One-off settings of the hub, by key (the setup token's hash, …). */
import type { AuditRecord } from "../audit/types.ts";

export interface SettingStore {
  get(key: string): Promise<string | null>;
  /** Sets a setting (null removes it), with its audit entry in the same transaction. */
  set(key: string, value: string | null, audit?: AuditRecord): Promise<void>;
}
