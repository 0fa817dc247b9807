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
