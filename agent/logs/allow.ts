/**
 * The host's own say over which files the hub may have it read:
 * SIGHTLINE_AGENT_LOG_ALLOW, colon-separated globs. A file is read only when
 * its real path (symlinks followed, so a link in an allowed folder cannot
 * lead out of it) matches one of them; with none set, no file is read.
 */
import { matchesGlob } from "node:path";

/** The allow-list, parsed once. */
export class AllowList {
  readonly globs: string[];

  constructor(raw: string | undefined) {
    this.globs = (raw ?? "").split(":").map((g) => g.trim()).filter((g) => g.startsWith("/"));
  }

  /** Whether `path` (absolute, resolved) may be read. */
  allows(path: string): boolean {
    return this.globs.some((g) => matchesGlob(path, g));
  }

  /** The sentence the hub shows for a refused path. */
  refusal(path: string): string {
    return this.globs.length
      ? `${path} is outside the agent's allow-list (SIGHTLINE_AGENT_LOG_ALLOW=${
        this.globs.join(":")
      })`
      : `${path} is not readable: the agent's allow-list (SIGHTLINE_AGENT_LOG_ALLOW) is empty`;
  }
}
