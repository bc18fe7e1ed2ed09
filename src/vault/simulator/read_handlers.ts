/**
 * The read and delete endpoints: Get Records (`GET /v1/vaults/{vaultId}/{table}`), bulk Delete
 * (`DELETE /v1/vaults/{vaultId}/{table}`) and Detokenize (`POST /v1/vaults/{vaultId}/detokenize`).
 *
 * @module
 */
import { fail, isObject, type Reply } from "./http.ts";
import type { StoredRecord, VaultStore } from "./store.ts";

/** Skyflow's documented maximum of records per Get. */
export const MAX_GET_RECORDS = 25;

const redactions = ["DEFAULT", "REDACTED", "MASKED", "PLAIN_TEXT"] as const;
type Redaction = typeof redactions[number];

function redact(value: string, redaction: Redaction): string {
  if (redaction === "REDACTED") return "*REDACTED*";
  if (redaction === "MASKED") return "*".repeat(Math.max(0, value.length - 4)) + value.slice(-4);
  return value;
}

function parseRedaction(raw: unknown): Redaction | undefined {
  if (raw === undefined || raw === null || raw === "") return "PLAIN_TEXT";
  return redactions.includes(raw as Redaction) ? raw as Redaction : undefined;
}

function parseCount(raw: string | null, fallback: number): number | undefined {
  if (raw === null || raw === "") return fallback;
  return /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/**
 * Get Records by `skyflow_ids`, by `column_name` + `column_values`, or the table's first records;
 * paged by `offset` and `limit` (at most 25). Nothing found answers 404 "No Records Found".
 *
 * @example
 * ```ts ignore
 * handleGet(store, "v1", "name", new URL("http://x/?column_name=name&column_values=MARY"));
 * ```
 */
export function handleGet(store: VaultStore, vaultId: string, table: string, url: URL): Reply {
  const params = url.searchParams;
  const ids = params.getAll("skyflow_ids");
  const columnName = params.get("column_name");
  const values = params.getAll("column_values");
  const offset = parseCount(params.get("offset"), 0);
  const limit = parseCount(params.get("limit"), MAX_GET_RECORDS);
  const redaction = parseRedaction(params.get("redaction"));
  const tokenization = params.get("tokenization") === "true";
  const fields = params.getAll("fields");

  if (offset === undefined) return fail(400, "Get failed. offset must be a non-negative integer.");
  if (limit === undefined || limit > MAX_GET_RECORDS) {
    return fail(400, `Get failed. limit must be an integer from 0 to ${MAX_GET_RECORDS}.`);
  }
  if (redaction === undefined) {
    return fail(400, `Get failed. redaction must be one of ${redactions.join(", ")}.`);
  }
  if (ids.length > 0 && columnName !== null) {
    return fail(400, "Get failed. skyflow_ids and column_name can't be used together.");
  }
  if (tokenization && ids.length === 0) return fail(400, "Get failed. tokenization needs skyflow_ids.");
  if (columnName !== null && values.length === 0) {
    return fail(400, "Get failed. column_name needs column_values.");
  }
  if (values.length > 0 && columnName === null) {
    return fail(400, "Get failed. column_values needs column_name.");
  }
  if (values.length > MAX_GET_RECORDS) {
    return fail(400, `Get failed. At most ${MAX_GET_RECORDS} column_values per request.`);
  }

  let found: StoredRecord[];
  if (ids.length > 0) {
    found = ids.map((id) => store.findById(vaultId, table, id)).filter((r) => r !== undefined);
  } else if (columnName !== null) {
    found = values.map((v) => store.findByValue(vaultId, table, columnName, v)).filter((r) =>
      r !== undefined
    );
  } else {
    found = [];
    for (const record of store.records(vaultId, table)) {
      if (found.length >= offset + limit) break;
      found.push(record);
    }
  }
  const page = found.slice(offset, offset + limit);
  if (page.length === 0) return fail(404, "No Records Found");
  const records = page.map((record) => {
    const out: Record<string, string> = { skyflow_id: record.skyflow_id };
    const tokens: Record<string, string> = {};
    for (const column in record.fields) {
      if (fields.length > 0 && !fields.includes(column)) continue;
      out[column] = redact(record.fields[column], redaction);
      if (record.tokens[column] !== undefined) tokens[column] = record.tokens[column];
    }
    return tokenization ? { fields: out, tokens } : { fields: out };
  });
  return { status: 200, body: { records } };
}

/**
 * Bulk delete by `skyflow_ids`, or every record of the table with `["*"]`. Deleting frees the
 * records' values and tokens. 404 when none of the ids exists.
 *
 * @example
 * ```ts ignore
 * handleDelete(store, "v1", "name", { skyflow_ids: ["*"] }); // { RecordIDResponse: ["*"] }
 * ```
 */
export function handleDelete(store: VaultStore, vaultId: string, table: string, body: unknown): Reply {
  const ids = isObject(body) ? body.skyflow_ids : undefined;
  if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== "string" || id === "")) {
    return fail(400, "Delete failed. skyflow_ids must be a non-empty array of ids.");
  }
  if (ids.length === 1 && ids[0] === "*") {
    store.delete(vaultId, table, "*");
    return { status: 200, body: { RecordIDResponse: ["*"] } };
  }
  const deleted = store.delete(vaultId, table, ids as string[]);
  if (deleted.length === 0) return fail(404, "No Records Found");
  return { status: 200, body: { RecordIDResponse: deleted } };
}

/**
 * Detokenize: the value of each token, with its redaction. A missing token answers 404, or with
 * `continueOnError` a per-token error and HTTP 207.
 *
 * @example
 * ```ts ignore
 * handleDetokenize(store, "v1", { detokenizationParameters: [{ token: "t1", redaction: "PLAIN_TEXT" }] });
 * ```
 */
export function handleDetokenize(store: VaultStore, vaultId: string, body: unknown): Reply {
  const params = isObject(body) ? body.detokenizationParameters : undefined;
  if (!Array.isArray(params) || params.length === 0) {
    return fail(400, "Detokenize failed. detokenizationParameters must be a non-empty array.");
  }
  const continueOnError = (body as Record<string, unknown>).continueOnError === true;
  let missing = false;
  const records: Record<string, unknown>[] = [];
  for (const param of params) {
    if (!isObject(param) || typeof param.token !== "string" || param.token === "") {
      return fail(400, "Detokenize failed. Each parameter needs a token.");
    }
    const redaction = parseRedaction(param.redaction);
    if (redaction === undefined) {
      return fail(400, `Detokenize failed. redaction must be one of ${redactions.join(", ")}.`);
    }
    const hit = store.findByToken(vaultId, param.token);
    if (hit) {
      const value = redact(hit.record.fields[hit.column], redaction);
      records.push({ token: param.token, valueType: "STRING", value });
      continue;
    }
    const message = `Token not found for ${param.token}`;
    if (!continueOnError) return fail(404, message);
    missing = true;
    records.push({ token: param.token, error: message });
  }
  return { status: missing ? 207 : 200, body: { records } };
}
