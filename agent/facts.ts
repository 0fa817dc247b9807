/** What the agent tells the hub about its host when a session starts. */
import type { Environment } from "./collectors/environment.ts";
import type { HostFacts } from "./transport.ts";

/** The host's addresses, less loopback and link-local ones. */
function ips(): string[] {
  try {
    return Deno.networkInterfaces()
      .filter((i) =>
        !i.address.startsWith("127.") && i.address !== "::1" && !i.address.startsWith("fe80:")
      )
      .map((i) => i.address);
  } catch {
    return [];
  }
}

/** Reads the host's facts afresh (its addresses may change while the agent runs). */
export function hostFacts(environment: Environment, intervalS: number): HostFacts {
  return {
    hostname: Deno.hostname(),
    os: Deno.build.os,
    arch: Deno.build.arch,
    kernel: Deno.osRelease(),
    environment,
    ips: ips(),
    intervalS,
  };
}
