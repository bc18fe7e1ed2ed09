/**
 * The simulator's in-memory vaults. Every column of every table is unique (its values index the
 * records), and a token belongs to at most one record column in its vault.
 *
 * Memory matters (benchmarks store millions of records), so a record is a small object holding its
 * row number and the field and token objects it was inserted with; its `skyflow_id` (UUID-shaped:
 * a random per-table prefix and the row number in hex) is derived on demand instead of stored and
 * indexed.
 *
 * @module
 */

/** One stored record. `fields` and `tokens` are keyed by column. */
export interface StoredRecord {
  /** The id the vault assigned. */
  readonly skyflow_id: string;
  /** column → value. */
  readonly fields: Record<string, string>;
  /** column → token. */
  readonly tokens: Record<string, string>;
}

class Row implements StoredRecord {
  constructor(
    readonly table: TableData,
    readonly row: number,
    readonly fields: Record<string, string>,
    readonly tokens: Record<string, string>,
  ) {}

  get skyflow_id(): string {
    return this.table.idPrefix + this.row.toString(16).padStart(12, "0");
  }
}

/** A table: its rows in insertion order (deleted ones are holes) and one value index per column. */
export interface TableData {
  /** First 24 characters of every skyflow_id of the table (renewed when the table empties). */
  idPrefix: string;
  /** Rows by row number; `undefined` once deleted. */
  rows: (StoredRecord | undefined)[];
  /** Rows not deleted. */
  live: number;
  /** column → value → record. */
  readonly unique: Map<string, Map<string, StoredRecord>>;
}

/** A vault: its tables and the index of every token it holds. */
export interface VaultData {
  /** table name → table. */
  readonly tables: Map<string, TableData>;
  /** token → the record holding it. */
  readonly tokens: Map<string, StoredRecord>;
}

/**
 * Called when a token is stored in a record column that had been stored there before and freed
 * since (deleted, or replaced by an upsert): a duplicate insert, which a correct load never makes.
 */
export type DuplicateInsertListener = (vaultId: string, column: string, token: string) => void;

/**
 * The simulator's vaults, tables and records.
 *
 * @example
 * ```ts
 * const store = new VaultStore();
 * store.insert("v1", "name", { name: "MARY" }, { name: "tok-1" });
 * store.pairs("v1", "name", "name").get("MARY"); // "tok-1"
 * ```
 */
export class VaultStore {
  #vaults = new Map<string, VaultData>();
  #size = 0;
  /** vault → column → token → inserts since freed. Live tokens are not in it: it stays small. */
  #freed = new Map<string, Map<string, Map<string, number>>>();
  #onDuplicate?: DuplicateInsertListener;

  /**
   * Creates an empty store.
   *
   * @param onDuplicate told of every duplicate insert (the stats count them through it).
   */
  constructor(onDuplicate?: DuplicateInsertListener) {
    this.#onDuplicate = onDuplicate;
  }

  /**
   * Successful inserts of `token` in `column` of `vaultId` so far, upsert rewrites of the same token
   * not counted: the inserts freed since, plus one when the token is stored there now.
   */
  insertCount(vaultId: string, column: string, token: string): number {
    const freed = this.#freed.get(vaultId)?.get(column)?.get(token) ?? 0;
    return freed + (this.findByToken(vaultId, token)?.column === column ? 1 : 0);
  }

  /** Records stored across all vaults and tables. */
  get size(): number {
    return this.#size;
  }

  /** The vault's data, or undefined when nothing was ever stored in it. */
  vault(vaultId: string): VaultData | undefined {
    return this.#vaults.get(vaultId);
  }

  /** The table's data, or undefined when nothing was ever stored in it. */
  table(vaultId: string, table: string): TableData | undefined {
    return this.#vaults.get(vaultId)?.tables.get(table);
  }

  /** value → token of one column, built on demand (for tests' exact set checks). */
  pairs(vaultId: string, table: string, column: string): Map<string, string> {
    const pairs = new Map<string, string>();
    for (const record of this.records(vaultId, table)) {
      const value = record.fields[column];
      const token = record.tokens[column];
      if (value !== undefined && token !== undefined) pairs.set(value, token);
    }
    return pairs;
  }

  /** Number of records in a table. */
  count(vaultId: string, table: string): number {
    return this.table(vaultId, table)?.live ?? 0;
  }

  /** The records of a table in insertion order. */
  *records(vaultId: string, table: string): IterableIterator<StoredRecord> {
    const data = this.table(vaultId, table);
    if (!data) return;
    for (const record of data.rows) if (record) yield record;
  }

  /** The record with `skyflow_id` in the table, if any. */
  findById(vaultId: string, table: string, skyflowId: string): StoredRecord | undefined {
    const data = this.table(vaultId, table);
    if (!data || !skyflowId.startsWith(data.idPrefix)) return undefined;
    const hex = skyflowId.slice(24);
    return /^[0-9a-f]{12}$/.test(hex) ? data.rows[Number.parseInt(hex, 16)] : undefined;
  }

