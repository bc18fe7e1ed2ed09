/**
 * The head of an HTTP/1.x response (status line and header fields), parsed from its bytes, and what
 * it says about the body that follows and the connection.
 *
 * @module
 */

const DECODER = new TextDecoder();

/** The status and header fields of one response. */
export interface ResponseHead {
  /** HTTP status code. */
  status: number;
  /** Header fields, names in lower case (repeated ones joined with `, `). */
  headers: Record<string, string>;
  /** `HTTP/1.0` (`false`) or `HTTP/1.1` (`true`). */
  http11: boolean;
}

/** A response that breaks HTTP/1.1: the connection cannot be trusted any more. */
export class ProtocolError extends Error {
  /**
   * Creates the error.
   *
   * @param message what was wrong (`invalid status line`, …).
   */
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

/**
 * Where the head that starts at `from` ends: the index just past its blank line (`\r\n\r\n`), or
 * -1 when the bytes up to `to` do not hold a whole head yet.
 *
 * @example
 * ```ts
 * const bytes = new TextEncoder().encode("HTTP/1.1 204 No Content\r\n\r\n");
 * headEnd(bytes, 0, bytes.length); // bytes.length
 * ```
 */
export function headEnd(bytes: Uint8Array, from: number, to: number): number {
  for (let i = from + 3; i < to; i++) {
    if (bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13) return i + 1;
  }
  return -1;
}

const HTTP_PREFIX = [72, 84, 84, 80, 47]; // "HTTP/"

/**
 * Throws {@linkcode ProtocolError} when the first bytes of an answer (up to 5) cannot start an
 * HTTP/1.x status line, saying so plainly when they are TLS (plain HTTP sent to an https port).
 *
 * @example
 * ```ts
 * assertHttpStart(new TextEncoder().encode("HTTP/")); // fine
 * ```
 */
export function assertHttpStart(first: Uint8Array): void {
  for (let i = 0; i < first.length; i++) {
    if (first[i] === HTTP_PREFIX[i]) continue;
    if ((first[0] === 0x15 || first[0] === 0x16) && (first.length < 2 || first[1] === 3)) {
      throw new ProtocolError("invalid HTTP version: the server answered in TLS (is this an https:// port?)");
    }
    const shown = String.fromCharCode(...first).replace(/[^\x20-\x7e]/g, "?");
    throw new ProtocolError(`invalid HTTP version: the answer starts with ${JSON.stringify(shown)}`);
  }
}

/**
 * Parses a response head (the bytes up to and including its blank line).
 *
 * @throws {ProtocolError} when the status line or a header line is not HTTP/1.x.
 * @example
 * ```ts
 * const head = parseResponseHead(new TextEncoder().encode("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"));
 * head.status; // 200
 * head.headers["content-length"]; // "2"
 * ```
 */
export function parseResponseHead(bytes: Uint8Array): ResponseHead {
  const lines = DECODER.decode(bytes).split("\r\n");
  const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]);
  if (statusLine === null) {
    throw new ProtocolError(`invalid status line: ${JSON.stringify(lines[0].slice(0, 40))}`);
  }
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new ProtocolError("invalid header line");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { status: Number(statusLine[2]), headers, http11: statusLine[1] === "1" };
}

/** How the body of a response is delimited. */
export type BodyFraming =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  | { kind: "close" };

/**
 * How the body of a response to `method` is delimited (RFC 9112 §6.3).
 *
 * @throws {ProtocolError} on a bad or conflicting `Content-Length`.
 * @example
 * ```ts
 * bodyFraming("POST", { status: 200, headers: { "content-length": "2" }, http11: true }); // { kind: "length", length: 2 }
 * ```
 */
export function bodyFraming(method: string, head: ResponseHead): BodyFraming {
  const { status, headers } = head;
  if (method === "HEAD" || status < 200 || status === 204 || status === 304) return { kind: "none" };
  const transfer = headers["transfer-encoding"];
  if (transfer !== undefined) {
    if (/(^|,)\s*chunked\s*$/i.test(transfer)) return { kind: "chunked" };
    return { kind: "close" };
  }
  const declared = headers["content-length"];
  if (declared === undefined) return { kind: "close" };
  const values = new Set(declared.split(",").map((v) => v.trim()));
  const [only] = values;
  if (values.size !== 1 || !/^\d{1,15}$/.test(only)) throw new ProtocolError("invalid content-length");
  return { kind: "length", length: Number(only) };
}

/**
 * Whether the connection may carry another request after this response, and for how long the
 * server keeps it idle (its `Keep-Alive: timeout=N`, in ms), when it says.
 *
 * @example
 * ```ts
 * keepAlive({ status: 200, headers: { connection: "close" }, http11: true }); // { reusable: false }
 * ```
 */
export function keepAlive(head: ResponseHead): { reusable: boolean; serverTimeoutMs?: number } {
  const connection = (head.headers["connection"] ?? "").toLowerCase();
  const reusable = head.http11 ? !/(^|,)\s*close\s*(,|$)/.test(connection) : /keep-alive/.test(connection);
  const hint = /timeout\s*=\s*(\d+)/i.exec(head.headers["keep-alive"] ?? "");
  return hint === null ? { reusable } : { reusable, serverTimeoutMs: Number(hint[1]) * 1000 };
}
