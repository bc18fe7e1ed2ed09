/**
 * Response helpers of the simulator: JSON answers with an `X-Request-Id`, Skyflow's error envelope,
 * and the cut connection used for dropped and released hung requests.
 *
 * @module
 */

const statusTexts: Record<number, [grpc: number, text: string]> = {
  400: [3, "Bad Request"],
  401: [16, "Unauthorized"],
  403: [7, "Forbidden"],
  404: [5, "Not Found"],
  405: [12, "Method Not Allowed"],
  409: [6, "Conflict"],
  413: [3, "Payload Too Large"],
  429: [8, "Too Many Requests"],
  500: [13, "Internal Server Error"],
  502: [14, "Bad Gateway"],
  503: [14, "Service Unavailable"],
};

/** Skyflow's error envelope (§4 of the API notes). */
export interface ErrorEnvelope {
  /** gRPC code, HTTP status and its text, and a message that never contains a record value. */
  error: { grpc_code: number; http_code: number; http_status: string; message: string };
}

/** A handler's answer before it becomes a `Response`. */
export interface Reply {
  /** HTTP status. */
  status: number;
  /** JSON body. */
  body: unknown;
}

/**
 * A {@linkcode Reply} carrying the error envelope.
 *
 * @example
 * ```ts
 * fail(400, "Insert failed. records is required.").status; // 400
 * ```
 */
export function fail(status: number, message: string): Reply {
  return { status, body: errorEnvelope(status, message) };
}

/** True for a JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The error envelope for `status` and `message`.
 *
 * @example
 * ```ts
 * errorEnvelope(404, "No Records Found").error.grpc_code; // 5
 * ```
 */
export function errorEnvelope(status: number, message: string): ErrorEnvelope {
  const [grpc, text] = statusTexts[status] ?? [2, "Error"];
  return { error: { grpc_code: grpc, http_code: status, http_status: text, message } };
}

/**
 * A JSON response carrying `X-Request-Id`.
 *
 * @example
 * ```ts
 * jsonResponse(200, { records: [] }, "req-1").headers.get("x-request-id"); // "req-1"
 * ```
 */
export function jsonResponse(
  status: number,
  body: unknown,
  requestId: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "x-request-id": requestId, ...headers },
  });
}

/**
 * A response that cuts the connection after its headers: it announces a `Content-Length` its body
 * never delivers, so Deno's server closes the connection once the (empty) body ends. A Deno `fetch`
 * client sees `fetch()` resolve with the status line and headers, then reading the body rejects
 * with `TypeError: error reading a body from connection`.
 *
 * Why this technique: `Deno.serve` gives the handler no socket to reset, and every way tried to make
 * `fetch()` itself reject failed (`Response.error()` and a throwing handler become 500s through
 * `onError`). A body stream that errors also cuts the connection, but Deno then prints the stream's
 * error on stderr for every request; the short body is silent.
 */
export function cutResponse(status: number, requestId: string): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.close();
    },
  });
  return new Response(body, {
    status,
    headers: { "content-type": "application/json", "content-length": "1024", "x-request-id": requestId },
  });
}
