/**
 * The HTTP client of vault requests, behind the `fetch` signature: byot's own keep-alive HTTP/1.1
 * connection pool on `Deno.connect`/`Deno.startTls` (`./http1/`), because Deno's own clients cannot
 * do both things a vault request needs.
 *
 * - **`Content-Length` on every body.** Every official SDK sends it; a proxy or gateway that answers
 *   411 to a chunked body would fail every record. Deno's `fetch` sends a known length only for a
 *   buffered body (it drops a `content-length` header given with a stream and sends it chunked).
 * - **No silent re-send of a POST.** When a reused keep-alive connection closes after the request
 *   was written, Deno's `fetch` and its `node:http` (built on the same client) send a buffered body
 *   again on a new connection without telling the caller: an insert that may have been applied is
 *   applied twice, and its outcome is hidden. Here such a request fails (`other side closed`), so
 *   byot settles it as "may have been applied".
 *
 * It replaced undici (on Deno's `node:net`), which did both too but cost about a fifth of a load's
 * CPU (its own work, and V8's collector scanning the Node-compatibility layer it pulls in).
 *
 * `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` are honoured (http:// proxies; https through `CONNECT`),
 * as Deno's `fetch` does; certificates in the PEM file named by `NODE_EXTRA_CA_CERTS` are trusted
 * besides the system's. Bodies must be a string or bytes (a stream has no length to announce).
 *
 * @module
 */
import { ConnectError, ConnectionPool } from "./http1/pool.ts";
import { type ProxySettings, proxySettingsFromEnv } from "./http1/proxy.ts";

/** Options of {@linkcode createVaultFetch}. */
export interface VaultFetchOptions {
  /** Idle time after which a pooled connection is closed, in ms. @default 4000 */
  keepAliveTimeoutMs?: number;
  /** Root certificates (PEM) trusted besides the system's. @default the file `NODE_EXTRA_CA_CERTS` names */
  caCerts?: string[];
  /** Proxies and the hosts that bypass them. @default from `HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY` */
  proxy?: ProxySettings;
}

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
  let pool: ConnectionPool | undefined;
  const connections = () =>
    pool ??= new ConnectionPool({
      keepAliveTimeoutMs: options.keepAliveTimeoutMs,
      caCerts: options.caCerts ?? extraCaCerts(),
      proxy: options.proxy ?? proxySettingsFromEnv(),
    });
  return async (input: string | URL | Request, init: RequestInit = {}): Promise<RawAnswer> => {
    if (input instanceof Request) {
      throw new TypeError("vault fetch: pass a URL and an init object, not a Request");
    }
    const body = init.body ?? undefined;
    if (body !== undefined && typeof body !== "string" && !(body instanceof Uint8Array)) {
      throw new TypeError("vault fetch: the body must be a string or a Uint8Array");
    }
    const signal = init.signal ?? undefined;
    if (signal?.aborted) throw signal.reason;
    const url = new URL(input);
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new TypeError(`vault fetch: unsupported URL scheme ${url.protocol}`);
    }
    try {
      const answer = await connections().exchange(url, {
        method: init.method ?? "GET",
        headers: plainHeaders(init.headers),
        body,
        signal,
      });
      return { status: answer.status, headers: answer.headers, body: answer.body };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw failed(error);
    }
  };
}

/** The certificates of the PEM file `NODE_EXTRA_CA_CERTS` names (as Node trusts them); none when unset. */
function extraCaCerts(): string[] {
  let path: string | undefined;
  try {
    path = Deno.env.get("NODE_EXTRA_CA_CERTS");
  } catch {
    return []; // no env permission
  }
  if (!path) return [];
  try {
    return [Deno.readTextFileSync(path)];
  } catch (error) {
    throw new TypeError(
      `NODE_EXTRA_CA_CERTS: cannot read ${path}: ${error instanceof Error ? error.message : error}`,
    );
  }
}

/** Request headers as a plain object (byot passes one already). */
function plainHeaders(init: HeadersInit | undefined): Record<string, string> {
  if (init === undefined) return {};
  if (init instanceof Headers || Array.isArray(init)) return Object.fromEntries(new Headers(init));
  return init as Record<string, string>;
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

/** `TypeError("fetch failed")` whose cause says what failed: a connect error says it is one. */
function failed(error: unknown): TypeError {
  const message = error instanceof Error ? error.message : String(error);
  const reason = error instanceof ConnectError ? message : `client error: ${message}`;
  return new TypeError("fetch failed", { cause: new Error(reason, { cause: error }) });
}
