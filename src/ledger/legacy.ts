/**
 * Glue between the ledger and the legacy error-log format: `byot failures export` (JSON in the Go
 * loader's shape, or CSV; one file per vault) and `--source error-log` (a legacy log imported as
 * failed records of a run).
 *
 * @module
 */
import type { VaultSpec } from "../common/types.ts";
import {
  failuresCsvName,
  type LegacyErrorLog,
  localOffset,
  type UtcOffset,
  writeLegacyErrorLog,
  type WrittenErrorLog,
} from "../sources/error_log/mod.ts";
import { writeFailuresCsv } from "./export_csv.ts";
import type { Ledger } from "./ledger.ts";

/** Options of {@linkcode exportFailures}. */
export interface ExportFailuresOptions {
  /** `json`: the legacy error-log shape; `csv`: `value,token,status,message,request_id`. */
  format: "json" | "csv";
  /** Vaults to export (name, id and column fill the legacy header). */
  vaults: Pick<VaultSpec, "name" | "id" | "column">[];
  /** Only this run. @default every run */
  runId?: string;
  /** Also export failures a retry resolved. @default false */
  includeResolved?: boolean;
  /** Output directory. @default "." */
  dir?: string;
  /** Time in file names and the log header, ms since the epoch. @default Date.now() */
  now?: number;
  /** Offset of the timestamps and file names. @default the local zone */
  utcOffset?: UtcOffset;
}

/** One written export file. */
export interface ExportedFile {
  /** Vault name (`VaultSpec.name`). */
  vault: string;
  /** Path of the written file. */
  path: string;
  /** Records written. */
  records: number;
}

/**
 * Writes one file per vault that has failures (`error_log_<VAULT>_<ts>.json` or
 * `failures_<VAULT>_<ts>.csv`, mode 0600); vaults without failures get no file. Purged failures are
 * never exported.
 */
export function exportFailures(ledger: Ledger, o: ExportFailuresOptions): ExportedFile[] {
  const now = o.now ?? Date.now();
  const dir = o.dir ?? ".";
  const files: ExportedFile[] = [];
  for (const vault of o.vaults) {
    const filter = { runId: o.runId, vault: vault.name, includeResolved: o.includeResolved ?? false };
    if (ledger.countFailures(filter).total === 0) continue;
    if (o.format === "json") {
      const written: WrittenErrorLog = writeLegacyErrorLog({
        vaultName: vault.name,
        vaultId: vault.id,
        column: vault.column,
        entries: () => ledger.failureGroups(filter),
        dir,
        now,
        utcOffset: o.utcOffset,
      });
      files.push({ vault: vault.name, path: written.path, records: written.failedRecords });
    } else {
      const offset = typeof o.utcOffset === "number" ? o.utcOffset : (o.utcOffset ?? localOffset)(now);
      const path = `${dir.replace(/\/$/, "")}/${failuresCsvName(vault.name, now, offset)}`;
      const rows = (function* () {
        for (const f of ledger.eachFailure(filter)) {
          yield {
            value: f.value ?? "",
            token: f.token ?? "",
            status: f.statusCode,
            message: f.message,
            requestId: f.requestId,
          };
        }
      })();
      files.push({ vault: vault.name, path, records: writeFailuresCsv({ path, rows }) });
    }
  }
  return files;
}

/**
 * Stores every record of a legacy error log as a failed record of `runId` under `vault` (default:
 * the log's `vault_name`), at its file position, with the entry's batch number, status, message
 * and timestamp. Reprocess it with `errorLogSource(log)` and a sink with `resolveSucceeded`.
 * Returns how many records were stored.
 */
export function importLegacyErrorLog(
  ledger: Ledger,
  runId: string,
  log: LegacyErrorLog,
  vault?: string,
): number {
  return ledger.recordFailures(
    runId,
    vault ?? log.vaultName,
    log.records.map((r) => ({
      position: r.position,
      batchSeq: r.batchNumber,
      value: r.value,
      token: r.token,
      statusCode: r.statusCode,
      message: r.error,
      retryable: r.statusCode === 0 || r.statusCode === 429 || r.statusCode >= 500,
      attempts: 1,
      at: r.timestamp ?? log.timestamp,
    })),
  );
}
