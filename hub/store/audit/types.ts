/** The audit log: who changed what, when. */

/**
 * An entry to record. A change a user makes takes one and writes it in the
 * change's own transaction, so the change and its entry land together or
 * not at all.
 */
export interface AuditRecord {
  at: number;
  actor: string;
  action: string;
  /** What the change was done to, by name: what the log shows, even once it is gone. */
  target?: string;
  /** Its id, where it has one (a host, a key, a user). */
  targetId?: string;
  detail?: string;
}

/** One audited change, as listed. */
export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  target_id: string;
  detail: string;
}

export interface AuditStore {
  /** Records an event that changes nothing else in the store (a sign-in). */
  record(e: AuditRecord): Promise<void>;
  /** The newest `limit` entries, newest first. */
  list(limit: number): Promise<AuditEntry[]>;
}
