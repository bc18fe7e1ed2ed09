/**
 * A Snowflake protocol test double: a small local HTTP server (Deno.serve on port 0) that speaks the
 * endpoints `snowflake-sdk` uses for login, queries, result chunks and logout, so tests drive the
 * real driver with `accessUrl: double.url`.
 *
 * - Login checks the password, the programmatic access token, or a key-pair JWT (RS256, verified
 *   against `jwtPublicKey`, with the `iss`/`sub` claims the driver builds); a bad login answers code
 *   390100 with HTTP 200 and `success: false`, as Snowflake does.
 * - Queries go to `onQuery(sqlText)`, which returns a lazily generated result or a SQL error. Results
 *   are kept by query id: `SELECT * FROM TABLE(RESULT_SCAN('<id>'))` returns the same rows (under a
 *   new id) until {@linkcode FakeSnowflake.expire} forgets them; then it is a SQL error.
 * - The first `inlineRows` rows go inline; the rest in chunks of `chunkRows`, served from absolute
 *   URLs as comma-joined JSON rows with `Content-Type: application/octet-stream`.
 * - Handler failures are answered as HTTP 200 `success: false`, never 5xx (the driver would retry).
 * - `inProgressReplies` makes every query answer "in progress" (codes 333333, then 333334, alternating)
 *   with a `getResultUrl` a few times before its result or SQL error, as a slow query does; the
 *   driver polls that URL (`GET /queries/<id>/result`) until the answer is final.
 * - `chunkFault` fails chunk downloads on purpose: an HTTP status (5xx, 403, 408 and 429 are retried
 *   by the driver, a 404 is not), `"drop"` (part of the body, then the connection is cut) or
 *   `"garbled"` (HTTP 200 whose body is not rows, like a proxy's error page).
 *
 * @module
 */
import { gunzipSync } from "node:zlib";
import { verifyJwt } from "./_jwt.ts";

export { writeRsaKey } from "./_jwt.ts";

/** A result column as the query response describes it. */
export interface FakeColumn {
  name: string;
  /** Lower-case Snowflake type: `text`, `fixed`, `real`, `date`, `boolean`, ... */
  type: string;
  scale?: number;
}

/** A query result whose rows are generated on demand. */
export interface FakeResult {
  /** @default two text columns VALUE, TOKEN */
  rowtype?: FakeColumn[];
  total: number;
  /** Rows `[start, end)`, each a list of raw JSON values (strings or null). */
  rowsAt(start: number, end: number): (string | null)[][];
}

/** A SQL error answer. */
export interface FakeSqlError {
  error: { code: string; message: string; sqlState?: string };
}

/** A chunk download, as {@linkcode FakeSnowflakeOptions.chunkFault} sees it. */
export interface FakeChunkRequest {
  queryId: string;
  /** Chunk number in the result's `chunks` list, from 0. */
  index: number;
  /** Rows `[start, end)` of the result. */
  start: number;
  end: number;
  /** Downloads of this chunk so far, this one included (1 for the first). */
  attempt: number;
}

/**
 * How a chunk download fails: an HTTP status; `"drop"`: half the body, then the connection is cut;
 * `"garbled"`: HTTP 200 with a body that is not JSON rows.
 */
export type FakeChunkFault = number | "drop" | "garbled";

/** Options of {@linkcode startFakeSnowflake}. */
export interface FakeSnowflakeOptions {
  /** Answers a query. @default every query fails with 002003 */
  onQuery?: (sqlText: string) => FakeResult | FakeSqlError;
  /** Login name accepted. @default "u" */
  user?: string;
  /** Password accepted. @default "p" */
  password?: string;
  /** Programmatic access token accepted. @default "pat-secret" */
  token?: string;
  /** Public key that verifies key-pair JWTs; key-pair logins fail without it. */
  jwtPublicKey?: CryptoKey;
  /** Rows sent inline in the query response. @default 1000 */
  inlineRows?: number;
  /** Rows per chunk after the inline ones. @default 50000 */
  chunkRows?: number;
  /**
   * Times each query is answered "query in progress" (first the query request, then each poll of
   * its `getResultUrl`) before the final answer. @default 0
   */
  inProgressReplies?: number;
  /** Fails a chunk download when it returns a fault; `undefined` serves the chunk. @default none */
  chunkFault?: (chunk: FakeChunkRequest) => FakeChunkFault | undefined;
}

