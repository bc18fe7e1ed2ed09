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
  const onQuery = options.onQuery ??
    (() => ({ error: { code: "002003", message: "Object does not exist", sqlState: "02000" } }));
  const results = new Map<string, FakeResult>();
  const requests: FakeRequest[] = [];
  const logins: Record<string, unknown>[] = [];
  const queries: string[] = [];
  const queryIds: string[] = [];
  let chunkGets = 0;
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
    if ("error" in answer) {
      const { code, message, sqlState } = answer.error;
      return {
        success: false,
        code,
        message,
        data: { errorCode: code, sqlState: sqlState ?? "42000", queryId },
      };
    }
    results.set(queryId, answer);
    return resultBody(queryId, answer);
  }

  function chunk(url: URL): Response {
    const [, , queryId] = url.pathname.split("/");
    const result = results.get(queryId);
    const start = Number(url.searchParams.get("start"));
    const end = Number(url.searchParams.get("end"));
    if (!result) return new Response("not found", { status: 404 });
    chunkGets++;
    const body = result.rowsAt(start, end).map((row) => JSON.stringify(row)).join(",");
    return new Response(body, { headers: { "content-type": "application/octet-stream" } });
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
        const id = url.pathname.split("/")[2];
        const stored = results.get(id);
        answer = stored ? resultBody(id, stored) : { success: false, code: "000709", message: "not found" };
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
