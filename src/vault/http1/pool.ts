/**
 * Keep-alive HTTP/1.1 connections per origin, opened with `Deno.connect` and, for https,
 * `Deno.startTls` (directly or through a proxy's tunnel), and the exchange of one request on one of them.
 *
 * @module
 */
import { Http1Connection, type Http1Response, writeAll } from "./connection.ts";
import { bareHostname, proxyAuthorization, proxyFor, type ProxySettings } from "./proxy.ts";
import { headEnd, parseResponseHead } from "./response_head.ts";

/** Options of {@linkcode ConnectionPool}. */
export interface ConnectionPoolOptions {
  /** Idle time after which a pooled connection is closed, in ms (shortened to a server's own). @default 4000 */
  keepAliveTimeoutMs?: number;
  /** Root certificates (PEM) trusted besides the system's. @default [] */
  caCerts?: string[];
  /** Proxies, and the hosts that bypass them. @default {} (direct) */
  proxy?: ProxySettings;
}

/**
 * The connection could not be opened (DNS, TCP, TLS handshake, or the proxy's tunnel): nothing of
 * the request was sent. Its message starts with `client error (Connect):`, as Deno's `fetch` says.
 */
export class ConnectError extends Error {
  /**
   * Creates the error.
   *
   * @param kind `dns error`, `tcp connect error`, `tls error` or `proxy error`.
   * @param cause the underlying error.
   */
  constructor(kind: string, cause: unknown) {
    super(`client error (Connect): ${kind}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = "ConnectError";
  }
}

/** One request, as {@linkcode ConnectionPool.exchange} takes it. */
export interface PoolRequest {
  /** `GET`, `POST`, … */
  method: string;
  /** Header fields (not `Host` or `Content-Length`: they are set here). */
  headers: Record<string, string>;
  /** Text or bytes. */
  body?: string | Uint8Array;
  /** Aborts the exchange (closing its connection). */
  signal?: AbortSignal;
}

/** Idle connections per origin (and proxy), most recently used last. */
export class ConnectionPool {
  readonly #idle = new Map<string, Http1Connection[]>();
  readonly #keepAliveMs: number;
  readonly #caCerts: string[];
  readonly #proxy: ProxySettings;

  /** Creates an empty pool. */
  constructor(options: ConnectionPoolOptions = {}) {
    this.#keepAliveMs = options.keepAliveTimeoutMs ?? 4_000;
    this.#caCerts = options.caCerts ?? [];
    this.#proxy = options.proxy ?? {};
  }

  /**
   * Sends one request on an idle connection to its origin, or a new one, and reads the whole
   * response; the connection goes back to the pool when it can carry another request.
   *
   * @throws {ConnectError} when no connection could be opened (nothing sent).
   * @throws {import("./connection.ts").AfterSendError} when the connection failed after sending.
   */
  async exchange(url: URL, request: PoolRequest): Promise<Http1Response> {
    let proxy: URL | undefined;
    try {
      proxy = proxyFor(url, this.#proxy);
    } catch (error) {
      throw new ConnectError("proxy error", error);
    }
    // plain http goes to a proxy in absolute form; https through a tunnel (see #open)
    const forwardProxy = url.protocol === "http:" ? proxy : undefined;
    const headers = { ...request.headers };
    const auth = forwardProxy && proxyAuthorization(forwardProxy);
    if (auth !== undefined) headers["proxy-authorization"] = auth;
    const http1Request = {
      method: request.method,
      target: forwardProxy ? url.href.replace(/#.*$/, "") : `${url.pathname}${url.search}`,
      host: url.host,
      headers,
      body: request.body,
    };
    const key = proxy === undefined ? url.origin : `${url.origin} via ${proxy.host}`;
    const connection = this.#take(key) ?? await this.#open(url, proxy, request.signal);
    const response = await connection.exchange(http1Request, request.signal);
    if (response.reusable) this.#park(key, connection, response.serverTimeoutMs);
    return response;
  }

  /** Closes every idle connection. */
  close(): void {
    for (const list of this.#idle.values()) for (const connection of list) connection.close();
    this.#idle.clear();
  }

  #take(key: string): Http1Connection | undefined {
    const list = this.#idle.get(key);
    while (list !== undefined && list.length > 0) {
      const connection = list.pop()!;
      if (connection.claim()) return connection;
    }
    return undefined;
  }

  #park(key: string, connection: Http1Connection, serverTimeoutMs: number | undefined): void {
    let list = this.#idle.get(key);
    if (list === undefined) this.#idle.set(key, list = []);
    // close a little before the server would, so a request never meets its close
    const timeout = serverTimeoutMs === undefined
      ? this.#keepAliveMs
      : Math.min(this.#keepAliveMs, Math.max(0, serverTimeoutMs - 1_000));
    const idle = list;
    idle.push(connection);
    connection.park(timeout, () => {
      const at = idle.indexOf(connection);
      if (at >= 0) idle.splice(at, 1);
    });
  }

  async #open(url: URL, proxy: URL | undefined, signal?: AbortSignal): Promise<Http1Connection> {
    const tls = url.protocol === "https:";
    const hostname = bareHostname(url);
    const port = Number(url.port || (tls ? 443 : 80));
    let tcp: Deno.TcpConn;
    try {
      tcp = proxy === undefined ? await Deno.connect({ hostname, port, signal }) : await Deno.connect({
        hostname: bareHostname(proxy),
        port: Number(proxy.port || 80),
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new ConnectError(
        /lookup|name or service|nodename/i.test(String(error)) ? "dns error" : "tcp connect error",
        error,
      );
    }
    tcp.setNoDelay(true);
    if (!tls) return new Http1Connection(tcp);
    try {
      if (proxy !== undefined) {
        await tunnel(tcp, `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`, proxy);
      }
    } catch (error) {
      tcp.close();
      throw error instanceof ConnectError ? error : new ConnectError("proxy error", error);
    }
    try {
      const conn = await Deno.startTls(tcp, { hostname, caCerts: this.#caCerts });
      const onAbort = () => conn.close();
      signal?.addEventListener("abort", onAbort, { once: true });
      try {
        await conn.handshake();
      } finally {
        signal?.removeEventListener("abort", onAbort);
      }
      return new Http1Connection(conn);
    } catch (error) {
      try {
        tcp.close();
      } catch {
        // already closed with the TLS connection
      }
      if (signal?.aborted) throw signal.reason;
      throw new ConnectError("tls error", error);
    }
  }
}

/** Opens a `CONNECT` tunnel to `authority` through the proxy `tcp` is connected to. */
async function tunnel(tcp: Deno.TcpConn, authority: string, proxy: URL): Promise<void> {
  const auth = proxyAuthorization(proxy);
  const request = `CONNECT ${authority} HTTP/1.1\r\nhost: ${authority}\r\n` +
    (auth === undefined ? "" : `proxy-authorization: ${auth}\r\n`) + "\r\n";
  await writeAll(tcp, new TextEncoder().encode(request));
  const buf = new Uint8Array(16_384);
  let end = 0;
  while (true) {
    const n = await tcp.read(buf.subarray(end));
    if (n === null) throw new Error("the proxy closed the connection");
    end += n;
    const headLength = headEnd(buf, 0, end);
    if (headLength >= 0) {
      const head = parseResponseHead(buf.subarray(0, headLength));
      if (head.status !== 200) {
        throw new ConnectError("proxy error", new Error(`CONNECT answered ${head.status}`));
      }
      return;
    }
    if (end === buf.length) throw new Error("the proxy's answer to CONNECT is too long");
  }
}
