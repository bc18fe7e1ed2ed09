/**
 * What a vault answer proves. A 2xx is a success only when its body accounts for every record sent:
 * Insert Records answers one `records[]` entry with a `skyflow_id` per record, in request order; the
 * Batch endpoint one `responses[]` entry with a numeric `Status` per record. An HTML page from a
 * proxy, `{}` or a short list proves nothing: the outcome is unknown and is settled by read-back.
 *
 * @module
 */
import { errorMessage, tryJson } from "./envelope.ts";

/**
 * True when an Insert Records body names a stored record for each of the `count` records sent.
 *
 * @example
 * ```ts
 * insertAccounted('{"records":[{"skyflow_id":"a"}]}', 1); // true
 * insertAccounted("<html>ok</html>", 1); // false
 * ```
 */
export function insertAccounted(body: string, count: number): boolean {
  return scanAccounted(body, count) || parseAccounted(body, count);
}

/** The end of the key `"skyflow_id":`, searched for: V8 finds a pattern this short with `memchr`. */
const ID_TAIL = '_id":';
/** What must come before {@linkcode ID_TAIL} for the key to be `"skyflow_id":`. */
const ID_HEAD = '"skyflow';

/**
 * The hot path: counts `"skyflow_id":"<non-empty>"` in a compact JSON object that has `"records"`
 * (JSON.parse of every answer would cost more CPU than building the request). The key cannot occur
 * inside a string value (its quotes would be escaped). False sends the body to the full parse.
 *
 * It searches for the key's last five characters and checks the rest in place: a longer pattern
 * makes `indexOf` set up a Boyer-Moore search per call, twice the cost of the whole scan.
 */
function scanAccounted(body: string, count: number): boolean {
  if (body.charCodeAt(0) !== 123 /* { */ || body.charCodeAt(body.length - 1) !== 125 /* } */) return false;
  if (!body.startsWith('{"records":[')) return false;
  let found = 0;
  for (let i = body.indexOf(ID_TAIL); i !== -1; i = body.indexOf(ID_TAIL, i)) {
    i += ID_TAIL.length;
    if (!body.startsWith(ID_HEAD, i - ID_TAIL.length - ID_HEAD.length)) continue; // another key's "…_id":
    if (body.charCodeAt(i) !== 34 /* " */ || body.charCodeAt(i + 1) === 34) return false;
    found++;
  }
  return found === count;
}

function parseAccounted(body: string, count: number): boolean {
  const parsed = tryJson(body) as { records?: unknown } | undefined;
  const records = parsed?.records;
  if (!Array.isArray(records) || records.length !== count) return false;
  return records.every((r) =>
    r !== null && typeof r === "object" && typeof (r as { skyflow_id?: unknown }).skyflow_id === "string" &&
    (r as { skyflow_id: string }).skyflow_id !== ""
  );
}

/** One record's answer on the Batch endpoint. */
export interface BatchEntry {
  /** The record's own status. */
  status: number;
  /** The record's own message (its `Body.error`), for a failed record. */
  message: string;
}

/**
 * The per-record answers of a Batch endpoint body, whatever the HTTP status (a request whose every
 * record failed is answered with a 4xx that still carries `responses[]`); `undefined` when the body
 * does not hold one entry with a numeric `Status` per record sent.
 *
 * @example
 * ```ts
 * batchEntries('{"responses":[{"Status":400,"Body":{"error":"bad"}}]}', 1); // [{ status: 400, message: "bad" }]
 * ```
 */
export function batchEntries(body: string, count: number): BatchEntry[] | undefined {
  const parsed = tryJson(body) as { responses?: unknown } | undefined;
  const responses = parsed?.responses;
  if (!Array.isArray(responses) || responses.length !== count) return undefined;
  const out: BatchEntry[] = [];
  for (const entry of responses as { Status?: unknown; Body?: { error?: unknown } }[]) {
    if (entry === null || typeof entry !== "object" || typeof entry.Status !== "number") return undefined;
    const status = entry.Status;
    const error = entry.Body?.error;
    const message = typeof error === "string"
      ? error.replace(/\s+/g, " ").trim()
      : status >= 300
      ? errorMessage(status, JSON.stringify(entry.Body ?? {}))
      : "";
    out.push({ status, message });
  }
  return out;
}
