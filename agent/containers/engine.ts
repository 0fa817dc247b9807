/**
 * A client of the Docker Engine API (which Podman serves too) on its unix
 * socket. Deno's own fetch speaks HTTP over a unix socket when its client's
 * proxy is `{transport: "unix"}` (typed and working in Deno 2.9.6): that is
 * hyper's HTTP/1.1 with chunked bodies and keep-alive, so no library and no
 * hand-written HTTP client are needed; the Docker SDKs for JavaScript
 * (dockerode, docker-modem) reach the socket through Node's `http.request`
 * with `socketPath`, which Deno's node:http does not implement.
 */
import { join } from "node:path";

/** Where an engine listens, tried in this order when DOCKER_HOST does not say. */
const SOCKETS = ["/var/run/docker.sock", "/run/podman/podman.sock"];

/**
 * The engine's socket: DOCKER_HOST's when it is `unix://…` (a path as the
 * agent sees it), else the first of Docker's and Podman's usual sockets (the
 * rootless Podman one under XDG_RUNTIME_DIR last) that exists under `root`
 * (the host's filesystem, `/host` for an agent in a container); null when
 * there is none (no engine on this host: no containers, not an error). A
 * tcp:// DOCKER_HOST is not followed: the agent speaks only to a local engine.
 */
export function engineSocket(env: Record<string, string | undefined>, root = "/"): string | null {
  const host = env.DOCKER_HOST?.trim();
  const usual = [
    ...SOCKETS,
    ...(env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, "podman", "podman.sock")] : []),
  ].map((path) => (root === "/" ? path : join(root, path)));
  const candidates = host
    ? (host.startsWith("unix://") ? [host.slice("unix://".length)] : [])
    : usual;
  for (const full of candidates) {
    try {
      if (Deno.statSync(full).isSocket) return full;
    } catch {
      // absent: try the next
    }
  }
  return null;
}

/** An engine answered with an error status. */
export class EngineError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Requests to one engine socket. */
export class Engine {
  #client: Deno.HttpClient;

  constructor(readonly socket: string) {
    this.#client = Deno.createHttpClient({ proxy: { transport: "unix", path: socket } });
  }

  /** GETs `path` and parses its JSON; a non-2xx answer is an {@link EngineError}. */
  async get<T>(path: string, signal?: AbortSignal): Promise<T> {
    const res = await this.request(path, signal);
    return await res.json() as T;
  }

  /** The response of a GET (or `method`), its body unread (the event stream). */
  async request(path: string, signal?: AbortSignal, method = "GET"): Promise<Response> {
    // The host is ignored on a unix socket; the engine wants one all the same.
    const res = await fetch(`http://engine${path}`, {
      method,
      client: this.#client,
      signal: signal ?? AbortSignal.timeout(10_000),
    });
    if (!res.ok) {
      const text = (await res.text()).slice(0, 200);
      let message = text;
      try {
        message = String(JSON.parse(text).message ?? text);
      } catch {
        // not JSON: the text itself
      }
      throw new EngineError(res.status, `engine answered ${res.status}: ${message}`);
    }
    return res;
  }

  close(): void {
    this.#client.close();
  }
}
