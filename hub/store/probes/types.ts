/**
 * Uptime checks: their definitions, each agent's rounds (stored once per
 * batch, on (host, seq) like metrics), the judged status and incidents.
 */
import type { CheckDef } from "../../../lib/probes/check.ts";
import type { CheckStatus } from "../../../lib/probes/judge.ts";
import type { AuditRecord } from "../audit/types.ts";

/** One round of one check on one agent. */
export interface CheckRound {
  check_id: string;
  host_id: string;
  ts: number;
  ok: boolean;
  ms: number;
  message: string;
  details: RoundDetails;
}

export interface RoundDetails {
  dns_ms?: number;
  connect_ms?: number;
  tls_ms?: number;
  first_byte_ms?: number;
  total_ms?: number;
  cert_days_left?: number;
  loss_percent?: number;
}

export interface CheckState {
  check_id: string;
  status: CheckStatus;
  /** When the status last changed. */
  since: number;
  /** When the check was first judged (uptime counts from then). */
  judged_since: number;
}

export interface Incident {
  check_id: string;
  started_at: number;
  ended_at: number | null;
  cause: string;
}

export interface ProbeStore {
  createCheck(def: CheckDef, at: number, audit?: AuditRecord): Promise<void>;
  /** False when there is no such check. */
  updateCheck(def: CheckDef, at: number, audit?: AuditRecord): Promise<boolean>;
  /** False when there is no such check; its rounds, state and incidents go with it. */
  deleteCheck(id: string, audit?: AuditRecord): Promise<boolean>;
  getCheck(id: string): Promise<CheckDef | null>;
  /** Every check, by name. */
  listChecks(): Promise<CheckDef[]>;
  /**
   * Stores a batch of rounds unless (host, seq) is stored already (then
   * nothing is written); rounds of a check that no longer exists are left
   * out. Returns the rounds stored.
   */
  writeRounds(
    hostId: string,
    batch: { seq: number; ts: number; rounds: CheckRound[] },
    receivedAt: number,
  ): Promise<{ inserted: boolean; stored: CheckRound[] }>;
  /** Each agent's newest round of the check. */
  lastRounds(checkId: string): Promise<CheckRound[]>;
  /** The check's rounds with from <= ts < to, oldest first, at most `limit` (the newest). */
  rounds(checkId: string, from: number, to: number, limit: number): Promise<CheckRound[]>;
  /**
   * Rounds passed and run per agent since `from`: the rounds up to the next UTC
   * midnight, then whole days (check_days), so a year costs a row a day.
   */
  passCounts(
    checkId: string,
    from: number,
  ): Promise<Map<string, { passed: number; total: number }>>;
  /** Each agent's days of the check from day `fromDay` (days since the epoch, UTC), oldest first. */
  days(checkId: string, fromDay: number): Promise<CheckDay[]>;
  /** Deletes up to `limit` rounds older than `before` (their days stay); how many went. */
  pruneRounds(before: number, limit: number): Promise<number>;
  /** Deletes up to `limit` incidents that ended before `before` (an open one stays); how many went. */
  pruneIncidents(before: number, limit: number): Promise<number>;
  states(): Promise<CheckState[]>;
  /**
   * Records a change of judged status: the state, and an incident opened
   * (to down) or closed (from down), in one transaction. False when the
   * check is gone.
   */
  recordStatus(checkId: string, status: CheckStatus, at: number, cause: string): Promise<boolean>;
  /** Incidents that overlap [from, to), newest first, at most `limit`. */
  incidents(checkId: string, from: number, to: number, limit: number): Promise<Incident[]>;
}

/** One agent's rounds of a check on one UTC day. */
export interface CheckDay {
  host_id: string;
  /** Days since 1970-01-01 UTC. */
  day: number;
  rounds: number;
  passed: number;
  /** Of the rounds that passed; null when none did. */
  ms_mean: number | null;
  ms_max: number | null;
}
