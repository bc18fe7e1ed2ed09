/**
 * The simulator's schema: which vaults exist, their tables, each table's columns and which columns
 * are unique. With a schema, anything else is answered the way the SDK evidence shows: a 400 naming
 * the table ("Insert failed. Table name X is invalid. Specify a valid table name.", skyflow-go's
 * mocks) or the column ("Invalid field present in JSON X", skyflow-node's README), and a vault id
 * that is not in it answers 404. Without a schema the simulator is permissive: any vault, table and
 * column, every column unique.
 *
 * The JSON file format of `byot simulate --schema FILE`:
 *
 * ```json
 * { "vaults": { "<vault id>": { "tables": { "<table>": { "columns": {
 *     "<column>": { "unique": true }, "<other column>": {} } } } } } }
 * ```
 *
 * @module
 */
import { isObject } from "./http.ts";

/** One column: unique columns index their values (upsert and Get by `column_values` need one). */
export interface ColumnSchema {
  /** Values must be unique in the table. @default false */
  unique?: boolean;
}

/** One table: its columns by name. */
export interface TableSchema {
  /** column name → column. */
  columns: Record<string, ColumnSchema>;
}

/** One vault: its tables by name. */
export interface VaultSchema {
  /** table name → table. */
  tables: Record<string, TableSchema>;
}

/** The whole schema: vault id → vault. */
export interface SimulatorSchema {
  /** vault id → vault. */
  vaults: Record<string, VaultSchema>;
}

/**
 * Reads a schema from parsed JSON, checking its shape. Throws an `Error` naming the first problem.
 *
 * @example
 * ```ts
 * parseSchema({ vaults: { v1: { tables: { name: { columns: { name: { unique: true } } } } } } });
 * ```
 */
export function parseSchema(json: unknown): SimulatorSchema {
  if (!isObject(json) || !isObject(json.vaults)) throw new Error(`expected an object with "vaults"`);
  const vaults: Record<string, VaultSchema> = {};
  for (const [id, vault] of Object.entries(json.vaults)) {
    if (!isObject(vault) || !isObject(vault.tables)) throw new Error(`vault ${id}: expected "tables"`);
    const tables: Record<string, TableSchema> = {};
    for (const [name, table] of Object.entries(vault.tables)) {
      if (!isObject(table) || !isObject(table.columns)) {
        throw new Error(`vault ${id} table ${name}: expected "columns"`);
      }
      const columns: Record<string, ColumnSchema> = {};
      for (const [column, spec] of Object.entries(table.columns)) {
        if (!isObject(spec) || (spec.unique !== undefined && typeof spec.unique !== "boolean")) {
          throw new Error(`vault ${id} table ${name} column ${column}: expected {"unique": true|false}`);
        }
        columns[column] = { unique: spec.unique === true };
      }
      tables[name] = { columns };
    }
    vaults[id] = { tables };
  }
  return { vaults };
}

/**
 * The schema a set of (vault id, table, column) targets needs, every column unique (byot reads
 * records back by value and upserts on the column).
 *
 * @example
 * ```ts
 * schemaOf([{ id: "v1", table: "name", column: "name" }]).vaults.v1.tables.name.columns.name.unique; // true
 * ```
 */
export function schemaOf(targets: readonly { id: string; table: string; column: string }[]): SimulatorSchema {
  const vaults: Record<string, VaultSchema> = {};
  for (const { id, table, column } of targets) {
    const tables = (vaults[id] ??= { tables: {} }).tables;
    (tables[table] ??= { columns: {} }).columns[column] = { unique: true };
  }
  return { vaults };
}

/** The message for a table the vault does not have (skyflow-go's mocks, with the operation's name). */
export function invalidTableMessage(operation: string, table: string): string {
  return `${operation} failed. Table name ${table} is invalid. Specify a valid table name.`;
}

/** The message for a column the table does not have (skyflow-node's README). */
export function invalidColumnMessage(column: string): string {
  return `Invalid field present in JSON ${column}`;
}

/** The table's schema, `null` when the schema lacks it, `undefined` when there is no schema. */
export function tableSchema(
  schema: SimulatorSchema | undefined,
  vaultId: string,
  table: string,
): TableSchema | null | undefined {
  if (!schema) return undefined;
  return Object.hasOwn(schema.vaults, vaultId) && Object.hasOwn(schema.vaults[vaultId].tables, table)
    ? schema.vaults[vaultId].tables[table]
    : null;
}

/** True when `column` exists in `table` (always, without a schema). */
export function hasColumn(table: TableSchema | undefined, column: string): boolean {
  return table === undefined || Object.hasOwn(table.columns, column);
}

/** True when `column` is unique in `table` (every column is, without a schema). */
export function isUnique(table: TableSchema | undefined, column: string): boolean {
  return table === undefined || table.columns[column]?.unique === true;
}
