/**
 * The Checks pages as the server renders them, on both stores: the add form
 * for admins only, a check's edit form with its secrets masked, and deleting
 * a check after a confirmation that says what goes with it, audited.
 */
import { assert, assertEquals } from "../../lib/assert.ts";
import { useCaseTest } from "../../hub/usecases/testing.ts";
import { apiApp, AUTH } from "../testing.ts";
import { hashPassword } from "../../hub/auth/passwords.ts";
import type { Store } from "../../hub/store/store.ts";

const ORIGIN = "http://hub.test";

async function pages(store: Store) {
  const { app } = await apiApp(store);
  const env = { remoteAddr: { hostname: "127.0.0.1" } };
  const session = async (name: string, role: "admin" | "viewer") => {
    await store.auth.createUser({
      id: `u-${name}`,
      name,
      passwordHash: await hashPassword("a long passphrase"),
      role,
      createdAt: 0,
    });
    const res = await app.request(`${ORIGIN}/login`, {
      method: "POST",
      headers: { origin: ORIGIN, host: "hub.test" },
      body: new URLSearchParams({ name, password: "a long passphrase" }),
    }, env);
    assertEquals(res.status, 303);
    return res.headers.get("set-cookie")!.split(";")[0];
  };
  const admin = await session("ann", "admin");
  const viewer = await session("vic", "viewer");
  const get = async (path: string, cookie: string) => {
    const res = await app.request(`${ORIGIN}${path}`, { headers: { cookie } }, env);
    return { status: res.status, html: await res.text(), location: res.headers.get("location") };
  };
  const post = (path: string, cookie: string) =>
    app.request(`${ORIGIN}${path}`, {
      method: "POST",
      headers: { cookie, origin: ORIGIN, host: "hub.test" },
      body: new URLSearchParams(),
    }, env);
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(`${ORIGIN}/api/v1${path}`, {
      method,
      headers: { ...AUTH, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    assert(res.ok, `${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return { admin, viewer, get, post, api };
}

const SHOP = {
  name: "Shop",
  type: "http",
  target: "https://probe:hunter2-secret@shop.example/health",
  interval_s: 30,
  expect: { headers: { Authorization: "Bearer abcdefghijklmnop1234" } },
  runs_on: { hosts: ["h1"] },
};

useCaseTest("checks pages: admins get the add and edit forms, viewers none", async (s) => {
  const { admin, viewer, get, api } = await pages(s);
  const { id } = await api("POST", "/checks", SHOP);

  const list = await get("/checks", admin);
  assertEquals(list.status, 200);
  assert(list.html.includes('data-island="CheckEditor"'), "the add form");
  assert(list.html.includes(">Add check</button>"));
  assert(/<fieldset disabled/.test(list.html), "disabled until the island is live");
  assert(list.html.includes("web-1"), "the hosts to pick from");
  const listed = await get("/checks", viewer);
  assertEquals(listed.status, 200);
  assert(listed.html.includes("Shop"));
  assert(!listed.html.includes("CheckEditor"), "no form for a viewer");
  assert(!listed.html.includes("Add check"));

  const edit = await get(`/checks/${id}`, admin);
  assertEquals(edit.status, 200);
  assert(edit.html.includes(">Save check</button>"));
  assert(edit.html.includes(`href="/checks/${id}/delete"`), "Delete");
  assert(edit.html.includes("••••1234"), "the header masked");
  assert(!edit.html.includes("hunter2") && !edit.html.includes("abcdefghijklmnop"), "no secret");
  assert(!edit.html.includes('value="push"'), "an http check is not offered push");
  const read = await get(`/checks/${id}`, viewer);
  assertEquals(read.status, 200);
  assert(!read.html.includes("CheckEditor") && !read.html.includes("/delete"), "no form");
});

useCaseTest("deleting a check asks first, saying what goes, then deletes it audited", async (s) => {
  const { admin, viewer, get, post, api } = await pages(s);
  const { id } = await api("POST", "/checks", SHOP);
  const ask = await get(`/checks/${id}/delete`, admin);
  assertEquals(ask.status, 200);
  assert(ask.html.includes("Delete the check Shop?"));
  assert(ask.html.includes("its rounds, its incidents and its uptime history"));
  assert(!ask.html.includes("hunter2"), "the password masked");
  assertEquals((await get(`/checks/${id}/delete`, viewer)).status, 403);
  assertEquals((await post(`/checks/${id}/delete`, viewer)).status, 403);
  assertEquals((await api("GET", "/checks")).length, 1, "a viewer deleted nothing");

  const done = await post(`/checks/${id}/delete`, admin);
  assertEquals(done.status, 303);
  assertEquals(done.headers.get("location"), "/checks");
  assertEquals(await api("GET", "/checks"), []);
  const audit = await s.audit.list(10);
  assertEquals(audit[0].action, "check.delete");
  assertEquals((await get(`/checks/${id}/delete`, admin)).status, 404);
});
