/**
 * `byot failures export --format json|csv [--vault V] [--run ID] [--out DIR]`: writes the failed
 * records still failing, one file per vault, into the directory `--out` (created if missing;
 * default: the working directory), mode 0600:
 * - `json`: the legacy Go loader's error log, byte for byte its shape
 *   (`error_log_<VAULT>_<yyyymmdd_hhmmss>.json`), so existing tooling and `--error-log` read it;
 * - `csv`: `failures_<VAULT>_<yyyymmdd_hhmmss>.csv` with `value,token,status,message,request_id`.
 * Prints each written path on stdout. Purged and resolved records are not exported.
 *
 * @module
 */
import { type Clock, systemClock } from "../../common/clock.ts";
import { ConfigError, ExitCode } from "../../common/errors.ts";
import type { Io } from "../../common/io.ts";
import { exportFailures, type Ledger, type RunInfo } from "../../ledger/mod.ts";
import { formatInt } from "../../report/format.ts";
import { openStateFile, pickVaults, requireRun, resolveStatePath } from "../shared/state_file.ts";

/** Flags of `byot failures export`. */
export interface ExportFlags {
  /** `--state FILE`. @default $BYOT_STATE, else ./byot-state.db */
  state?: string;
  /** `--format json|csv` (required). */
  format?: string;
  /** `--run ID`. @default every run */
  run?: string;
  /** `--vault NAME[,NAME]`, any case. @default every vault */
  vault?: string;
  /** `--out DIR`: directory of the files. @default "." */
  out?: string;
}

/** Runs `byot failures export`; returns the exit code (0). User errors are thrown. */
export function runFailuresExport(flags: ExportFlags, io: Io, deps: { clock?: Clock } = {}): number {
  if (flags.format === undefined) throw new ConfigError("--format json|csv is required");
  const format = flags.format.trim().toLowerCase();
  if (format !== "json" && format !== "csv") {
    throw new ConfigError(`--format must be json or csv (got ${JSON.stringify(flags.format)})`);
  }
  const clock = deps.clock ?? systemClock;
  const ledger = openStateFile(resolveStatePath(flags.state, io), { clock, readOnly: true });
  try {
    if (flags.run !== undefined) requireRun(ledger, flags.run);
    const groups = ledger.countFailures({ runId: flags.run }).byRunVault;
    const names = pickVaults([...new Set(groups.map((g) => g.vault))], flags.vault);
    if (names.length === 0) {
      io.stderr.write(`no failed records to export in ${ledger.path}\n`);
      return ExitCode.ok;
    }
    const dir = flags.out ?? ".";
    ensureDirectory(dir);
    const specs = vaultSpecs(ledger, groups.map((g) => g.runId), names);
    const files = exportFailures(ledger, { format, vaults: specs, runId: flags.run, dir, now: clock.now() });
    for (const file of files) {
      io.stdout.write(`${file.path}\n`);
      io.stderr.write(`exported ${formatInt(file.records)} failed records of vault ${file.vault}\n`);
    }
    if (files.length === 0) io.stderr.write(`no failed records to export in ${ledger.path}\n`);
    return ExitCode.ok;
  } finally {
    ledger.close();
  }
}

/** Creates `dir` (mode 0700) when missing. @throws {ConfigError} when it is not a directory. */
function ensureDirectory(dir: string): void {
  try {
    if (!Deno.statSync(dir).isDirectory) throw new ConfigError(`--out ${dir} is not a directory`);
    return;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      if (error instanceof ConfigError) throw error;
      throw new ConfigError(`--out ${dir}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  try {
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new ConfigError(
      `--out ${dir}: cannot create it: ${error instanceof Error ? error.message : error}`,
    );
  }
}

/** Id and column of each vault, as the newest run holding it recorded them (legacy log header). */
function vaultSpecs(ledger: Ledger, runIds: string[], names: string[]) {
  const runs = [...new Set(runIds)].map((id) => ledger.getRun(id)).filter((r): r is RunInfo => !!r)
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  return names.map((name) => {
    const spec = runs.flatMap((r) => r.vaults).find((v) => v.name === name);
    return { name, id: spec?.id ?? "", column: spec?.column ?? "" };
  });
}
