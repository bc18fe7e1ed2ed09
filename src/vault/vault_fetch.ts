/**
 * The HTTP client of vault requests, behind the `fetch` signature: undici's keep-alive connection
 * pool on `node:net`/`node:tls`, because Deno's own clients cannot do both things a vault request needs.
 *
 * - **`Content-Length` on every body.** Every official SDK sends it; a proxy or gateway that answers
 *   411 to a chunked body would fail every record. Deno's `fetch` sends a known length only for a
 *   buffered body (it drops a `content-length` header given with a stream and sends it chunked).
 * - **No silent re-send of a POST.** When a reused keep-alive connection closes after the request
 *   was written, Deno's `fetch` and its `node:http` (built on the same client) send a buffered body
 *   again on a new connection without telling the caller: an insert that may have been applied is
 *   applied twice, and its outcome is hidden. undici fails such a request (`other side closed`),
 *   so byot settles it as "may have been applied".
 *
 * `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` are honoured, as Deno's `fetch` does. Bodies must be a
 * string or bytes (a stream has no length to announce).
 *
 * @module
 */
import { Agent, type Dispatcher, EnvHttpProxyAgent } from "undici";

/** Options of {@linkcode createVaultFetch}. */
export interface VaultFetchOptions {
  /** Idle time after which a pooled connection is closed, in ms. @default 4000 */
  keepAliveTimeoutMs?: number;
}

/**
 * Error codes of a connection that never opened, or whose TLS handshake failed (a certificate, or
 * https to a plain-http port): nothing of the request was sent.
 */
const CONNECT_CODES: Record<string, string> = {
  ECONNREFUSED: "tcp connect error: Connection refused",
  ENOTFOUND: "dns error: failed to lookup address",
  EAI_AGAIN: "dns error: failed to lookup address (temporary)",
  EHOSTUNREACH: "tcp connect error: No route to host",
  ENETUNREACH: "tcp connect error: Network is unreachable",
  UND_ERR_CONNECT_TIMEOUT: "tcp connect error: connect timed out",
};

/** OpenSSL/Node TLS error codes (handshake and protocol errors). */
const TLS_CODE = /^ERR_(SSL|TLS)_/;

/** Certificate verification failures (Node's codes). */
const CERT_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "HOSTNAME_MISMATCH",
]);

/** A vault answer as read off the connection, before any `Response` is made of it. */
export interface RawAnswer {
  /** HTTP status code. */
  status: number;
  /** Response headers, names in lower case (repeated ones joined with `, `). */
  headers: Record<string, string>;
  /** The whole body; `null` for 204, 205 and 304. */
  body: Uint8Array<ArrayBuffer> | null;
}

/** One exchange of a {@linkcode createVaultFetch} client, answering a {@linkcode RawAnswer}. */
export type RawExchange = (input: string | URL | Request, init?: RequestInit) => Promise<RawAnswer>;

const RAW = Symbol("byot.vaultFetch.raw");

/**
 * The exchange behind a `fetch` made by {@linkcode createVaultFetch} (or {@linkcode vaultFetch}), so a
 * caller that only needs the status, headers and body skips building a `Response` (its headers,
 * body stream and copies cost more than the rest of reading the answer); `undefined` for any other
 * `fetch`. It behaves exactly like the `fetch` (same requests, same rejections).
 *
 * @example
 * ```ts ignore
 * const raw = rawExchangeOf(vaultFetch);
 * const answer = await raw!(url, { method: "GET", headers: { Authorization: "Bearer …" } });
 * ```
 */
export function rawExchangeOf(fetchFn: typeof fetch): RawExchange | undefined {
  return (fetchFn as { [RAW]?: RawExchange })[RAW];
}

/**
 * A `fetch` for vault requests: `Content-Length` on every body, keep-alive connections, and a
 * request whose connection fails after it was sent rejects instead of being sent again. Rejections
 * are `TypeError("fetch failed")` with the reason as `cause`; a connection that never opened says
 * `client error (Connect): …`, like Deno's `fetch`. It has no timeout of its own: pass a `signal`.
 *
 * @example
 * ```ts
 * const vaultFetch = createVaultFetch();
 * const response = await vaultFetch("https://example.vault.skyflowapis.com/v1/vaults/v1/name", {
 *   method: "POST",
 *   headers: { "Content-Type": "application/json", Authorization: "Bearer …" },
 *   body: JSON.stringify({ records: [] }),
 * });
 * ```
 */
export function createVaultFetch(options: VaultFetchOptions = {}): typeof fetch {
  const raw = createRawExchange(options);
  const vaultFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const answer = await raw(input, init);
    try {
      return new Response(answer.body, { status: answer.status, headers: answer.headers });
    } catch (error) {
      throw failed(error);
    }
  };
  return Object.assign(vaultFetch, { [RAW]: raw });
}

