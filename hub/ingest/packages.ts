/**
 * Checks a PackageBatch an agent sent and turns it into what the package
 * store keeps. Names, versions and counts are bounded; anything that could
 * hide or garble what a page shows (controls, spaces, format characters) is
 * refused, and so is a batch that contradicts itself (a package listed twice,
 * added and removed at once, a full inventory on another baseline). A refused
 * batch is acked `rejected` and nothing of it is stored.
 */
import type { PackageBatch } from "../../proto/gen/sightline/agent/v1/agent_pb.ts";
import type { InstalledPackage, PackageKey, StoredPackageBatch } from "../store/packages/types.ts";
import { InvalidMessage } from "./convert.ts";

export const PACKAGE_LIMITS = {
  /** Packages in one batch: a large host has a few thousand, a build box ten. */
  packages: 100_000,
  managers: 16,
  name: 200,
  version: 128,
  arch: 32,
  message: 256,
};

const EARLIEST_MS = Date.UTC(2020, 0, 1);
const MAX_FUTURE_MS = 10 * 60_000;
const MANAGER = /^[a-z][a-z0-9_-]{0,15}$/;
const ARCH = /^[A-Za-z0-9_.+-]*$/;
/** Whitespace, controls, format characters, separators, private use, unassigned. */
const UNPRINTABLE = /[\s\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;

function word(field: string, v: string, max: number, empty = false): string {
  if (!v && !empty) throw new InvalidMessage(`${field} is empty`);
  if (v.length > max) throw new InvalidMessage(`${field} is longer than ${max}`);
  if (!v.isWellFormed() || UNPRINTABLE.test(v)) {
    throw new InvalidMessage(`${field} holds a space or an unprintable character`);
  }
  return v;
}

function manager(v: string): string {
  if (!MANAGER.test(v)) {
    throw new InvalidMessage(`manager ${JSON.stringify(v.slice(0, 20))} is not a manager name`);
  }
  return v;
}

function key(k: { manager: string; name: string; arch: string }): PackageKey {
  const arch = word("arch", k.arch, PACKAGE_LIMITS.arch, true);
  if (!ARCH.test(arch)) throw new InvalidMessage("arch holds a character no architecture has");
  return {
    manager: manager(k.manager),
    name: word("package name", k.name, PACKAGE_LIMITS.name),
    arch,
  };
}

/** An agent's explanation, made safe to show: hidden characters out, at most 256 characters. */
function clean(message: string): string {
  const text = message.toWellFormed().replace(/[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu, " ");
  return [...text].slice(0, PACKAGE_LIMITS.message).join("").trim() || "no reason given";
}

/** Validates a batch; throws {@link InvalidMessage} naming what is wrong. */
export function packageBatchToStored(b: PackageBatch, now = Date.now()): StoredPackageBatch {
  const seq = Number(b.seq);
  const ts = Number(b.unixMs);
  const baselineSeq = Number(b.baselineSeq);
  if (seq < 1 || !Number.isSafeInteger(seq)) throw new InvalidMessage("seq must be at least 1");
  if (ts < EARLIEST_MS || ts > now + MAX_FUTURE_MS) {
    throw new InvalidMessage(`unix_ms ${ts} is not a plausible time`);
  }
  if (b.full && baselineSeq !== seq) {
    throw new InvalidMessage("a full inventory is its own baseline (baseline_seq = seq)");
  }
  if (!b.full && baselineSeq >= seq) {
    throw new InvalidMessage("a delta builds on an earlier batch (baseline_seq < seq)");
  }
  if (b.full && b.removed.length) throw new InvalidMessage("a full inventory removes nothing");
  const count = b.upsert.length + b.removed.length;
  if (count > PACKAGE_LIMITS.packages) {
    throw new InvalidMessage(`more than ${PACKAGE_LIMITS.packages} packages in one batch`);
  }
  if (b.managers.length > PACKAGE_LIMITS.managers || b.errors.length > PACKAGE_LIMITS.managers) {
    throw new InvalidMessage(`more than ${PACKAGE_LIMITS.managers} managers`);
  }
  if (b.total > PACKAGE_LIMITS.packages * 10) {
    throw new InvalidMessage(`total ${b.total} is beyond any host`);
  }
  const managers = [...new Set(b.managers.map(manager))];
  const seen = new Set<string>();
  const once = (k: PackageKey) => {
    const id = `${k.manager}\u0000${k.name}\u0000${k.arch}`;
    if (seen.has(id)) {
      throw new InvalidMessage(
        `${k.manager} package ${k.name} (${k.arch || "no arch"}) listed twice`,
      );
    }
    seen.add(id);
  };
  const upsert: InstalledPackage[] = b.upsert.map((p) => {
    const k = key(p);
    once(k);
    return {
      ...k,
      version: word("version", p.version, PACKAGE_LIMITS.version),
      update_version: word("update_version", p.updateVersion, PACKAGE_LIMITS.version, true),
      security: p.securityUpdate && p.updateVersion !== "",
    };
  });
  const removed = b.removed.map((r) => {
    const k = key(r);
    once(k);
    return k;
  });
  // An error names the manager it kept from being read (its collector); the
  // message is shown, so it is cleaned rather than refused.
  const errors = b.errors.map((e) => ({
    manager: word("error collector", e.collector, 64),
    message: clean(e.message),
  }));
  return {
    seq,
    ts,
    full: b.full,
    baselineSeq,
    managers,
    upsert,
    removed,
    total: b.total,
    errors,
    partOfFull: b.partOfFull,
  };
}
