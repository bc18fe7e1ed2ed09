/**
 * The read and delete endpoints: Get Records (`GET /v1/vaults/{vaultId}/{table}`), bulk Delete
 * (`DELETE /v1/vaults/{vaultId}/{table}`) and Detokenize (`POST /v1/vaults/{vaultId}/detokenize`).
 *
 * @module
 */
import { fail, isObject, type Reply } from "./http.ts";
import {
  hasColumn,
  invalidTableMessage,
  isUnique,
  type SimulatorSchema,
  type TableSchema,
  tableSchema,
} from "./schema.ts";
import type { StoredRecord, VaultStore } from "./store.ts";

/** Skyflow's documented maximum of records per Get. */
export const MAX_GET_RECORDS = 25;

/** The redaction types of Get and Detokenize. */
export const redactions = ["DEFAULT", "REDACTED", "MASKED", "PLAIN_TEXT"] as const;
/** One of {@linkcode redactions}. */
export type Redaction = typeof redactions[number];

/**
 * `value` as `redaction` shows it. The simulator has no per-column redaction settings, so `DEFAULT`
 * (the column's configured default in a real vault) answers like `REDACTED`: a redaction, never the
 * plain text a load test could mistake for a read-back.
 *
 * @example
 * ```ts
 * redact("4111111111111111", "MASKED"); // "************1111"
 * redact("MARY", "DEFAULT"); // "*REDACTED*"
 * ```
 */
export function redact(value: string, redaction: Redaction): string {
  if (redaction === "REDACTED" || redaction === "DEFAULT") return "*REDACTED*";
  if (redaction === "MASKED") return "*".repeat(Math.max(0, value.length - 4)) + value.slice(-4);
  return value;
}

/** A request's redaction (absent = `PLAIN_TEXT`), or undefined when it is not one of {@linkcode redactions}. */
export function parseRedaction(raw: unknown): Redaction | undefined {
  if (raw === undefined || raw === null || raw === "") return "PLAIN_TEXT";
  return redactions.includes(raw as Redaction) ? raw as Redaction : undefined;
}

/**
 * A record as Get answers it: `fields` holds the skyflow_id and each column's value with its
 * redaction, or with `tokenization` each column's token in place of its value (the real API's
 * shape); `only` limits the columns when not empty.
 */
export function recordView(
  record: StoredRecord,
  options: { redaction: Redaction; tokenization: boolean; only: readonly string[] },
): { fields: Record<string, string> } {
  const fields: Record<string, string> = { skyflow_id: record.skyflow_id };
  for (const column in record.fields) {
    if (options.only.length > 0 && !options.only.includes(column)) continue;
    if (!options.tokenization) fields[column] = redact(record.fields[column], options.redaction);
    else if (record.tokens[column] !== undefined) fields[column] = record.tokens[column];
  }
  return { fields };
}

function parseCount(raw: string | null, fallback: number): number | undefined {
  if (raw === null || raw === "") return fallback;
  return /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/**
 * Get Records by `skyflow_ids`, by `column_name` + `column_values`, or the table's first records;
 * paged by `offset` and `limit` (at most 25). Nothing found answers 404 "No Records Found". An
 * empty `column_name=` (the v2 SDKs send one with `skyflow_ids`) counts as absent; `tokenization=true`
 * answers tokens in place of values in `fields`.
 *
 * @example
 * ```ts ignore
 * handleGet(store, "v1", "name", new URL("http://x/?column_name=name&column_values=MARY"));
 * ```
 */
export function handleGet(
  store: VaultStore,
  vaultId: string,
  table: string,
  url: URL,
  schema?: SimulatorSchema,
): Reply {
  const shape = tableSchema(schema, vaultId, table);
  if (shape === null) return fail(400, invalidTableMessage("Get", table));
  const params = url.searchParams;
  const ids = params.getAll("skyflow_ids");
  const columnName = params.get("column_name") || null;
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
  const columnProblem = checkColumns(shape, columnName, fields);
  if (columnProblem) return columnProblem;

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
  const records = page.map((record) => recordView(record, { redaction, tokenization, only: fields }));
  return { status: 200, body: { records } };
}

/** A 400 for a Get naming a column the table lacks, or looking up by a column that is not unique. */
function checkColumns(shape: TableSchema | undefined, columnName: string | null, fields: string[]) {
  for (const column of [...(columnName === null ? [] : [columnName]), ...fields]) {
    if (!hasColumn(shape, column)) {
      return fail(400, `Get failed. Column name ${column} is invalid. Specify a valid column name.`);
    }
  }
  if (columnName !== null && !isUnique(shape, columnName)) {
    return fail(400, `Get failed. Column ${columnName} is not unique; column_name needs a unique column.`);
  }
  return undefined;
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
export function handleDelete(
  store: VaultStore,
  vaultId: string,
  table: string,
  body: unknown,
  schema?: SimulatorSchema,
): Reply {
  if (tableSchema(schema, vaultId, table) === null) return fail(400, invalidTableMessage("Delete", table));
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
 * `continueOnError` a per-token error and HTTP 207; when every token is missing the answer is 404
 * either way (what the official Go SDK's mocks show).
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
  if (missing && records.every((record) => record.error !== undefined)) {
    const more = records.length > 1 ? ` and ${records.length - 1} more` : "";
    return fail(404, `Token not found for ${records[0].token}${more}`);
  }
  return { status: missing ? 207 : 200, body: { records } };
}
