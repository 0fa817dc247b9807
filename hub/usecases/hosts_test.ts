/**
 * Host use cases on a real store: each change lands with its audit entry
 * (naming the host), is published live and told to ingest and agents; a
 * refused one changes, logs and publishes nothing.
 */
import { assert, assertEquals } from "../../lib/assert.ts";
import type { LiveEvent } from "../../lib/live_events.ts";
import { liveParts } from "../live/events.ts";
import { hashSecret } from "../auth/secrets.ts";
import { hostInterval } from "../control/desired.ts";
import type { Store } from "../store/store.ts";
import {
  createHost,
  type HostDeps,
  removeHost,
  renewToken,
  setMetricsInterval,
  setTags,
} from "./hosts.ts";
import { ANN, auditRows, refusedWith, useCaseTest } from "./testing.ts";

/** The hub's parts a host change reaches, real live events and what ingest and agents were told. */
function hub(store: Store) {
  const { broker, live } = liveParts();
  const sub = broker.subscribe(null);
  const told = { removed: [] as string[], desired: [] as string[] };
  const deps: HostDeps = {
    store,
    live,
    hostRemoved: (id) => told.removed.push(id),
    agents: { desiredChanged: (id) => told.desired.push(id) },
  };
  /** Every event published so far. */
  const heard = async (): Promise<Array<Pick<LiveEvent, "event" | "data">>> => {
    const out = [];
    broker.publish({ event: "host.removed", hostId: "end-of-test", data: { id: "end" } });
    for (;;) {
      const { event, data } = (await sub.events.next()).value!;
      if (data.id === "end") return out;
      out.push({ event, data } as Pick<LiveEvent, "event" | "data">);
    }
  };
  return { deps, told, heard };
}

useCaseTest(
  "creating a host audits it by name, publishes it, and its token registers once",
  async (store) => {
    const { deps, heard } = hub(store);
    const { host, token } = await createHost(deps, ANN, { name: " web-1 " });
    assertEquals([host.name, host.registered], ["web-1", false]);
    assertEquals(await auditRows(store), [["ann", "host.create", "web-1", host.id, ""]]);
    const events = await heard();
    assertEquals(events.map((e) => [e.event, e.data.id]), [["host.added", host.id]]);
    const out = await store.hosts.register(hashSecret(token), {
      fallbackName: "x",
      now: Date.now(),
    });
    assertEquals(out.ok, true);
    assert(!JSON.stringify(await store.audit.list(10)).includes(token), "no token in the log");
  },
);

useCaseTest("a host added without a name is audited as waiting for its agent's", async (store) => {
  const { host } = await createHost({ store }, { kind: "cli" }, {});
  assertEquals(await auditRows(store), [[
    "cli",
    "host.create",
    "new host",
    host.id,
    "named by its agent",
  ]]);
});

useCaseTest("a refused host name stores, logs and publishes nothing", async (store) => {
  const { deps, heard } = hub(store);
  const err = await refusedWith(createHost(deps, ANN, { name: "db\u202Egpj" }), "invalid_name");
  assertEquals(err.field, "name");
  await refusedWith(createHost(deps, ANN, { name: "x".repeat(129) }), "invalid_name");
  assertEquals([await store.hosts.list(), await auditRows(store), await heard()], [[], [], []]);
});

useCaseTest(
  "tags are saved by the one tag rule, audited by host name and published",
  async (store) => {
    const { deps, heard } = hub(store);
    const { host } = await createHost(deps, ANN, { name: "web-1" });
    assertEquals(await setTags(deps, ANN, host.id, "Web, eu-west, web"), ["eu-west", "web"]);
    assertEquals((await store.hosts.get(host.id))?.tags, ["eu-west", "web"]);
    const err = await refusedWith(setTags(deps, ANN, host.id, "ok, not ok!"), "invalid_tag");
    assert(err.message.includes('"not ok!"'), err.message);
    await refusedWith(setTags(deps, ANN, "nope", "web"), "not_found");
    assertEquals((await store.hosts.get(host.id))?.tags, ["eu-west", "web"]);
    assertEquals((await auditRows(store)).slice(1), [[
      "ann",
      "host.tags",
      "web-1",
      host.id,
      "eu-west,web",
    ]]);
    assertEquals((await heard()).slice(1), [{
      event: "host.changed",
      data: { id: host.id, name: "web-1", tags: ["eu-west", "web"] },
    }]);
  },
);

useCaseTest(
  "removing a host tells ingest, browsers and the log, which still names it",
  async (store) => {
    const { deps, told, heard } = hub(store);
    const { host } = await createHost(deps, ANN, { name: "db-1" });
    await setMetricsInterval(deps, ANN, host.id, 10);
    await removeHost(deps, ANN, host.id);
    assertEquals(await store.hosts.get(host.id), null);
    assertEquals(await hostInterval(store, host.id), null, "its desired state is forgotten");
    assertEquals(told.removed, [host.id]);
    assertEquals((await heard()).map((e) => e.event), ["host.added", "host.removed"]);
    assertEquals((await auditRows(store)).at(-1), ["ann", "host.delete", "db-1", host.id, ""]);
    // Gone: a second removal is refused and logs nothing.
    await refusedWith(removeHost(deps, ANN, host.id), "not_found");
    assertEquals(told.removed, [host.id]);
    assertEquals((await auditRows(store)).length, 3);
  },
);

useCaseTest(
  "an interval set with an API key is audited under the key and pushed",
  async (store) => {
    const { deps, told } = hub(store);
    const { host } = await createHost(deps, ANN, { name: "web-1" });
    const key = { kind: "api-key", name: "deploy" } as const;
    assertEquals(await setMetricsInterval(deps, key, host.id, 15), { seconds: 15, version: 1 });
    assertEquals(await setMetricsInterval(deps, key, host.id, null), { seconds: null, version: 2 });
    for (const bad of [0, 3601, 1.5, "15", undefined]) {
      await refusedWith(setMetricsInterval(deps, key, host.id, bad), "invalid_interval");
    }
    await refusedWith(setMetricsInterval(deps, key, "nope", 15), "not_found");
    assertEquals(told.desired, [host.id, host.id]);
    assertEquals((await auditRows(store)).slice(1), [
      ["apikey:deploy", "host.interval", "web-1", host.id, "15s"],
      ["apikey:deploy", "host.interval", "web-1", host.id, "agent's own"],
    ]);
  },
);

useCaseTest(
  "a waiting host's token is renewed, audited; once its agent registered, refused",
  async (store) => {
    const { host, token: first } = await createHost({ store }, ANN, { name: "web-1" });
    const { token: second } = await renewToken({ store }, ANN, host.id);
    const agent = { fallbackName: "x", now: Date.now() };
    assertEquals((await store.hosts.register(hashSecret(first), agent)).ok, false);
    assertEquals((await store.hosts.register(hashSecret(second), agent)).ok, true);
    await refusedWith(renewToken({ store }, ANN, host.id), "already_registered");
    await refusedWith(renewToken({ store }, ANN, "nope"), "not_found");
    assertEquals((await auditRows(store)).slice(1), [["ann", "host.token", "web-1", host.id, ""]]);
  },
);
