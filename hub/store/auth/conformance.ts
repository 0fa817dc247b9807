/** The auth store's conformance tests: users, sessions, API keys (see ../conformance.ts). */
import { assertEquals } from "../../../lib/assert.ts";
import type { StoreTest } from "../conformance_helpers.ts";

/** Registers the auth tests. */
export function authConformance(test: StoreTest): void {
  test("API keys: live ones are found, revoked ones are not", async (s) => {
    await s.auth.createApiKey({ id: "k1", name: "ci", hash: "hash1", createdAt: 0 });
    assertEquals(await s.auth.useApiKey("hash1", 5), { id: "k1", name: "ci" });
    assertEquals(await s.auth.useApiKey("nope", 5), null);
    assertEquals((await s.auth.listApiKeys()).map((k) => k.name), ["ci"]);
    assertEquals(await s.auth.revokeApiKey("k1", 6), true);
    assertEquals(await s.auth.revokeApiKey("k1", 7), false);
    assertEquals(await s.auth.useApiKey("hash1", 8), null);
    assertEquals(await s.auth.listApiKeys(), []);
  });

  test("users: names are unique ignoring case; sessions expire and end", async (s) => {
    const u = { id: "u1", name: "Ann", passwordHash: "x", role: "admin" as const, createdAt: 0 };
    assertEquals(await s.auth.createUser(u), true);
    assertEquals(await s.auth.createUser({ ...u, id: "u2", name: "ANN" }), false);
    assertEquals((await s.auth.findUserByName("aNN"))?.id, "u1");
    assertEquals(await s.auth.countUsers(), 1);
    await s.auth.createSession({ hash: "s1", userId: "u1", createdAt: 0, expiresAt: 100 });
    await s.auth.createSession({ hash: "s2", userId: "u1", createdAt: 0, expiresAt: 100 });
    assertEquals((await s.auth.sessionUser("s1", 50))?.name, "Ann");
    assertEquals(await s.auth.sessionUser("s1", 100), null);
    await s.auth.deleteUserSessions("u1", "s2");
    assertEquals([await s.auth.sessionUser("s1", 1), (await s.auth.sessionUser("s2", 1))?.id], [
      null,
      "u1",
    ]);
    assertEquals(await s.auth.updateUser("u1", { role: "viewer" }), true);
    assertEquals((await s.auth.getUser("u1"))?.role, "viewer");
    assertEquals(await s.auth.deleteUser("u1"), true);
    assertEquals(await s.auth.sessionUser("s2", 1), null);
  });
}
