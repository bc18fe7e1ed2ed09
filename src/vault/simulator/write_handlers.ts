/**
 * The data-plane endpoints: Insert Records (`POST /v1/vaults/{vaultId}/{table}`, all-or-nothing)
 * and Batch (`POST /v1/vaults/{vaultId}`, per record with `continueOnError`, else one transaction).
 *
 * @module
 */
import { fail, isObject, type Reply } from "./http.ts";
import type { SimulatorSchema } from "./schema.ts";
import type { VaultStore } from "./store.ts";
import { type ByotMode, type WriteInput, writeRecords, type WriteResult } from "./writes.ts";

/** The options the write endpoints read (the simulator passes its live options). */
export interface WriteRules {
  /** Values containing it are rejected with 400. */
  rejectMarker: string;
  /** Records per request above which it answers 413; 0 = no limit. */
  maxRecordsPerRequest: number;
  /** Status of a duplicate value or token ("already exists"). @default 400 */
  duplicateStatus?: number;
  /** Tables and columns that exist; absent = any. @default undefined */
  schema?: SimulatorSchema;
}

const byotModes: readonly ByotMode[] = ["DISABLE", "ENABLE", "ENABLE_STRICT"];

/** The request's `records` array and BYOT mode, or the 400/413 that rejects the request. */
function readEnvelope(
  body: unknown,
  rules: WriteRules,
  what: string,
): { records: unknown[]; byot: ByotMode } | Reply {
  if (!isObject(body) || !Array.isArray(body.records) || body.records.length === 0) {
    return fail(400, `${what} failed. records is required and must be a non-empty array.`);
  }
  const byot = body.byot ?? "DISABLE";
  if (!byotModes.includes(byot as ByotMode)) {
    return fail(400, `${what} failed. byot must be one of ${byotModes.join(", ")}.`);
  }
  const max = rules.maxRecordsPerRequest;
  if (max > 0 && body.records.length > max) {
    return fail(413, `${what} failed. Too many records: at most ${max} per request.`);
  }
  return { records: body.records, byot: byot as ByotMode };
}

function stored(result: WriteResult & { ok: true }): Record<string, unknown> {
  return result.tokens
    ? { skyflow_id: result.skyflow_id, tokens: result.tokens }
    : { skyflow_id: result.skyflow_id };
}

/**
 * Insert Records: every record is validated first; one bad record fails the request and nothing is
 * stored.
 *
 * @example
 * ```ts ignore
 * const reply = handleInsert(new VaultStore(), { rejectMarker: "__REJECT__", maxRecordsPerRequest: 0 },
 *   "v1", "name", { records: [{ fields: { name: "MARY" } }] });
 * ```
 */
export function handleInsert(
  store: VaultStore,
  rules: WriteRules,
  vaultId: string,
  table: string,
  body: unknown,
): Reply {
  const envelope = readEnvelope(body, rules, "Insert");
  if ("status" in envelope) return envelope;
  const request = body as Record<string, unknown>;
  const tokenization = request.tokenization === true;
  const inputs = envelope.records.map((record): WriteInput => ({
    table,
    fields: isObject(record) ? record.fields : undefined,
    tokens: isObject(record) ? record.tokens : undefined,
    upsert: request.upsert,
    tokenization,
  }));
  const results = writeRecords(store, vaultId, inputs, {
    byot: envelope.byot,
    rejectMarker: rules.rejectMarker,
    atomic: true,
    duplicateStatus: rules.duplicateStatus,
    schema: rules.schema,
  });
  const first = results[0];
  if (!first.ok) return fail(first.status, first.message);
  return { status: 200, body: { records: results.map((r) => stored(r as WriteResult & { ok: true })) } };
}

/** A batch entry as an insert input, or the message that rejects its shape. */
function batchInput(record: unknown): WriteInput | string {
  if (!isObject(record)) return "Batch operation failed. Each record must be an object.";
  if (record.method !== "POST") {
    return "Batch operation failed. Only the POST method is supported by the simulator.";
  }
  if (typeof record.tableName !== "string" || record.tableName === "") {
    return "Batch operation failed. tableName is required.";
  }
  return {
    table: record.tableName,
    fields: record.fields,
    tokens: record.tokens,
    upsert: record.upsert,
    tokenization: record.tokenization === true,
  };
}

/**
 * Batch: with `continueOnError` each record stands alone and gets its own `Status`/`Body` (HTTP 207
 * when some failed; when every record failed, their 4xx with the same `responses[]`); without it the
 * records form one all-or-nothing transaction.
 *
 * @example
 * ```ts ignore
 * const reply = handleBatch(store, rules, "v1", { continueOnError: true, records: [
 *   { method: "POST", tableName: "name", fields: { name: "MARY" } }] });
 * ```
 */
export function handleBatch(store: VaultStore, rules: WriteRules, vaultId: string, body: unknown): Reply {
  const envelope = readEnvelope(body, rules, "Batch operation");
  if ("status" in envelope) return envelope;
  const continueOnError = (body as Record<string, unknown>).continueOnError === true;
  const inputs = envelope.records.map(batchInput);
  const context = {
    byot: envelope.byot,
    rejectMarker: rules.rejectMarker,
    duplicateStatus: rules.duplicateStatus,
    schema: rules.schema,
  };

  if (!continueOnError) {
    const bad = inputs.find((input): input is string => typeof input === "string");
    if (bad !== undefined) return fail(400, bad);
    const results = writeRecords(store, vaultId, inputs as WriteInput[], { ...context, atomic: true });
    const first = results[0];
    if (!first.ok) return fail(first.status, first.message);
    const responses = results.map((r) => ({ records: [stored(r as WriteResult & { ok: true })] }));
    return { status: 200, body: { vaultID: vaultId, responses } };
  }

  const failedStatuses = new Set<number>();
  let failed = 0;
  const responses = inputs.map((input) => {
    const result: WriteResult = typeof input === "string"
      ? { ok: false, status: 400, message: input }
      : writeRecords(store, vaultId, [input], { ...context, atomic: false })[0];
    if (result.ok) return { Status: 200, Body: { records: [stored(result)] } };
    failed++;
    failedStatuses.add(result.status);
    return { Status: result.status, Body: { error: result.message } };
  });
  // every record failed: a 4xx that still carries the per-record answers (the official Python SDK
  // reads `responses[]` from such an answer); its status is the records' own when they agree
  const status = failed === 0
    ? 200
    : failed < responses.length
    ? 207
    : failedStatuses.size === 1
    ? [...failedStatuses][0]
    : 400;
  return { status, body: { vaultID: vaultId, responses } };
}
