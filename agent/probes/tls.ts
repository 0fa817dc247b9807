/**
 * The TLS certificate check: connects, reads the peer's certificate and says
 * how many days it has left and whether its chain and its name are valid.
 * node:tls rather than Deno.connectTls: Deno's handshake refuses an invalid
 * certificate outright, and this check must still report what it holds
 * (days left of a certificate with the wrong name, say). Verification is
 * rustls' all the same: node:tls reports it as `authorized`.
 */
import tls from "node:tls";
import type { TlsCheck } from "../../proto/gen/sightline/agent/v1/agent_lean.ts";
import { deadline, type ProbeOptions, type ProbeResult, reason, stopwatch } from "./types.ts";

const DAY_MS = 86_400_000;

export function probeTls(spec: TlsCheck, opts: ProbeOptions): Promise<ProbeResult> {
  const elapsed = stopwatch();
  const port = spec.port || 443;
  if (!spec.host || port > 65535) return Promise.resolve({ ok: false, ms: 0, message: "no host" });
  const name = spec.serverName || spec.host;
  const signal = deadline(opts);
  return new Promise((resolve) => {
    let connectMs = 0;
    const socket = tls.connect({
      host: spec.host,
      port,
      // SNI carries names only; an address is checked against the certificate's IPs.
      servername: isIp(name) ? undefined : name,
      rejectUnauthorized: false,
      ca: opts.caCerts?.length ? [...tls.rootCertificates, ...opts.caCerts] : undefined,
    });
    const done = (r: ProbeResult) => {
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve(r);
    };
    const onAbort = () => done({ ok: false, ms: elapsed(), message: "timed out" });
    signal.addEventListener("abort", onAbort);
    socket.once("connect", () => connectMs = elapsed());
    socket.once("error", (err) => done({ ok: false, ms: elapsed(), message: reason(err) }));
    socket.once("secureConnect", () => {
      const ms = elapsed();
      const cert = socket.getPeerCertificate();
      const timings = { dnsMs: 0, connectMs, tlsMs: ms, firstByteMs: 0, totalMs: ms };
      if (!cert?.valid_to) return done({ ok: false, ms, message: "no certificate", timings });
      const certDaysLeft = Math.floor((Date.parse(cert.valid_to) - Date.now()) / DAY_MS * 10) /
        10;
      const nameError = tls.checkServerIdentity(name, cert);
      // A wrong name or an expiry is reported by node:tls in place of a
      // chain error; both are judged apart from the chain, above and below.
      const authError = String(socket.authorizationError ?? "not trusted");
      const chainError = socket.authorized || /ALTNAME|EXPIRED/.test(authError) ? null : authError;
      const problems = [
        certDaysLeft < 0
          ? `certificate expired ${-certDaysLeft} days ago`
          : certDaysLeft < (spec.minDaysLeft || 0)
          ? `certificate expires in ${certDaysLeft} days (fewer than ${spec.minDaysLeft})`
          : "",
        chainError ? `chain not valid: ${chainError}` : "",
        nameError ? `name not valid: ${name} is not in the certificate` : "",
      ].filter(Boolean);
      done({
        ok: problems.length === 0,
        ms,
        message: problems.join("; ") || `certificate valid, ${certDaysLeft} days left`,
        timings,
        certDaysLeft,
      });
    });
  });
}

export const isIp = (s: string) => /^[\d.]+$/.test(s) || s.includes(":");