/** A recorded request. */
export interface FakeRequest {
  method: string;
  path: string;
  /** Parsed JSON body (POST requests), if any. */
  body?: Record<string, unknown>;
  authorization?: string;
}

/** A running double. */
export interface FakeSnowflake {
  /** `http://127.0.0.1:<port>`: the driver's `accessUrl`. */
  url: string;
  /** Every request, in arrival order. */
  requests: FakeRequest[];
  /** `data` of each login request. */
  logins: Record<string, unknown>[];
  /** sqlText of each query request. */
  queries: string[];
  /** Query ids answered, in order (including RESULT_SCAN ones). */
  queryIds: string[];
  /** Chunk downloads served. */
  chunkGets(): number;
  /** Chunk downloads failed by `chunkFault`. */
  chunkFaults(): number;
  /** Polls of a query's result URL (`GET /queries/<id>/result`). */
  resultPolls(): number;
  /** Forgets a stored result: RESULT_SCAN of it becomes a SQL error. */
  expire(queryId: string): void;
  close(): Promise<void>;
}

const DEFAULT_ROWTYPE: FakeColumn[] = [{ name: "VALUE", type: "text" }, { name: "TOKEN", type: "text" }];
const PARAMETERS = [
  { name: "TIMEZONE", value: "Etc/UTC" },
  { name: "DATE_OUTPUT_FORMAT", value: "YYYY-MM-DD" },
  { name: "TIMESTAMP_OUTPUT_FORMAT", value: "YYYY-MM-DD HH24:MI:SS.FF3" },
  { name: "TIMESTAMP_NTZ_OUTPUT_FORMAT", value: "YYYY-MM-DD HH24:MI:SS.FF3" },
];

