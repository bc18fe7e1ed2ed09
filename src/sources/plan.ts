/**
 * From resolved settings to a load plan: one opened, validated source per vault, the source
 * fingerprint and the batch-deciding settings the ledger compares before it resumes a run.
 *
 * Adding a source kind: a `sources/<kind>/` folder with its source and a planner, a row in
 * {@linkcode PLANNERS}, its settings in `config/source_settings.ts` and its flags in
 * `config/load_flags.ts` + `cli/load/options.ts`.
 *
 * @module
 */
import type { SourceKind } from "../config/settings.ts";
import { formatShard } from "../config/shard.ts";
import { planCsv } from "./csv/plan.ts";
import { planErrorLog } from "./error_log/plan.ts";
import type { LoadPlan, PlanOptions, PlanSettings, SourcePlanner } from "./planner.ts";
import { planSnowflake } from "./snowflake/plan.ts";

export type {
  LoadPlan,
  PlannedSource,
  PlanOptions,
  PlanSettings,
  SourcePlanner,
  SourceStateHooks,
} from "./planner.ts";

/** The planner of every source kind: the one table a new source is added to. */
export const PLANNERS: Readonly<Record<SourceKind, SourcePlanner>> = {
  csv: planCsv,
  snowflake: planSnowflake,
  "error-log": planErrorLog,
};

/**
 * Opens the sources of every selected vault and checks them (files exist, headers hold the
 * expected columns) before anything is sent.
 *
 * @throws {ConfigError | SourceError} (exit 2) with one line naming the problem.
 */
export async function planLoad(settings: PlanSettings, options: PlanOptions = {}): Promise<LoadPlan> {
  const batchSettings: Record<string, unknown> = {
    source: settings.source,
    batchSize: settings.batchSize,
    startRecord: settings.startRecord,
    maxRecords: settings.maxRecords,
    appendSuffix: settings.appendSuffix,
    vaults: settings.vaults.map((v) => ({ name: v.name, id: v.id, table: v.table, column: v.column })),
  };
  if (settings.shard) batchSettings.shard = formatShard(settings.shard);
  return await PLANNERS[settings.source](settings, batchSettings, options);
}
