/**
 * The ledger's SQLite schema, its migrations, and how the state file is opened: created with mode
 * 0600 before SQLite touches it, WAL journal, `synchronous=NORMAL` by default (group commits keep it
 * cheap), a busy timeout, and an `application_id` so a foreign SQLite file is refused.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { CheckpointError } from "../common/errors.ts";
import type { Clock } from "../common/clock.ts";
import { checkpointError, int, Store } from "./_store.ts";

/** `PRAGMA application_id` of a byot state file: the ASCII bytes "byot". */
export const APPLICATION_ID = 0x62796f74;

/** Batch states. `pending` is reserved for callers that record a batch before sending it. */
export type BatchStatus = "pending" | "in_flight" | "done" | "failed" | "partially_failed";

/** States after which a batch is never sent again in the same run. */
export const TERMINAL_STATUSES: readonly BatchStatus[] = ["done", "failed", "partially_failed"];

/** {@linkcode TERMINAL_STATUSES} as an SQL list, for `status IN …`. */
export const TERMINAL_SQL = "('done','failed','partially_failed')";

/** Migration `i` takes the schema from version `i` to `i + 1`. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE runs (
    id               TEXT PRIMARY KEY,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    finished_at      INTEGER,
    status           TEXT NOT NULL CHECK (status IN ('running','finished','interrupted','failed','abandoned')),
    source_kind      TEXT NOT NULL,
    fingerprint_json TEXT NOT NULL,
    settings_json    TEXT NOT NULL,
    shard            TEXT,
    pid              INTEGER,
    command          TEXT
  ) STRICT;
  CREATE TABLE run_vaults (
    run_id       TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    vault        TEXT NOT NULL,
    vault_id     TEXT NOT NULL,
    table_name   TEXT NOT NULL,
    column_name  TEXT NOT NULL,
    reserved_seq INTEGER NOT NULL DEFAULT 0,
    finished_at  INTEGER,
    source_state TEXT,
    PRIMARY KEY (run_id, vault)
  ) STRICT;
  CREATE TABLE batches (
    run_id         TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    vault          TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    first_position INTEGER NOT NULL,
    end_position   INTEGER NOT NULL,
    record_count   INTEGER NOT NULL,
    skipped_count  INTEGER NOT NULL,
    skipped_json   TEXT,
    cursor_json    TEXT NOT NULL,
    status         TEXT NOT NULL
                   CHECK (status IN ('pending','in_flight','done','failed','partially_failed')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_status    INTEGER NOT NULL DEFAULT 0,
    request_id     TEXT,
    loaded         INTEGER NOT NULL DEFAULT 0,
    failed         INTEGER NOT NULL DEFAULT 0,
    started_at     INTEGER,
    finished_at    INTEGER,
    PRIMARY KEY (run_id, vault, seq)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE failed_records (
    run_id      TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    vault       TEXT NOT NULL,
    position    INTEGER NOT NULL,
    batch_seq   INTEGER NOT NULL,
    value       TEXT,
    token       TEXT,
    status_code INTEGER NOT NULL,
    message     TEXT NOT NULL,
    request_id  TEXT,
    retryable   INTEGER NOT NULL,
    attempts    INTEGER NOT NULL,
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    resolved_at INTEGER,
    purged_at   INTEGER,
    PRIMARY KEY (run_id, vault, position)
  ) STRICT;
  CREATE INDEX failed_records_by_batch ON failed_records (vault, run_id, batch_seq, position);
  CREATE INDEX runs_by_status ON runs (status, created_at);
  `,
  // byot verify: a failure found by reading the vault back ('missing' or 'mismatched'); NULL = a load's
  `ALTER TABLE failed_records ADD COLUMN verdict TEXT CHECK (verdict IN ('missing','mismatched'));`,
  // per-vault interval samples for `byot report` (one row per vault every ~10 s)
  `
  CREATE TABLE samples (
    run_id            TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    vault             TEXT NOT NULL,
    at                INTEGER NOT NULL,
    interval_ms       INTEGER NOT NULL,
    loaded            INTEGER NOT NULL,
    already_present   INTEGER NOT NULL,
    failed            INTEGER NOT NULL,
    skipped           INTEGER NOT NULL,
    requests          INTEGER NOT NULL,
    rate_limited      INTEGER NOT NULL,
    retries           INTEGER NOT NULL,
    latency_p50_ms    REAL NOT NULL,
    latency_p99_ms    REAL NOT NULL,
    in_flight         INTEGER NOT NULL,
    concurrency_limit INTEGER NOT NULL,
    PRIMARY KEY (run_id, vault, at)
  ) STRICT, WITHOUT ROWID;
  `,
  // 3 → 4: jobs (a run belongs to the job its command describes), the claim of a run by one process
  // (host, pid, lease heartbeat), per-batch content checksums, and the settled watermark of each vault
  // (batches below it are folded into one row of totals; see settled.ts).
  `
  ALTER TABLE runs ADD COLUMN job_key TEXT;
  ALTER TABLE runs ADD COLUMN host TEXT;
  ALTER TABLE runs ADD COLUMN lease_at INTEGER;
  CREATE INDEX runs_by_job ON runs (job_key, created_at);
  ALTER TABLE batches ADD COLUMN checksum TEXT;
  CREATE TABLE settled (
    run_id          TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    vault           TEXT NOT NULL,
    below_seq       INTEGER NOT NULL DEFAULT 0,
    batches         INTEGER NOT NULL DEFAULT 0,
    done_batches    INTEGER NOT NULL DEFAULT 0,
    failed_batches  INTEGER NOT NULL DEFAULT 0,
    partial_batches INTEGER NOT NULL DEFAULT 0,
    read            INTEGER NOT NULL DEFAULT 0,
    loaded          INTEGER NOT NULL DEFAULT 0,
    failed          INTEGER NOT NULL DEFAULT 0,
    skipped         INTEGER NOT NULL DEFAULT 0,
    requests        INTEGER NOT NULL DEFAULT 0,
    first_started   INTEGER,
    last_updated    INTEGER,
    PRIMARY KEY (run_id, vault)
  ) STRICT;
  `,
  // per batch, records a read-back found already stored as ours, 2xx answers that did not account
  // for their records, and records left unsettled by exhausted transient retries; the settled totals
  // (settled.ts) keep the already-present count of the batches they fold
  `
  ALTER TABLE batches ADD COLUMN already_present INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE batches ADD COLUMN unverified INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE batches ADD COLUMN unsettled INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE settled ADD COLUMN already_present INTEGER NOT NULL DEFAULT 0;
  `,
];

/** The schema version this code writes (`PRAGMA user_version`). */
export const SCHEMA_VERSION: number = MIGRATIONS.length;

