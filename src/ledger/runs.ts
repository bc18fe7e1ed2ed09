/**
 * Runs: one row per `byot load` (or error-log import), with the vaults it targets, the source
 * fingerprint and the batch-deciding settings it began with.
 *
 * @module
 */
import type { VaultSpec } from "../common/types.ts";
import { CheckpointError } from "../common/errors.ts";
import { int, type Row, type Store, text } from "./_store.ts";
import { toStoredJson } from "./fingerprint.ts";

/**
 * `running` (in progress, or the process died), `finished` (every batch settled), `interrupted`
 * (stopped by a signal), `failed` (ended by a fatal error) or `abandoned` (replaced by `--restart`).
 * All but `finished` and `abandoned` can be resumed.
 */
export type RunStatus = "running" | "finished" | "interrupted" | "failed" | "abandoned";

/** A vault of a run. */
export interface RunVault extends VaultSpec {
  /** When every batch of the vault was settled (ms since the epoch). */
  finishedAt?: number;
}

/** A stored run. */
export interface RunInfo {
  /** Sortable id: `r` + UTC `yyyymmddhhmmss` + 4 hex digits. */
  id: string;
  /** When the run was created (ms since the epoch). */
  createdAt: number;
  /** When its status last changed (ms since the epoch). */
  updatedAt: number;
  /** When it finished (ms since the epoch). */
  finishedAt?: number;
  /** Run status. */
  status: RunStatus;
  /** `csv`, `snowflake`, `error-log`, … */
  sourceKind: string;
  /** The source fingerprint the run began with (secrets stripped). */
  fingerprint: unknown;
  /** The batch-deciding settings the run began with (secrets stripped). */
  settings: unknown;
  /** Shard of the source this run covers, e.g. `1/4`. */
  shard?: string;
  /** Process id of the writer. */
  pid?: number;
  /** The command line that started it (no secrets). */
  command?: string;
  /** The job the run belongs to (see `jobs.ts`); absent for runs of byot before jobs. */
  jobKey?: string;
  /** Host name of the process that holds (or last held) the run. */
  host?: string;
  /** When that process last renewed its claim (ms since the epoch). */
  leaseAt?: number;
  /** Vaults of the run. */
  vaults: RunVault[];
}

/** Input of {@linkcode createRun}. */
export interface CreateRunInput {
  /** `csv`, `snowflake`, `error-log`, … */
  sourceKind: string;
  /** JSON describing the source exactly (file sizes, mtimes, head hashes; query text). */
  fingerprint: unknown;
  /**
   * JSON of the settings that decide batch content (batch size, suffix mode and seed, start and
   * max records, columns, vault set, shard). A change refuses a resume, so leave out settings that
   * may change between attempts (concurrency, timeouts). Keys naming secrets are stripped.
   */
  settings: unknown;
  /** Vaults of the run. */
  vaults: VaultSpec[];
  /** The command line, for `byot status` (must not hold secrets). */
  command?: string;
  /** Shard of the source this run covers, e.g. `1/4`. */
  shard?: string;
  /** Process id of the writer. @default Deno.pid */
  pid?: number;
  /** The job the run belongs to (see `jobs.ts`). @default none */
  jobKey?: string;
  /** Host name of the writer. @default none */
  host?: string;
}

const RUN_COLUMNS = "id, created_at, updated_at, finished_at, status, source_kind, fingerprint_json, " +
  "settings_json, shard, pid, command, job_key, host, lease_at";

/** Stores a new run in status `running` and returns it. */
export function createRun(store: Store, input: CreateRunInput): RunInfo {
  const now = store.clock.now();
  const fingerprint = toStoredJson(input.fingerprint);
  const settings = toStoredJson(input.settings);
  return store.transaction(() => insertRun(store, input, now, fingerprint, settings));
}

/** The body of {@linkcode createRun}, for callers already inside a write transaction. */
export function insertRun(
  store: Store,
  input: CreateRunInput,
  now: number = store.clock.now(),
  fingerprint: string = toStoredJson(input.fingerprint),
  settings: string = toStoredJson(input.settings),
): RunInfo {
  let id = newRunId(now, store.random);
  while (store.get("SELECT 1 AS x FROM runs WHERE id = ?", id)) id = newRunId(now, store.random);
  store.run(
    `INSERT INTO runs (${RUN_COLUMNS}) VALUES (?, ?, ?, NULL, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    id,
    now,
    now,
    input.sourceKind,
    fingerprint,
    settings,
    input.shard ?? null,
    input.pid ?? Deno.pid,
    input.command ?? null,
    input.jobKey ?? null,
    input.host ?? null,
    input.host ? now : null,
  );
  for (const v of input.vaults) {
    store.run(
      "INSERT INTO run_vaults (run_id, vault, vault_id, table_name, column_name) VALUES (?, ?, ?, ?, ?)",
      id,
      v.name,
      v.id,
      v.table,
      v.column,
    );
  }
  return getRun(store, id)!;
}

/** The run with this id, or `undefined`. */
export function getRun(store: Store, id: string): RunInfo | undefined {
  const row = store.get(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`, id);
  return row ? toRun(store, row) : undefined;
}

/**
 * The most recent run that is not `finished` or `abandoned`, or `undefined`. `sourceKind` narrows it
 * to one source kind; `shard` to one shard (`"3/8"`), or with `null` to unsharded runs, so shards that
 * share a state file never resume each other's runs. Omitted filters match any run.
 */
