/**
 * Where collectors declare themselves (node_exporter's habit): each
 * collector's file calls {@link defineCollector} with its name, its OS, when
 * it applies and its collect function, and `collectors/mod.ts` imports every
 * such file once. Adding a collector is one file and one import line; nothing
 * else lists them.
 */
import type { Environment } from "./environment.ts";
import type { CollectContext, Collector, Snapshot } from "./types.ts";

/** What a collector's file declares. */
export interface CollectorDefinition {
  name: string;
  os: typeof Deno.build.os;
  /** Whether it applies where the agent runs; by default everywhere on its OS. */
  enabled?: (env: Environment) => boolean;
  /**
   * Returns a fresh collect function. A collector that computes rates keeps
   * its previous reading in this closure, so each agent (or test) that makes
   * one gets its own baseline.
   */
  init(): (ctx: CollectContext, out: Snapshot) => Promise<void>;
}

const definitions: CollectorDefinition[] = [];

/**
 * Registers a collector and returns its factory (for tests that run one
 * collector alone). Throws on a name its OS already has.
 */
export function defineCollector(def: CollectorDefinition): () => Collector {
  if (definitions.some((d) => d.os === def.os && d.name === def.name)) {
    throw new Error(`Collector "${def.name}" is defined twice for ${def.os}`);
  }
  definitions.push(def);
  return () => ({ name: def.name, collect: def.init() });
}

/** Fresh instances of the registered collectors that apply to this OS and environment, in order. */
export function registeredCollectors(os: string, env: Environment): Collector[] {
  return definitions
    .filter((d) => d.os === os && (d.enabled?.(env) ?? true))
    .map((d) => ({ name: d.name, collect: d.init() }));
}
