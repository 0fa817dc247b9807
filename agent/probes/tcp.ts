/** The TCP check: the port accepts a connection within the timeout. */
import type { TcpCheck } from "../../proto/gen/sightline/agent/v1/agent_lean.ts";
import { deadline, type ProbeOptions, type ProbeResult, reason, stopwatch } from "./types.ts";

export async function probeTcp(spec: TcpCheck, opts: ProbeOptions): Promise<ProbeResult> {
  const elapsed = stopwatch();
  const signal = deadline(opts);
  if (!spec.host || !(spec.port > 0 && spec.port < 65536)) {
    return { ok: false, ms: 0, message: "no host or port" };
  }
  try {
    const conn = await Deno.connect({ hostname: spec.host, port: spec.port, signal });
    const ms = elapsed();
    conn.close();
    return { ok: true, ms, message: "open", timings: timings(ms) };
  } catch (err) {
    const ms = elapsed();
    const why = signal.aborted
      ? "timed out"
      : err instanceof Deno.errors.ConnectionRefused
      ? "connection refused"
      : reason(err);
    return { ok: false, ms, message: why };
  }
}

const timings = (ms: number) => ({
  dnsMs: 0,
  connectMs: ms,
  tlsMs: 0,
  firstByteMs: 0,
  totalMs: ms,
});
