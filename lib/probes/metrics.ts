/**
 * A check's rounds as metric samples of the agent host that ran them (issue
 * 19): `check_response_ms` and `check_up`, labelled by the check's id (see
 * lib/metrics.ts). The store writes them with the rounds, at the batch's
 * instant, and the alert engine judges threshold rules on them; both fold a
 * batch the same way, here.
 */

/** What a round needs to become samples. */
export interface RoundLike {
  check_id: string;
  ok: boolean;
  ms: number;
}

/** One sample of one check's series. */
export interface CheckSample {
  metric: "check_response_ms" | "check_up";
  /** The check's id. */
  label: string;
  value: number;
}

/**
 * The samples of one batch's rounds: per check, `check_up` is the share of
 * its rounds that passed (1 or 0 for the usual one round a batch) and
 * `check_response_ms` the mean time of those that passed (none when none
 * did: a failed round's time is its timeout or its error, not a response).
 */
export function roundSamples(rounds: readonly RoundLike[]): CheckSample[] {
  const by = new Map<string, { n: number; ok: number; sum: number }>();
  for (const r of rounds) {
    const c = by.get(r.check_id) ?? { n: 0, ok: 0, sum: 0 };
    c.n++;
    if (r.ok) {
      c.ok++;
      c.sum += r.ms;
    }
    by.set(r.check_id, c);
  }
  const out: CheckSample[] = [];
  for (const [id, c] of by) {
    out.push({ metric: "check_up", label: id, value: c.ok / c.n });
    if (c.ok) out.push({ metric: "check_response_ms", label: id, value: c.sum / c.ok });
  }
  return out;
}
