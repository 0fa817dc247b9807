/**
 * Package inventories from real agents to a real hub. One agent reads this
 * machine's own root: the hub then lists exactly the packages dpkg-query
 * lists as installed, with the updates apt lists as upgradable. Another
 * reads a fixture tree: an upgrade, a removal and an addition to its dpkg
 * database show on the hub as one change each, and a change made while the
 * hub is down arrives once it is back.
 */
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "../lib/assert.ts";
import { openHubStore, processTest, startAgent, startHub, until } from "./harness.ts";
import { enroll, type Hub } from "./harness.ts";

const STATUS = fileURLToPath(
  new URL("../agent/packages/testdata/dpkg/var/lib/dpkg/status", import.meta.url),
);

async function output(cmd: string, ...args: string[]): Promise<string[]> {
  const out = await new Deno.Command(cmd, { args, env: { LANG: "C" } }).output();
  assert(out.success, `${cmd} failed`);
  return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean);
}

interface Listed {
  manager: string;
  name: string;
  arch: string;
  version: string;
  update_available: boolean;
  update_version: string | null;
}

const packagesOf = async (hub: Hub, key: string, host: string): Promise<Listed[]> => {
  const res = await fetch(`${hub.http}/api/v1/hosts/${host}/packages`, {
    headers: { authorization: `Bearer ${key}` },
  });
  assert(res.ok, `packages: ${res.status}`);
  return await res.json();
};

/** What dpkg itself reads as installed from `root`'s database: "name:arch version". */
async function dpkgQuery(root: string): Promise<string[]> {
  return (await output(
    "dpkg-query",
    `--admindir=${root}/var/lib/dpkg`,
    "-W",
    "-f=${db:Status-Abbrev} ${Package}:${Architecture} ${Version}\n",
  )).filter((l) => /^.[iWt] /.test(l)).map((l) => l.slice(4)).sort();
}

