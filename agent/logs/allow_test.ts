import { assertEquals } from "../../lib/assert.ts";
import { AllowList, fixedPart } from "./allow.ts";

Deno.test("logs allow-list: a source's wildcards must start inside an allowed folder", () => {
  assertEquals(fixedPart("/var/log/*.log"), "/var/log");
  assertEquals(fixedPart("/var/log/app.log"), "/var/log");
  assertEquals(fixedPart("/**"), "/");
  assertEquals(fixedPart("/var/{a,b}/x"), "/var");
  const allow = new AllowList("/var/log/**:/srv/app/logs/*.log");
  const reaches = (p: string) => allow.reaches(p);
  assertEquals(
    [
      "/var/log/*.log",
      "/var/log/nginx/**",
      "/srv/app/logs/*.log",
      "/var/**/*.log",
      "/**",
      "/var/logs-other/*.log",
      "/srv/app/*/x.log",
      "/etc/shadow",
    ].map(reaches),
    [true, true, true, false, false, false, false, true],
  );
  assertEquals(new AllowList("/**").reaches("/**"), true);
});
