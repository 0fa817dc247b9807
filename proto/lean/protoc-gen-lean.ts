/**
 * protoc-gen-lean: a protoc plugin (run by `deno task proto` through buf)
 * that writes, for every message of a .proto file, a plain TypeScript
 * interface and encode/decode functions over protobuf-es's wire-level
 * BinaryWriter and BinaryReader: `<file>_lean.ts` beside protoc-gen-es's
 * `<file>_pb.ts`.
 *
 * Why: the agent must stay small, and protobuf-es's reflection runtime (what
 * `_pb.ts` files need) costs it about 6 MB of resident memory. The generated
 * code imports only `@bufbuild/protobuf/wire`. Adding a message to the
 * .proto adds its codec; nothing is written by hand.
 *
 * What the generated codec does, matching protobuf-es's binary format:
 * - proto3 implicit presence: scalars at their default (0, "", false, empty
 *   bytes) are not written; message fields are written when set (not
 *   undefined), even when empty; a oneof is `{case, value}` as in
 *   protobuf-es, `{case: undefined}` when unset or of a case this code does
 *   not know.
 * - repeated numbers are packed; both packed and unpacked are read.
 * - 64-bit integers are JS numbers (the agent's counters stay far below
 *   2^53). Numbers are coerced to the field's type rather than refused: a
 *   64-bit value is truncated, a NaN or infinite one (a broken reading) and a
 *   negative unsigned one are written as 0 (left out); 32-bit values are
 *   truncated as `>>> 0` / `| 0` do.
 * - unknown fields, and known fields of an unexpected wire type, are skipped
 *   (not kept for re-encoding); a repeated non-repeated message field is
 *   merged, as the protobuf spec says.
 * - bytes that are not a protobuf message (truncated, a bad length) throw.
 *
 * Not supported, refused with an error naming the field: map fields,
 * groups, proto3 `optional`, proto2 and editions features beyond proto3's.
 */
