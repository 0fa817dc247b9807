/**
 * A container as the API and the pages show it, one shape for the REST
 * answer, the first render and the islands.
 */

/** The states an engine gives a container (Docker's names; Podman uses them too). */
export const CONTAINER_STATES = [
  "running",
  "restarting",
  "paused",
  "created",
  "exited",
  "dead",
  "removing",
  "unknown",
] as const;

export interface ContainerView {
  id: string;
  name: string;
  image: string;
  state: string;
  /** starting, healthy, unhealthy; "" without a health check. */
  health: string;
  restarts: number;
  /** Percent of one core (200 = two cores busy); null while it does not run. */
  cpu_percent: number | null;
  /** Usage less file cache, as `docker stats` shows it. */
  mem_bytes: number | null;
  /** ISO times, null when unknown. */
  started_at: string | null;
  created_at: string | null;
}

/** A fleet-wide row: the container and its host. */
export interface FleetContainerView extends ContainerView {
  host: { id: string; name: string | null };
}

/** How a container event reads on a host's timeline ("web exited with code 137"). */
export function containerEventSummary(
  e: { action: string; name: string; exit_code: number; health: string },
): string {
  switch (e.action) {
    case "start":
      return `${e.name} started`;
    case "stop":
      return `${e.name} stopped`;
    case "die":
      return `${e.name} exited with code ${e.exit_code}`;
    case "oom":
      return `${e.name} ran out of memory`;
    case "health_status":
      return `${e.name} is ${e.health || "of unknown health"}`;
    default:
      return `${e.name}: ${e.action}`;
  }
}

/** What a timeline keeps of a container event besides its summary. */
export function containerEventDetails(
  e: {
    action: string;
    container_id: string;
    name: string;
    image: string;
    exit_code: number;
    health: string;
  },
): Record<string, unknown> {
  return {
    action: e.action,
    container_id: e.container_id,
    name: e.name,
    image: e.image,
    ...(e.action === "die" ? { exit_code: e.exit_code } : {}),
    ...(e.action === "health_status" ? { health: e.health } : {}),
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The view of a stored container. */
export function containerView(r: {
  id: string;
  name: string;
  image: string;
  state: string;
  health: string;
  restarts: number;
  cpu_percent: number | null;
  mem_bytes: number | null;
  started_at: number | null;
  created_at: number | null;
}): ContainerView {
  return {
    id: r.id,
    name: r.name,
    image: r.image,
    state: r.state,
    health: r.health,
    restarts: r.restarts,
    cpu_percent: r.cpu_percent,
    mem_bytes: r.mem_bytes,
    started_at: iso(r.started_at),
    created_at: iso(r.created_at),
  };
}
