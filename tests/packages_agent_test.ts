/**
 * Packages end to end, with a real agent on a fixture root (a dpkg database
 * of real stanzas) and a real hub: the hub lists exactly what dpkg-query reads
 * from that database; an upgrade written to the database shows on the hub as
 * one change; one made while the hub is down arrives when it is back, once.
 */
import { assertEquals } from "../lib/assert.ts";
import {
  api,
  dropTestDatabase,
  enroll,
  openHubStore,
  processTest,
  startAgent,
  startHub,
  until,
} from "./harness.ts";

const FIXTURE = new URL("../agent/packages/testdata/dpkg/", import.meta.url).pathname;

/** What dpkg itself reads as installed (held ones too) from `root`'s database: "name=version". */
async function dpkgQuery(root: string): Promise<string[]> {
  const out = await new Deno.Command("dpkg-query", {
    args: [
      `--admindir=${root}/var/lib/dpkg`,
      "-W",
      "-f=${db:Status-Abbrev} ${Package} ${Version}\n",
    ],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => /^.i /.test(l))
    .map((l) => l.split(" ").slice(2).join("=")).sort();
}

/** Rewrites the Version of package `name` in the status file. */
async function setVersion(root: string, name: string, version: string) {
  const path = `${root}/var/lib/dpkg/status`;
  const stanzas = (await Deno.readTextFile(path)).split("\n\n").map((s) =>
    s.startsWith(`Package: ${name}\n`) ? s.replace(/^Version: .*$/m, `Version: ${version}`) : s
  );
  await Deno.writeTextFile(path, stanzas.join("\n\n"));
}

processTest(
  "packages: a real agent's dpkg inventory on the hub, an upgrade as one change, none lost while the hub is down",
  async ({ dir, own }) => {
    const root = `${dir}/root`;
    await Deno.mkdir(`${root}/var/lib`, { recursive: true });
    await new Deno.Command("cp", { args: ["-r", `${FIXTURE}var/lib/dpkg`, `${root}/var/lib/`] })
      .output();
    own({ stop: () => dropTestDatabase(`${dir}/hub`) });
    let hub = await startHub(`${dir}/hub`);
    const first = own(hub.proc);
    const { key, identity } = await enroll(hub, `${dir}/agent`, "deb-1");
    const agent = own(startAgent(`${dir}/agent`, 1, {
      SIGHTLINE_ROOT: root,
      SIGHTLINE_AGENT_PACKAGES_DELAY: "0",
    }));
    const listed = async () =>
      (await api<Array<{ manager: string; name: string; version: string }>>(
        hub,
        key,
        `/api/v1/hosts/${identity.agentId}/packages`,
      )).filter((p) => p.manager === "dpkg").map((p) => `${p.name}=${p.version}`).sort();

    const expected = await dpkgQuery(root);
    await until("the full inventory", async () => (await listed()).length > 0);
    assertEquals(await listed(), expected);

    // An upgrade, as dpkg would write it: one delta, one change.
    const [name, from] = expected[0].split("=");
    await setVersion(root, name, `${from}+1`);
    await until("the upgrade", async () => (await listed()).includes(`${name}=${from}+1`));
    assertEquals(await listed(), await dpkgQuery(root));

    // Another while the hub is down: the agent's WAL keeps it until the hub is back.
    await first.stop();
    const queued = () => agent.lines.filter((l) => l.includes("Package changes queued")).length;
    assertEquals(queued(), 1);
    await setVersion(root, name, `${from}+2`);
    await until("the agent to queue the change", () => queued() === 2);
    hub = await startHub(`${dir}/hub`, hub.ports);
    own(hub.proc);
    await until(
      "the change made while the hub was down",
      async () => (await listed()).includes(`${name}=${from}+2`),
      30_000,
    );
    assertEquals(await listed(), await dpkgQuery(root));

    const store = openHubStore(hub);
    own({ stop: () => store.close() });
    const changes = await store.packages.changes(identity.agentId, 0, Date.now() + 60_000);
    assertEquals(changes.map((c) => c.summary), [
      `${name} ${from} → ${from}+1`,
      `${name} ${from}+1 → ${from}+2`,
    ]);
  },
);
