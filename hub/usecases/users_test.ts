/**
 * User use cases on a real store: one name rule, one password rule, each
 * change audited by the user's name with their id; refusals write nothing.
 */
import { assertEquals } from "../../lib/assert.ts";
import { hashSecret } from "../auth/secrets.ts";
import type { Store } from "../store/store.ts";
import type { Actor } from "./actor.ts";
import { addUser, changePassword, changeRole, removeUser } from "./users.ts";
import { openSession } from "./sessions.ts";
import { ANN, auditRows, refusedWith, useCaseTest } from "./testing.ts";

const PASSWORD = "a long passphrase";

/** Adds the signed-in admin ANN stands for, under ANN's id. */
async function withAnn(store: Store): Promise<Actor> {
  await store.auth.createUser({
    id: "u-ann",
    name: "ann",
    passwordHash: "x",
    role: "admin",
    createdAt: 0,
  });
  return ANN;
}

useCaseTest(
  "adding a user audits it by name and id; a refused one writes nothing",
  async (store) => {
    const ann = await withAnn(store);
    const bob = await addUser({ store }, ann, { name: "bob", password: PASSWORD, role: "viewer" });
    assertEquals(await auditRows(store), [["ann", "user.create", "bob", bob.id, "viewer"]]);
    const refusals: Array<[Parameters<typeof addUser>[2], string, string]> = [
      [{ name: "b\u200Bob", password: PASSWORD, role: "viewer" }, "invalid_name", "name"],
      [{ name: "\u0430nn", password: PASSWORD, role: "viewer" }, "invalid_name", "name"],
      [{ name: "BOB", password: PASSWORD, role: "viewer" }, "name_taken", "name"],
      [{ name: "b0b", password: PASSWORD, role: "viewer" }, "lookalike_name", "name"],
      [{ name: "eve", password: "short", role: "viewer" }, "invalid_password", "password"],
      [{ name: "eve", password: PASSWORD, role: "root" }, "invalid_role", "role"],
    ];
    for (const [input, code, field] of refusals) {
      const err = await refusedWith(addUser({ store }, ann, input), code as never);
      assertEquals(err.field, field, input.name);
    }
    assertEquals((await store.auth.listUsers()).map((u) => u.name), ["ann", "bob"]);
    assertEquals((await auditRows(store)).length, 1);
  },
);

useCaseTest(
  "a role change and a removal are audited by name; one's own account is refused",
  async (store) => {
    const ann = await withAnn(store);
    const bob = await addUser({ store }, ann, { name: "bob", password: PASSWORD, role: "viewer" });
    assertEquals((await changeRole({ store }, ann, bob.id, "admin")).role, "admin");
    await refusedWith(changeRole({ store }, ann, "u-ann", "viewer"), "own_account");
    await refusedWith(changeRole({ store }, ann, bob.id, "root"), "invalid_role");
    await refusedWith(removeUser({ store }, ann, "u-ann"), "own_account");
    assertEquals((await removeUser({ store }, ann, bob.id)).name, "bob");
    await refusedWith(removeUser({ store }, ann, bob.id), "not_found");
    await refusedWith(changeRole({ store }, ann, bob.id, "viewer"), "not_found");
    assertEquals((await auditRows(store)).slice(1), [
      ["ann", "user.role", "bob", bob.id, "admin"],
      ["ann", "user.delete", "bob", bob.id, ""],
    ]);
    assertEquals((await store.auth.getUser("u-ann"))?.role, "admin");
  },
);

useCaseTest(
  "a password change needs the current one and ends the user's other sessions",
  async (store) => {
    const cli: Actor = { kind: "cli" };
    const ann = await addUser({ store }, cli, { name: "ann", password: PASSWORD, role: "admin" });
    const me = { kind: "user", id: ann.id, name: "ann" } as const;
    const here = await openSession(store, ann.id);
    const there = await openSession(store, ann.id);
    const wrong = changePassword({ store }, me, {
      current: "not it at all",
      password: "new one here",
    });
    assertEquals((await refusedWith(wrong, "wrong_password")).field, "current");
    await refusedWith(
      changePassword({ store }, me, { current: PASSWORD, password: "short" }),
      "invalid_password",
    );
    const alive = async (id: string) =>
      (await store.auth.sessionUser(hashSecret(id), Date.now()))?.name;
    assertEquals([await alive(here), await alive(there)], ["ann", "ann"], "refusals end nothing");
    await changePassword({ store }, me, {
      current: PASSWORD,
      password: "new one here",
      keepSessionHash: hashSecret(here),
    });
    assertEquals([await alive(here), await alive(there)], ["ann", undefined]);
    assertEquals((await auditRows(store)).map((r) => r.slice(0, 4)), [
      ["cli", "user.create", "ann", ann.id],
      ["ann", "user.password", "ann", ann.id],
    ]);
  },
);
