/**
 * The exit code of a run of the pipeline (`byot load`, `byot failures retry`), from how it ended.
 *
 * @module
 */
import { ExitCode, exitCodeOf, InterruptedError } from "../../common/errors.ts";
import type { LoadEnd } from "../../pipeline/load.ts";

/**
 * A fatal error's own code (2 for bad credentials, 75 for an unavailable vault, ...); 130/143 when
 * a signal stopped the run; 75 when records are unsettled (transient retries ran out: the same
 * command settles them); 3 when records failed; else 0.
 */
export function runExitCode(
  end: LoadEnd,
  signal: "SIGINT" | "SIGTERM" | undefined,
  failed: number,
  unsettled = 0,
): number {
  const interrupted = end.interrupted || end.fatal instanceof InterruptedError;
  if (end.fatal !== undefined && !(end.fatal instanceof InterruptedError)) return exitCodeOf(end.fatal);
  if (interrupted) return signal === "SIGTERM" ? ExitCode.terminated : ExitCode.interrupted;
  if (unsettled > 0) return ExitCode.tempFail;
  return failed > 0 ? ExitCode.someFailed : ExitCode.ok;
}

/** Options of {@linkcode settleLedger}. */
export interface SettleOptions {
  /** Frees disk space after a failed write; true when one more try is worth it (`Ledger.relieveFullDisk`). */
  relieve?: (error: unknown) => boolean;
  /** Called when the write failed for good with a transient error. */
  onTransient?: () => void;
}

/**
 * Runs a ledger write after the pipeline ended. A transient failure (exit 75: disk full, read-only
 * media) becomes the run's fatal error if it had none, so the load still prints its summary, its
 * `--json` document and the resume line; any other error is a bug and is thrown. On a full disk the
 * write is tried once more after `relieve` freed space.
 */
export function settleLedger(write: () => void, end: LoadEnd, options: SettleOptions = {}): void {
  try {
    write();
  } catch (error) {
    if (exitCodeOf(error) !== ExitCode.tempFail) throw error;
    if (end.fatal === undefined || end.fatal instanceof InterruptedError) end.fatal = error;
    if (options.relieve?.(error)) {
      try {
        return write();
      } catch (again) {
        if (exitCodeOf(again) !== ExitCode.tempFail) throw again;
      }
    }
    options.onTransient?.();
  }
}
