/** Uptime checks on either dialect: the SQL agrees (PostgreSQL is told its types where it asks). */
import type { CheckDef } from "../../../lib/probes/check.ts";
import type { CheckStatus } from "../../../lib/probes/judge.ts";
import { writeAudit } from "../audit/shared.ts";
import type { AuditRecord } from "../audit/types.ts";
import { json } from "../rows.ts";
import { count, type Db, first, Json, type Row, rows } from "../sql.ts";
import { roundSamples } from "../../../lib/probes/metrics.ts";
import { TIME_TABLES } from "../tiers.ts";
import { lockLease } from "../leases/shared.ts";
import { ROLLUP_LEASE } from "../history/types.ts";
import type { CheckDay, CheckRound, CheckState, Incident, ProbeStore } from "./types.ts";

const DAY_MS = 86_400_000;

const toRound = (r: Row): CheckRound => ({
  check_id: String(r.check_id),
  host_id: String(r.host_id),
  ts: Number(r.ts),
  ok: Number(r.ok) === 1,
  ms: Number(r.ms),
  message: String(r.message),
  details: json(r.details),
});

export class SqlProbeStore implements ProbeStore {
  /**
   * `samplesAt` readies the samples table for an instant before a batch's
   * samples are written there (PostgreSQL: its day partition).
   */
  constructor(
    private readonly db: Db,
    private readonly samplesAt?: (ts: number) => Promise<void>,
  ) {}

