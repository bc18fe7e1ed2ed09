/**
 * Option parsing every command shares.
 *
 * @module
 */
import type { Command, OptionValues } from "@commander-js/extra-typings";
import { ConfigError } from "../../common/errors.ts";
import { parseIntStrict, quote } from "../../config/rules.ts";

/**
 * A commander argument parser for an integer flag. Throws a {@linkcode ConfigError} (exit code 2),
 * which commander lets through unchanged: `--batch-size must be an integer (got "12x")`.
 *
 * @example
 * ```ts
 * import { intArg } from "./options.ts";
 *
 * intArg("--batch-size")("25"); // 25
 * ```
 */
export function intArg(flag: string): (value: string) => number {
  return (value) => {
    const n = parseIntStrict(value.trim());
    if (n === undefined) throw new ConfigError(`${flag} must be an integer (got ${quote(value)})`);
    return n;
  };
}

/** A commander argument parser for a number of seconds (ranges are checked by resolve). */
export function secondsArg(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value.trim());
    if (value.trim() === "" || !Number.isFinite(n)) {
      throw new ConfigError(`${flag} must be a number of seconds (got ${quote(value)})`);
    }
    return n;
  };
}

/** Help of `--state`, the same for every command that opens the state file. */
const STATE_HELP = "checkpoint ledger (SQLite; default: $BYOT_STATE, else ./byot-state.db)";

/** Help of `--config`, the same for every command that reads the config file. */
const CONFIG_HELP = "config file (default: $BYOT_CONFIG, else config.json)";

/**
 * Adds the options of every command that talks to a vault, declared once: `--config`,
 * `--vault-url`, `--token-file`, `--token`, `--credentials`, `--role`. They resolve through the same
 * layers everywhere (`config/vault_target.ts`, `config/secrets.ts`).
 *
 * @internal CLI wiring: its signature uses commander types, which are not documented here.
 */
export function addVaultTargetOptions<
  Args extends unknown[],
  Opts extends OptionValues,
  Global extends OptionValues,
>(cmd: Command<Args, Opts, Global>) {
  return cmd
    .option("--config <file>", CONFIG_HELP)
    .option("--vault-url <url>", "vault API base URL ($SKYFLOW_VAULT_URL, skyflow.vault_url)")
    .option("--token-file <file>", "file holding the bearer token (preferred to --token)")
    .option("--token <token>", "bearer token (visible in the process list; prefer --token-file)")
    .option("--credentials <file>", "Skyflow service-account credentials.json ($SKYFLOW_CREDENTIALS)")
    .option("--role <ids>", "scope service-account tokens to these role ids, comma-separated");
}

/**
 * Adds `--state` as every command that opens the state file declares it.
 *
 * @internal CLI wiring: its signature uses commander types, which are not documented here.
 */
export function addStateOption<
  Args extends unknown[],
  Opts extends OptionValues,
  Global extends OptionValues,
>(cmd: Command<Args, Opts, Global>) {
  return cmd.option("--state <file>", STATE_HELP);
}

/**
 * Adds the options of a command that only reads the state file: `--state`, and `--config`, which it
 * accepts so a load's command line can be reused, but does not read (the state file holds all it needs).
 *
 * @internal CLI wiring: its signature uses commander types, which are not documented here.
 */
export function addLedgerOptions<
  Args extends unknown[],
  Opts extends OptionValues,
  Global extends OptionValues,
>(cmd: Command<Args, Opts, Global>) {
  return addStateOption(cmd).option(
    "--config <file>",
    "accepted like byot load's, but not read: the state file holds what this command shows",
  );
}

/**
 * The long names (without `--`) of `cmd`'s options, plus `help`: what `normalizeLegacyArgv` needs
 * so the Go loader's single-dash spellings (`-source csv`) keep working.
 *
 * @internal CLI wiring: its signature uses commander types, which are not documented here.
 */
export function longNamesOf(cmd: Command): string[] {
  return [...cmd.options.map((o) => o.long!.replace(/^--/, "")), "help"];
}
