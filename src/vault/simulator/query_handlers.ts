/**
 * Query (`POST /v1/vaults/{vaultId}/query`, a small SQL subset) and Tokenize
 * (`POST /v1/vaults/{vaultId}/tokenize`, the tokens of stored values).
 *
 * @module
 */
import { fail, isObject, type Reply } from "./http.ts";
import { MAX_GET_RECORDS } from "./read_handlers.ts";
import type { StoredRecord, VaultStore } from "./store.ts";

/** What the simulator's Query understands, named in its 400 answers. */
export const SUPPORTED_SQL: string =
  "SELECT * | column[, column…] FROM table [WHERE column = 'value' | column IN ('v1', …) [AND …]] " +
  "[LIMIT n] [OFFSET n]";

/** A parsed query of {@linkcode SUPPORTED_SQL}. */
export interface Select {
  /** `*` or the columns named (`skyflow_id` included when named). */
  columns: "*" | string[];
  /** The table after FROM. */
  table: string;
  /** ANDed conditions: the column's value is one of `values`. */
  where: { column: string; values: string[] }[];
  /** LIMIT (25 when absent). */
  limit: number;
  /** OFFSET (0 when absent). */
  offset: number;
}

const TOKEN = /\s*(?:('(?:[^']|'')*')|([A-Za-z_][A-Za-z0-9_]*)|(\d+)|(\*|,|=|\(|\)|;))/y;

