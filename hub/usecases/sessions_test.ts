/**
 * Signing in and the first admin on a real store: every attempt is audited
 * under the name tried with its address, never the password; a block once.
 */
import { assert, assertEquals } from "../../lib/assert.ts";
import { hashSecret } from "../auth/secrets.ts";
import { LoginGuard } from "../auth/rate_limit.ts";
import { SETUP_KEY } from "../auth/setup_token.ts";
import { addUser } from "./users.ts";
import { signIn } from "./sessions.ts";
import { checkSetupToken, createFirstAdmin } from "./setup.ts";
import { auditRows, refusedWith, useCaseTest } from "./testing.ts";

const PASSWORD = "a long passphrase";
const guard = () =>
  new LoginGuard({
    perAddress: { max: 3, windowMs: 60_000 },
    perName: { max: 100, windowMs: 60_000 },
  });

useCaseTest("a sign-in starts a session, audited with its address", async (store) => {
  const ann = await addUser({ store }, { kind: "cli" }, {
    name: "ann",
    password: PASSWORD,
    role: "viewer",
  });
  const deps = { store, loginGuard: guard() };
  const { user, sessionId } = await signIn(deps, {
    name: " ANN ",
    password: PASSWORD,
    address: "192.0.2.7",
  });
  assertEquals(user, ann);
  assertEquals((await store.auth.sessionUser(hashSecret(sessionId), Date.now()))?.id, ann.id);
  assertEquals((await auditRows(store)).at(-1), [
    "ann",
    "user.login",
    "",
    ann.id,
    "from 192.0.2.7",
  ]);
});

useCaseTest(
  "failed sign-ins are audited under the name tried, never the password",
  async (store) => {
    const ann = await addUser({ store }, { kind: "cli" }, {
      name: "ann",
      password: PASSWORD,
      role: "viewer",
    });
    const deps = { store, loginGuard: guard() };
    const attempt = (name: string, password: string) =>
      refusedWith(signIn(deps, { name, password, address: "192.0.2.7" }), "bad_credentials");
    await attempt("Ann", "guess number one");
    await attempt("mallory", "guess number two");
    await attempt("ad\u202Emin", "guess number three");
    assertEquals((await auditRows(store)).slice(1), [
      ["Ann", "user.login.failed", "", ann.id, "from 192.0.2.7: wrong password"],
      ["mallory", "user.login.failed", "", "", "from 192.0.2.7: no such user"],
      ["ad\\u{202E}min", "user.login.failed", "", "", "from 192.0.2.7: no such user"],
    ]);
    assert(!JSON.stringify(await store.audit.list(10)).includes("guess"), "no password logged");
    assertEquals(
      (await store.audit.list(10)).filter((e) => e.action === "user.login").length,
      0,
      "no session",
    );
  },
);

useCaseTest("a rate-limited sign-in is refused and audited once per block", async (store) => {
  await addUser({ store }, { kind: "cli" }, { name: "ann", password: PASSWORD, role: "viewer" });
  const deps = { store, loginGuard: guard() };
  const from = (address: string, password = "wrong wrong") =>
    signIn(deps, { name: "ann", password, address });
  for (let i = 0; i < 3; i++) await refusedWith(from("192.0.2.7"), "bad_credentials");
  // Blocked now, even with the right password; the block is logged once, not per request.
  for (const password of ["wrong wrong", PASSWORD, "again wrong"]) {
    const err = await refusedWith(from("192.0.2.7", password), "rate_limited");
    assert(err.retryAfterMs! > 0 && err.retryAfterMs! <= 60_000, `${err.retryAfterMs}`);
  }
  const rows = (await auditRows(store)).slice(1);
  assertEquals(rows.map((r) => r[1]), [
    "user.login.failed",
    "user.login.failed",
    "user.login.failed",
    "user.login.blocked",
  ]);
  assertEquals(rows.at(-1), [
    "ann",
    "user.login.blocked",
    "",
    "",
    "from 192.0.2.7: too many attempts, refused for 1 min",
  ]);
  // Another address is not blocked.
  assertEquals((await from("192.0.2.8", PASSWORD)).user.name, "ann");
});

useCaseTest(
  "the first admin comes only with the setup token, audited as themselves",
  async (store) => {
    await store.settings.set(SETUP_KEY, hashSecret("the-token"));
    await refusedWith(checkSetupToken({ store }, "wrong"), "bad_setup_token");
    const weak = createFirstAdmin({ store }, {
      token: "the-token",
      name: "root",
      password: "short",
    });
    assertEquals((await refusedWith(weak, "invalid_password")).field, "password");
    assertEquals([await store.auth.countUsers(), await auditRows(store)], [0, []]);
    const { user, sessionId } = await createFirstAdmin({ store }, {
      token: "the-token",
      name: "root",
      password: PASSWORD,
    });
    assertEquals(user.role, "admin");
    assertEquals((await store.auth.sessionUser(hashSecret(sessionId), Date.now()))?.name, "root");
    assertEquals(await auditRows(store), [[
      "root",
      "user.create",
      "root",
      user.id,
      "admin (setup)",
    ]]);
    assertEquals(await store.settings.get(SETUP_KEY), null);
    await refusedWith(
      createFirstAdmin({ store }, { token: "the-token", name: "eve", password: PASSWORD }),
      "setup_done",
    );
  },
);
