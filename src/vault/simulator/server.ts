/**
 * The simulator's HTTP server: routing, authentication, and the fault pipeline of data requests
 * (rate limit → latency → injected 5xx → apply → drop or hang).
 *
 * @module
 */
import { AuthGate } from "./auth.ts";
import { VaultCapacity } from "./capacity.ts";
import { pickFault, RateLimiter, retryAfterValue, serverErrorStatuses } from "./faults.ts";
import { cutResponse, fail, jsonResponse, type Reply } from "./http.ts";
import { type ResolvedSimulatorOptions, resolveSimulatorOptions, type SimulatorOptions } from "./options.ts";
import { handleQuery, handleTokenize } from "./query_handlers.ts";
import { handleDelete, handleDetokenize, handleGet } from "./read_handlers.ts";
import { handleDeleteRecord, handleGetRecord, handleUpdateRecord } from "./record_handlers.ts";
import { invalidTableMessage, tableSchema } from "./schema.ts";
import { type SimulatorEndpoint, SimulatorStats } from "./stats.ts";
import { VaultStore } from "./store.ts";
import { handleBatch, handleInsert } from "./write_handlers.ts";

/** A running simulator. */
export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:41234` (`https://` with `tls`; no trailing slash). */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** The stored records. */
  readonly store: VaultStore;
  /** Live counters. */
  readonly stats: SimulatorStats;
  /** The resolved options; change them to change faults while it runs. */
  readonly options: ResolvedSimulatorOptions;
  /** Releases hung requests, stops listening and waits for open requests. Safe to call twice. */
  shutdown(): Promise<void>;
}

type DataRoute = { kind: "insert"; vaultId: string; table: string } | { kind: "batch"; vaultId: string };
type Route =
  | DataRoute
  | { kind: "get" | "delete"; vaultId: string; table: string; id?: string }
  | { kind: "update"; vaultId: string; table: string; id: string }
  | { kind: "detokenize" | "query" | "tokenize"; vaultId: string }
  | { kind: "token" };

/** POST paths under a vault that are endpoints, not tables. */
const vaultEndpoints = new Set(["detokenize", "query", "tokenize"]);

function route(method: string, pathname: string): Route | undefined {
  const parts = pathname.split("/").filter((p) => p !== "");
  if (method === "POST" && parts.join("/") === "v1/auth/sa/oauth/token") return { kind: "token" };
  if (parts[0] !== "v1" || parts[1] !== "vaults" || parts.length < 3 || parts.length > 5) return undefined;
  let vaultId: string, table: string | undefined, id: string | undefined;
  try {
    vaultId = decodeURIComponent(parts[2]);
    table = parts[3] === undefined ? undefined : decodeURIComponent(parts[3]);
    id = parts[4] === undefined ? undefined : decodeURIComponent(parts[4]);
  } catch {
    return undefined;
  }
  if (table === undefined) return method === "POST" ? { kind: "batch", vaultId } : undefined;
  if (id !== undefined) {
    if (method === "GET") return { kind: "get", vaultId, table, id };
    if (method === "PUT") return { kind: "update", vaultId, table, id };
    if (method === "DELETE") return { kind: "delete", vaultId, table, id };
    return undefined;
  }
  if (method === "POST") {
    return vaultEndpoints.has(table)
      ? { kind: table as "detokenize" | "query" | "tokenize", vaultId }
      : { kind: "insert", vaultId, table };
  }
  if (method === "GET") return { kind: "get", vaultId, table };
  if (method === "DELETE") return { kind: "delete", vaultId, table };
  return undefined;
}

async function drain(req: Request): Promise<void> {
  try {
    await req.body?.cancel();
  } catch {
    // the client went away: nothing to drain
  }
}

async function readJson(req: Request): Promise<{ body: unknown } | undefined> {
  try {
    return { body: await req.json() };
  } catch {
    return undefined;
  }
}

