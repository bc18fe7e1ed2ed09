/**
 * Reading the vault's answers without assuming their shape: the error envelope
 * `{"error":{"message":…}}`, a plain `{"error":"…"}`, or a non-JSON body.
 *
 * @module
 */

const MAX_MESSAGE = 300;

/** Parses JSON, returning `undefined` for anything that is not JSON. */
export function tryJson(body: string): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/**
 * The vault's message for an error answer, shortened to one line. Falls back to the status text.
 *
 * @example
 * ```ts
 * errorMessage(409, '{"error":{"http_code":409,"message":"already exists"}}'); // "already exists"
 * ```
 */
export function errorMessage(status: number, body: string): string {
  const parsed = tryJson(body);
  let message: string | undefined;
  if (parsed && typeof parsed === "object") {
    const error = (parsed as Record<string, unknown>).error;
    if (typeof error === "string") message = error;
    else if (error && typeof error === "object") {
      const inner = (error as Record<string, unknown>).message;
      if (typeof inner === "string") message = inner;
    } else {
      const top = (parsed as Record<string, unknown>).message;
      if (typeof top === "string") message = top;
    }
  } else if (body.trim().length > 0 && !body.trimStart().startsWith("<")) {
    message = body;
  }
  message = (message ?? `HTTP ${status}`).replace(/\s+/g, " ").trim();
  return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message;
}

/** True when a 401 answer says the bearer token expired (and a refresh may help). */
export function isExpiredTokenMessage(message: string): boolean {
  return /token is expired|token has expired|expired token|jwt expired/i.test(message);
}

/** True when a 400 answer says the batch is too large. */
export function isTooLargeMessage(message: string): boolean {
  return /too many records|too large|exceeds (the )?max|payload size|request entity/i.test(message);
}

/**
 * Parses a `Retry-After` header: delta-seconds or an HTTP date. Returns milliseconds to wait, or
 * `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
