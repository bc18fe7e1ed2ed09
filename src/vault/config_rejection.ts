/**
 * Answers that no retry and no bisection can fix, because they are about the setup, not a record:
 * a 400 that names the table or a column as invalid (skyflow-go's mocks: "Insert failed. Table name
 * X is invalid. Specify a valid table name."; skyflow-node's README: "Invalid field present in JSON
 * X"), and a TLS/protocol mismatch (an `https://` URL pointing at a plain-HTTP port, or the reverse).
 * Both are configuration errors (exit 2) at the first request.
 *
 * @module
 */
import { errorMessage, tryJson } from "./envelope.ts";

const TABLE_INVALID = /\btable name\b.*\bis invalid\b|\binvalid table name\b/i;
const COLUMN_INVALID =
  /invalid field present in json|\bcolumn name\b.*\bis invalid\b|\binvalid column name\b/i;

/** What a configuration rejection is about. */
export type RejectionSubject = "table" | "column";

/**
 * The subject of a vault message that names the table or a column as invalid, else `undefined`.
 * Data errors that merely mention a column ("Invalid value for column ssn") are not matched.
 *
 * @example
 * ```ts
 * rejectionSubject("Insert failed. Table name nam is invalid. Specify a valid table name."); // "table"
 * rejectionSubject("Invalid field present in JSON nme"); // "column"
 * rejectionSubject("Insert failed. Invalid value for column name."); // undefined
 * ```
 */
export function rejectionSubject(message: string): RejectionSubject | undefined {
  if (TABLE_INVALID.test(message)) return "table";
  if (COLUMN_INVALID.test(message)) return "column";
  return undefined;
}

/**
 * The message of an Insert or Batch answer that rejects the request because of its table or column:
 * a 4xx whose error names them, or a Batch answer (207 or 4xx) whose every per-record entry failed
 * with such a message. `undefined` for any other answer.
 *
 * @example
 * ```ts
 * configRejection(400, '{"error":{"message":"Insert failed. Table name x is invalid."}}');
 * // "Insert failed. Table name x is invalid."
 * ```
 */
export function configRejection(status: number, body: string): string | undefined {
  if (status < 300 && status !== 207) return undefined;
  if (status >= 400 && status < 500) {
    const message = errorMessage(status, body);
    if (rejectionSubject(message)) return message;
  }
  const responses = (tryJson(body) as { responses?: unknown } | undefined)?.responses;
  if (!Array.isArray(responses) || responses.length === 0) return undefined;
  let first: string | undefined;
  for (const entry of responses) {
    const e = entry as { Status?: unknown; Body?: { error?: unknown } } | null;
    const code = typeof e?.Status === "number" ? e.Status : 0;
    if (code < 400 || code >= 500) return undefined;
    const error = e?.Body?.error;
    const text = typeof error === "string" ? error : errorMessage(code, JSON.stringify(e?.Body ?? {}));
    if (!rejectionSubject(text)) return undefined;
    first ??= text;
  }
  return first;
}

const PROTOCOL_MISMATCH =
  /corrupt message|InvalidContentType|wrong version number|WRONG_VERSION_NUMBER|EPROTO|invalid HTTP version|HTTP\/0\.9|record overflow|unexpected (tls|ssl)|packet length too long|tls handshake eof|InvalidMessage/i;

/**
 * True when a transport error's text says the two ends do not speak the same protocol: TLS to a
 * plain-HTTP port (Deno: "received corrupt message of type InvalidContentType"; OpenSSL: "wrong
 * version number") or plain HTTP to a TLS port.
 *
 * @example
 * ```ts
 * isProtocolMismatch("client error (Connect): received corrupt message of type InvalidContentType"); // true
 * ```
 */
export function isProtocolMismatch(text: string): boolean {
  return PROTOCOL_MISMATCH.test(text);
}

/**
 * What to do about a protocol mismatch with `url`.
 *
 * @param what names the setting, e.g. "the vault URL" or `"tokenURI" of the credentials`.
 * @example
 * ```ts
 * protocolHint("https://127.0.0.1:8080"); // "the vault URL uses https:// but … (e.g. http://127.0.0.1:8080)"
 * ```
 */
export function protocolHint(url: string, what = "the vault URL"): string {
  if (url.startsWith("https://")) {
    return `${what} uses https:// but the server at that port does not speak TLS (plain HTTP?): ` +
      `check its scheme and port (e.g. ${url.replace(/^https:/, "http:")})`;
  }
  return `the server at that port of ${what} does not speak plain HTTP (TLS?): check its scheme and port`;
}

/**
 * The messages of an error and its causes, joined: Deno's `fetch` keeps the TLS reason in `cause`.
 *
 * @example
 * ```ts
 * errorChainText(new TypeError("fetch failed", { cause: new Error("corrupt message") })); // "fetch failed: corrupt message"
 * ```
 */
export function errorChainText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 6; depth++) {
    parts.push(e instanceof Error ? e.message : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(": ");
}
