/**
 * Fuzzing the HTTP app in process: mutated query strings for the metrics
 * API and mutated form bodies for every form, signed out and signed in as an
 * admin. No answer may be a 5xx or carry a stack trace, none may hang, and a
 * refused request (4xx) changes nothing in the store.
 *
 * Short here; `SIGHTLINE_FUZZ_CASES=20000 deno task test routes/fuzz_test.ts`
 * for a long run; `SIGHTLINE_FUZZ_SEED` repeats one.
 */
import { assert } from "../lib/assert.ts";
import { apiApp, AUTH } from "./testing.ts";
import { SqliteStore } from "../hub/store/sqlite/store.ts";
import { hashPassword } from "../hub/auth/passwords.ts";
import { LoginGuard } from "../hub/auth/rate_limit.ts";
import type { Store } from "../hub/store/store.ts";
import { prng } from "../lib/prng.ts";

const CASES = Number(Deno.env.get("SIGHTLINE_FUZZ_CASES") ?? 400);
const SEED = Number(Deno.env.get("SIGHTLINE_FUZZ_SEED") ?? Date.now() % 1e9);
const ORIGIN = "http://hub.test";

const NASTY = [
  "",
  "%",
  "%zz",
  "%00",
  "%0a",
  "\u0000",
  "\u202E",
  "'; DROP TABLE users; --",
  "<script>alert(1)</script>",
  "../../etc/passwd",
  "9".repeat(400),
  "-1",
  "1e308",
  "NaN",
  "2026-13-45T99:99:99Z",
  "\uD800",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
  "a".repeat(70_000),
];

/** A mutation of `s`: bytes flipped, cut, repeated, or a nasty value spliced in. */
function mutate(s: string, rand: () => number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  switch (Math.floor(rand() * 6)) {
    case 0: {
      const i = Math.floor(rand() * (s.length + 1));
      return s.slice(0, i) + pick(NASTY) + s.slice(i);
    }
    case 1:
      return s.slice(0, Math.floor(rand() * s.length));
    case 2: {
      const chars = [...s];
      for (let n = 0; n < 1 + rand() * 4; n++) {
        chars[Math.floor(rand() * chars.length)] = String.fromCharCode(Math.floor(rand() * 0x3000));
      }
      return chars.join("");
    }
    case 3:
      return s + "&" + s;
    case 4:
      return s.replace(/=[^&]*/, "=" + encodeURIComponent(pick(NASTY).toWellFormed()));
    default:
      return pick(NASTY);
  }
}

/** What a refused request must leave as it was. */
async function snapshot(store: Store): Promise<string> {
  return JSON.stringify([
    (await store.auth.listUsers()).map((u) => [u.name, u.role]),
    (await store.auth.listApiKeys()).map((k) => k.name),
    (await store.hosts.list()).map((h) => [h.id, h.name, h.tags]),
    await store.settings.get("theme"),
  ]);
}

Deno.test({
  name:
    `fuzzed queries and forms get no 5xx, no stack trace, no hang, and refusals change nothing (seed ${SEED})`,
  async fn() {
    const rand = prng(SEED);
    const dir = await Deno.makeTempDir();
    const store = new SqliteStore(`${dir}/t.db`);
    const { app } = await apiApp(store, {
      // Generous limits: the fuzzer signs in often and must not lock itself out.
      loginGuard: new LoginGuard({
        perAddress: { max: 1e9, windowMs: 1000 },
        perName: { max: 1e9, windowMs: 1000 },
      }),
    });
    await store.auth.createUser({
      id: "u1",
      name: "admin",
      passwordHash: await hashPassword("a long passphrase"),
      role: "admin",
      createdAt: 0,
    });
    const env = { remoteAddr: { hostname: "127.0.0.1" } };
    const signIn = await app.request(`${ORIGIN}/login`, {
      method: "POST",
      headers: {
        host: "hub.test",
        origin: ORIGIN,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "name=admin&password=a+long+passphrase",
    }, env);
    const cookie = signIn.headers.get("set-cookie")!.split(";")[0];

    const queries = [
      "/api/v1/hosts/h1/metrics?metric=cpu_percent&label=&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z",
      "/api/v1/metrics?metric=fs_used_percent&label=/&host=h1&tag=db",
      "/api/v1/hosts/h1",
      "/api/v1/hosts/h1/changes?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z",
      "/api/v1/hosts?x=1",
      "/hosts/h1?range=24h",
    ];
    const forms: Array<[string, string]> = [
      ["/login", "name=admin&password=wrong+password&next=/hosts"],
      ["/setup?token=abc", "name=root&password=a+long+passphrase"],
      ["/settings/users", "name=eve&password=a+long+passphrase&role=viewer"],
      ["/settings/apikeys", "name=deploy"],
      ["/hosts/new", "name=db-2"],
      ["/hosts/h1/tags", "tags=db,prod"],
      ["/settings/password", "current=a+long+passphrase&password=another+long+one"],
    ];
    try {
      for (let i = 0; i < CASES; i++) {
        const get = rand() < 0.4;
        let path: string;
        let init: RequestInit;
        if (get) {
          const q = queries[Math.floor(rand() * queries.length)];
          const [p, qs = ""] = q.split("?");
          path = `${p}?${mutate(qs, rand)}`;
          init = { headers: { host: "hub.test", ...AUTH } };
        } else {
          const [p, body] = forms[Math.floor(rand() * forms.length)];
          path = p;
          const types = [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=zz",
            "multipart/form-data",
            "text/plain",
          ];
          init = {
            method: "POST",
            headers: {
              host: "hub.test",
              origin: ORIGIN,
              cookie: rand() < 0.8 ? cookie : "",
              "content-type": types[Math.floor(rand() * types.length)],
            },
            body: mutate(body, rand),
          };
        }
        const before = await snapshot(store);
        let url: string;
        try {
          url = new URL(path, ORIGIN).href;
        } catch {
          continue; // not a URL a client could send
        }
        const res = await Promise.race([
          app.request(url, init, env),
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error(`hung: ${init.method ?? "GET"} ${path}`)), 10_000)
          ),
        ]);
        const text = await res.text();
        const what = `case ${i} (seed ${SEED}): ${init.method ?? "GET"} ${
          path.slice(0, 200)
        } → ${res.status}`;
        assert(res.status < 500, what);
        assert(!/file:\/\/|\.tsx?:\d+|at [A-Za-z]+ \(/.test(text), `${what}: a stack trace`);
        if (res.status >= 400) {
          assert(before === (await snapshot(store)), `${what}: changed the store`);
        }
      }
    } finally {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
