/**
 * Serves a protobuf-es service with @grpc/grpc-js: turns the generated
 * service descriptor into grpc-js method definitions whose (de)serialisers
 * are protobuf-es `toBinary`/`fromBinary`. (The agent does not use grpc-js:
 * see agent/grpc.ts.)
 */
import { Buffer } from "node:buffer";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import { type DescService, fromBinary, toBinary } from "@bufbuild/protobuf";

/** The grpc-js definition of `service`, keyed by the methods' local names. */
export function grpcDefinition(service: DescService): ServiceDefinition {
  // deno-lint-ignore no-explicit-any
  const def: Record<string, MethodDefinition<any, any>> = {};
  for (const method of service.methods) {
    const kind = method.methodKind;
    def[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: kind === "client_streaming" || kind === "bidi_streaming",
      responseStream: kind === "server_streaming" || kind === "bidi_streaming",
      // deno-lint-ignore no-explicit-any
      requestSerialize: (m: any) => Buffer.from(toBinary(method.input, m)),
      requestDeserialize: (b: Buffer) => fromBinary(method.input, b),
      // deno-lint-ignore no-explicit-any
      responseSerialize: (m: any) => Buffer.from(toBinary(method.output, m)),
      responseDeserialize: (b: Buffer) => fromBinary(method.output, b),
      originalName: method.name,
    };
  }
  return def;
}
