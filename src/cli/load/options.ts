/**
 * The options of `byot load`. Commander only parses them: none has a commander default, because the
 * environment and the config file must be able to supply a value when a flag is absent (resolve
 * applies flags > environment > config > defaults). Numbers are parsed strictly here; ranges are
 * checked by resolve so every range message has the same shape.
 *
 * @module
 */
import { Command, type OptionValues } from "@commander-js/extra-typings";
import type { LoadFlags } from "../../config/load_flags.ts";
import { addVaultTargetOptions, intArg, longNamesOf, secondsArg } from "../shared/options.ts";

export type { LoadFlags } from "../../config/load_flags.ts";

/** Parses `--concurrency`: a positive integer or `auto`. */
function concurrencyArg(value: string): number | "auto" {
  return value.trim().toLowerCase() === "auto" ? "auto" : intArg("--concurrency")(value);
}

/**
 * Adds every `byot load` option to `cmd` and returns it with the options typed.
 *
 * @example
 * ```ts ignore
 * const load = addLoadOptions(new Command("load")).action((opts) => run(toLoadFlags(opts)));
 * ```
 *
 * @internal CLI wiring: its signature uses commander types, which are not documented here.
 */
export function addLoadOptions<
  Args extends unknown[],
  Opts extends OptionValues,
  Global extends OptionValues,
>(
  cmd: Command<Args, Opts, Global>,
): Command<Args, Opts & LoadOptionValues, Global> {
  return buildLoadOptions(cmd as unknown as Command) as unknown as Command<
    Args,
    Opts & LoadOptionValues,
    Global
  >;
}

/** The options of `byot load` as commander parses them: {@linkcode LoadFlags} without `suffixSeed`. */
export type LoadOptionValues = Omit<LoadFlags, "suffixSeed">;

/** Help headings of the load options; the source and range groups are what `failures retry` refuses. */
const GROUPS = {
  target: "Vault options:",
  source: "Source options:",
  range: "Record range options:",
  send: "Batching, pacing and retry options:",
} as const;

// Kept non-generic: chaining 30+ typed options on a generic command makes type checking explode.
function buildLoadOptions(cmd: Command) {
  return addVaultTargetOptions(cmd.optionsGroup(GROUPS.target))
    .option("--vault <names>", "configured vaults to load, comma-separated, any case (default: all)")
    .optionsGroup(GROUPS.source)
    .option("--source <kind>", "where records come from: csv, snowflake or error-log (default: csv)")
    .option("--data-dir <dir>", "directory of <column>_data.csv + <column>_tokens.csv (csv.data_directory)")
    .option("--file <file>", "one CSV with a value and a token column, for a single vault (csv.file)")
    .option("--value-column <name>", "header of the value column in --file (default: value)")
    .option("--token-column <name>", "header of the token column in --file (default: token)")
    .option("--error-log <file>", "reprocess the records of a legacy error-log JSON file")
    .option("--sf-user <user>", "Snowflake user ($SNOWFLAKE_USER)")
    .option(
      "--sf-password <password>",
      "Snowflake password (visible in the process list; prefer $SNOWFLAKE_PASSWORD)",
    )
    .option("--sf-authenticator <name>", "Snowflake authenticator")
    .option("--sf-account <account>", "Snowflake account identifier")
    .option("--sf-warehouse <name>", "Snowflake warehouse")
    .option("--sf-database <name>", "Snowflake database")
    .option("--sf-schema <name>", "Snowflake schema")
    .option("--sf-role <name>", "Snowflake role")
    .option("--sf-fetch-size <n>", "Snowflake rows per fetch", intArg("--sf-fetch-size"))
    .option(
      "--sf-query-mode <mode>",
      "Snowflake query mode: simple, union, generic or custom (default: simple)",
    )
    .option("--sf-access-url <url>", "Snowflake access URL")
    .option("--sf-table <table>", "Snowflake simple-mode table (default: ELEVANCE.PUBLIC.PATIENTS)")
    .option("--sf-clm-table <table>", "Snowflake generic-mode CLM table (default: CLM)")
    .option("--sf-mbr-table <table>", "Snowflake generic-mode MBR table (default: MBR)")
    .optionsGroup(GROUPS.range)
    .option("--max-records <n>", "rows to process per vault, 0 = all (default: 0)", intArg("--max-records"))
    .option(
      "--start-record <n>",
      "rows to skip at the start of each source (default: 0)",
      intArg("--start-record"),
    )
    .option(
      "--end-record <n>",
      "exclusive end row (legacy; = --max-records end-start)",
      intArg("--end-record"),
    )
    .optionsGroup(GROUPS.send)
    .option(
      "--batch-size <n>",
      "records per request (default: 25, the vault's guidance of up to 25 records per insert; the Go " +
        "loader's README said 300)",
      intArg("--batch-size"),
    )
    .option(
      "--concurrency <n|auto>",
      "requests in flight per vault, or auto to adapt to the vault up to --concurrency-max (default: auto)",
      concurrencyArg,
    )
    .option(
      "--concurrency-max <n>",
      "ceiling for --concurrency auto, the default (default: 64, or performance.max_concurrency)",
      intArg("--concurrency-max"),
    )
    .option(
      "--max-rps <n>",
      "requests per second per vault, shared by its workers (default: no cap)",
      intArg("--max-rps"),
    )
    .option(
      "--shard <i/n|auto>",
      "load only shard i of n (0-based, e.g. 0/8); auto: index from JOB_COMPLETION_INDEX or " +
        "AWS_BATCH_JOB_ARRAY_INDEX, count from BYOT_SHARD_COUNT ($BYOT_SHARD)",
    )
    .option("--upsert", "update values that already exist instead of failing (performance.upsert)")
    .option("--no-upsert", "do not upsert, even if the config says so")
    .option("--append-suffix", "append a per-run suffix to values and tokens, for test loads")
    .option("--no-append-suffix", "do not append a suffix, even if the config says so")
    .option(
      "--base-delay-ms <ms>",
      "pause before each request of each worker (default: 0)",
      intArg("--base-delay-ms"),
    )
    .option("--continue-on-error", "use the batch endpoint so one bad record does not fail its batch")
    .option("--no-continue-on-error", "do not continue on error, even if the config says so")
    .option("--byot-mode <mode>", "DISABLE, ENABLE or ENABLE_STRICT (default: ENABLE)")
    .option(
      "--max-attempts <n>",
      "attempts per request on transient errors (default: 8)",
      intArg("--max-attempts"),
    )
    .option("--timeout-ms <ms>", "per-request timeout (default: 60000)", intArg("--timeout-ms"))
    .optionsGroup("Options:")
    .option("--detach", "run in the background: output to byot-<run>-<time>.log, pid file, survives logout")
    .option("--offline", "legacy name of --detach")
    .option("--clear", "legacy flag: clearing is now its own command, byot clear")
    .option("--json", "print a machine-readable summary on stdout")
    .option(
      "--metrics-addr <host:port>",
      "serve Prometheus metrics at http://HOST:PORT/metrics during the run ($BYOT_METRICS_ADDR, metrics.addr)",
    )
    .option(
      "--sample-interval <s>",
      "seconds between the per-vault samples kept for byot report (default: 10)",
      secondsArg("--sample-interval"),
    );
}

