/**
 * The state file's path for every command (`--state`, else `$BYOT_STATE`, else `./byot-state.db`),
 * and opening it for the commands that read it (`byot status`, `byot failures …`): a missing file
 * is a usage error; reading never creates one. Also run selection by id, and vault selection by name.
 *
 * @module
 */
import type { Clock } from "../../common/clock.ts";
import { ConfigError } from "../../common/errors.ts";
import type { Io } from "../../common/io.ts";
import { splitNames } from "../../config/vault_selection.ts";
import { DEFAULT_STATE_FILE, Ledger, type RunInfo } from "../../ledger/mod.ts";

/**
 * The state file of every command: `--state FILE`, else `$BYOT_STATE`, else `byot-state.db`
 * ({@linkcode DEFAULT_STATE_FILE}). An empty flag or variable counts as not given, so `load` and the
 * commands that read its ledger always agree on the file.
 *
 * @example
 * ```ts
 * import { resolveStatePath } from "./state_file.ts";
 *
 * resolveStatePath("", { env: () => "" }); // "byot-state.db"
 * ```
 */
export function resolveStatePath(flag: string | undefined, io: Pick<Io, "env">): string {
  return flag || io.env("BYOT_STATE") || DEFAULT_STATE_FILE;
}

/** Options of {@linkcode openStateFile}. */
export interface OpenStateFileOptions {
  /** Time source for the ledger's timestamps. @default systemClock */
  clock?: Clock;
  /**
   * Open for reading only (`status`, `failures list`, `failures export`): works on a read-only copy
   * and never creates, migrates or chmods. @default false
   */
  readOnly?: boolean;
}

/**
 * Opens an existing state file (`readOnly`: without writing to it, for reports while a load runs).
 *
 * @throws {ConfigError} (exit 2) when there is no file at `path` (it is never created here).
 * @throws {CheckpointError} (exit 2) when it is not a byot state file; (exit 1) when it is damaged.
 */
export function openStateFile(path: string, options: OpenStateFileOptions = {}): Ledger {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ConfigError(`no state file at ${path}: run byot load first`, { cause: error });
    }
    const detail = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`cannot read state file ${path}: ${detail}`, { cause: error });
  }
  if (!info.isFile) throw new ConfigError(`state file ${path} is not a file`);
  return Ledger.open(path, { clock: options.clock, readOnly: options.readOnly });
}

/**
 * The run with id `id`.
 *
 * @throws {ConfigError} (exit 2) naming the newest runs when there is no such run.
 */
export function requireRun(ledger: Ledger, id: string): RunInfo {
  const run = ledger.getRun(id);
  if (run) return run;
  const known = ledger.listRuns(5).map((r) => r.id);
  const hint = known.length ? ` (newest: ${known.join(", ")})` : " (it holds no runs)";
  throw new ConfigError(`no run ${id} in ${ledger.path}${hint}`);
}

/**
 * The names among `names` that `selection` (`--vault`, comma-separated, any case) picks; all of
 * them when `selection` is undefined.
 *
 * @example
 * ```ts
 * pickVaults(["NAME", "SSN"], "ssn"); // ["SSN"]
 * ```
 */
export function pickVaults(names: readonly string[], selection: string | undefined): string[] {
  if (selection === undefined) return [...names];
  const wanted = new Set(splitNames(selection).map((s) => s.toLowerCase()));
  return names.filter((n) => wanted.has(n.toLowerCase()));
}

/** ms since the epoch as `yyyy-mm-dd hh:mm:ss UTC`. */
export function utcTime(ms: number): string {
  return `${new Date(ms).toISOString().replace("T", " ").slice(0, 19)} UTC`;
}
