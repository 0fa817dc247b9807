/**
 * The few Docker Engine API calls actions need, on its unix socket: find a
 * container by its exact name (with its labels) and restart, stop or start
 * it. Deno's fetch speaks HTTP over a unix socket through
 * `Deno.createHttpClient`, so no client library is needed.
 *
 * The container collector (branch ctr-stats) brings its own socket client;
 * once both are on main, this file should use it (see the report of issue 20).
 */

/** The engine's socket: DOCKER_HOST when it is a unix:// address, else Docker's default. */
export function dockerSocket(env: Record<string, string | undefined>): string {
  const host = env.DOCKER_HOST;
  if (host?.startsWith("unix://")) return host.slice("unix://".length);
  return "/var/run/docker.sock";
}

/** A container as an action needs it. */
export interface Container {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: string;
}

export class DockerEngine {
  #client: Deno.HttpClient;

  constructor(socket: string) {
    this.#client = Deno.createHttpClient({ proxy: { transport: "unix", path: socket } });
  }

  async #call(method: string, path: string): Promise<Response> {
    // The host part is ignored on a unix socket; v1.41 is Docker 20.10's API, which later engines still serve.
    return await fetch(`http://docker/v1.41${path}`, {
      method,
      client: this.#client,
      signal: AbortSignal.timeout(50_000),
    });
  }

  /** The container named exactly `name`, or null. */
  async find(name: string): Promise<Container | null> {
    const filters = encodeURIComponent(JSON.stringify({ name: [`^/${name}$`] }));
    const res = await this.#call("GET", `/containers/json?all=1&filters=${filters}`);
    if (!res.ok) throw new Error(`the engine answered ${res.status}: ${await message(res)}`);
    const list = await res.json() as Array<
      { Id: string; Names: string[]; Labels: Record<string, string> | null; State: string }
    >;
    const c = list.find((c) => c.Names.includes(`/${name}`));
    return c ? { id: c.Id, name, labels: c.Labels ?? {}, state: c.State } : null;
  }

  /** POST /containers/{id}/{verb}: what the engine said, and whether it did it. */
  async act(
    id: string,
    verb: "restart" | "stop" | "start",
  ): Promise<{ ok: boolean; text: string }> {
    const res = await this.#call("POST", `/containers/${encodeURIComponent(id)}/${verb}?t=10`);
    if (res.status === 204) return { ok: true, text: `${verb}: done` };
    if (res.status === 304) {
      return {
        ok: true,
        text: `${verb}: nothing to do (already ${verb === "start" ? "running" : "stopped"})`,
      };
    }
    return { ok: false, text: `${verb}: the engine answered ${res.status}: ${await message(res)}` };
  }

  close(): void {
    this.#client.close();
  }
}

async function message(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  try {
    return String((JSON.parse(text) as { message?: unknown }).message ?? text).slice(0, 500);
  } catch {
    return text.slice(0, 500);
  }
}
