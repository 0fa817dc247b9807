/**
 * The hub's end of the control channel, in the ingest process that holds
 * the agents' streams: requests down a stream with an id and a timeout, the
 * answers matched back by id, and desired-state pushes (the whole set or a
 * diff on the version the agent holds; hub/control/desired.ts computes them).
 */
import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import {
  type ActionList,
  type ActionResponse,
  type AgentInfo,
  ControlError_Code,
  type ControlRequestSchema,
  type ControlResponse,
  type HubMessage,
  HubMessageSchema,
  type Process,
  type TopProcesses,
} from "../../proto/gen/sightline/agent/v1/agent_pb.ts";
import { cleanName } from "../../lib/names.ts";
import type { ServerCall } from "../../lib/grpc/server.ts";
import type { Logger } from "../../lib/log.ts";
import type { Store } from "../store/store.ts";
import { desiredFor } from "../control/desired.ts";
import {
  type ActionListAnswer,
  type ActionResultAnswer,
  type AgentAnswer,
  type AgentInfoAnswer,
  type AgentRequest,
  type ProcessAnswer,
  type RunActionInput,
  timeoutFor,
  type TopProcessesAnswer,
} from "../control/types.ts";
import { fromBase64 } from "../../lib/actions/grant.ts";
import { InvalidMessage } from "./convert.ts";

/** Encodes and sends one HubMessage; false when the agent is behind reading. */
export function send(
  call: ServerCall,
  init: Parameters<typeof create<typeof HubMessageSchema>>[1],
): boolean {
  return call.write(toBinary(HubMessageSchema, create(HubMessageSchema, init) as HubMessage));
}

/** A request in flight: what it asked, and where its answer goes. */
interface Pending {
  asked: AgentRequest["case"];
  answer: (a: AgentAnswer) => void;
}

/** One stream that said Hello: its requests in flight and the desired version it was sent. */
interface StreamState {
  hostId: string;
  call: ServerCall;
  pending: Map<number, Pending>;
  /** The desired-state version the agent holds once it applied what it was sent. */
  version: number;
  /** Pushes to this stream, one at a time, so each diff starts where the last ended. */
  pushing: Promise<void>;
}

const LIMITS = { text: 256, collectors: 64, processes: 10, actions: 256, params: 32 };

/** The ControlRequest body of `req`. */
function bodyOf(
  req: AgentRequest,
): NonNullable<MessageInitShape<typeof ControlRequestSchema>["body"]> {
  switch (req.case) {
    case "agentInfo":
      return { case: "agentInfo", value: {} };
    case "topProcesses":
      return { case: "topProcesses", value: {} };
    case "packagesResync":
      return { case: "packagesResync", value: {} };
    case "actionList":
      return { case: "action", value: { op: { case: "list", value: {} } } };
    case "runAction":
      return { case: "action", value: { op: { case: "run", value: runOf(req.run) } } };
  }
}

/** The relayed action as the .proto carries it; the grant's bytes exactly as they were signed. */
function runOf(r: RunActionInput) {
  return {
    action: r.action,
    params: Object.entries(r.params).map(([name, value]) => ({ name, value })),
    grant: fromBase64(r.grant) ?? new Uint8Array(),
    signature: fromBase64(r.signature) ?? new Uint8Array(),
  };
}

/** The streams' control state, for one ingest process. */
export class ControlChannel {
  #streams = new Map<ServerCall, StreamState>();
  /**
   * Ids of the requests this process makes on its own (a package resync):
   * the main process numbers its requests from 1, so these start far above.
   */
  #ownId = 2 ** 48;

  constructor(
    private deps: { store: Store; log: Logger; timeoutMs?: number },
  ) {}

