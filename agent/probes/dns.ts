/**
 * The DNS check: the record type asked of the chosen resolver (the system's
 * when none is given), passing when an answer equals the one expected (or,
 * expecting nothing, when there is any answer).
 */
import type { DnsCheck } from "../../proto/gen/sightline/agent/v1/agent_lean.ts";
import { deadline, type ProbeOptions, type ProbeResult, reason, stopwatch } from "./types.ts";

export const DNS_TYPES = ["A", "AAAA", "CNAME", "MX", "NS", "TXT"] as const;
type DnsType = typeof DNS_TYPES[number];

export async function probeDns(spec: DnsCheck, opts: ProbeOptions): Promise<ProbeResult> {
  const elapsed = stopwatch();
  const type = (spec.recordType || "A").toUpperCase() as DnsType;
  if (!DNS_TYPES.includes(type)) return { ok: false, ms: 0, message: `record type ${type}?` };
  if (!spec.name) return { ok: false, ms: 0, message: "no name" };
  const signal = deadline(opts);
  let answers: string[];
  try {
    const raw: unknown[] = await Deno.resolveDns(spec.name, type as "A", {
      signal,
      nameServer: spec.resolver
        ? { ipAddr: spec.resolver, port: spec.resolverPort || 53 }
        : undefined,
    });
    answers = raw.map(text);
  } catch (err) {
    const ms = elapsed();
    const why = signal.aborted
      ? "timed out"
      : err instanceof Deno.errors.NotFound
      ? `no ${type} record for ${spec.name}`
      : reason(err);
    return { ok: false, ms, message: why };
  }
  const ms = elapsed();
  const timings = { dnsMs: ms, connectMs: 0, tlsMs: 0, firstByteMs: 0, totalMs: ms };
  const shown = answers.slice(0, 5).join(", ");
  if (!answers.length) return { ok: false, ms, message: `no ${type} record`, timings };
  if (spec.expect && !answers.some((a) => same(a, spec.expect))) {
    return { ok: false, ms, message: `answered ${shown}, expected ${spec.expect}`, timings };
  }
  return { ok: true, ms, message: shown, timings };
}

/** One answer as text: MX as "10 mail.example.", TXT's strings joined. */
function text(a: unknown): string {
  if (typeof a === "string") return a;
  if (Array.isArray(a)) return a.join("");
  const mx = a as { preference?: number; exchange?: string };
  return mx.exchange !== undefined ? `${mx.preference} ${mx.exchange}` : JSON.stringify(a);
}

/** Names compare without their trailing dot and case. */
const same = (a: string, b: string) =>
  a.replace(/\.$/, "").toLowerCase() === b.replace(/\.$/, "").toLowerCase();
