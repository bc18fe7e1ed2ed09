/**
 * What a source planner returns: one opened, validated source per vault, the source fingerprint and
 * the batch-deciding settings the ledger compares before it resumes a run. Each source kind has its
 * planner in its folder (`csv/plan.ts`, `snowflake/plan.ts`, `error_log/plan.ts`), listed in
 * `plan.ts`'s table.
 *
 * @module
 */
import type { VaultSource, VaultSpec } from "../common/types.ts";
import type { PipelineSettings, SourceSettings, VaultTarget } from "../config/settings.ts";
import type { CsvNotes } from "./csv/notes.ts";
import type { LegacyErrorLog } from "./error_log/mod.ts";

/** Ledger hooks a source can use to keep read state across resumes (the Snowflake query id). */
export interface SourceStateHooks {
  /** What an earlier attempt of this run stored, if anything. */
  state: unknown;
  /** Stores new state (committed at once). */
  save(state: unknown): void;
  /** Called when the source knows its row count (for progress and ETA). */
  total(rows: number): void;
  /** A line for the user (e.g. which resume path a Snowflake read took). */
  note(line: string): void;
}

/** One vault's source, opened and checked. */
export interface PlannedSource {
  /** The vault the source loads into. */
  spec: VaultSpec;
  /** Where the vault's records are read from (opened and checked; wrapped for the shard with `--shard`). */
  source: VaultSource;
  /** Files whose rows make up the source (for the row count shown as the total). */
  files: string[];
  /** CSV sources: where rows were skipped and blank rows facing non-empty ones (for the summary). */
  notes?: CsvNotes;
  /** Connects the source to the ledger run once it is chosen (sources with resumable read state). */
  attach?(hooks: SourceStateHooks): void;
}

/** What a load will read. */
export interface LoadPlan {
  /** One entry per selected vault, in the settings' order. */
  vaults: PlannedSource[];
  /** Source fingerprint: a change refuses a resume. */
  fingerprint: unknown;
  /** The settings that decide batch content: a change refuses a resume. */
  batchSettings: Record<string, unknown>;
  /** The legacy error log, for `--source error-log` (imported into the ledger as failed records). */
  errorLog?: LegacyErrorLog;
  /** Releases what the plan opened (the Snowflake session). */
  close?(): Promise<void>;
  /**
   * Compiles each vault's Snowflake query without running it; resolves to one error message per
   * vault whose query does not compile (Snowflake sources only).
   */
  explain?(): Promise<Map<string, string | undefined>>;
}

/** Options of {@linkcode planLoad}. */
export interface PlanOptions {
  /** Where the Snowflake driver's error log goes (the state file's directory). */
  logDir?: string;
}

/** The settings a planner reads: the source's own, the selected vaults and the record range. */
export type PlanSettings =
  & SourceSettings
  & Pick<VaultTarget, "vaults">
  & Pick<PipelineSettings, "batchSize" | "startRecord" | "maxRecords" | "appendSuffix">;

/**
 * Plans one source kind: opens and checks the source of every selected vault. `batchSettings`
 * holds the settings common to every kind; a planner adds its own (or narrows `vaults`).
 */
export type SourcePlanner = (
  settings: PlanSettings,
  batchSettings: Record<string, unknown>,
  options: PlanOptions,
) => Promise<LoadPlan>;
