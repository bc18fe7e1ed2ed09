/**
 * The legacy error log's planner (`--source error-log`): reads the log and serves its records to the
 * vault it names, which must be among the selected vaults.
 *
 * @module
 */
import { ConfigError } from "../../common/errors.ts";
import type { LoadPlan, PlanSettings } from "../planner.ts";
import { errorLogFingerprint, errorLogSource, readLegacyErrorLog } from "./mod.ts";

/** Plans a `--source error-log` load: the log's records, for the one vault it was written for. */
export async function planErrorLog(
  settings: PlanSettings,
  batchSettings: Record<string, unknown>,
): Promise<LoadPlan> {
  const log = await readLegacyErrorLog(settings.errorLog!);
  const spec = settings.vaults.find((v) => v.name.toLowerCase() === log.vaultName.toLowerCase());
  if (!spec) {
    const names = settings.vaults.map((v) => v.name).join(", ");
    throw new ConfigError(
      `${settings.errorLog}: its vault "${log.vaultName}" is not among the selected vaults (${names})`,
    );
  }
  batchSettings.vaults = [{ name: spec.name, id: spec.id, table: spec.table, column: spec.column }];
  batchSettings.errorLog = settings.errorLog; // part of the job's identity: another log is another job
  return {
    vaults: [{ spec, source: errorLogSource(log), files: [] }],
    fingerprint: errorLogFingerprint(log),
    batchSettings,
    errorLog: log,
  };
}
