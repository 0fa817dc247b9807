/**
 * The ping check, through the system's `ping` (iputils): it is unprivileged
 * where `net.ipv4.ping_group_range` admits the agent's group, and otherwise
 * needs a capability the agent does not take, so it then says "not
 * permitted here" instead of failing the host's check as if it were down.
 * The host goes to ping as one argument after checks (a name or an address,
 * never an option), and nothing else of the check reaches the command.
 */
import type { PingCheck } from "../../proto/gen/sightline/agent/v1/agent_lean.ts";
import { deadline, type ProbeOptions, type ProbeResult, reason, stopwatch } from "./types.ts";

const HOST = /^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$/;
export const NOT_PERMITTED = "ping not permitted here (net.ipv4.ping_group_range)";

export async function probePing(
  spec: PingCheck,
  opts: ProbeOptions & { command?: string },
): Promise<ProbeResult> {
  const elapsed = stopwatch();
  if (!HOST.test(spec.host)) return { ok: false, ms: 0, message: "not a host name or address" };
  const count = Math.min(Math.max(spec.count || 3, 1), 20);
  const waitS = Math.max(1, Math.ceil(opts.timeoutMs / 1000));
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(opts.command ?? "ping", {
      args: ["-n", "-c", String(count), "-i", "0.2", "-W", String(waitS), spec.host],
      stdout: "piped",
      stderr: "piped",
      env: { LC_ALL: "C" },
      signal: deadline({ ...opts, timeoutMs: opts.timeoutMs + count * 200 }),
    }).output();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      return { ok: false, ms: 0, message: "ping is not installed here" };
    }
    return { ok: false, ms: elapsed(), message: reason(err) };
  }
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr).trim();
  if (/not permitted|permission denied/i.test(stderr)) {
    return { ok: false, ms: 0, message: NOT_PERMITTED };
  }
  const sent = stdout.match(/(\d+) packets transmitted, (\d+) (?:packets )?received/);
  if (!sent) {
    return { ok: false, ms: elapsed(), message: stderr.split("\n")[0] || "no answer from ping" };
  }
  const lossPercent = Math.round((1 - Number(sent[2]) / Number(sent[1])) * 1000) / 10;
  const avg = stdout.match(/= [\d.]+\/([\d.]+)\//);
  const ms = avg ? Number(avg[1]) : 0;
  const timings = { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: 0, totalMs: ms };
  if (Number(sent[2]) === 0) {
    return { ok: false, ms, message: "no reply (100% loss)", timings, lossPercent };
  }
  return { ok: true, ms, message: `${lossPercent}% loss, ${ms} ms average`, timings, lossPercent };
}
