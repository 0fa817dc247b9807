/**
 * The closed set of executors: a check's spec picks one, and nothing else
 * can run. A check of a kind this build does not know fails with that said.
 */
import type { Check } from "../../proto/gen/sightline/agent/v1/agent_lean.ts";
import { probeDns } from "./dns.ts";
import { probeHttp } from "./http.ts";
import { probePing } from "./ping.ts";
import { probeTcp } from "./tcp.ts";
import { probeTls } from "./tls.ts";
import type { ProbeOptions, ProbeResult } from "./types.ts";

export type { ProbeOptions, ProbeResult };

export function runProbe(check: Check, opts: ProbeOptions): Promise<ProbeResult> {
  const spec = check.spec;
  switch (spec?.case) {
    case "http":
      return probeHttp(spec.value, opts);
    case "tls":
      return probeTls(spec.value, opts);
    case "tcp":
      return probeTcp(spec.value, opts);
    case "dns":
      return probeDns(spec.value, opts);
    case "ping":
      return probePing(spec.value, opts);
    default:
      return Promise.resolve({ ok: false, ms: 0, message: "check type not known to this agent" });
  }
}