processTest(
  "a real agent's inventory on the hub: this machine's dpkg, and a fixture's changes, hub down or not",
  async ({ dir, own }) => {
    let hub = own(await startHub(`${dir}/hub`));
    const local = await enroll(hub, `${dir}/local`, "pkg-local");
    const agent = own(startAgent(`${dir}/local`, 1, { SIGHTLINE_AGENT_PACKAGES_DELAY: "1" }));
    await agent.waitForLine(/Package inventory queued/);

    // dpkg-query's installed packages (binary:Package carries ":arch" only on some; Architecture
    // says it for all), and what apt would upgrade them to.
    const arch = new Map(
      (await output("dpkg-query", "-W", "-f=${binary:Package} ${Architecture}\n"))
        .map((l) => l.split(" ") as [string, string]),
    );
    const upgradable = new Map(
      (await output("apt", "list", "--upgradable"))
        .map((l) => /^([^/\s]+)\/\S+ (\S+) (\S+) \[upgradable/.exec(l))
        .filter((m) => m !== null)
        .map((m) => [`${m[1]}:${m[3]}`, m[2]]),
    );
    const want = (await output(
      "dpkg-query",
      "-W",
      "-f=${db:Status-Abbrev} ${binary:Package} ${Version}\n",
    ))
      .map((l) => /^(...) (\S+) (.*)$/.exec(l)!)
      .filter((m) => "iWt".includes(m[1][1]))
      .map((m) => {
        const a = arch.get(m[2])!;
        const name = m[2].replace(/:[^:]+$/, "");
        return `${name}:${a} ${m[3]} ${upgradable.get(`${name}:${a}`) ?? "-"}`;
      })
      .sort();
    let got: string[] = [];
    await until("the hub to list this machine's dpkg packages", async () => {
      got = (await packagesOf(hub, local.key, local.identity.agentId))
        .filter((p) => p.manager === "dpkg")
        .map((p) => `${p.name}:${p.arch} ${p.version} ${p.update_version ?? "-"}`)
        .sort();
      return got.length > 0;
    });
    assertEquals(got, want);
    await agent.stop();

    // A fixture root, checked every second.
    const root = `${dir}/root`;
    await Deno.mkdir(`${root}/var/lib/dpkg`, { recursive: true });
    const status = `${root}/var/lib/dpkg/status`;
    await Deno.copyFile(STATUS, status);
    const fx = await enroll(hub, `${dir}/fixture`, "pkg-fixture");
    const host = fx.identity.agentId;
    const fxAgent = own(startAgent(`${dir}/fixture`, 1, {
      SIGHTLINE_AGENT_PACKAGES_DELAY: "0",
      SIGHTLINE_ROOT: root,
    }));
    const versions = async () =>
      Object.fromEntries(
        (await packagesOf(hub, fx.key, host)).map((p) => [`${p.name}:${p.arch}`, p.version]),
      );
    await until("the fixture's inventory", async () => Object.keys(await versions()).length === 8);

    const edit = async (fn: (s: string) => string) =>
      await Deno.writeTextFile(status, fn(await Deno.readTextFile(status)));
    await edit((s) =>
      s.replace(/(Package: openssl\n[\s\S]*?Version: )3\.0\.19-1~deb12u2/, "$13.0.20-1~deb12u1")
        .replace(/Package: zlib1g\n[\s\S]*?\n\n/, "") +
      "\nPackage: curl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 7.88.1-10+deb12u8\n"
    );
    await until("the change on the hub", async () => {
      const v = await versions();
      return v["openssl:amd64"] === "3.0.20-1~deb12u1" && !v["zlib1g:amd64"] &&
        v["curl:amd64"] === "7.88.1-10+deb12u8";
    });

    // The hub goes down; the agent sees the next change meanwhile and keeps it in its WAL.
    const ports = hub.ports;
    await hub.proc.stop();
    await edit((s) =>
      s.replace(/(Package: bash\n[\s\S]*?Version: )5\.2\.15-2\+b8/, "$15.2.15-2+b13")
    );
    // In the agent's WAL before the hub returns (the first change's line says upserted=2).
    await fxAgent.waitForLine(/Package changes queued .*upserted=1 removed=0/);
    hub = own(await startHub(`${dir}/hub`, ports));
    await until(
      "the change made while the hub was down",
      async () => (await versions())["bash:amd64"] === "5.2.15-2+b13",
    );
    // What the hub holds is what dpkg itself reads from that database now.
    assertEquals(
      Object.entries(await versions()).map(([k, v]) => `${k} ${v}`).sort(),
      await dpkgQuery(root),
    );

    const store = openHubStore(hub);
    try {
      const changes = await store.packages.changes(host, 0, Date.now() + 60_000);
      // The first inventory is a baseline, not a change; then each delta is one entry, once.
      assertEquals(
        changes.map((c) =>
          c.details.packages.map((d) => `${d.kind} ${d.name} ${d.from ?? ""}>${d.to ?? ""}`).sort()
        ),
        [
          [
            "added curl >7.88.1-10+deb12u8",
            "removed zlib1g 1:1.2.13.dfsg-1>",
            "upgraded openssl 3.0.19-1~deb12u2>3.0.20-1~deb12u1",
          ],
          ["upgraded bash 5.2.15-2+b8>5.2.15-2+b13"],
        ],
      );
    } finally {
      await store.close();
    }
    // …and on the host's "what changed", which the host page's charts mark.
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const res = await fetch(`${hub.http}/api/v1/hosts/${host}/changes?from=${from}`, {
      headers: { authorization: `Bearer ${fx.key}` },
    });
    assertEquals(res.status, 200);
    const timeline = (await res.json() as Array<{ kind: string; summary: string }>)
      .filter((c) => c.kind === "package").map((c) => c.summary);
    assertEquals(timeline.length, 2, JSON.stringify(timeline));
    assert(timeline[1].includes("bash"), timeline[1]);
  },
);