  /** The record holding `value` in `column`, if any. */
  findByValue(vaultId: string, table: string, column: string, value: string): StoredRecord | undefined {
    return this.table(vaultId, table)?.unique.get(column)?.get(value);
  }

  /** The record and column holding `token`, if any. */
  findByToken(vaultId: string, token: string): { record: StoredRecord; column: string } | undefined {
    const record = this.#vaults.get(vaultId)?.tokens.get(token);
    if (!record) return undefined;
    for (const column in record.tokens) {
      if (record.tokens[column] === token) return { record, column };
    }
    return undefined;
  }

  /**
   * Stores a new record, keeping the `fields` and `tokens` objects; every value and token must be
   * free (the caller checked).
   */
  insert(
    vaultId: string,
    table: string,
    fields: Record<string, string>,
    tokens: Record<string, string>,
  ): StoredRecord {
    const vault = this.#vaultFor(vaultId);
    const data = tableFor(vault, table);
    const record = new Row(data, data.rows.length, fields, tokens);
    data.rows.push(record);
    data.live++;
    for (const column in fields) indexFor(data, column).set(fields[column], record);
    for (const column in tokens) {
      vault.tokens.set(tokens[column], record);
      this.#inserted(vaultId, column, tokens[column]);
    }
    this.#size++;
    return record;
  }

  /**
   * Rewrites columns of an existing record (upsert): new values replace old ones in the indexes,
   * a new token replaces and frees the old one, the same token is left as is.
   */
  update(
    vaultId: string,
    table: string,
    record: StoredRecord,
    fields: Record<string, string>,
    tokens: Record<string, string>,
  ): void {
    const vault = this.#vaultFor(vaultId);
    const data = tableFor(vault, table);
    for (const column in fields) {
      const before = record.fields[column];
      const index = indexFor(data, column);
      if (before !== undefined && before !== fields[column]) index.delete(before);
      record.fields[column] = fields[column];
      index.set(fields[column], record);
    }
    for (const column in tokens) {
      const before = record.tokens[column];
      const token = tokens[column];
      if (before === token) continue;
      if (before !== undefined) this.#free(vault, vaultId, column, before);
      record.tokens[column] = token;
      vault.tokens.set(token, record);
      this.#inserted(vaultId, column, token);
    }
  }

  /**
   * Deletes records by id, or every record of the table with `"*"`, freeing their values and
   * tokens. Returns the ids deleted.
   */
  delete(vaultId: string, table: string, ids: readonly string[] | "*"): string[] {
    const vault = this.#vaults.get(vaultId);
    const data = vault?.tables.get(table);
    if (!vault || !data) return [];
    const targets = ids === "*"
      ? [...this.records(vaultId, table)]
      : ids.map((id) => this.findById(vaultId, table, id));
    const deleted: string[] = [];
    for (const record of targets) {
      if (!record || data.rows[(record as Row).row] !== record) continue;
      data.rows[(record as Row).row] = undefined;
      data.live--;
      for (const column in record.fields) data.unique.get(column)?.delete(record.fields[column]);
      for (const column in record.tokens) this.#free(vault, vaultId, column, record.tokens[column]);
      this.#size--;
      deleted.push(record.skyflow_id);
    }
    if (data.live === 0) {
      // start over with fresh ids, so a deleted record's id never names a new one
      data.rows = [];
      data.idPrefix = randomIdPrefix();
    }
    return deleted;
  }

  /** Forgets every vault and the insert history. */
  clear(): void {
    this.#vaults.clear();
    this.#freed.clear();
    this.#size = 0;
  }

  #free(vault: VaultData, vaultId: string, column: string, token: string): void {
    vault.tokens.delete(token);
    let columns = this.#freed.get(vaultId);
    if (!columns) this.#freed.set(vaultId, columns = new Map());
    let tokens = columns.get(column);
    if (!tokens) columns.set(column, tokens = new Map());
    tokens.set(token, (tokens.get(token) ?? 0) + 1);
  }

  #inserted(vaultId: string, column: string, token: string): void {
    if (this.#freed.size > 0 && this.#freed.get(vaultId)?.get(column)?.has(token)) {
      this.#onDuplicate?.(vaultId, column, token);
    }
  }

  #vaultFor(vaultId: string): VaultData {
    let vault = this.#vaults.get(vaultId);
    if (!vault) this.#vaults.set(vaultId, vault = { tables: new Map(), tokens: new Map() });
    return vault;
  }
}

/** A random UUID's first 24 characters (`xxxxxxxx-xxxx-4xxx-yxxx-`), unique per table. */
function randomIdPrefix(): string {
  return crypto.randomUUID().slice(0, 24);
}

function tableFor(vault: VaultData, table: string): TableData {
  let data = vault.tables.get(table);
  if (!data) {
    vault.tables.set(table, data = { idPrefix: randomIdPrefix(), rows: [], live: 0, unique: new Map() });
  }
  return data;
}

function indexFor(data: TableData, column: string): Map<string, StoredRecord> {
  let index = data.unique.get(column);
  if (!index) data.unique.set(column, index = new Map());
  return index;
}
