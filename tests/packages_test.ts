/**
 * Package inventories between real processes: a hub, and a simulated agent
 * on a raw stream sending PackageBatch messages as the agent's WAL would. A
 * first delta without a baseline is acked and a resync asked; the full
 * inventory is then what the REST API lists; a delta applies once (its
 * replay changes nothing); a delta on another baseline applies nothing and
 * asks again; an invalid batch is rejected and changes nothing. The search
 * compares versions in dpkg's order, and a bad query is a 400 naming its field;
 * the fleet page's view answers the same.
 */
import { assert, assertEquals } from "../lib/assert.ts";
import { Channel } from "../agent/grpc.ts";
import { encodeAgent, type HubMessage } from "../agent/wire.ts";
import { HUB_TLS_NAME } from "../lib/link.ts";
import {
  createPackage,
  createPackageBatch,
  type Package,
  type PackageBatch,
} from "../proto/gen/sightline/agent/v1/agent_lean.ts";
import { probeHello, probeStream } from "./probe.ts";
import { enroll, EventStream, openHubStore, processTest, startHub } from "./harness.ts";

const deb = (name: string, version: string, over: Partial<Package> = {}) =>
  createPackage({ manager: "dpkg", name, arch: "amd64", version, ...over });

/** What the hub sent on the stream, and a way to wait for the next that matches. */
class Mailbox {
  #seen: HubMessage["kind"][] = [];
  #waiting: Array<
    { match: (k: HubMessage["kind"]) => boolean; resolve: (k: HubMessage["kind"]) => void }
  > = [];

  put(k: HubMessage["kind"]) {
    const i = this.#waiting.findIndex((w) => w.match(k));
    if (i >= 0) this.#waiting.splice(i, 1)[0].resolve(k);
    else this.#seen.push(k);
  }

  next(match: (k: HubMessage["kind"]) => boolean): Promise<HubMessage["kind"]> {
    const i = this.#seen.findIndex(match);
    if (i >= 0) return Promise.resolve(this.#seen.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no such message from the hub")), 15_000);
      this.#waiting.push({ match, resolve: (k) => (clearTimeout(timer), resolve(k)) });
    });
  }

  /** Whether anything matching arrived and was not taken. */
  holds(match: (k: HubMessage["kind"]) => boolean): boolean {
    return this.#seen.some(match);
  }
}

const ackOf = (seq: number) => (k: HubMessage["kind"]) => k.case === "ack" && k.value.seq === seq;
const isResync = (k: HubMessage["kind"]) =>
  k.case === "request" && k.value.body.case === "packagesResync";