/** The 403 of a read when `forbidRead` is set (a role that may only insert). */
const READ_FORBIDDEN = "Forbidden. The role of this bearer token doesn't allow reading this vault's data.";

const badJson = (): Reply => fail(400, "Invalid request body: expected a JSON object.");

/**
 * Starts a Skyflow-compatible vault simulator on `Deno.serve`.
 *
 * @example
 * ```ts
 * const sim = await startSimulator({ rateLimit: 100 });
 * await fetch(`${sim.url}/v1/vaults/v1/name`, { method: "POST", headers: { authorization: "Bearer x" },
 *   body: JSON.stringify({ records: [{ fields: { name: "MARY" } }] }) });
 * await sim.shutdown();
 * ```
 */
export function startSimulator(input: SimulatorOptions = {}): Promise<Simulator> {
  const options = resolveSimulatorOptions(input);
  const store = new VaultStore(() => stats.duplicateInserts++);
  const stats = new SimulatorStats((vaultId, column, token) => store.insertCount(vaultId, column, token));
  const auth = new AuthGate(options, stats);
  const limiter = new RateLimiter();
  const capacity = new VaultCapacity(options.capacity);
  const closing = new AbortController();
  const answer = (reply: Reply, requestId: string, headers?: Record<string, string>): Response => {
    stats.recordResponse(reply.status);
    return jsonResponse(reply.status, reply.body, requestId, headers);
  };

  /** Waits for a slot of the vault (`capacity`), then latency + jitter; false when shut down meanwhile. */
  const delay = async (vaultId: string): Promise<boolean> => {
    const ms = options.latencyMs + (options.jitterMs > 0 ? options.random() * options.jitterMs : 0);
    if (ms <= 0 && capacity.slots <= 0) return true;
    const release = await capacity.acquire(vaultId);
    try {
      if (ms > 0) await options.sleep(ms, closing.signal);
      return !closing.signal.aborted;
    } catch {
      return false;
    } finally {
      release();
    }
  };

  const untilShutdown = () =>
    new Promise<void>((resolve) => {
      if (closing.signal.aborted) return resolve();
      closing.signal.addEventListener("abort", () => resolve(), { once: true });
    });

  /** A 429 when the vault's request budget (`rateLimit`, shared by reads and writes) is spent. */
  const throttled = async (
    req: Request,
    vaultId: string,
    requestId: string,
  ): Promise<Response | undefined> => {
    const now = options.now();
    const wait = limiter.take(vaultId, options.rateLimit, now);
    if (wait <= 0) return undefined;
    stats.rateLimited++;
    await drain(req);
    const retryAfter = retryAfterValue(wait, options.retryAfterFormat, now);
    return answer(fail(429, "Too many requests. Retry later."), requestId, { "retry-after": retryAfter });
  };

  const dataRequest = async (
    req: Request,
    r: DataRoute,
    requestId: string,
  ): Promise<Response> => {
    const limited = await throttled(req, r.vaultId, requestId);
    if (limited) return limited;
    if (!(await delay(r.vaultId))) return cutResponse(503, requestId);
    const fault = pickFault(options, options.random);
    if (fault === "error") {
      stats.serverErrors++;
      await drain(req);
      const status = serverErrorStatuses[Math.floor(options.random() * serverErrorStatuses.length)];
      return answer(fail(status, "Internal error. Try again later."), requestId);
    }
    const parsed = await readJson(req);
    const reply = !parsed
      ? badJson()
      : r.kind === "insert"
      ? handleInsert(store, options, r.vaultId, r.table, parsed.body)
      : handleBatch(store, options, r.vaultId, parsed.body);
    if (fault === "drop") {
      stats.dropped++;
      return cutResponse(reply.status, requestId);
    }
    if (fault === "hang") {
      stats.hung++;
      await untilShutdown();
      return cutResponse(reply.status, requestId);
    }
    return answer(reply, requestId);
  };

  const handle = async (req: Request): Promise<Response> => {
    const requestId = crypto.randomUUID();
    const url = new URL(req.url);
    const r = route(req.method, url.pathname);
    const endpoint: SimulatorEndpoint = r?.kind ?? "unknown";
    stats.requests[endpoint]++;
    if (!r) {
      await drain(req);
      return answer(fail(404, "Not Found. No such route."), requestId);
    }
    if (r.kind === "token") {
      const parsed = await readJson(req);
      if (!parsed) return answer(badJson(), requestId);
      return answer(await auth.issue(parsed.body), requestId);
    }
    const denied = auth.check(req.headers.get("authorization"));
    if (denied !== undefined) {
      await drain(req);
      return answer(fail(401, denied), requestId);
    }
    const vaultIds = options.vaultIds ?? (options.schema ? Object.keys(options.schema.vaults) : undefined);
    if (vaultIds && !vaultIds.includes(r.vaultId)) {
      await drain(req);
      return answer(fail(404, `Vault ${r.vaultId} not found.`), requestId);
    }
    if (r.kind === "insert" || r.kind === "batch") {
      stats.dataStarted(options.now());
      try {
        return await dataRequest(req, r, requestId);
      } finally {
        stats.dataFinished();
      }
    }
    if (options.forbidRead && (r.kind === "get" || r.kind === "detokenize" || r.kind === "query")) {
      await drain(req);
      return answer(fail(403, READ_FORBIDDEN), requestId);
    }
    const limited = await throttled(req, r.vaultId, requestId);
    if (limited) return limited;
    if (!(await delay(r.vaultId))) return cutResponse(503, requestId);
    if (r.kind === "get") {
      if (r.id !== undefined && tableSchema(options.schema, r.vaultId, r.table) === null) {
        return answer(fail(400, invalidTableMessage("Get", r.table)), requestId);
      }
      const reply = r.id === undefined
        ? handleGet(store, r.vaultId, r.table, url, options.schema)
        : handleGetRecord(store, r.vaultId, r.table, r.id, url);
      return answer(reply, requestId);
    }
    if ((r.kind === "delete" || r.kind === "update") && r.id !== undefined) {
      if (tableSchema(options.schema, r.vaultId, r.table) === null) {
        await drain(req);
        const operation = r.kind === "delete" ? "Delete" : "Update";
        return answer(fail(400, invalidTableMessage(operation, r.table)), requestId);
      }
    }
    if (r.kind === "delete" && r.id !== undefined) {
      await drain(req);
      return answer(handleDeleteRecord(store, r.vaultId, r.table, r.id), requestId);
    }
    const parsed = await readJson(req);
    if (!parsed) return answer(badJson(), requestId);
    if (r.kind === "delete") {
      return answer(handleDelete(store, r.vaultId, r.table, parsed.body, options.schema), requestId);
    }
    if (r.kind === "update") {
      return answer(handleUpdateRecord(store, r.vaultId, r.table, r.id, parsed.body), requestId);
    }
    if (r.kind === "query") return answer(handleQuery(store, r.vaultId, parsed.body), requestId);
    if (r.kind === "tokenize") return answer(handleTokenize(store, r.vaultId, parsed.body), requestId);
    return answer(handleDetokenize(store, r.vaultId, parsed.body), requestId);
  };

  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: options.hostname,
      port: options.port,
      ...(options.tls ? { cert: options.tls.cert, key: options.tls.key } : {}),
      onListen: (addr) => {
        const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
        let stopped: Promise<void> | undefined;
        resolve({
          url: `${options.tls ? "https" : "http"}://${host}:${addr.port}`,
          port: addr.port,
          store,
          stats,
          options,
          shutdown() {
            if (!stopped) {
              closing.abort();
              stopped = server.shutdown();
            }
            return stopped;
          },
        });
      },
      onError: () => jsonResponse(500, fail(500, "Internal error.").body, crypto.randomUUID()),
    }, handle);
  });
}
