/** The agent's identity from Register, kept in its data dir (mode 0600). */
import { join } from "node:path";

/** Who the agent is and which hub it trusts. */
export interface Identity {
  hub: string;
  agentId: string;
  /** Base64 of the agent key. */
  agentKey: string;
  caPem: string;
  hostName: string;
}

const FILE = "identity.json";

/** Saves the identity atomically (write, then rename). */
export async function saveIdentity(dataDir: string, id: Identity): Promise<void> {
  await Deno.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const tmp = join(dataDir, `${FILE}.tmp`);
  await Deno.writeTextFile(tmp, JSON.stringify(id, null, 2) + "\n", { mode: 0o600 });
  await Deno.rename(tmp, join(dataDir, FILE));
}

/** Loads the identity; a clear error when the agent was never registered. */
export async function loadIdentity(dataDir: string): Promise<Identity> {
  const path = join(dataDir, FILE);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(
        `Not registered: ${path} does not exist; run "deno task agent register --hub HOST:PORT --token TOKEN" first`,
      );
    }
    throw err;
  }
  const id = JSON.parse(text) as Partial<Identity>;
  if (!id.hub || !id.agentId || !id.agentKey || !id.caPem) {
    throw new Error(`Cannot read identity: ${path} is incomplete; register again`);
  }
  return id as Identity;
}
