/**
 * A check-results batch from an agent, checked and made rows. Untrusted
 * like every batch: a limit broken rejects the whole batch (acked with
 * `rejected`, never retried), so nothing of it is half stored.
 */
import type { CheckResults } from "../../proto/gen/sightline/agent/v1/agent_pb.ts";
import { visible } from "../../lib/names.ts";
import { InvalidMessage } from "../ingest/convert.ts";
import type { CheckRound, RoundDetails } from "../store/probes/types.ts";

const MAX_ROUNDS = 1000;
const MAX_MESSAGE = 500;
/** A round older than this or this far ahead of the hub's clock is not a round. */
const MAX_AGE_MS = 30 * 86_400_000;
const MAX_FUTURE_MS = 5 * 60_000;
const MAX_MS = 3_600_000;

export function resultsToRounds(
  b: CheckResults,
  now = Date.now(),
): { seq: number; ts: number; rounds: CheckRound[] } {
  const seq = Number(b.seq);
  const ts = Number(b.unixMs);
  if (seq < 1 || !Number.isSafeInteger(seq)) throw new InvalidMessage("seq must be at least 1");
  if (!plausible(ts, now)) throw new InvalidMessage(`unix_ms ${ts} is not a plausible time`);
  if (b.results.length > MAX_ROUNDS) {
    throw new InvalidMessage(`more than ${MAX_ROUNDS} check results in one batch`);
  }
  const rounds = b.results.map((r, i): CheckRound => {
    const at = Number(r.unixMs);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(r.checkId)) {
      throw new InvalidMessage(`result ${i}: check_id is not an id`);
    }
    if (!plausible(at, now)) throw new InvalidMessage(`result ${i}: unix_ms is not plausible`);
    const ms = finite(r.ms, 0, MAX_MS, `result ${i}: ms`);
    const details: RoundDetails = {};
    const t = r.timings;
    if (t) {
      details.dns_ms = finite(t.dnsMs, 0, MAX_MS, `result ${i}: dns_ms`);
      details.connect_ms = finite(t.connectMs, 0, MAX_MS, `result ${i}: connect_ms`);
      details.tls_ms = finite(t.tlsMs, 0, MAX_MS, `result ${i}: tls_ms`);
      details.first_byte_ms = finite(t.firstByteMs, 0, MAX_MS, `result ${i}: first_byte_ms`);
      details.total_ms = finite(t.totalMs, 0, MAX_MS, `result ${i}: total_ms`);
    }
    if (r.certDaysLeft) {
      details.cert_days_left = finite(
        r.certDaysLeft,
        -36_500,
        36_500,
        `result ${i}: cert_days_left`,
      );
    }
    if (r.lossPercent) {
      details.loss_percent = finite(r.lossPercent, 0, 100, `result ${i}: loss_percent`);
    }
    return {
      check_id: r.checkId,
      host_id: "",
      ts: at,
      ok: r.ok,
      ms,
      // Shown on pages and in notifications: what would hide or rearrange text is spelled out.
      message: [...visible(r.message)].slice(0, MAX_MESSAGE).join(""),
      details,
    };
  });
  return { seq, ts, rounds };
}

const plausible = (ts: number, now: number) =>
  Number.isSafeInteger(ts) && ts > now - MAX_AGE_MS && ts <= now + MAX_FUTURE_MS;

function finite(v: number, min: number, max: number, what: string): number {
  if (!Number.isFinite(v) || v < min || v > max) {
    throw new InvalidMessage(`${what} ${v} is outside ${min}–${max}`);
  }
  return v;
}
