/**
 * The checkpoint ledger: runs, batch states, failed records, resume points and fingerprints, in an
 * embedded SQLite file.
 *
 * @example
 * ```ts ignore
 * import { checkResumable, Ledger } from "./mod.ts";
 * const ledger = Ledger.open("byot-state.db");
 * const run = ledger.latestUnfinishedRun("csv");
 * if (run) checkResumable(run, fingerprint, settings); // throws SourceError (exit 2) on a change
 * ```
 *
 * @module
 */
export { DEFAULT_STATE_FILE, Ledger, type LedgerOptions } from "./ledger.ts";
export { LedgerSink, type LedgerSinkOptions } from "./sink.ts";
export type { CreateRunInput, RunInfo, RunStatus, RunVault } from "./runs.ts";
export { newRunId } from "./runs.ts";
export {
  type ClaimantInfo,
  type ClaimInput,
  type ClaimResult,
  describeHolder,
  jobKeyOf,
  LEASE_RENEW_MS,
  LEASE_TTL_MS,
  loaderAlive,
  runIsLive,
} from "./jobs.ts";
export type { ResumePoint, SettledCounts, VaultSummary } from "./resume.ts";
export { type BatchSample, KEEP_BELOW, type ResumeSampleOptions, SAMPLE_EVERY } from "./settled.ts";
export type {
  FailureCounts,
  FailureFilter,
  FailureGroup,
  FailureInput,
  FailureVerdict,
  ListFailuresOptions,
  StoredFailure,
} from "./failures.ts";
export type { FailuresRetrySourceOptions } from "./retry_source.ts";
export { RunCoverage } from "./run_coverage.ts";
export {
  checkResumable,
  firstDifference,
  humanPath,
  isSecretKey,
  type JsonDifference,
  type JsonPath,
  type ResumableRun,
  stripSecrets,
} from "./fingerprint.ts";
export { type FailureCsvRow, writeFailuresCsv, type WriteFailuresCsvOptions } from "./export_csv.ts";
export { writePrivateFile } from "../common/private_file.ts";
export {
  type ExportedFile,
  exportFailures,
  type ExportFailuresOptions,
  importLegacyErrorLog,
} from "./legacy.ts";
export { APPLICATION_ID, type BatchStatus, SCHEMA_VERSION, TERMINAL_STATUSES } from "./schema.ts";
export { type LedgerFsMode, ledgerFsMode, type LedgerFsModeOptions } from "./filesystem.ts";
