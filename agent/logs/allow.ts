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

  /**
   * Whether a source's pattern stays inside the allow-list's folders: its
   * fixed part (the folders before the first wildcard) is at or under an
   * allowed glob's. A pattern that starts higher (`/**`, `/var/**` beside
   * `/var/log/**`) is refused before it is expanded: the agent would walk
   * far more of the disk than it may read, several times a second.
   */
  reaches(pattern: string): boolean {
    if (!WILDCARD.test(pattern)) return true; // one file: allows() says
    const base = fixedPart(pattern);
    return this.globs.some((g) => {
      const allowed = fixedPart(g);
      return base === allowed || base.startsWith(allowed === "/" ? "/" : `${allowed}/`);
    });
  }

  /** The sentence the hub shows for a pattern that reaches past the allow-list's folders. */
  tooWide(pattern: string): string {
    return this.globs.length
      ? `${pattern} reaches outside the agent's allow-list: a source must lie under one of its folders (SIGHTLINE_AGENT_LOG_ALLOW=${
        this.globs.join(":")
      })`
      : this.refusal(pattern);
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

const WILDCARD = /[*?[{]/;

/** The folders of a glob before its first wildcard (`/var/log/*.log` → `/var/log`). */
export function fixedPart(glob: string): string {
  const parts = glob.split("/");
  const at = parts.findIndex((p) => WILDCARD.test(p));
  // A pattern without a wildcard is one file: its folder.
  const fixed = at < 0 ? parts.slice(0, -1) : parts.slice(0, at);
  return fixed.join("/") || "/";
}
