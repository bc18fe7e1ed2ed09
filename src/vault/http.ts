/**
 * One HTTP exchange with the vault: timeout, request id, latency, and the distinction that matters
 * for safe retries: whether the request may have reached the vault.
 *
 * @module
 */
import type { Clock } from "../common/clock.ts";
import { vaultFetch } from "./vault_fetch.ts";

/** An answer from the vault (any status). */
export interface HttpAnswer {
  /** HTTP status code. */
  status: number;
  /** Raw body text (never assumed to be JSON). */
  body: string;
  /** `X-Request-Id` header, when present. */
  requestId?: string;
  /** `Retry-After` header, when present. */
  retryAfter?: string;
  /** Time from sending the request to reading the whole body, in ms (by the exchange's clock). */
  latencyMs: number;
}

/** No answer: the exchange failed in transport. */
export class TransportError extends Error {
  /** True when the request may have reached the vault (timeout, reset after connect). */
  readonly maybeApplied: boolean;
  /** True when the per-request timeout fired. */
  readonly timedOut: boolean;
  /** Time from sending the request until it failed, in ms. */
  readonly latencyMs: number;
  /**
   * Creates the error.
   *
   * @param message what failed (`request timed out after … ms`, `network error: …`).
   * @param init whether the request may have been applied, whether the timeout fired, the latency,
   *   and the underlying error.
   */
  constructor(
    message: string,
    init: { maybeApplied: boolean; timedOut: boolean; latencyMs: number; cause?: unknown },
  ) {
    super(message, { cause: init.cause });
    this.name = "TransportError";
    this.maybeApplied = init.maybeApplied;
    this.timedOut = init.timedOut;
    this.latencyMs = init.latencyMs;
  }
}

/** Options of {@linkcode httpExchange}. */
export interface HttpExchangeOptions {
  /** HTTP method. */
  method: "GET" | "POST" | "DELETE";
  /** Full URL of the request. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  bearerToken: string;
  /** JSON to send, as text or UTF-8 bytes. */
  body?: string | Uint8Array;
  /** Per-request timeout in ms. */
  timeoutMs: number;
  /** Aborts the exchange (run cancelled); its reason is rethrown as is. */
  signal?: AbortSignal;
  /**
   * The `fetch` to call (tests pass a fake). It gets the body as given (text or bytes), so it can send
   * `Content-Length`; it must not re-send a request on its own. @default vaultFetch
   */
  fetch?: typeof fetch;
  /** Time source for the latency measurement. */
  clock: Clock;
}

/** Connection errors that happen before any byte of the request left: safe to resend. */
const NOT_SENT =
  /\(Connect\)|tcp connect error|connection refused|dns error|failed to lookup|Name or service not known/i;

/**
 * Sends one request and reads the whole answer. Throws {@linkcode TransportError} when no complete
 * answer arrived, and the signal's reason when `signal` aborted.
 */
export async function httpExchange(options: HttpExchangeOptions): Promise<HttpAnswer> {
  const doFetch = options.fetch ?? vaultFetch;
  // A timer cleared when the exchange ends: AbortSignal.timeout() would keep every request's signal
  // alive for the whole timeout (a minute of requests, ~14 MB at 800 requests/s)
  const timeout = new AbortController();
  const timer = setTimeout(
    () => timeout.abort(new DOMException("signal timed out", "TimeoutError")),
    options.timeoutMs,
  );
  const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
  const started = options.clock.now();
  const headers: Record<string, string> = {
    "Authorization": `Bearer ${options.bearerToken}`,
    "Accept": "application/json",
  };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  try {
    const response = await doFetch(options.url, {
      method: options.method,
      headers,
      // Text or bytes, so the client sends Content-Length (a proxy may answer 411 to a chunked body).
      // The default client (vaultFetch) never re-sends a POST whose connection failed after sending:
      // Deno's fetch would, hiding an ambiguous outcome (see vault_fetch.ts).
      body: options.body as BodyInit | undefined,
      signal,
    });
    const body = await response.text();
    return {
      status: response.status,
      body,
      requestId: response.headers.get("x-request-id") ?? undefined,
      retryAfter: response.headers.get("retry-after") ?? undefined,
      latencyMs: options.clock.now() - started,
    };
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    const latencyMs = options.clock.now() - started;
    const timedOut = timeout.signal.aborted;
    const text = describe(error);
    const maybeApplied = timedOut || !NOT_SENT.test(text);
    const message = timedOut
      ? `request timed out after ${options.timeoutMs} ms`
      : `network error: ${brief(text)}`;
    throw new TransportError(message, { maybeApplied, timedOut, latencyMs, cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The messages of an error and its causes: Deno's `fetch` rejects with "fetch failed" and keeps the
 * reason ("client error (Connect): tcp connect error: Connection refused") in `cause`. URLs are left
 * out of the text (a query string could carry a value).
 */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; depth++) {
    parts.push(e instanceof Error ? e.message : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(": ").replace(/ for url \([^)]*\)/g, "");
}

function brief(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 197)}...` : oneLine;
}