import { createEcmaScriptPlugin, type GeneratedFile, runNodeJs } from "@bufbuild/protoplugin";
import { type DescEnum, type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";

const WIRE = "@bufbuild/protobuf/wire";

/** How one scalar type is written, read and defaulted. */
interface ScalarCodec {
  /** TypeScript type of the field. */
  ts: string;
  /** WireType member name of the field when not packed. */
  wire: "Varint" | "Bit64" | "Bit32" | "LengthDelimited";
  /** BinaryWriter/BinaryReader method. */
  method: string;
  zero: string;
  /** Expression turning the JS value `v` into what the writer takes. */
  coerce: (v: string) => string;
  /** Expression turning what the reader returned (`v`) into the field's value. */
  fromReader: (v: string) => string;
  /** Condition under which the coerced value `v` is written (proto3 implicit presence). */
  present: (v: string) => string;
}

const num = (v: string) => `${v} !== 0`;
const id = (v: string) => v;
const int64 = (method: string, unsigned: boolean): ScalarCodec => ({
  ts: "number",
  wire: method.includes("fixed") ? "Bit64" : "Varint",
  method,
  zero: "0",
  coerce: (v) => `${unsigned ? "u64" : "i64"}(${v})`,
  fromReader: (v) => `Number(${v})`,
  present: num,
});
const int32 = (method: string, unsigned: boolean): ScalarCodec => ({
  ts: "number",
  wire: method.includes("fixed") ? "Bit32" : "Varint",
  method,
  zero: "0",
  coerce: (v) => unsigned ? `${v} >>> 0` : `${v} | 0`,
  fromReader: id,
  present: num,
});

const SCALARS: Record<ScalarType, ScalarCodec> = {
  [ScalarType.DOUBLE]: {
    ts: "number",
    wire: "Bit64",
    method: "double",
    zero: "0",
    coerce: id,
    fromReader: id,
    present: num,
  },
  [ScalarType.FLOAT]: {
    ts: "number",
    wire: "Bit32",
    method: "float",
    zero: "0",
    coerce: id,
    fromReader: id,
    present: num,
  },
  [ScalarType.INT64]: int64("int64", false),
  [ScalarType.UINT64]: int64("uint64", true),
  [ScalarType.SINT64]: int64("sint64", false),
  [ScalarType.FIXED64]: int64("fixed64", true),
  [ScalarType.SFIXED64]: int64("sfixed64", false),
  [ScalarType.INT32]: int32("int32", false),
  [ScalarType.UINT32]: int32("uint32", true),
  [ScalarType.SINT32]: int32("sint32", false),
  [ScalarType.FIXED32]: int32("fixed32", true),
  [ScalarType.SFIXED32]: int32("sfixed32", false),
  [ScalarType.BOOL]: {
    ts: "boolean",
    wire: "Varint",
    method: "bool",
    zero: "false",
    coerce: id,
    fromReader: id,
    present: id,
  },
  [ScalarType.STRING]: {
    ts: "string",
    wire: "LengthDelimited",
    method: "string",
    zero: '""',
    coerce: id,
    fromReader: id,
    present: (v) => `${v} !== ""`,
  },
  [ScalarType.BYTES]: {
    ts: "Uint8Array",
    wire: "LengthDelimited",
    method: "bytes",
    zero: "new Uint8Array(0)",
    coerce: id,
    // The reader returns a view into the whole message: keep a copy, not the buffer.
    fromReader: (v) => `${v}.slice()`,
    present: (v) => `${v}.length > 0`,
  },
};

const ENUM_CODEC = int32("int32", false);

/** The name a message or enum gets in the generated file: nested ones joined with "_". */
function localName(desc: DescMessage | DescEnum): string {
  const pkg = desc.file.proto.package;
  return (pkg ? desc.typeName.slice(pkg.length + 1) : desc.typeName).replaceAll(".", "_");
}

function unsupported(field: DescField, what: string): never {
  throw new Error(`protoc-gen-lean: ${field.parent.typeName}.${field.name}: ${what} not supported`);
}

/** The scalar codec of a singular or repeated non-message field. */
function scalarOf(field: DescField): ScalarCodec {
  if (field.fieldKind === "scalar") return SCALARS[field.scalar];
  if (field.fieldKind === "enum") return ENUM_CODEC;
  if (field.fieldKind === "list") {
    if (field.listKind === "scalar") return SCALARS[field.scalar];
    if (field.listKind === "enum") return ENUM_CODEC;
  }
  return unsupported(field, field.fieldKind);
}

function check(field: DescField): void {
  if (field.fieldKind === "map") unsupported(field, "map fields are");
  if (field.proto.proto3Optional) unsupported(field, "proto3 optional is");
  const message = field.fieldKind === "message" ||
    (field.fieldKind === "list" && field.listKind === "message");
  if (message && field.delimitedEncoding) unsupported(field, "group encoding is");
}

function tsType(field: DescField): string {
  switch (field.fieldKind) {
    case "message":
      return localName(field.message);
    case "list":
      return field.listKind === "message"
        ? `${localName(field.message)}[]`
        : `${scalarOf(field).ts}[]`;
    default:
      return scalarOf(field).ts;
  }
}

function printEnum(f: GeneratedFile, e: DescEnum): void {
  f.print(f.jsDoc(e));
  f.print(f.export("enum", localName(e)), " {");
  for (const v of e.values) {
    f.print(f.jsDoc(v, "  "));
    f.print("  ", v.localName, " = ", v.number, ",");
  }
  f.print("}");
  f.print();
}

function printInterface(f: GeneratedFile, m: DescMessage): void {
  const name = localName(m);
  f.print(f.jsDoc(m));
  f.print(f.export("interface", name), " {");
  for (const member of m.members) {
    if (member.kind === "field") {
      check(member);
      f.print(f.jsDoc(member, "  "));
      const opt = member.fieldKind === "message" ? "?" : "";
      f.print("  ", member.localName, opt, ": ", tsType(member), ";");
    } else {
      f.print(f.jsDoc(member, "  "));
      f.print("  ", member.localName, ":");
      for (const field of member.fields) {
        check(field);
        f.print(
          "    | { case: ",
          f.string(field.localName),
          "; value: ",
          tsType(field),
          " }",
        );
      }
      f.print("    | { case: undefined; value?: undefined };");
    }
  }
  f.print("}");
  f.print();
}

/** The object literal of a message with every field at its default. */
function printCreate(f: GeneratedFile, m: DescMessage): void {
  const name = localName(m);
  f.print("/** A ", name, " with every field at its default, then `init`'s. */");
  f.print(f.export("function", `create${name}`), "(init: Partial<", name, "> = {}): ", name, " {");
  f.print("  return {");
  for (const member of m.members) {
    if (member.kind === "oneof") f.print("    ", member.localName, ": { case: undefined },");
    else if (member.fieldKind === "list") f.print("    ", member.localName, ": [],");
    else if (member.fieldKind !== "message") {
      f.print("    ", member.localName, ": ", scalarOf(member).zero, ",");
    }
  }
  f.print("    ...init,");
  f.print("  };");
  f.print("}");
  f.print();
}

/** The statements writing one field whose value is the expression `v`. */
function writeField(field: DescField, v: string, indent: string): string[] {
  const tag = (wire: string) => `w.tag(${field.number}, WireType.${wire})`;
  if (field.fieldKind === "message") {
    return [
      `${indent}${tag("LengthDelimited")}.fork();`,
      `${indent}write${localName(field.message)}(w, ${v});`,
      `${indent}w.join();`,
    ];
  }
  if (field.fieldKind === "list") {
    if (field.listKind === "message") {
      return [
        `${indent}for (const item of ${v}) {`,
        `${indent}  ${tag("LengthDelimited")}.fork();`,
        `${indent}  write${localName(field.message)}(w, item);`,
        `${indent}  w.join();`,
        `${indent}}`,
      ];
    }
    const s = scalarOf(field);
    if (s.wire === "LengthDelimited") {
      return [`${indent}for (const item of ${v}) ${tag(s.wire)}.${s.method}(item);`];
    }
    return [
      `${indent}if (${v}.length > 0) {`,
      `${indent}  ${tag("LengthDelimited")}.fork();`,
      `${indent}  for (const item of ${v}) w.${s.method}(${s.coerce("item")});`,
      `${indent}  w.join();`,
      `${indent}}`,
    ];
  }
  const s = scalarOf(field);
  if (s.coerce("x") === "x") {
    return [`${indent}if (${s.present(v)}) ${tag(s.wire)}.${s.method}(${v});`];
  }
  return [
    `${indent}{`,
    `${indent}  const v = ${s.coerce(v)};`,
    `${indent}  if (${s.present("v")}) ${tag(s.wire)}.${s.method}(v);`,
    `${indent}}`,
  ];
}

/** The statements reading one field into `m` (the wire type `wt` already checked or not). */
function readField(field: DescField): string[] {
  const target = field.oneof ? null : `m.${field.localName}`;
  const set = (value: string) =>
    field.oneof
      ? `m.${field.oneof.localName} = { case: ${
        JSON.stringify(field.localName)
      }, value: ${value} };`
      : `${target} = ${value};`;
  const expect = (wire: string) => `if (wt !== WireType.${wire}) return false;`;
  if (field.fieldKind === "message") {
    const type = localName(field.message);
    // A field seen twice is merged into what the first occurrence made.
    const prior = field.oneof
      ? `m.${field.oneof.localName}.case === ${
        JSON.stringify(field.localName)
      } ? m.${field.oneof.localName}.value : undefined`
      : target;
    return [expect("LengthDelimited"), set(`read${type}(r, r.uint32(), ${prior})`)];
  }
  if (field.fieldKind === "list") {
    if (field.listKind === "message") {
      const type = localName(field.message);
      return [expect("LengthDelimited"), `${target}.push(read${type}(r, r.uint32()));`];
    }
    const s = scalarOf(field);
    const item = s.fromReader(`r.${s.method}()`);
    if (s.wire === "LengthDelimited") return [expect(s.wire), `${target}.push(${item});`];
    return [
      "if (wt === WireType.LengthDelimited) {",
      "  const len = r.uint32();",
      "  const end = r.pos + len;",
      `  while (r.pos < end) ${target}.push(${item});`,
      '  if (r.pos !== end) throw new RangeError("packed field overruns its length");',
      `} else if (wt === WireType.${s.wire}) ${target}.push(${item});`,
      "else return false;",
    ];
  }
  const s = scalarOf(field);
  return [expect(s.wire), set(s.fromReader(`r.${s.method}()`))];
}

function printCodec(f: GeneratedFile, m: DescMessage): void {
  const name = localName(m);
  const fields = m.fields.concat().sort((a, b) => a.number - b.number);
  f.print("/** Encodes a ", name, " (fields at their default are left out). */");
  f.print(f.export("function", `encode${name}`), "(m: ", name, "): Uint8Array {");
  f.print("  const w = new BinaryWriter();");
  f.print("  write", name, "(w, m);");
  f.print("  return w.finish();");
  f.print("}");
  f.print();
  f.print("/** Decodes a ", name, "; throws on bytes that are not one. */");
  f.print(f.export("function", `decode${name}`), "(bytes: Uint8Array): ", name, " {");
  f.print("  const r = new BinaryReader(bytes);");
  f.print("  return read", name, "(r, r.len);");
  f.print("}");
  f.print();
  const w = fields.length ? "w" : "_w";
  const mm = fields.length ? "m" : "_m";
  f.print("function write", name, "(", w, ": BinaryWriter, ", mm, ": ", name, "): void {");
  for (const field of fields) {
    if (field.oneof) {
      const o = `m.${field.oneof.localName}`;
      f.print("  if (", o, ".case === ", f.string(field.localName), ") {");
      for (const line of writeField(field, `${o}.value`, "    ")) f.print(line);
      f.print("  }");
    } else if (field.fieldKind === "message") {
      f.print("  if (m.", field.localName, " !== undefined) {");
      for (const line of writeField(field, `m.${field.localName}`, "    ")) f.print(line);
      f.print("  }");
    } else {
      for (const line of writeField(field, `m.${field.localName}`, "  ")) f.print(line);
    }
  }
  f.print("}");
  f.print();
  f.print(
    "function read",
    name,
    "(r: BinaryReader, len: number, m: ",
    name,
    " = create",
    name,
    "()): ",
    name,
    " {",
  );
  if (fields.length) {
    f.print("  return readFields(r, len, m, (r, no, wt) => {");
    f.print("    switch (no) {");
    for (const field of fields) {
      f.print("      case ", field.number, ": {");
      for (const line of readField(field)) f.print("        ", line);
      f.print("        return true;");
      f.print("      }");
    }
    f.print("    }");
    f.print("    return false;");
    f.print("  });");
  } else {
    f.print("  return readFields(r, len, m, () => false);");
  }
  f.print("}");
  f.print();
}

/**
 * The imports of a generated file: the wire types, and the shared helpers of
 * runtime.ts, which sits in proto/lean/ while the output goes to proto/gen/.
 */
function printImports(f: GeneratedFile, fileName: string): void {
  const up = "../".repeat(fileName.split("/").length);
  f.print(`import { BinaryReader, BinaryWriter, WireType } from "${WIRE}";`);
  f.print(`import { i64, readFields, u64 } from "${up}lean/runtime.ts";`);
  f.print();
}

const plugin = createEcmaScriptPlugin({
  name: "protoc-gen-lean",
  version: "v1",
  generateTs(schema) {
    for (const file of schema.files) {
      const f = schema.generateFile(file.name + "_lean.ts");
      f.preamble(file);
      printImports(f, file.name);
      for (const desc of nestedTypes(file)) {
        if (desc.kind === "enum") printEnum(f, desc);
        else if (desc.kind === "message") {
          printInterface(f, desc);
          printCreate(f, desc);
          printCodec(f, desc);
        } else if (desc.kind === "extension") {
          throw new Error(`protoc-gen-lean: ${desc.typeName}: extensions are not supported`);
        }
      }
    }
  },
});

runNodeJs(plugin);