function createRawExchange(options: VaultFetchOptions): RawExchange {
  let dispatcher: Dispatcher | undefined;
  const pool = () => {
    if (dispatcher) return dispatcher;
    // no undici timers per request (headers/body timeouts): the caller's signal bounds each exchange
    const settings = {
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
      pipelining: 1,
      headersTimeout: 0,
      bodyTimeout: 0,
    };
    // the proxy-aware agent parses every request's origin against NO_PROXY: only when a proxy is set
    return dispatcher = proxyConfigured() ? new EnvHttpProxyAgent(settings) : new Agent(settings);
  };
  return (input: string | URL | Request, init: RequestInit = {}): Promise<RawAnswer> => {
    if (input instanceof Request) {
      return Promise.reject(new TypeError("vault fetch: pass a URL and an init object, not a Request"));
    }
    const body = init.body ?? undefined;
    if (body !== undefined && typeof body !== "string" && !(body instanceof Uint8Array)) {
      return Promise.reject(new TypeError("vault fetch: the body must be a string or a Uint8Array"));
    }
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const url = new URL(input);
    return new Promise<RawAnswer>((resolve, reject) => {
      // undici's low-level dispatch: no Node stream per response (request() makes one), which
      // costs more CPU than the whole rest of a vault request under Deno.
      let controller: Dispatcher.DispatchController | undefined;
      let status = 0;
      let headers: Record<string, string> = {};
      const chunks: Uint8Array[] = [];
      const onAbort = () => controller?.abort(signal!.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      const settle = () => signal?.removeEventListener("abort", onAbort);
      pool().dispatch({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: (init.method ?? "GET") as Dispatcher.HttpMethod,
        headers: plainHeaders(init.headers),
        body,
      }, {
        onRequestStart(c: Dispatcher.DispatchController) {
          controller = c;
          if (signal?.aborted) c.abort(signal.reason);
        },
        onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, raw: Record<string, unknown>) {
          status = statusCode;
          headers = {};
          for (const name in raw) {
            const value = raw[name];
            if (value !== undefined) {
              headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
            }
          }
        },
        onResponseData(_c: Dispatcher.DispatchController, chunk: Uint8Array) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          settle();
          const empty = status === 204 || status === 205 || status === 304;
          resolve({ status, headers, body: empty ? null : concat(chunks) });
        },
        onResponseError(_c: Dispatcher.DispatchController, error: Error) {
          settle();
          reject(signal?.aborted ? signal.reason : failed(error));
        },
      });
    });
  };
}

/** True when an `HTTP_PROXY`/`HTTPS_PROXY` variable (either case) is set and readable. */
function proxyConfigured(): boolean {
  try {
    return ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"].some((name) => !!Deno.env.get(name));
  } catch {
    return false; // no env permission: Deno's fetch would not see a proxy either
  }
}

/** Request headers as the plain object undici takes (byot passes one already). */
function plainHeaders(init: HeadersInit | undefined): Record<string, string> {
  if (init === undefined) return {};
  if (init instanceof Headers || Array.isArray(init)) return Object.fromEntries(new Headers(init));
  return init as Record<string, string>;
}

/** One copy of the chunks (they may be views of buffers the socket layer reuses). */
function concat(chunks: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let length = 0;
  for (const chunk of chunks) length += chunk.byteLength;
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

let shared: typeof fetch | undefined;

/**
 * The process-wide {@linkcode createVaultFetch} (one connection pool), created on first use: the
 * default client of vault requests.
 *
 * @example
 * ```ts ignore
 * const response = await vaultFetch(url, { method: "GET", headers: { Authorization: "Bearer …" } });
 * ```
 */
export const vaultFetch: typeof fetch = Object.assign(
  (input: string | URL | Request, init?: RequestInit): Promise<Response> =>
    (shared ??= createVaultFetch())(input, init),
  {
    [RAW]: ((input, init) => rawExchangeOf(shared ??= createVaultFetch())!(input, init)) as RawExchange,
  },
);

/** `TypeError("fetch failed")` whose cause says what failed and, for a connect error, that it is one. */
function failed(error: unknown): TypeError {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const tls = typeof code === "string" && (TLS_CODE.test(code) || CERT_CODES.has(code));
  const connect = typeof code === "string"
    ? CONNECT_CODES[code] ?? (tls ? `tls error: ${message}` : undefined)
    : undefined;
  const reason = connect === undefined
    ? `client error: ${message}${typeof code === "string" ? ` (${code})` : ""}`
    : `client error (Connect): ${connect} (${code})`;
  return new TypeError("fetch failed", { cause: new Error(reason, { cause: error }) });
}
