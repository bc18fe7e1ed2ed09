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
import { type Dispatcher, EnvHttpProxyAgent } from "undici";

/** Options of {@linkcode createVaultFetch}. */
export interface VaultFetchOptions {
  /** Idle time after which a pooled connection is closed, in ms. @default 4000 */
  keepAliveTimeoutMs?: number;
}

/** Error codes of a connection that never opened: nothing of the request was sent. */
const CONNECT_CODES: Record<string, string> = {
  ECONNREFUSED: "tcp connect error: Connection refused",
  ENOTFOUND: "dns error: failed to lookup address",
  EAI_AGAIN: "dns error: failed to lookup address (temporary)",
  EHOSTUNREACH: "tcp connect error: No route to host",
  ENETUNREACH: "tcp connect error: Network is unreachable",
  UND_ERR_CONNECT_TIMEOUT: "tcp connect error: connect timed out",
};

/**
 * A `fetch` for vault requests: `Content-Length` on every body, keep-alive connections, and a
 * request whose connection fails after it was sent rejects instead of being sent again. Rejections
 * are `TypeError("fetch failed")` with the reason as `cause`; a connection that never opened says
 * `client error (Connect): …`, like Deno's `fetch`.
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
  let dispatcher: Dispatcher | undefined;
  const pool = () =>
    dispatcher ??= new EnvHttpProxyAgent({
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
      pipelining: 1,
    });
  return async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    if (input instanceof Request) {
      throw new TypeError("vault fetch: pass a URL and an init object, not a Request");
    }
    const body = init.body ?? undefined;
    if (body !== undefined && typeof body !== "string" && !(body instanceof Uint8Array)) {
      throw new TypeError("vault fetch: the body must be a string or a Uint8Array");
    }
    const url = new URL(input);
    let answer: Dispatcher.ResponseData;
    let text: string;
    try {
      answer = await pool().request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: (init.method ?? "GET") as Dispatcher.HttpMethod,
        headers: Object.fromEntries(new Headers(init.headers)),
        body,
        signal: init.signal ?? undefined,
      });
      text = await answer.body.text();
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason;
      throw failed(error);
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
    }
    const empty = answer.statusCode === 204 || answer.statusCode === 205 || answer.statusCode === 304;
    return new Response(empty ? null : text, { status: answer.statusCode, headers });
  };
}

let shared: typeof fetch | undefined;

/**
 * The process-wide {@linkcode createVaultFetch} (one connection pool), created on first use: the
 * default client of vault requests.
 *
 * @example
 * ```ts
 * const response = await vaultFetch(url, { method: "GET", headers: { Authorization: "Bearer …" } });
 * ```
 */
export function vaultFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  return (shared ??= createVaultFetch())(input, init);
}

/** `TypeError("fetch failed")` whose cause says what failed and, for a connect error, that it is one. */
function failed(error: unknown): TypeError {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const connect = typeof code === "string" ? CONNECT_CODES[code] : undefined;
  const reason = connect === undefined
    ? `client error: ${message}${typeof code === "string" ? ` (${code})` : ""}`
    : `client error (Connect): ${connect} (${code})`;
  return new TypeError("fetch failed", { cause: new Error(reason, { cause: error }) });
}
