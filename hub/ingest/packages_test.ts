import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { assertEquals, assertThrows } from "../../lib/assert.ts";
import {
  type PackageBatch,
  PackageBatchSchema,
} from "../../proto/gen/sightline/agent/v1/agent_pb.ts";
import { PACKAGE_LIMITS, packageBatchToStored } from "./packages.ts";
import { InvalidMessage } from "./convert.ts";

const NOW = Date.UTC(2026, 5, 1);
const pkg = (name: string, version = "1.0-1", over: Record<string, unknown> = {}) => ({
  manager: "dpkg",
  name,
  arch: "amd64",
  version,
  ...over,
});
const batch = (over: MessageInitShape<typeof PackageBatchSchema> = {}) =>
  create(PackageBatchSchema, {
    seq: 7n,
    unixMs: BigInt(NOW),
    full: false,
    baselineSeq: 3n,
    managers: ["dpkg"],
    upsert: [pkg("openssl", "3.0.15-1")],
    total: 1,
    ...over,
  });

const refused = (b: PackageBatch, why: string) =>
  assertThrows(() => packageBatchToStored(b, NOW), InvalidMessage, why);

Deno.test("a package batch is checked and kept as sent", () => {
  const b = packageBatchToStored(
    batch({
      upsert: [
        pkg("openssl", "3.0.14-1", { updateVersion: "3.0.15-1", securityUpdate: true }),
        pkg(
          "requests",
          "2.31.0",
          { manager: "pip", arch: "" },
        ),
      ],
      removed: [{ manager: "dpkg", name: "curl", arch: "amd64" }],
      errors: [{ collector: "rpm", message: "rpmdb\u001b[31m locked" }],
      total: 2,
    }),
    NOW,
  );
  assertEquals(b.seq, 7);
  assertEquals(b.baselineSeq, 3);
  assertEquals(b.upsert[0].security, true);
  assertEquals(b.upsert[1].arch, "");
  assertEquals(b.removed, [{ manager: "dpkg", name: "curl", arch: "amd64" }]);
  // An agent's explanation is shown, so what would garble it is taken out.
  assertEquals(b.errors, [{ manager: "rpm", message: "rpmdb [31m locked" }]);
  // "Security" without an update to install is no security update.
  assertEquals(
    packageBatchToStored(batch({ upsert: [pkg("a", "1", { securityUpdate: true })] }), NOW)
      .upsert[0].security,
    false,
  );
});

Deno.test("a package batch that breaks a limit or contradicts itself is refused, naming why", () => {
  refused(batch({ seq: 0n }), "seq");
  refused(batch({ unixMs: BigInt(NOW + 3_600_000) }), "unix_ms");
  refused(batch({ full: true, baselineSeq: 6n }), "own baseline");
  refused(batch({ baselineSeq: 7n }), "earlier batch");
  refused(batch({ full: true, baselineSeq: 7n, removed: [pkg("a")] }), "removes nothing");
  refused(batch({ upsert: [pkg("x".repeat(PACKAGE_LIMITS.name + 1))] }), "package name");
  refused(batch({ upsert: [pkg("open ssl")] }), "package name");
  refused(batch({ upsert: [pkg("openssl", "1\u202e0")] }), "version");
  refused(batch({ upsert: [pkg("openssl", "")] }), "version is empty");
  refused(batch({ upsert: [pkg("openssl", "1", { manager: "Dpkg!" })] }), "manager");
  refused(batch({ upsert: [pkg("openssl", "1", { arch: "amd/64" })] }), "arch");
  refused(batch({ upsert: [pkg("jq"), pkg("jq", "2")] }), "twice");
  refused(batch({ upsert: [pkg("jq")], removed: [pkg("jq")] }), "twice");
  const many = Array.from({ length: PACKAGE_LIMITS.packages + 1 }, (_, i) => pkg(`p${i}`));
  refused(batch({ upsert: many }), "more than");
  refused(batch({ managers: Array.from({ length: 17 }, (_, i) => `m${i}`) }), "managers");
});
