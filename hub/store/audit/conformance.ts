/**
 * The audit store's conformance tests, and the promise every audited change
 * keeps: the change and its entry land in one transaction, and a change that
 * is refused leaves no entry (see ../conformance.ts).
 */
import { assertEquals } from "../../../lib/assert.ts";
import type { Store } from "../store.ts";
import type { StoreTest } from "../conformance_helpers.ts";

/** The actions in the audit log, oldest first. */
async function actions(s: Store): Promise<string[]> {
  return (await s.audit.list(100)).map((e) => `${e.action} ${e.target}`).reverse();
}

const by = (action: string, target: string) => ({ at: 5, actor: "ann", action, target });

/** Registers the audit tests. */
export function auditConformance(test: StoreTest): void {
  test("audit log lists newest first", async (s) => {
    await s.audit.record({ at: 1, actor: "a", action: "one" });
    await s.audit.record({ at: 2, actor: "b", action: "two", target: "t", detail: "d" });
    assertEquals((await s.audit.list(10)).map((e) => [e.action, e.target, e.detail]), [[
      "two",
      "t",
      "d",
    ], ["one", "", ""]]);
  });

  test("an entry keeps its target's name and id apart", async (s) => {
    await s.audit.record({
      at: 1,
      actor: "ann",
      action: "host.delete",
      target: "web",
      targetId: "h1",
    });
    await s.audit.record({ at: 2, actor: "ann", action: "user.login" });
    assertEquals((await s.audit.list(10)).map((e) => [e.action, e.target, e.target_id]), [
      ["user.login", "", ""],
      ["host.delete", "web", "h1"],
    ]);
  });

  test("a change and its audit entry land together; a refused change leaves no entry", async (s) => {
    const user = { id: "u1", name: "Ann", passwordHash: "x", role: "admin" as const, createdAt: 0 };
    assertEquals(await s.auth.createUser(user, by("user.create", "Ann")), true);
    // A name taken (ignoring case) is refused, and so is its entry.
    assertEquals(
      await s.auth.createUser({ ...user, id: "u2", name: "ANN" }, by("user.create", "ANN")),
      false,
    );
    assertEquals(
      await s.auth.updateUser("nope", { role: "viewer" }, by("user.role", "nope")),
      false,
    );
    assertEquals(await s.auth.deleteUser("nope", by("user.delete", "nope")), false);
    await s.auth.createApiKey(
      { id: "k1", name: "ci", hash: "h", createdAt: 0 },
      by("apikey.create", "k1"),
    );
    assertEquals(await s.auth.revokeApiKey("k1", 6, by("apikey.revoke", "k1")), true);
    assertEquals(await s.auth.revokeApiKey("k1", 7, by("apikey.revoke", "k1")), false);
    const h = { hostId: "h1", name: "web", tokenHash: "t", createdAt: 0, expiresAt: 1e15 };
    await s.hosts.create(h, by("host.create", "h1"));
    assertEquals(await s.hosts.setTags("nope", ["a"], by("host.tags", "nope")), false);
    assertEquals(await s.hosts.setTags("h1", ["a"], by("host.tags", "h1")), true);
    assertEquals(await s.hosts.remove("h1", by("host.delete", "h1")), true);
    assertEquals(await s.hosts.remove("h1", by("host.delete", "h1")), false);
    await s.settings.set("theme", "dark", by("setting.set", "theme"));
    assertEquals(await actions(s), [
      "user.create Ann",
      "apikey.create k1",
      "apikey.revoke k1",
      "host.create h1",
      "host.tags h1",
      "host.delete h1",
      "setting.set theme",
    ]);
  });

  test("an audit entry that cannot be written takes its change back with it", async (s) => {
    // No actor: the entry breaks a NOT NULL constraint, after the change was written.
    const broken = { at: 1, actor: null as unknown as string, action: "x" };
    const refused = async (p: Promise<unknown>) =>
      assertEquals(await p.then(() => "done", () => "refused"), "refused");
    await refused(s.auth.createApiKey({ id: "k1", name: "ci", hash: "h", createdAt: 0 }, broken));
    await refused(
      s.auth.createUser(
        { id: "u1", name: "ann", passwordHash: "x", role: "admin", createdAt: 0 },
        broken,
      ),
    );
    await refused(
      s.hosts.create(
        { hostId: "h1", name: "web", tokenHash: "t", createdAt: 0, expiresAt: 1e15 },
        broken,
      ),
    );
    await refused(s.settings.set("theme", "dark", broken));
    assertEquals(
      [
        await s.auth.listApiKeys(),
        await s.auth.listUsers(),
        await s.hosts.list(),
        await s.settings.get("theme"),
      ],
      [[], [], [], null],
    );
    assertEquals(await s.audit.list(10), []);
  });
}
