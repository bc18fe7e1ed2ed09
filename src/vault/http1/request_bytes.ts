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
 * The bytes of a request: head and body in one buffer. The body is encoded straight into `into`
 * when it has room (a connection passes the buffer of its previous request), so the usual request
 * allocates nothing the size of its body; the result is then a view of `into` (or of a bigger
 * buffer, which the caller may keep for next time: `result.buffer`).
 *
 * @throws {TypeError} when a header name or value holds a line break.
 * @example
 * ```ts
 * const bytes = encodeRequest({ method: "POST", target: "/v1", host: "vault:443", headers: {}, body: "{}" });
 * new TextDecoder().decode(bytes); // "POST /v1 HTTP/1.1\r\nhost: vault:443\r\ncontent-length: 2\r\n\r\n{}"
 * ```
 */
export function encodeRequest(
  request: Http1Request,
  into?: Uint8Array<ArrayBuffer>,
): Uint8Array<ArrayBuffer> {
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
  const body = request.body;
  if (body === undefined) {
    const post = request.method === "POST" || request.method === "PUT";
    return ENCODER.encode(post ? `${head}content-length: 0\r\n\r\n` : `${head}\r\n`);
  }
  // the body goes first, after room for the head (UTF-16 units × 3, plus the length line)
  const reserve = head.length * 3 + 40;
  const least = reserve + (typeof body === "string" ? body.length : body.byteLength);
  let out = into !== undefined && into.length >= least ? into : new Uint8Array(least + (least >> 2));
  let bodyBytes: number;
  if (typeof body === "string") {
    let result = ENCODER.encodeInto(body, out.subarray(reserve));
    if (result.read < body.length) { // more than one byte per character: room for the worst case
      out = new Uint8Array(reserve + body.length * 3);
      result = ENCODER.encodeInto(body, out.subarray(reserve));
    }
    bodyBytes = result.written;
  } else {
    out.set(body, reserve);
    bodyBytes = body.byteLength;
  }
  const headBytes = ENCODER.encode(`${head}content-length: ${bodyBytes}\r\n\r\n`);
  const start = reserve - headBytes.length;
  out.set(headBytes, start);
  return out.subarray(start, reserve + bodyBytes);
}
