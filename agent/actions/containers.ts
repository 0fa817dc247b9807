/**
 * A container action through the engine's API (agent/containers/engine.ts,
 * the collector's client): the container found by its exact name, its labels
 * checked against the action's, then `POST /containers/{id}/{verb}`.
 */
import { Engine, EngineError, engineSocket } from "../containers/engine.ts";

/** What became of it: ran (with the engine's word), or refused before anything was done. */
export type ContainerOutcome = { ok: boolean; text: string } | { refused: string };

/** Docker waits this long for a container to stop before it kills it (restart and stop). */
const STOP_WAIT_S = 10;

export async function actOnContainer(
  where: { env: Record<string, string | undefined>; root: string },
  name: string,
  verb: "restart" | "stop" | "start",
  labels: Record<string, string>,
): Promise<ContainerOutcome> {
  const socket = engineSocket(where.env, where.root);
  if (!socket) return { refused: "no container engine on this host" };
  const engine = new Engine(socket);
  try {
    const filters = encodeURIComponent(JSON.stringify({ name: [`^/${name}$`] }));
    const list = await engine.get<
      Array<{ Id: string; Names: string[]; Labels: Record<string, string> | null }>
    >(
      `/containers/json?all=true&filters=${filters}`,
    );
    // The engine's name filter is a regex ("." is any character): the exact name decides.
    const c = list.find((c) => c.Names.includes(`/${name}`));
    if (!c) return { refused: `no container is named ${name}` };
    for (const [k, v] of Object.entries(labels)) {
      if (c.Labels?.[k] !== v) return { refused: `container ${name} is not labelled ${k}=${v}` };
    }
    try {
      await engine.request(
        `/containers/${c.Id}/${verb}?t=${STOP_WAIT_S}`,
        AbortSignal.timeout((STOP_WAIT_S + 30) * 1000),
        "POST",
      );
      return { ok: true, text: `${verb} ${name}: done` };
    } catch (err) {
      if (err instanceof EngineError && err.status === 304) {
        return {
          ok: true,
          text: `${verb} ${name}: nothing to do (already ${
            verb === "start" ? "running" : "stopped"
          })`,
        };
      }
      if (err instanceof EngineError) return { ok: false, text: `${verb} ${name}: ${err.message}` };
      throw err;
    }
  } finally {
    engine.close();
  }
}
