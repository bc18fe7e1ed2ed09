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