  #casts() {
    return this.db.dialect === "postgres"
      ? {
        big: "::bigint",
        dbl: "::double precision",
        int: "::integer",
        jsonb: "::jsonb",
        yes: "true",
        no: "false",
        greatest: "GREATEST",
      }
      : { big: "", dbl: "", int: "", jsonb: "", yes: "1", no: "0", greatest: "MAX" };
  }

  createCheck(def: CheckDef, at: number, audit?: AuditRecord): Promise<void> {
    return this.db.tx(function* () {
      yield* count(
        "INSERT INTO checks (id, spec, created_at, updated_at) VALUES (:id, :spec, :at, :at)",
        { id: def.id, spec: new Json(def), at },
      );
      yield* writeAudit(audit);
    }());
  }

  updateCheck(def: CheckDef, at: number, audit?: AuditRecord): Promise<boolean> {
    return this.db.tx(function* () {
      const n = yield* count(
        "UPDATE checks SET spec = :spec, updated_at = :at WHERE id = :id",
        { id: def.id, spec: new Json(def), at },
      );
      if (!n) return false;
      yield* writeAudit(audit);
      return true;
    }());
  }

  deleteCheck(id: string, audit?: AuditRecord): Promise<boolean> {
    return this.db.tx(function* () {
      const n = yield* count("DELETE FROM checks WHERE id = :id", { id });
      if (!n) return false;
      // Its metric series on every host that ran it, as a host's removal takes
      // its own (waiting for a rollup run in flight, which may write buckets).
      yield* lockLease(ROLLUP_LEASE);
      const ofCheck = `SELECT id FROM series WHERE metric IN ('check_response_ms', 'check_up')
        AND label = :id`;
      for (const table of TIME_TABLES) {
        yield* count(`DELETE FROM ${table} WHERE series_id IN (${ofCheck})`, { id });
      }
      yield* count(`DELETE FROM series WHERE id IN (${ofCheck})`, { id });
      yield* writeAudit(audit);
      return true;
    }());
  }

  getCheck(id: string): Promise<CheckDef | null> {
    return this.db.run(function* () {
      const r = yield* first("SELECT spec FROM checks WHERE id = :id", { id });
      return r ? json<CheckDef>(r.spec) : null;
    }());
  }

  listChecks(): Promise<CheckDef[]> {
    return this.db.run(function* () {
      const found = yield* rows("SELECT spec FROM checks");
      return found.map((r) => json<CheckDef>(r.spec))
        .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    }());
  }

  writeRounds(
    hostId: string,
    batch: { seq: number; ts: number; rounds: CheckRound[] },
    receivedAt: number,
  ): Promise<{ inserted: boolean; stored: CheckRound[] }> {
    const c = this.#casts();
    const db = this.db;
    const ready = batch.rounds.length && this.samplesAt
      ? this.samplesAt(batch.ts)
      : Promise.resolve();
    return ready.then(() =>
      db.tx(function* () {
        // The batch once on (host, seq), whatever kind it is: a replay writes nothing.
        const [b] = yield* rows(
          `INSERT INTO batches (host_id, seq, ts, received_at, rolled_up, kind)
        VALUES (:host, :seq, :ts, :now, ${c.yes}, 'checks')
        ON CONFLICT (host_id, seq) DO NOTHING RETURNING seq`,
          { host: hostId, seq: batch.seq, ts: batch.ts, now: receivedAt },
        );
        if (!b) return { inserted: false, stored: [] };
        const stored: CheckRound[] = [];
        for (const r of batch.rounds) {
          // Through the checks row: a round of a check removed meanwhile is left out.
          const [done] = yield* rows(
            `INSERT INTO check_results (check_id, host_id, ts, ok, ms, message, details)
          SELECT id, :host, :ts${c.big}, :ok${c.int}, :ms${c.dbl}, :message, :details${c.jsonb}
          FROM checks WHERE id = :check
          ON CONFLICT (check_id, host_id, ts) DO NOTHING RETURNING ts`,
            {
              check: r.check_id,
              host: hostId,
              ts: r.ts,
              ok: r.ok ? 1 : 0,
              ms: r.ms,
              message: r.message,
              details: new Json(r.details),
            },
          );
          if (done) stored.push({ ...r, host_id: hostId });
        }
        // Each (check, day) the batch touched, added to its day in one statement.
        const days = new Map<
          string,
          { check: string; day: number; n: number; ok: number; sum: number; max: number }
        >();
        for (const r of stored) {
          const day = Math.floor(r.ts / DAY_MS);
          const k = `${r.check_id}\0${day}`;
          const d = days.get(k) ?? { check: r.check_id, day, n: 0, ok: 0, sum: 0, max: 0 };
          d.n++;
          if (r.ok) {
            d.ok++;
            d.sum += r.ms;
            d.max = Math.max(d.max, r.ms);
          }
          days.set(k, d);
        }
        for (const d of days.values()) {
          yield* count(
            `INSERT INTO check_days (check_id, host_id, day, rounds, passed, ms_sum, ms_max)
          VALUES (:check, :host, :day${c.int}, :n${c.int}, :ok${c.int}, :sum${c.dbl}, :max${c.dbl})
          ON CONFLICT (check_id, host_id, day) DO UPDATE SET
            rounds = check_days.rounds + excluded.rounds,
            passed = check_days.passed + excluded.passed,
            ms_sum = check_days.ms_sum + excluded.ms_sum,
            ms_max = ${c.greatest}(check_days.ms_max, excluded.ms_max)`,
            { check: d.check, host: hostId, day: d.day, n: d.n, ok: d.ok, sum: d.sum, max: d.max },
          );
        }
        // The rounds as metric samples of this host, at the batch's instant (as a
        // metrics batch's are), so the rollup job takes this batch like a metrics
        // batch: it marks the batch's minute dirty, or adds its samples to every
        // tier when it is older than the horizon. The batch row above is what
        // makes a replay write none of this again.
        const samples = roundSamples(stored);
        // The batch's series found in one look; one missing is made once (an upsert
        // would rewrite the row every round). Made by another hub meanwhile, the
        // insert does nothing and a second look finds it.
        const ids = new Map<string, number>();
        const key = (metric: string, label: string) => `${metric}\0${label}`;
        if (samples.length) {
          const labels: Record<string, string> = {};
          for (const [i, label] of [...new Set(samples.map((p) => p.label))].entries()) {
            labels[`l${i}`] = label;
          }
          const found = yield* rows(
            `SELECT id, metric, label FROM series WHERE host_id = :host
              AND metric IN ('check_response_ms', 'check_up')
              AND label IN (${Object.keys(labels).map((k) => `:${k}`).join(", ")})`,
            { host: hostId, ...labels },
          );
          for (const r of found) ids.set(key(String(r.metric), String(r.label)), Number(r.id));
        }
        for (const p of samples) {
          let id = ids.get(key(p.metric, p.label));
          if (id === undefined) {
            const one = { host: hostId, metric: p.metric, label: p.label };
            let [series] = yield* rows(
              `INSERT INTO series (host_id, metric, label) VALUES (:host, :metric, :label)
              ON CONFLICT (host_id, metric, label) DO NOTHING RETURNING id`,
              one,
            );
            series ??= (yield* rows(
              `SELECT id FROM series WHERE host_id = :host AND metric = :metric AND label = :label`,
              one,
            ))[0];
            id = Number(series.id);
          }
          yield* count(
            `INSERT INTO samples (series_id, ts, value) VALUES (:id${c.big}, :ts${c.big}, :v${c.dbl})
          ON CONFLICT (series_id, ts) DO NOTHING`,
            { id, ts: batch.ts, v: p.value },
          );
        }
        if (samples.length) {
          yield* count(
            `UPDATE batches SET rolled_up = ${c.no} WHERE host_id = :host AND seq = :seq`,
            { host: hostId, seq: batch.seq },
          );
        }
        return { inserted: true, stored };
      }())
    );
  }

  pruneRounds(before: number, limit: number): Promise<number> {
    return this.db.tx(function* () {
      // Their days stay in check_days: uptime and response times over a year read those.
      return yield* count(
        `DELETE FROM check_results WHERE (check_id, host_id, ts) IN (
          SELECT check_id, host_id, ts FROM check_results WHERE ts < :before LIMIT :limit)`,
        { before, limit },
      );
    }());
  }

  pruneIncidents(before: number, limit: number): Promise<number> {
    return this.db.tx(function* () {
      // No index on ended_at: a check has an incident per outage, so the table
      // stays small beside the rounds, and this runs once a retention pass.
      return yield* count(
        `DELETE FROM check_incidents WHERE (check_id, started_at) IN (
          SELECT check_id, started_at FROM check_incidents
          WHERE ended_at IS NOT NULL AND ended_at < :before LIMIT :limit)`,
        { before, limit },
      );
    }());
  }

  lastRounds(checkId: string): Promise<CheckRound[]> {
    return this.db.run(function* () {
      const found = yield* rows(
        `SELECT r.* FROM check_results r
        JOIN (SELECT host_id, MAX(ts) AS ts FROM check_results WHERE check_id = :check
          GROUP BY host_id) m ON m.host_id = r.host_id AND m.ts = r.ts
        WHERE r.check_id = :check ORDER BY r.host_id`,
        { check: checkId },
      );
      return found.map(toRound);
    }());
  }

  rounds(checkId: string, from: number, to: number, limit: number): Promise<CheckRound[]> {
    return this.db.run(function* () {
      const found = yield* rows(
        `SELECT * FROM check_results WHERE check_id = :check AND ts >= :from AND ts < :to
        ORDER BY ts DESC, host_id DESC LIMIT :limit`,
        { check: checkId, from, to, limit },
      );
      return found.reverse().map(toRound);
    }());
  }

  passCounts(
    checkId: string,
    from: number,
  ): Promise<Map<string, { passed: number; total: number }>> {
    // The rounds of the part-day at the window's start, then whole days from check_days:
    // a year is 365 rows per agent, not every round (those may be past their retention).
    const firstWhole = Math.ceil(from / DAY_MS);
    return this.db.run(function* () {
      const edge = yield* rows(
        `SELECT host_id, SUM(ok) AS passed, COUNT(*) AS total FROM check_results
        WHERE check_id = :check AND ts >= :from AND ts < :until GROUP BY host_id`,
        { check: checkId, from, until: firstWhole * DAY_MS },
      );
      const whole = yield* rows(
        `SELECT host_id, SUM(passed) AS passed, SUM(rounds) AS total FROM check_days
        WHERE check_id = :check AND day >= :day GROUP BY host_id`,
        { check: checkId, day: firstWhole },
      );
      const out = new Map<string, { passed: number; total: number }>();
      for (const r of [...edge, ...whole]) {
        const had = out.get(String(r.host_id)) ?? { passed: 0, total: 0 };
        out.set(String(r.host_id), {
          passed: had.passed + Number(r.passed),
          total: had.total + Number(r.total),
        });
      }
      return out;
    }());
  }

  days(checkId: string, fromDay: number): Promise<CheckDay[]> {
    return this.db.run(function* () {
      const found = yield* rows(
        `SELECT * FROM check_days WHERE check_id = :check AND day >= :day ORDER BY day, host_id`,
        { check: checkId, day: fromDay },
      );
      return found.map((r) => ({
        host_id: String(r.host_id),
        day: Number(r.day),
        rounds: Number(r.rounds),
        passed: Number(r.passed),
        ms_mean: Number(r.passed) ? Number(r.ms_sum) / Number(r.passed) : null,
        ms_max: Number(r.passed) ? Number(r.ms_max) : null,
      }));
    }());
  }

  states(): Promise<CheckState[]> {
    return this.db.run(function* () {
      const found = yield* rows("SELECT * FROM check_state");
      return found.map((r) => ({
        check_id: String(r.check_id),
        status: String(r.status) as CheckStatus,
        since: Number(r.since),
        judged_since: Number(r.judged_since),
      }));
    }());
  }

  recordStatus(checkId: string, status: CheckStatus, at: number, cause: string): Promise<boolean> {
    const c = this.#casts();
    const postgres = this.db.dialect === "postgres";
    return this.db.tx(function* () {
      // The check's row first, locked: a removal waits, and a removed check records nothing.
      const check = yield* first(
        `SELECT id FROM checks WHERE id = :check${postgres ? " FOR UPDATE" : ""}`,
        { check: checkId },
      );
      if (!check) return false;
      const prev = yield* first("SELECT status FROM check_state WHERE check_id = :check", {
        check: checkId,
      });
      // Judged the same already (two hubs judging a push check's silence in one tick): no change.
      if (prev?.status === status) return false;
      yield* count(
        `INSERT INTO check_state (check_id, status, since, judged_since)
        VALUES (:check, :status, :at${c.big}, :at${c.big})
        ON CONFLICT (check_id) DO UPDATE SET status = :status, since = :at${c.big}`,
        { check: checkId, status, at },
      );
      if (prev?.status === "down" && status !== "down") {
        yield* count(
          "UPDATE check_incidents SET ended_at = :at WHERE check_id = :check AND ended_at IS NULL",
          { check: checkId, at },
        );
      }
      if (status === "down" && prev?.status !== "down") {
        yield* count(
          `INSERT INTO check_incidents (check_id, started_at, ended_at, cause)
          VALUES (:check, :at, NULL, :cause) ON CONFLICT (check_id, started_at) DO NOTHING`,
          { check: checkId, at, cause },
        );
      }
      return true;
    }());
  }

  incidents(checkId: string, from: number, to: number, limit: number): Promise<Incident[]> {
    return this.db.run(function* () {
      const found = yield* rows(
        `SELECT * FROM check_incidents WHERE check_id = :check AND started_at < :to
        AND (ended_at IS NULL OR ended_at > :from) ORDER BY started_at DESC LIMIT :limit`,
        { check: checkId, from, to, limit },
      );
      return found.map((r) => ({
        check_id: String(r.check_id),
        started_at: Number(r.started_at),
        ended_at: r.ended_at === null ? null : Number(r.ended_at),
        cause: String(r.cause),
      }));
    }());
  }
}
