/** One-off settings of the hub, by key (the setup token's hash, …). */
import type { AuditRecord } from "../audit/types.ts";

export interface SettingStore {
  get(key: string): Promise<string | null>;
  /** Every setting whose key starts with `prefix` and ends with `suffix`, by key. */
  matching(prefix: string, suffix: string): Promise<Map<string, string>>;
  /** Sets a setting (null removes it), with its audit entry in the same transaction. */
  set(key: string, value: string | null, audit?: AuditRecord): Promise<void>;
  /**
   * Reads `keys` and writes what `change` makes of them (null removes one),
   * with the audit entry, in one transaction that holds the keys: two
   * changes of the same keys never both read the same values.
   */
  update(
    keys: string[],
    change: (current: Map<string, string | null>) => Map<string, string | null>,
    audit?: AuditRecord,
  ): Promise<void>;
}