/** Starts a double on a free loopback port. */
export function startFakeSnowflake(options: FakeSnowflakeOptions = {}): Promise<FakeSnowflake> {
  const user = options.user ?? "u";
  const password = options.password ?? "p";
  const token = options.token ?? "pat-secret";
  const inlineRows = options.inlineRows ?? 1000;
  const chunkRows = options.chunkRows ?? 50_000;
  const inProgressReplies = options.inProgressReplies ?? 0;
  const onQuery = options.onQuery ??
    (() => ({ error: { code: "002003", message: "Object does not exist", sqlState: "02000" } }));
  const results = new Map<string, FakeResult>();
  const requests: FakeRequest[] = [];
  const logins: Record<string, unknown>[] = [];
  const queries: string[] = [];
  const queryIds: string[] = [];
  /** Final answers of queries still "in progress", with the in-progress replies left to send. */
  const running = new Map<string, { left: number; final: Record<string, unknown> }>();
  const chunkAttempts = new Map<string, number>();
  let chunkGets = 0;
  let chunkFaults = 0;
  let resultPolls = 0;
  let base = "";

  async function login(data: Record<string, unknown>): Promise<Record<string, unknown>> {
    logins.push(data);
    const authenticator = String(data.AUTHENTICATOR ?? "SNOWFLAKE").toUpperCase();
    let ok = String(data.LOGIN_NAME ?? "") === user;
    if (authenticator === "SNOWFLAKE") ok &&= data.PASSWORD === password;
    else if (authenticator === "PROGRAMMATIC_ACCESS_TOKEN") ok &&= data.TOKEN === token;
    else if (authenticator === "SNOWFLAKE_JWT") {
      ok &&= await verifyJwt(String(data.TOKEN ?? ""), options.jwtPublicKey, data);
    } else ok = false;
    if (!ok) {
      return {
        success: false,
        code: "390100",
        message: "Incorrect username or password was specified.",
        data: { nextAction: "RETRY_LOGIN", authnMethod: authenticator },
      };
    }
    const keepAlive = (data.SESSION_PARAMETERS as Record<string, unknown> | undefined)
      ?.CLIENT_SESSION_KEEP_ALIVE === true;
    return {
      success: true,
      code: null,
      message: null,
      data: {
        token: "session-token",
        masterToken: "master-token",
        validityInSeconds: 3600,
        masterValidityInSeconds: 14400,
        sessionId: 1,
        parameters: [...PARAMETERS, { name: "CLIENT_SESSION_KEEP_ALIVE", value: keepAlive }],
        sessionInfo: { databaseName: "DB", schemaName: "SCHEMA", warehouseName: "WH", roleName: "PUBLIC" },
      },
    };
  }

  function resultBody(queryId: string, result: FakeResult): Record<string, unknown> {
    const inline = Math.min(inlineRows, result.total);
    const chunks = [];
    for (let start = inline, i = 0; start < result.total; start += chunkRows, i++) {
      const end = Math.min(start + chunkRows, result.total);
      chunks.push({
        url: `${base}/results/${queryId}/chunk-${i}?start=${start}&end=${end}`,
        rowCount: end - start,
      });
    }
    const rowtype = (result.rowtype ?? DEFAULT_ROWTYPE).map((c) => ({
      name: c.name,
      type: c.type,
      nullable: true,
      scale: c.scale ?? null,
      precision: c.type === "fixed" ? 38 : null,
      length: c.type === "text" ? 16777216 : null,
      byteLength: c.type === "text" ? 16777216 : null,
      database: "DB",
      schema: "SCHEMA",
      table: "T",
      collation: null,
    }));
    return {
      success: true,
      code: null,
      message: null,
      data: {
        queryId,
        statementTypeId: 4096,
        version: 1,
        queryResultFormat: "json",
        parameters: PARAMETERS,
        rowtype,
        rowset: result.rowsAt(0, inline),
        total: result.total,
        returned: result.total,
        chunks,
        chunkHeaders: {},
        finalDatabaseName: "DB",
        finalSchemaName: "SCHEMA",
      },
    };
  }

  function query(sqlText: string): Record<string, unknown> {
    queries.push(sqlText);
    const queryId = crypto.randomUUID();
    queryIds.push(queryId);
    const scan = /RESULT_SCAN\('([^']*)'\)/i.exec(sqlText);
    let answer: FakeResult | FakeSqlError;
    if (scan) {
      const stored = results.get(scan[1]);
      answer = stored ?? {
        error: { code: "000709", message: `Statement ${scan[1]} not found`, sqlState: "02000" },
      };
    } else {
      try {
        answer = onQuery(sqlText);
      } catch (error) {
        answer = { error: { code: "000603", message: `double handler failed: ${error}`, sqlState: "XX000" } };
      }
    }
    let final: Record<string, unknown>;
    if ("error" in answer) {
      const { code, message, sqlState } = answer.error;
      final = {
        success: false,
        code,
        message,
        data: { errorCode: code, sqlState: sqlState ?? "42000", queryId },
      };
    } else {
      results.set(queryId, answer);
      final = resultBody(queryId, answer);
    }
    if (inProgressReplies === 0) return final;
    running.set(queryId, { left: inProgressReplies - 1, final });
    return inProgress(queryId, 0);
  }

  /** The `n`-th "query in progress" reply (from 0): code 333333, then 333334, alternating. */
  function inProgress(queryId: string, n: number): Record<string, unknown> {
    return {
      success: true,
      code: n % 2 === 0 ? "333333" : "333334",
      message: null,
      data: { queryId, getResultUrl: `/queries/${queryId}/result` },
    };
  }

  function poll(queryId: string): Record<string, unknown> {
    resultPolls++;
    const run = running.get(queryId);
    if (run) {
      if (run.left === 0) {
        running.delete(queryId);
        return run.final;
      }
      run.left--;
      return inProgress(queryId, inProgressReplies - 1 - run.left);
    }
    const stored = results.get(queryId);
    return stored ? resultBody(queryId, stored) : { success: false, code: "000709", message: "not found" };
  }

  function chunk(url: URL): Response {
    const [, , queryId] = url.pathname.split("/");
    const result = results.get(queryId);
    const start = Number(url.searchParams.get("start"));
    const end = Number(url.searchParams.get("end"));
    if (!result) return new Response("not found", { status: 404 });
    const attempt = (chunkAttempts.get(url.href) ?? 0) + 1;
    chunkAttempts.set(url.href, attempt);
    const index = Number(/chunk-(\d+)$/.exec(url.pathname)?.[1]);
    const fault = options.chunkFault?.({ queryId, index, start, end, attempt });
    const body = result.rowsAt(start, end).map((row) => JSON.stringify(row)).join(",");
    const headers = { "content-type": "application/octet-stream" };
    if (fault === undefined) {
      chunkGets++;
      return new Response(body, { headers });
    }
    chunkFaults++;
    if (fault === "garbled") return new Response("<html>proxy error</html>", { headers });
    if (fault !== "drop") return new Response("chunk unavailable", { status: fault, headers });
    // half the body under the full length: the server closes the connection short of it
    const bytes = new TextEncoder().encode(body);
    const cut = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, Math.ceil(bytes.length / 2)));
        controller.close();
      },
    });
    return new Response(cut, { headers: { ...headers, "content-length": String(bytes.length) } });
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const record: FakeRequest = {
      method: request.method,
      path: url.pathname,
      authorization: request.headers.get("authorization") ?? undefined,
    };
    requests.push(record);
    if (request.method === "GET" && url.pathname.startsWith("/results/")) return chunk(url);
    let body: Record<string, unknown> = {};
    if (request.method === "POST") {
      const raw = new Uint8Array(await request.arrayBuffer());
      const text = request.headers.get("content-encoding") === "gzip"
        ? gunzipSync(raw).toString("utf8")
        : new TextDecoder().decode(raw);
      body = text ? JSON.parse(text) : {};
      record.body = body;
    }
    let answer: unknown;
    try {
      if (url.pathname === "/session/v1/login-request") {
        answer = await login((body.data ?? {}) as Record<string, unknown>);
      } else if (url.pathname === "/queries/v1/query-request") answer = query(String(body.sqlText ?? ""));
      else if (url.pathname.startsWith("/queries/") && url.pathname.endsWith("/result")) {
        answer = poll(url.pathname.split("/")[2]);
      } else answer = { success: true, code: null, message: null, data: {} };
    } catch (error) {
      answer = { success: false, code: "000603", message: `double failed: ${error}`, data: {} };
    }
    return Response.json(answer);
  }

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handle);
  base = `http://127.0.0.1:${server.addr.port}`;
  return Promise.resolve({
    url: base,
    requests,
    logins,
    queries,
    queryIds,
    chunkGets: () => chunkGets,
    chunkFaults: () => chunkFaults,
    resultPolls: () => resultPolls,
    expire(queryId: string) {
      results.delete(queryId);
    },
    async close() {
      await server.shutdown();
    },
  });
}

/** A result of `total` text rows `("VALUE <i>", "tok_<i>")`, generated on demand. */
export function textRows(total: number, value = (i: number) => `VALUE ${i}`): FakeResult {
  return {
    total,
    rowsAt(start, end) {
      const rows: string[][] = [];
      for (let i = start; i < end; i++) rows.push([value(i), `tok_${i}`]);
      return rows;
    },
  };
}