/** Options of {@linkcode openStore}. */
export interface OpenStoreOptions {
  /** Time source for the ledger's timestamps. */
  clock: Clock;
  /** Uniform random in [0, 1), for new run ids. */
  random: () => number;
  /** `PRAGMA synchronous`. @default "NORMAL" */
  synchronous?: "NORMAL" | "FULL";
  /** How long to wait for another process's write lock, in ms. @default 5000 */
  busyTimeoutMs?: number;
  /** Open an existing file read-only: no creation, no pragmas that write, no migration. @default false */
  readOnly?: boolean;
}

/**
 * Opens (creating if needed) the state file and brings its schema up to date.
 *
 * @throws {CheckpointError} when the file is not a SQLite database, belongs to another program,
 * was written by a newer byot, or cannot be created.
 */
export function openStore(path: string, options: OpenStoreOptions): Store {
  const inMemory = path === ":memory:";
  const readOnly = options.readOnly === true && !inMemory;
  if (!inMemory && !readOnly) createPrivateFile(path);
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { timeout: options.busyTimeoutMs ?? 5000, readOnly });
  } catch (error) {
    throw checkpointError(path, "open the state file", error);
  }
  const store = new Store(db, path, options.clock, options.random);
  if (readOnly) {
    try {
      checkReadable(store);
    } catch (error) {
      db.close();
      throw error;
    }
    return store;
  }
  try {
    store.guard("read the state file (is it a byot state file?)", () => {
      db.exec("PRAGMA foreign_keys = ON");
      db.exec("PRAGMA journal_mode = WAL");
      db.exec(`PRAGMA synchronous = ${options.synchronous ?? "NORMAL"}`);
    });
    migrate(store);
    if (!inMemory) privatiseSidecars(path);
  } catch (error) {
    db.close();
    throw error;
  }
  return store;
}

/** The checks of {@linkcode migrate} that need no write: a byot file this byot can read. */
function checkReadable(store: Store): void {
  const { path } = store;
  const version = int(
    store.guard(
      "read the state file (is it a byot state file?)",
      () => store.get("PRAGMA user_version")?.user_version,
    ),
  );
  const appId = int(store.get("PRAGMA application_id")?.application_id);
  if (appId !== APPLICATION_ID) {
    throw new CheckpointError(`state file ${path} is not a byot state file`);
  }
  if (version > SCHEMA_VERSION) {
    throw new CheckpointError(
      `state file ${path} was written by a newer byot (schema ${version}, this byot knows ${SCHEMA_VERSION})`,
    );
  }
}

function migrate(store: Store): void {
  const { db, path } = store;
  const version = int(store.get("PRAGMA user_version")?.user_version);
  const appId = int(store.get("PRAGMA application_id")?.application_id);
  const tables = int(store.get("SELECT count(*) AS n FROM sqlite_schema")?.n);
  if (appId !== APPLICATION_ID && (appId !== 0 || tables > 0)) {
    throw new CheckpointError(`state file ${path} is not a byot state file (it holds other data)`);
  }
  if (version > SCHEMA_VERSION) {
    throw new CheckpointError(
      `state file ${path} was written by a newer byot (schema ${version}, this byot knows ${SCHEMA_VERSION})`,
    );
  }
  if (version === SCHEMA_VERSION) return;
  store.transaction(() => {
    // Re-read under the write lock: a twin process may have upgraded the file since the check above.
    const current = int(store.get("PRAGMA user_version")?.user_version);
    store.guard("upgrade the state file", () => {
      for (let v = current; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
      db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    });
  });
}

/** Creates `path` with mode 0600 if missing, and narrows an existing file to 0600. */
function createPrivateFile(path: string): void {
  try {
    Deno.openSync(path, { create: true, write: true, mode: 0o600 }).close();
    Deno.chmodSync(path, 0o600);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new CheckpointError(`cannot create state file ${path}: its directory does not exist`, {
        cause: error,
      });
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new CheckpointError(`cannot open state file ${path}: permission denied`, { cause: error });
    }
    throw checkpointError(path, "create the state file", error);
  }
}

/** SQLite gives `-wal`/`-shm` the database file's mode; narrow them anyway in case it changed. */
function privatiseSidecars(path: string): void {
  for (const suffix of ["-wal", "-shm"]) {
    try {
      Deno.chmodSync(path + suffix, 0o600);
    } catch {
      // absent or not ours: nothing to narrow
    }
  }
}