  /**
   * Takes a stream that said Hello, holding desired-state version `held`,
   * and sends it what it lacks of its host's desired state.
   */
  async attach(call: ServerCall, hostId: string, held: number): Promise<void> {
    const s: StreamState = {
      hostId,
      call,
      pending: new Map(),
      version: held,
      pushing: Promise.resolve(),
    };
    this.#streams.set(call, s);
    // Metrics go on without desired state: a store that cannot say what the
    // agent should hold is logged, and the next change or connect tries again.
    await this.#push(s).catch((err) =>
      this.deps.log.warn("Cannot push desired state", { host: hostId, error: err })
    );
  }

  /** The stream ended: its requests are answered "disconnected". */
  detach(call: ServerCall): void {
    const s = this.#streams.get(call);
    if (!s) return;
    this.#streams.delete(call);
    for (const { answer } of s.pending.values()) {
      answer({
        ok: false,
        error: "disconnected",
        message: "The agent disconnected before answering",
      });
    }
  }

  /** Asks the host's newest stream; resolves with its answer or why there is none. */
  request(hostId: string, id: number, req: AgentRequest): Promise<AgentAnswer> {
    const s = [...this.#streams.values()].findLast((s) => s.hostId === hostId);
    if (!s) {
      return Promise.resolve({
        ok: false,
        error: "not_connected",
        message: "The agent is not connected to this hub",
      });
    }
    const timeoutMs = this.deps.timeoutMs ?? timeoutFor(req);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        s.pending.delete(id);
        resolve({
          ok: false,
          error: "timeout",
          message: `The agent did not answer within ${timeoutMs / 1000} s`,
        });
      }, timeoutMs);
      s.pending.set(id, {
        asked: req.case,
        answer: (a) => {
          clearTimeout(timer);
          s.pending.delete(id);
          resolve(a);
        },
      });
      send(s.call, { kind: { case: "request", value: { id: BigInt(id), body: bodyOf(req) } } });
    });
  }

  /** Asks the host's newest stream, under an id of this process's own. */
  ask(hostId: string, req: AgentRequest): Promise<AgentAnswer> {
    return this.request(hostId, this.#ownId++, req);
  }

  /**
   * An answer on `call`. One for a request no longer waited for (it timed
   * out) is dropped; one that breaks the protocol (or answers another
   * question than was asked) answers its request "invalid" and throws
   * {@link InvalidMessage}, which ends the stream.
   */
  answered(call: ServerCall, res: ControlResponse): void {
    const s = this.#streams.get(call);
    const id = Number(res.id);
    const pending = s?.pending.get(id);
    if (!pending) {
      this.deps.log.debug("Dropped a late or unasked answer", { host: s?.hostId, id });
      return;
    }
    const { asked, answer } = pending;
    let outcome: AgentAnswer;
    try {
      outcome = readResponse(res);
      if (outcome.ok && outcome.case !== asked) {
        throw new InvalidMessage(`a ${outcome.case} answer to a ${asked} request`);
      }
    } catch (err) {
      answer({ ok: false, error: "invalid", message: "The agent's answer broke the protocol" });
      throw err;
    }
    answer(outcome);
  }

  /** The host's desired state changed: each of its streams gets what it lacks. */
  desiredChanged(hostId: string): Promise<void> {
    const pushes = [...this.#streams.values()].filter((s) => s.hostId === hostId).map((s) =>
      this.#push(s).catch((err) =>
        this.deps.log.warn("Cannot push desired state", { host: hostId, error: err })
      )
    );
    return Promise.all(pushes).then(() => {});
  }

  #push(s: StreamState): Promise<void> {
    s.pushing = s.pushing.catch(() => {}).then(async () => {
      const push = await desiredFor(this.deps.store, s.hostId, s.version);
      if (!push || s.call.done) return;
      send(s.call, {
        kind: {
          case: "desired",
          value: {
            version: BigInt(push.version),
            full: push.full,
            set: push.set,
            removed: push.removed,
          },
        },
      });
      s.version = push.version;
      this.deps.log.info("Sent desired state", {
        host: s.hostId,
        version: push.version,
        full: push.full,
        set: push.set.length,
        removed: push.removed.length,
      });
    });
    return s.pushing;
  }
}

function text(field: string, v: string): string {
  if (v.length > LIMITS.text) throw new InvalidMessage(`${field} is longer than ${LIMITS.text}`);
  return v;
}

function finite(field: string, v: number): number {
  if (!Number.isFinite(v) || v < 0) throw new InvalidMessage(`${field} is not a number ≥ 0`);
  return v;
}

function infoOf(i: AgentInfo): AgentInfoAnswer {
  if (i.collectors.length > LIMITS.collectors) {
    throw new InvalidMessage(`collectors has more than ${LIMITS.collectors} entries`);
  }
  return {
    agent_version: text("agent_version", i.agentVersion),
    uptime_s: finite("uptime_s", i.uptimeS),
    host_uptime_s: finite("host_uptime_s", i.hostUptimeS),
    pid: i.pid,
    wal_pending_batches: Number(i.walPendingBatches),
    collectors: i.collectors.map((c) => text("collector", c)),
    metrics_interval_s: finite("metrics_interval_s", i.metricsIntervalS),
    desired_version: Number(i.desiredVersion),
  };
}

/** A number an agent sent that must be finite, ≥ 0 and at most `max`. */
function bounded(field: string, v: number, max: number): number {
  if (finite(field, v) > max) throw new InvalidMessage(`${field} is above ${max}`);
  return v;
}

