/**
 * Insert semantics shared by the Insert and Batch endpoints: validation (shape, BYOT mode, reject
 * marker), uniqueness of values per table column and of tokens per vault, upsert, and applying a
 * set of records all-or-nothing or one by one. Messages never contain record values.
 *
 * @module
 */
import type { StoredRecord, VaultStore } from "./store.ts";
import { isObject } from "./http.ts";
import {
  hasColumn,
  invalidColumnMessage,
  invalidTableMessage,
  isUnique,
  type SimulatorSchema,
  tableSchema,
} from "./schema.ts";

/** Skyflow's BYOT modes. */
export type ByotMode = "DISABLE" | "ENABLE" | "ENABLE_STRICT";

/** One record to insert, as the request carried it (not yet validated). */
export interface WriteInput {
  /** Table to insert into. */
  table: string;
  /** column → value, as sent. */
  fields: unknown;
  /** column → token, as sent (optional). */
  tokens: unknown;
  /** Column to upsert on, as sent (optional). */
  upsert: unknown;
  /** Send tokens back. */
  tokenization: boolean;
}

/** The answer for one record: stored, or rejected with a status and a message. */
export type WriteResult =
  | { ok: true; skyflow_id: string; tokens?: Record<string, string> }
  | { ok: false; status: number; message: string };

/** How a set of records is written. */
export interface WriteContext {
  /** BYOT mode of the request. */
  byot: ByotMode;
  /** Values containing it are rejected with 400. */
  rejectMarker: string;
  /** True: the first rejection fails every record and nothing is stored. */
  atomic: boolean;
  /** Status of a duplicate value or token ("already exists"). @default 400 */
  duplicateStatus?: number;
  /** Tables and columns that exist; absent = any, every column unique. @default undefined */
  schema?: SimulatorSchema;
}

interface Plan {
  table: string;
  target?: StoredRecord;
  fields: Record<string, string>;
  tokens: Record<string, string>;
  /** Tokens to send back, in field order. */
  answer: Record<string, string>;
  tokenization: boolean;
}

/** A record's rejection (a class, so it cannot be mistaken for a fields object with an `ok` column). */
class Rejection {
  readonly ok = false as const;
  constructor(readonly status: number, readonly message: string) {}
}

/** Values and given tokens claimed by earlier records of the same transaction. */
class Claims {
  #tables = new Map<string, Map<string, Set<string>>>();
  readonly tokens = new Set<string>();

  /** The values claimed in a table column. */
  values(table: string, column: string): Set<string> {
    let columns = this.#tables.get(table);
    if (!columns) this.#tables.set(table, columns = new Map());
    let set = columns.get(column);
    if (!set) columns.set(column, set = new Set());
    return set;
  }
}

/**
 * Validates and stores `inputs` in `vaultId`. Atomic: either every record is stored (results in
 * request order) or none is, and the single result is the first rejection. Not atomic: each record
 * stands alone, in order, and sees the records before it.
 *
 * @example
 * ```ts ignore
 * const results = writeRecords(store, "v1", [{ table: "name", fields: { name: "MARY" },
 *   tokens: { name: "t1" }, upsert: undefined, tokenization: true }],
 *   { byot: "ENABLE", rejectMarker: "__REJECT__", atomic: true });
 * ```
 */
export function writeRecords(
  store: VaultStore,
  vaultId: string,
  inputs: readonly WriteInput[],
  context: WriteContext,
): WriteResult[] {
  if (!context.atomic) {
    return inputs.map((input) => {
      const plan = planRecord(store, vaultId, input, context, new Claims());
      return plan instanceof Rejection ? plan : apply(store, vaultId, plan);
    });
  }
  const claims = new Claims();
  const plans: Plan[] = [];
  for (const input of inputs) {
    const plan = planRecord(store, vaultId, input, context, claims);
    if (plan instanceof Rejection) return [plan];
    plans.push(plan);
  }
  return plans.map((plan) => apply(store, vaultId, plan));
}

function apply(store: VaultStore, vaultId: string, plan: Plan): WriteResult {
  let id: string;
  if (plan.target) {
    store.update(vaultId, plan.table, plan.target, plan.fields, plan.tokens);
    id = plan.target.skyflow_id;
  } else {
    id = store.insert(vaultId, plan.table, plan.fields, plan.tokens).skyflow_id;
  }
  return plan.tokenization ? { ok: true, skyflow_id: id, tokens: plan.answer } : { ok: true, skyflow_id: id };
}

function reject(status: number, message: string): Rejection {
  return new Rejection(status, message);
}

