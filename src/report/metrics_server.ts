/**
 * The HTTP endpoint Prometheus scrapes: `GET /metrics` answers the run's metrics in the text
 * format; `/` points there; anything else is 404. Served with `Deno.serve` on the address the user
 * gave, for as long as the run lasts.
 *
 * @module
 */
import { ConfigError } from "../common/errors.ts";

/** Options of {@linkcode serveMetrics}. */
export interface ServeMetricsOptions {
  /** Where to listen (port 0: any free port). */
  hostname: string;
  /** TCP port. */
  port: number;
  /** Renders the metrics for one scrape. */
  render(): Promise<string>;
  /** The `Content-Type` of what `render` returns. @default "text/plain; version=0.0.4; charset=utf-8" */
  contentType?: string;
  /** Names the address in messages (`--metrics-addr 0.0.0.0:9464`). @default "metrics address HOST:PORT" */
  label?: string;
}

/** A running metrics endpoint. */
export interface MetricsServer {
  /** The address actually bound (the real port when 0 was asked for). */
  readonly hostname: string;
  /** The port actually bound. */
  readonly port: number;
  /** `http://HOST:PORT/metrics`, for messages (holds no credentials). */
  readonly url: string;
  /** Stops listening and waits for open scrapes to finish. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts the endpoint.
 *
 * @throws {ConfigError} (exit 2) when the address cannot be bound (in use, not local, not allowed).
 */
export function serveMetrics(options: ServeMetricsOptions): MetricsServer {
  const contentType = options.contentType ?? "text/plain; version=0.0.4; charset=utf-8";
  const label = options.label ?? `metrics address ${options.hostname}:${options.port}`;
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: options.hostname,
      port: options.port,
      onListen() {},
      onError: () => new Response("metrics unavailable\n", { status: 500 }),
    }, async (request) => {
      const path = new URL(request.url).pathname;
      if (request.method !== "GET" && request.method !== "HEAD") {
        return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
      }
      if (path === "/metrics") {
        const body = await options.render();
        return new Response(request.method === "HEAD" ? null : body, {
          headers: { "content-type": contentType, "cache-control": "no-store" },
        });
      }
      if (path === "/") return new Response("byot: metrics at /metrics\n");
      return new Response("not found\n", { status: 404 });
    });
  } catch (error) {
    throw new ConfigError(`${label}: cannot listen: ${bindProblem(error)}`, { cause: error });
  }
  const addr = server.addr;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  let closed: Promise<void> | undefined;
  return {
    hostname: addr.hostname,
    port: addr.port,
    url: `http://${host}:${addr.port}/metrics`,
    close() {
      closed ??= server.shutdown();
      return closed;
    },
  };
}

function bindProblem(error: unknown): string {
  if (error instanceof Deno.errors.AddrInUse) return "the address is already in use";
  if (error instanceof Deno.errors.AddrNotAvailable) return "the address is not one of this machine's";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0];
}