// Compile-time proof that commander's parsed options fit LoadFlags and that every flag has an option.
type Inferred = ReturnType<ReturnType<typeof buildLoadOptions>["opts"]>;
const _inferredFitsFlags: [Inferred] extends [LoadOptionValues] ? true : never = true;
const _everyFlagHasOption: [keyof LoadOptionValues] extends [keyof Inferred] ? true : never = true;

/**
 * Long names (without `--`) of every `byot load` option, plus `help`: pass them to
 * `normalizeLegacyArgv` so the Go loader's `-source csv` style keeps working.
 */
export const LOAD_LONG_NAMES: readonly string[] = longNamesOf(buildLoadOptions(new Command()));

/** A load option as a flag (`--data-dir`) and its key in {@linkcode LoadFlags} (`dataDir`). */
export interface LoadOptionName {
  /** The long flag, with `--`. */
  flag: string;
  /** The key in {@linkcode LoadFlags}. */
  key: keyof LoadFlags;
}

const LOAD_OPTION_NAMES: readonly (LoadOptionName & { group?: string })[] = buildLoadOptions(new Command())
  .options.map((o) => ({
    flag: o.long!,
    key: o.attributeName() as keyof LoadFlags,
    group: o.helpGroupHeading,
  }));

/** The options that choose or shape a source, and those that pick a range of its records. */
export const SOURCE_OPTION_NAMES: readonly LoadOptionName[] = LOAD_OPTION_NAMES
  .filter((o) => o.group === GROUPS.source || o.group === GROUPS.range)
  .map(({ flag, key }) => ({ flag, key }));

/** Every key of {@linkcode LoadFlags} that has an option (`offline` maps onto `detach`). */
const FLAG_KEYS: readonly string[] = [...new Set(LOAD_OPTION_NAMES.map((n) => n.key as string))]
  .filter((key) => key !== "offline");

/**
 * Copies the `byot load` options out of commander's parsed options, leaving out those not given
 * (and any option that is not a load flag, such as a global one).
 *
 * @example
 * ```ts
 * toLoadFlags({ batchSize: 50, upsert: undefined }); // { batchSize: 50 }
 * ```
 *
 * @internal CLI wiring: its signature uses commander types, which are not documented here.
 */
export function toLoadFlags(opts: OptionValues): LoadFlags {
  const flags: Record<string, unknown> = {};
  for (const key of FLAG_KEYS) if (opts[key] !== undefined) flags[key] = opts[key];
  if (opts.offline === true) flags.detach = true;
  return flags as LoadFlags;
}