function processOf(p: Process): ProcessAnswer {
  if (p.pid === 0) throw new InvalidMessage("a process without a pid");
  return {
    pid: p.pid,
    name: cleanName("process", p.name),
    user: cleanName("user", p.user),
    cpu_percent: finite("cpu_percent", p.cpuPercent),
    rss_bytes: Number(p.rssBytes),
    mem_percent: bounded("mem_percent", p.memPercent, 100),
  };
}

/** The processes an agent sent: at most ten of each list, names cleaned, numbers in range. */
function processesOf(t: TopProcesses): TopProcessesAnswer {
  for (const [field, list] of [["by_cpu", t.byCpu], ["by_memory", t.byMemory]] as const) {
    if (list.length > LIMITS.processes) {
      throw new InvalidMessage(`${field} has more than ${LIMITS.processes} entries`);
    }
    if (list.length > t.total) throw new InvalidMessage(`${field} lists more than the total`);
  }
  // Between 1970 and the largest time a Date holds: anything else is no time at all.
  const at = bounded("unix_ms", Number(t.unixMs), 8.64e15);
  if (at === 0) throw new InvalidMessage("a snapshot without a time");
  return {
    at: new Date(at).toISOString(),
    total: t.total,
    by_cpu: t.byCpu.map(processOf),
    by_memory: t.byMemory.map(processOf),
  };
}

const KINDS = ["container", "unit", "command"] as const;
const TYPES = ["int", "enum", "name"] as const;

/** What a host says it allows: bounded, every kind and type one the hub knows. */
function actionListOf(l: ActionList): ActionListAnswer {
  if (l.actions.length > LIMITS.actions) {
    throw new InvalidMessage(`more than ${LIMITS.actions} actions`);
  }
  if (l.operatorKeys.length > LIMITS.params) throw new InvalidMessage("too many operator keys");
  return {
    actions: l.actions.map((a) => {
      const kind = KINDS.find((k) => k === a.kind);
      if (!kind) throw new InvalidMessage(`an action of kind ${text("kind", a.kind)}`);
      if (a.params.length > LIMITS.params) {
        throw new InvalidMessage("an action with too many params");
      }
      return {
        name: text("action name", a.name),
        kind,
        description: text("description", a.description),
        params: a.params.map((p) => {
          const type = TYPES.find((t) => t === p.type);
          if (!type) throw new InvalidMessage(`a parameter of type ${text("type", p.type)}`);
          const name = text("param name", p.name);
          if (type === "int") return { name, type, min: Number(p.min), max: Number(p.max) };
          if (type === "name") return { name, type, pattern: text("pattern", p.pattern) };
          if (p.values.length > 64) throw new InvalidMessage("an enum with too many values");
          return { name, type, values: p.values.map((v) => text("value", v)) };
        }),
      };
    }),
    operator_keys: l.operatorKeys.map((k) => text("operator key", k)),
    problem: l.problem.slice(0, 2048),
  };
}

/** The agent's answer to one action request: what it refused, or what ran. */
function actionAnswer(r: ActionResponse): AgentAnswer {
  const o = r.outcome;
  switch (o.case) {
    case "list":
      return { ok: true, case: "actionList", list: actionListOf(o.value) };
    case "result": {
      const v = o.value;
      let result: ActionResultAnswer;
      if (v.refused) result = { refused: v.refused.slice(0, 1024) };
      else {
        if (v.output.length > 64 * 1024) throw new InvalidMessage("an output over 64 KiB");
        result = {
          exit_code: v.exitCode,
          output: v.output,
          output_truncated: v.outputTruncated,
          duration_ms: finite("duration_ms", v.durationMs),
        };
      }
      return { ok: true, case: "runAction", result };
    }
    case undefined:
      throw new InvalidMessage("an action response without an outcome");
  }
}

/** The answer a response carries; throws {@link InvalidMessage} for one without a result. */
function readResponse(res: ControlResponse): AgentAnswer {
  const r = res.result;
  switch (r.case) {
    case "agentInfo":
      return { ok: true, case: "agentInfo", info: infoOf(r.value) };
    case "topProcesses":
      return { ok: true, case: "topProcesses", processes: processesOf(r.value) };
    case "error": {
      const message = text("error message", r.value.message) || "no reason given";
      return r.value.code === ControlError_Code.UNSUPPORTED
        ? { ok: false, error: "unsupported", message: "The agent does not support this request" }
        : { ok: false, error: "failed", message: `The agent could not answer: ${message}` };
    }
    case "action":
      return actionAnswer(r.value);
    case "packagesResync":
      return { ok: true, case: "packagesResync", seq: Number(r.value.seq) };
    case undefined:
      throw new InvalidMessage("a response without a result");
  }
}