processTest(
  "package batches: resync without a baseline, full, delta once, wrong baseline, invalid",
  async ({ dir, own }) => {
    const hub = own(await startHub(`${dir}/hub`));
    const { key, identity } = await enroll(hub, `${dir}/agent`, "pkg-1");
    const host = identity.agentId;
    const channel = new Channel(hub.grpc, { serverName: HUB_TLS_NAME, caPem: identity.caPem });
    own({ stop: () => channel.close() });
    const mail = new Mailbox();
    const stream = probeStream(channel, identity, probeHello("pkg-1", 30), (k) => mail.put(k));
    own({ stop: () => Promise.resolve(stream.cancel()) });
    await mail.next((k) => k.case === "welcome");
    const events = new EventStream(`${hub.http}/api/v1/events?host=${host}`, key);
    own({ stop: () => events.close() });
    await events.waitFor("the status snapshot", (e) => e.event === "host.status");
    const packageEvents = () => events.events.filter((e) => e.event === "host.packages");

    const get = async (path: string) => {
      const res = await fetch(`${hub.http}${path}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      return { status: res.status, body: await res.json() };
    };
    const installed = async () =>
      ((await get(`/api/v1/hosts/${host}/packages`)).body as Array<Record<string, unknown>>).map((
        p,
      ) => `${p.name}=${p.version}${p.update_available ? ` (${p.update_version})` : ""}`);
    const send = async (b: Partial<PackageBatch>) => {
      stream.write(
        encodeAgent({
          case: "packages",
          value: createPackageBatch({ unixMs: Date.now(), managers: ["dpkg"], ...b }),
        }),
      );
      const ack = await mail.next(ackOf(b.seq!));
      return ack.case === "ack" ? ack.value.rejected : "no ack";
    };

    // The first package batch is a delta on a baseline this hub never had.
    assertEquals(
      await send({ seq: 1, full: false, baselineSeq: 0, upsert: [deb("jq", "1.6")], total: 1 }),
      "",
    );
    const asked = await mail.next(isResync);
    assert(asked.case === "request");
    stream.write(
      encodeAgent({
        case: "response",
        value: { id: asked.value.id, result: { case: "packagesResync", value: { seq: 2 } } },
      }),
    );
    assertEquals(await installed(), []);

    // The full inventory it answers with.
    const inventory = [
      deb("openssl", "3.0.14-1~deb12u1", {
        updateVersion: "3.0.15-1~deb12u1",
        securityUpdate: true,
      }),
      deb("curl", "7.88.1-10+deb12u5"),
      deb("libc6", "2.36-9+deb12u4"),
      deb("libc6", "2.36-9+deb12u4", { arch: "i386" }),
    ];
    assertEquals(
      await send({ seq: 2, full: true, baselineSeq: 2, upsert: inventory, total: 4 }),
      "",
    );
    assertEquals(await installed(), [
      "curl=7.88.1-10+deb12u5",
      "libc6=2.36-9+deb12u4",
      "libc6=2.36-9+deb12u4",
      "openssl=3.0.14-1~deb12u1 (3.0.15-1~deb12u1)",
    ]);
    // The host's pages hear of it live.
    const told = await events.waitFor("the inventory", (e) => e.event === "host.packages");
    assertEquals([told.data.seq, told.data.full, told.data.changes], [2, true, 0]);
    const older = await get("/api/v1/packages?name=ssl&op=lt&version=3.0.15");
    assertEquals(older.body, [{
      host: { id: host, name: "pkg-1" },
      manager: "dpkg",
      name: "openssl",
      version: "3.0.14-1~deb12u1",
    }]);

    // A delta: openssl upgraded, curl removed; sent twice, as a WAL resends after a lost ack.
    const delta: Partial<PackageBatch> = {
      seq: 3,
      full: false,
      baselineSeq: 2,
      upsert: [deb("openssl", "3.0.15-1~deb12u1")],
      removed: [{ manager: "dpkg", name: "curl", arch: "amd64" }],
      total: 3,
    };
    assertEquals(await send(delta), "");
    assertEquals(await send(delta), "");
    assertEquals(await installed(), [
      "libc6=2.36-9+deb12u4",
      "libc6=2.36-9+deb12u4",
      "openssl=3.0.15-1~deb12u1",
    ]);
    assertEquals((await get("/api/v1/packages?name=openssl&op=lt&version=3.0.15")).body, []);
    assertEquals((await get("/api/v1/packages?name=OpenSSL&op=ge&version=3.0.15")).body.length, 1);
    await events.waitFor("the delta", (e) => e.event === "host.packages" && e.data.seq === 3);
    const store = openHubStore(hub);
    own({ stop: () => store.close() });
    const changes = await store.packages.changes(host, 0, Date.now() + 60_000);
    assertEquals(changes.map((c) => c.summary), ["2 packages changed: 1 upgraded, 1 removed"]);

    // A delta on a baseline the hub does not hold: acked, nothing applied, a resync asked.
    assertEquals(
      await send({
        seq: 4,
        full: false,
        baselineSeq: 1,
        upsert: [deb("openssl", "9.9")],
        total: 3,
      }),
      "",
    );
    await mail.next(isResync);
    assertEquals(await installed(), [
      "libc6=2.36-9+deb12u4",
      "libc6=2.36-9+deb12u4",
      "openssl=3.0.15-1~deb12u1",
    ]);

    // Invalid: rejected with the reason, and nothing of it stored.
    const bad = await send({
      seq: 5,
      full: false,
      baselineSeq: 2,
      upsert: [deb("open\u001bssl", "1")],
      total: 4,
    });
    assert(bad.includes("package name"), bad);
    const twice = await send({
      seq: 6,
      full: false,
      baselineSeq: 2,
      upsert: [deb("jq", "1"), deb("jq", "2")],
      total: 4,
    });
    assert(twice.includes("twice"), twice);
    assertEquals(await installed(), [
      "libc6=2.36-9+deb12u4",
      "libc6=2.36-9+deb12u4",
      "openssl=3.0.15-1~deb12u1",
    ]);
    assertEquals(await store.metrics.lastSeq(host), 4);
    assert(!mail.holds(isResync), "an invalid batch asks for nothing");
    // One event per batch applied: none for the replay, the orphan or the invalid ones.
    assertEquals(packageEvents().map((e) => [e.data.seq, e.data.changes]), [[2, 0], [3, 2]]);

    // Bad queries name their field; an unknown host is a 404.
    for (
      const [query, field] of [
        ["name=openssl&op=older&version=1", "op"],
        ["name=openssl&op=lt", "version"],
        ["name=openssl&version=1", "op"],
        [`name=${"x".repeat(101)}`, "name"],
        ["op=lt&version=1", "name"],
        ["name=openssl&manager=Not%20One", "manager"],
      ]
    ) {
      const r = await get(`/api/v1/packages?${query}`);
      assertEquals([r.status, r.body.error?.field], [400, field], query);
    }
    assertEquals((await get("/api/v1/hosts/nope/packages")).status, 404);

    // The fleet page's view, as its island reads it again: the same query, the same answer.
    const view =
      (await get("/api/v1/packages/summary?name=ssl&op=ge&version=3.0.15&pkg=dpkg/openssl"))
        .body;
    assertEquals(view.summary, [{
      manager: "dpkg",
      name: "openssl",
      hosts: 1,
      versions: ["3.0.15-1~deb12u1"],
      updates: 0,
    }]);
    assertEquals([view.hosts, view.more, view.truncated, view.openHits.length], [1, 0, false, 1]);
    const refused = await get("/api/v1/packages/summary?name=ssl&op=lt");
    assertEquals([refused.status, refused.body.error?.field], [400, "version"]);
  },
);