/** Checks one record against the store and the transaction's claims; claims its values and tokens. */
function planRecord(
  store: VaultStore,
  vaultId: string,
  input: WriteInput,
  context: WriteContext,
  claims: Claims,
): Plan | Rejection {
  const { table } = input;
  const dup = context.duplicateStatus ?? 400;
  const shape = tableSchema(context.schema, vaultId, table) ?? undefined;
  if (shape === undefined && context.schema) return reject(400, invalidTableMessage("Insert", table));
  if (!isObject(input.fields)) return reject(400, "Insert failed. Each record needs a fields object.");
  for (const column in input.fields) {
    if (!hasColumn(shape, column)) return reject(400, invalidColumnMessage(column));
  }
  if (input.tokens !== undefined && input.tokens !== null && !isObject(input.tokens)) {
    return reject(400, "Insert failed. Record tokens must be an object.");
  }
  if (input.upsert !== undefined && input.upsert !== null && typeof input.upsert !== "string") {
    return reject(400, "Insert failed. Upsert must name a column.");
  }
  const given = (input.tokens ?? {}) as Record<string, unknown>;
  const fields = normalizeFields(input.fields, context.rejectMarker);
  if (fields instanceof Rejection) return fields;
  const complete = checkTokens(fields, given, context.byot);
  if (complete instanceof Rejection) return complete;

  const data = store.table(vaultId, table);
  const upsert = (input.upsert || undefined) as string | undefined;
  if (upsert !== undefined && !isUnique(shape, upsert)) {
    return reject(
      400,
      hasColumn(shape, upsert)
        ? `Insert failed. Upsert column ${upsert} is not a unique column.`
        : invalidColumnMessage(upsert),
    );
  }
  const target = upsert !== undefined && fields[upsert] !== undefined
    ? data?.unique.get(upsert)?.get(fields[upsert])
    : undefined;

  // Claims are taken while checking: a rejection ends the transaction (atomic) or the record's own
  // claims (not atomic), so partial claims never matter. Generated tokens are random: not claimed.
  for (const column in fields) {
    if (!isUnique(shape, column)) continue;
    const value = fields[column];
    const claimed = claims.values(table, column);
    if (claimed.has(value)) {
      return reject(dup, `Insert failed. Duplicate value for unique column ${column} in the request.`);
    }
    claimed.add(value);
    const holder = data?.unique.get(column)?.get(value);
    if (holder && holder !== target) {
      return reject(dup, `Insert failed. Value for unique column ${column} already exists.`);
    }
  }
  const vaultTokens = store.vault(vaultId)?.tokens;
  for (const column in given) {
    const token = given[column] as string;
    if (claims.tokens.has(token)) {
      return reject(dup, `Insert failed. Duplicate token for column ${column} in the request.`);
    }
    claims.tokens.add(token);
    const holder = vaultTokens?.get(token);
    if (holder && !(holder === target && target.tokens[column] === token)) {
      return reject(dup, `Insert failed. Token for column ${column} already exists in the vault.`);
    }
  }

  // a new record with a token for every field keeps the request's own tokens object
  if (target === undefined && complete) {
    const tokens = given as Record<string, string>;
    return { table, fields, tokens, answer: tokens, tokenization: input.tokenization };
  }
  const tokens: Record<string, string> = {};
  const answer: Record<string, string> = {};
  for (const column in fields) {
    const token = (given[column] as string | undefined) ?? target?.tokens[column] ?? crypto.randomUUID();
    answer[column] = token;
    if (target?.tokens[column] !== token) tokens[column] = token;
  }
  return { table, target, fields, tokens, answer, tokenization: input.tokenization };
}

/**
 * Field values as strings; rejects a record with no field, a non-scalar value or the marker. When
 * every value already is a string, the request's own object is kept (no copy per stored record).
 */
function normalizeFields(
  raw: Record<string, unknown>,
  marker: string,
): Record<string, string> | Rejection {
  let count = 0;
  let allStrings = true;
  for (const column in raw) {
    const value = raw[column];
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      return reject(400, `Insert failed. Invalid value for column ${column}.`);
    }
    if (marker !== "" && String(value).includes(marker)) {
      return reject(400, `Insert failed. Invalid value for column ${column}.`);
    }
    if (typeof value !== "string") allStrings = false;
    count++;
  }
  if (count === 0) return reject(400, "Insert failed. Record has no fields.");
  if (allStrings) return raw as Record<string, string>;
  const fields: Record<string, string> = {};
  for (const column in raw) fields[column] = String(raw[column]);
  return fields;
}

/** Token shape and BYOT-mode rules; true when every field has a token. */
function checkTokens(
  fields: Record<string, string>,
  given: Record<string, unknown>,
  byot: ByotMode,
): boolean | Rejection {
  let count = 0;
  for (const column in given) {
    const token = given[column];
    if (typeof token !== "string" || token === "") {
      return reject(400, `Insert failed. Invalid token for column ${column}.`);
    }
    if (fields[column] === undefined) {
      return reject(400, `Insert failed. Token given for column ${column}, which has no value.`);
    }
    count++;
  }
  if (byot === "DISABLE" && count > 0) {
    return reject(400, "Insert failed. Tokens aren't allowed for fields when byot is DISABLE.");
  }
  let complete = true;
  for (const column in fields) {
    if (given[column] !== undefined) continue;
    if (byot === "ENABLE_STRICT") {
      return reject(400, `Insert failed. Token missing for column ${column}; byot is ENABLE_STRICT.`);
    }
    complete = false;
  }
  return complete;
}