/** Splits SQL into words, numbers, quoted strings and punctuation; undefined on anything else. */
function lex(sql: string): string[] | undefined {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < sql.length) {
    if (/^\s*$/.test(sql.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(sql);
    if (!m) return undefined;
    out.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  }
  return out;
}

const isWord = (t: string | undefined): t is string => t !== undefined && /^[A-Za-z_]/.test(t);
const isString = (t: string | undefined): t is string => t !== undefined && t.startsWith("'");
const unquote = (t: string) => t.slice(1, -1).replace(/''/g, "'");
const keyword = (t: string | undefined, k: string) => t !== undefined && t.toUpperCase() === k;

/**
 * Parses {@linkcode SUPPORTED_SQL} (keywords in any case, `''` escaping a quote); undefined for
 * anything else.
 *
 * @example
 * ```ts
 * parseSelect("select * from persons where name = 'MARY'")?.table; // "persons"
 * ```
 */
export function parseSelect(sql: string): Select | undefined {
  const t = lex(sql);
  if (!t) return undefined;
  let i = 0;
  if (t[t.length - 1] === ";") t.pop();
  if (!keyword(t[i++], "SELECT")) return undefined;
  let columns: "*" | string[];
  if (t[i] === "*") {
    columns = "*";
    i++;
  } else {
    columns = [];
    do {
      if (!isWord(t[i])) return undefined;
      columns.push(t[i++]);
    } while (t[i] === "," && ++i);
  }
  if (!keyword(t[i++], "FROM") || !isWord(t[i])) return undefined;
  const select: Select = { columns, table: t[i++], where: [], limit: MAX_GET_RECORDS, offset: 0 };
  if (keyword(t[i], "WHERE")) {
    i++;
    do {
      const column = t[i++];
      if (!isWord(column)) return undefined;
      if (t[i] === "=" && isString(t[i + 1])) {
        select.where.push({ column, values: [unquote(t[i + 1])] });
        i += 2;
      } else if (keyword(t[i], "IN") && t[i + 1] === "(") {
        i += 2;
        const values: string[] = [];
        do {
          if (!isString(t[i])) return undefined;
          values.push(unquote(t[i++]));
        } while (t[i] === "," && ++i);
        if (t[i++] !== ")") return undefined;
        select.where.push({ column, values });
      } else return undefined;
    } while (keyword(t[i], "AND") && ++i);
  }
  if (keyword(t[i], "LIMIT")) {
    if (!/^\d+$/.test(t[i + 1] ?? "")) return undefined;
    select.limit = Number(t[i + 1]);
    i += 2;
  }
  if (keyword(t[i], "OFFSET")) {
    if (!/^\d+$/.test(t[i + 1] ?? "")) return undefined;
    select.offset = Number(t[i + 1]);
    i += 2;
  }
  return i === t.length ? select : undefined;
}

const valueOf = (record: StoredRecord, column: string) =>
  column === "skyflow_id" ? record.skyflow_id : record.fields[column];

/**
 * Query: body `{query: "<SQL>"}`; answers `{records: [{fields}]}` in plain text, at most 25 records
 * (the documented maximum), `[]` when nothing matches. SQL outside {@linkcode SUPPORTED_SQL} answers
 * 400 naming what is supported; the simulator never treats `query` as a table.
 *
 * @example
 * ```ts ignore
 * handleQuery(store, "v1", { query: "select * from name where name = 'MARY'" });
 * ```
 */
export function handleQuery(store: VaultStore, vaultId: string, body: unknown): Reply {
  if (!isObject(body) || typeof body.query !== "string" || body.query.trim() === "") {
    return fail(400, "Query failed. query is required and must be a string.");
  }
  const select = parseSelect(body.query);
  if (!select) return fail(400, `Query failed. The simulator supports only ${SUPPORTED_SQL}.`);
  if (select.limit > MAX_GET_RECORDS) {
    return fail(400, `Query failed. LIMIT must be at most ${MAX_GET_RECORDS}.`);
  }
  const matches: StoredRecord[] = [];
  let skipped = 0;
  for (const record of store.records(vaultId, select.table)) {
    if (matches.length >= select.limit) break;
    if (!select.where.every((w) => w.values.includes(valueOf(record, w.column)))) continue;
    if (skipped++ < select.offset) continue;
    matches.push(record);
  }
  const records = matches.map((record) => {
    const fields: Record<string, string> = {};
    const columns = select.columns === "*" ? ["skyflow_id", ...Object.keys(record.fields)] : select.columns;
    for (const column of columns) {
      const value = valueOf(record, column);
      if (value !== undefined) fields[column] = value;
    }
    return { fields };
  });
  return { status: 200, body: { records } };
}

/**
 * Tokenize: body `{tokenizationParameters: [{value, columnGroup?}]}`; answers `{records: [{token}]}`
 * in request order with the token a stored value holds (in a column named `columnGroup` when given,
 * in any table of the vault). The simulator keeps no tokens apart from records, so a value it does
 * not hold answers 404 naming the parameter's index (never the value).
 *
 * @example
 * ```ts ignore
 * handleTokenize(store, "v1", { tokenizationParameters: [{ value: "MARY", columnGroup: "name" }] });
 * ```
 */
export function handleTokenize(store: VaultStore, vaultId: string, body: unknown): Reply {
  const params = isObject(body) ? body.tokenizationParameters : undefined;
  if (!Array.isArray(params) || params.length === 0) {
    return fail(400, "Tokenize failed. tokenizationParameters must be a non-empty array.");
  }
  const tables = [...(store.vault(vaultId)?.tables.keys() ?? [])];
  const records: { token: string }[] = [];
  for (const [index, param] of params.entries()) {
    if (!isObject(param) || typeof param.value !== "string") {
      return fail(400, `Tokenize failed. Parameter ${index} needs a string value.`);
    }
    const group = typeof param.columnGroup === "string" && param.columnGroup !== ""
      ? param.columnGroup
      : undefined;
    const token = findToken(store, vaultId, tables, param.value, group);
    if (token === undefined) return fail(404, `Tokenize failed. No stored value matches parameter ${index}.`);
    records.push({ token });
  }
  return { status: 200, body: { records } };
}

function findToken(
  store: VaultStore,
  vaultId: string,
  tables: readonly string[],
  value: string,
  column: string | undefined,
): string | undefined {
  for (const table of tables) {
    const data = store.table(vaultId, table);
    if (!data) continue;
    const columns = column === undefined ? [...data.unique.keys()] : [column];
    for (const c of columns) {
      const token = data.unique.get(c)?.get(value)?.tokens[c];
      if (token !== undefined) return token;
    }
  }
  return undefined;
}