export function latestUnfinishedRun(
  store: Store,
  sourceKind?: string,
  shard?: string | null,
): RunInfo | undefined {
  const where = ["status NOT IN ('finished', 'abandoned')"];
  const params: string[] = [];
  if (sourceKind !== undefined) {
    where.push("source_kind = ?");
    params.push(sourceKind);
  }
  if (shard === null) where.push("shard IS NULL");
  else if (shard !== undefined) {
    where.push("shard = ?");
    params.push(shard);
  }
  const row = store.get(
    `SELECT ${RUN_COLUMNS} FROM runs WHERE ${where.join(" AND ")} ORDER BY created_at DESC, id DESC`,
    ...params,
  );
  return row ? toRun(store, row) : undefined;
}

/** Every run, newest first. */
export function listRuns(store: Store, limit = 1000): RunInfo[] {
  return store.all(`SELECT ${RUN_COLUMNS} FROM runs ORDER BY created_at DESC, id DESC LIMIT ?`, limit)
    .map((row) => toRun(store, row));
}

/** Sets a run's status; `finished_at` is set for `finished` and `failed`, cleared otherwise. */
export function finishRun(store: Store, id: string, status: RunStatus): void {
  const now = store.clock.now();
  const ended = status === "finished" || status === "failed" || status === "abandoned" ? now : null;
  const changed = store.run(
    "UPDATE runs SET status = ?, updated_at = ?, finished_at = ? WHERE id = ?",
    status,
    now,
    ended,
    id,
  );
  if (changed === 0) throw new CheckpointError(`state file ${store.path}: no run ${id}`);
}

/** Marks a run `running` again (a resume), with the pid of the process that resumed it. */
export function reopenRun(store: Store, id: string, pid: number = Deno.pid): void {
  store.run(
    "UPDATE runs SET status = 'running', finished_at = NULL, updated_at = ?, pid = ? WHERE id = ?",
    store.clock.now(),
    pid,
    id,
  );
}

/** Records that every batch of `vault` in `runId` is settled. */
export function markVaultFinished(store: Store, runId: string, vault: string): void {
  store.run(
    "UPDATE run_vaults SET finished_at = ? WHERE run_id = ? AND vault = ?",
    store.clock.now(),
    runId,
    vault,
  );
}

/**
 * Stores source-specific state of a vault's read (e.g. the Snowflake query id and row count), so a
 * resume can re-read the identical result. Committed at once. Never holds a secret.
 */
export function setSourceState(store: Store, runId: string, vault: string, state: unknown): void {
  store.run(
    "UPDATE run_vaults SET source_state = ? WHERE run_id = ? AND vault = ?",
    JSON.stringify(state ?? null),
    runId,
    vault,
  );
}

/** The state stored by {@linkcode setSourceState}, or `undefined`. */
export function sourceState(store: Store, runId: string, vault: string): unknown {
  const row = store.get("SELECT source_state FROM run_vaults WHERE run_id = ? AND vault = ?", runId, vault) as
    | { source_state: string | null }
    | undefined;
  return row?.source_state ? JSON.parse(row.source_state) : undefined;
}

/** `r` + UTC `yyyymmddhhmmss` + 4 random hex digits: sorts by creation time. */
export function newRunId(now: number, random: () => number): string {
  const stamp = new Date(now).toISOString().replace(/[-:T]/g, "").slice(0, 14);
  const hex = Math.floor(random() * 0x10000).toString(16).padStart(4, "0").slice(-4);
  return `r${stamp}${hex}`;
}

function toRun(store: Store, row: Row): RunInfo {
  const id = String(row.id);
  const vaults = store.all(
    "SELECT vault, vault_id, table_name, column_name, finished_at FROM run_vaults WHERE run_id = ? ORDER BY rowid",
    id,
  ).map((v): RunVault => {
    const vault: RunVault = {
      name: String(v.vault),
      id: String(v.vault_id),
      table: String(v.table_name),
      column: String(v.column_name),
    };
    if (v.finished_at !== null) vault.finishedAt = int(v.finished_at);
    return vault;
  });
  const run: RunInfo = {
    id,
    createdAt: int(row.created_at),
    updatedAt: int(row.updated_at),
    status: String(row.status) as RunStatus,
    sourceKind: String(row.source_kind),
    fingerprint: parseJson(store, row.fingerprint_json, id),
    settings: parseJson(store, row.settings_json, id),
    vaults,
  };
  if (row.finished_at !== null) run.finishedAt = int(row.finished_at);
  if (text(row.shard) !== undefined) run.shard = text(row.shard);
  if (row.pid !== null) run.pid = int(row.pid);
  if (text(row.command) !== undefined) run.command = text(row.command);
  if (text(row.job_key) !== undefined) run.jobKey = text(row.job_key);
  if (text(row.host) !== undefined) run.host = text(row.host);
  if (row.lease_at !== null && row.lease_at !== undefined) run.leaseAt = int(row.lease_at);
  return run;
}

function parseJson(store: Store, value: unknown, runId: string): unknown {
  try {
    return JSON.parse(String(value));
  } catch (cause) {
    throw new CheckpointError(`state file ${store.path}: run ${runId} has unreadable JSON`, { cause });
  }
}
