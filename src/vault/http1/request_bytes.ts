/**
 * The bytes of an HTTP/1.1 request: its head (with `Host` and `Content-Length`) and body in one
 * buffer, so a connection writes it with one call.
 *
 * @module
 */

const ENCODER = new TextEncoder();

/** One request, as {@linkcode encodeRequest} takes it. */
export interface Http1Request {
  /** `GET`, `POST`, … */
  method: string;
  /** The request target: a path with its query, or an absolute URL (to a forward proxy). */
  target: string;
  /** The `Host` header (`host[:port]`). */
  host: string;
  /** Other header fields; `Host`, `Content-Length`, `Transfer-Encoding` and `Connection` are set here. */
  headers: Record<string, string>;
  /** The body: text (sent as UTF-8) or bytes. */
  body?: string | Uint8Array;
}

/**
 * The bytes of a request: head and body in one buffer.
 *
 * @throws {TypeError} when a header name or value holds a line break.
 * @example
 * ```ts
 * const bytes = encodeRequest({ method: "POST", target: "/v1", host: "vault:443", headers: {}, body: "{}" });
 * new TextDecoder().decode(bytes); // "POST /v1 HTTP/1.1\r\nhost: vault:443\r\ncontent-length: 2\r\n\r\n{}"
 * ```
 */
export function encodeRequest(request: Http1Request): Uint8Array {
  const body = typeof request.body === "string" ? ENCODER.encode(request.body) : request.body;
  let head = `${request.method} ${request.target} HTTP/1.1\r\nhost: ${request.host}\r\n`;
  for (const name in request.headers) {
    const lower = name.toLowerCase();
    if (
      lower === "host" || lower === "content-length" || lower === "transfer-encoding" ||
      lower === "connection"
    ) {
      continue;
    }
    const value = request.headers[name];
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new TypeError(`invalid header: ${name}`);
    head += `${name}: ${value}\r\n`;
  }
  if (body !== undefined || request.method === "POST" || request.method === "PUT") {
    head += `content-length: ${body?.byteLength ?? 0}\r\n`;
  }
  head += "\r\n";
  if (body === undefined || body.byteLength === 0) return ENCODER.encode(head);
  const out = new Uint8Array(head.length * 3 + body.byteLength);
  const { written } = ENCODER.encodeInto(head, out);
  out.set(body, written);
  return out.subarray(0, written + body.byteLength);
}
