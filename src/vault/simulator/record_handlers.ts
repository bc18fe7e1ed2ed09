/**
 * The single-record endpoints the official SDKs call: Get (`GET /v1/vaults/{vaultId}/{table}/{id}`),
 * Update (`PUT …/{table}/{id}`) and Delete (`DELETE …/{table}/{id}`).
 *
 * @module
 */
import { fail, isObject, type Reply } from "./http.ts";
import { parseRedaction, recordView, redactions } from "./read_handlers.ts";
import type { VaultStore } from "./store.ts";

const notFound = (): Reply => fail(404, "No Records Found");

/**
 * Get one record by its skyflow_id: `{fields}` with the `redaction`, `tokenization` and `fields`
 * query parameters of the bulk Get; 404 "No Records Found" when the id is unknown.
 *
 * @example
 * ```ts ignore
 * handleGetRecord(store, "v1", "name", id, new URL("http://x/?redaction=PLAIN_TEXT"));
 * ```
 */
export function handleGetRecord(
  store: VaultStore,
  vaultId: string,
  table: string,
  skyflowId: string,
  url: URL,
): Reply {
  const params = url.searchParams;
  const redaction = parseRedaction(params.get("redaction"));
  if (redaction === undefined) {
    return fail(400, `Get failed. redaction must be one of ${redactions.join(", ")}.`);
  }
  const record = store.findById(vaultId, table, skyflowId);
  if (!record) return notFound();
  const tokenization = params.get("tokenization") === "true";
  return {
    status: 200,
    body: recordView(record, { redaction, tokenization, only: params.getAll("fields") }),
  };
}

/**
 * Update one record by its skyflow_id: body `{record: {fields, tokens?}, tokenization?, byot?}`.
 * Values stay unique per column and tokens per vault (409 otherwise); a changed value without a
 * given token gets a new token. Answers `{skyflow_id}`, with `tokens` when `tokenization` is true.
 *
 * @example
 * ```ts ignore
 * handleUpdateRecord(store, "v1", "name", id, { record: { fields: { name: "ANNE" } }, tokenization: true });
 * ```
 */
export function handleUpdateRecord(
  store: VaultStore,
  vaultId: string,
  table: string,
  skyflowId: string,
  body: unknown,
): Reply {
  const record = isObject(body) && isObject(body.record) ? body.record : undefined;
  if (!record || !isObject(record.fields) || Object.keys(record.fields).length === 0) {
    return fail(400, "Update failed. record.fields is required and must be a non-empty object.");
  }
  const given = record.tokens ?? {};
  if (!isObject(given)) return fail(400, "Update failed. record.tokens must be an object.");
  const byot = (body as Record<string, unknown>).byot ?? "DISABLE";
  if (Object.keys(given).length > 0 && byot === "DISABLE") {
    return fail(400, "Update failed. Tokens aren't allowed when byot is DISABLE.");
  }
  const target = store.findById(vaultId, table, skyflowId);
  if (!target) return notFound();
  const fields: Record<string, string> = {};
  const tokens: Record<string, string> = {};
  for (const [column, value] of Object.entries(record.fields)) {
    if (typeof value !== "string") return fail(400, `Update failed. Invalid value for column ${column}.`);
    const holder = store.findByValue(vaultId, table, column, value);
    if (holder && holder !== target) return fail(409, `Update failed. Duplicate value for column ${column}.`);
    const token = given[column];
    if (token !== undefined) {
      if (typeof token !== "string" || token === "") {
        return fail(400, `Update failed. Invalid token for column ${column}.`);
      }
      const owner = store.findByToken(vaultId, token);
      if (owner && !(owner.record === target && owner.column === column)) {
        return fail(409, `Update failed. Token already in use for column ${column}.`);
      }
      tokens[column] = token;
    } else if (target.fields[column] !== value || target.tokens[column] === undefined) {
      tokens[column] = crypto.randomUUID();
    }
    fields[column] = value;
  }
  store.update(vaultId, table, target, fields, tokens);
  if ((body as Record<string, unknown>).tokenization !== true) {
    return { status: 200, body: { skyflow_id: target.skyflow_id } };
  }
  const answer: Record<string, string> = {};
  for (const column in fields) answer[column] = target.tokens[column];
  return { status: 200, body: { skyflow_id: target.skyflow_id, tokens: answer } };
}

/**
 * Delete one record by its skyflow_id, freeing its values and tokens: `{skyflow_id, deleted: true}`,
 * or 404 "No Records Found".
 *
 * @example
 * ```ts ignore
 * handleDeleteRecord(store, "v1", "name", id); // { status: 200, body: { skyflow_id: id, deleted: true } }
 * ```
 */
export function handleDeleteRecord(
  store: VaultStore,
  vaultId: string,
  table: string,
  skyflowId: string,
): Reply {
  const deleted = store.delete(vaultId, table, [skyflowId]);
  if (deleted.length === 0) return notFound();
  return { status: 200, body: { skyflow_id: skyflowId, deleted: true } };
}
