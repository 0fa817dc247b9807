import { assertEquals } from "../lib/assert.ts";
import { prepareDataDir } from "./data_dir.ts";
import { SqliteStore } from "./store/sqlite/store.ts";

const mode = (p: string) => (Deno.statSync(p).mode! & 0o777).toString(8);

Deno.test({
  name:
    "the data dir is 0700 and its files 0600: old ones are tightened, new ones (SQLite's too) made so",
  ignore: Deno.build.os === "windows",
  async fn() {
    const parent = await Deno.makeTempDir();
    const dir = `${parent}/data`;
    try {
      Deno.mkdirSync(dir, { mode: 0o755 });
      Deno.chmodSync(dir, 0o755);
      Deno.writeTextFileSync(`${dir}/old.db`, "x");
      Deno.chmodSync(`${dir}/old.db`, 0o644);
      const fixed = await prepareDataDir(dir);
      assertEquals(fixed.sort(), [dir, `${dir}/old.db`].sort());
      assertEquals([mode(dir), mode(`${dir}/old.db`)], ["700", "600"]);
      const store = new SqliteStore(`${dir}/sightline.db`);
      await store.migrate();
      await store.settings.set("k", "v");
      for (const f of ["sightline.db", "sightline.db-wal", "sightline.db-shm"]) {
        assertEquals(mode(`${dir}/${f}`), "600", f);
      }
      await store.close();
      assertEquals(await prepareDataDir(dir), [], "nothing to tighten the second time");
    } finally {
      await Deno.remove(parent, { recursive: true });
    }
  },
});
