/**
 * The ledger's SQLite schema, as the migrations that build it: a new state file runs them all, an
 * older one the rest (`schema.ts` applies them in one transaction and sets `PRAGMA user_version`).
 *
 * @module
 */

/** Migration `i` takes the schema from version `i` to `i + 1`. */
export const MIGRATIONS: readonly string[] = [
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
