/**
 * Resolves the Snowflake settings: `--sf-<field>` > `SNOWFLAKE_<FIELD>` > config `snowflake.<field>`.
 * Key-pair and token auth (`private_key_path`, `private_key_passphrase`, `token`) have no flags
 * (secrets stay out of argv). Snowflake keys byot does not know stay in `ConfigFile.snowflake.raw`.
 *
 * @module
 */
import type { Io } from "../common/io.ts";
import type { ConfigFile } from "./config_file.ts";
import type { LoadFlags } from "./load_flags.ts";
import type { SnowflakeSettings } from "./settings.ts";
import { checkInt, envInt, envString, first } from "./rules.ts";

/** Printed when the Snowflake password is passed on the command line. */
export const SF_PASSWORD_FLAG_WARNING =
  "warning: --sf-password is visible to other users in the process list; prefer SNOWFLAKE_PASSWORD\n";

const STRING_FIELDS = [
  ["user", "sfUser", "SNOWFLAKE_USER"],
  ["password", "sfPassword", "SNOWFLAKE_PASSWORD"],
  ["authenticator", "sfAuthenticator", "SNOWFLAKE_AUTHENTICATOR"],
  ["account", "sfAccount", "SNOWFLAKE_ACCOUNT"],
  ["warehouse", "sfWarehouse", "SNOWFLAKE_WAREHOUSE"],
  ["database", "sfDatabase", "SNOWFLAKE_DATABASE"],
  ["schema", "sfSchema", "SNOWFLAKE_SCHEMA"],
  ["role", "sfRole", "SNOWFLAKE_ROLE"],
  ["queryMode", "sfQueryMode", "SNOWFLAKE_QUERY_MODE"],
  ["accessUrl", "sfAccessUrl", "SNOWFLAKE_ACCESS_URL"],
  ["privateKeyPath", undefined, "SNOWFLAKE_PRIVATE_KEY_PATH"],
  ["privateKeyPassphrase", undefined, "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"],
  ["token", undefined, "SNOWFLAKE_TOKEN"],
] as const;

/**
 * Merges the Snowflake settings. Fields with no value anywhere are left out. Prints one warning on
 * stderr when `--sf-password` was given.
 *
 * @throws {ConfigError} when the fetch size is not a non-negative integer.
 * @example
 * ```ts
 * resolveSnowflake({ sfAccount: "acme" }, io, config).account; // "acme"
 * ```
 */
export function resolveSnowflake(flags: LoadFlags, io: Io, config: ConfigFile): SnowflakeSettings {
  if (flags.sfPassword !== undefined) io.stderr.write(SF_PASSWORD_FLAG_WARNING);
  const sf = config.snowflake;
  const out: SnowflakeSettings = {};
  for (const [field, flag, env] of STRING_FIELDS) {
    const value = (flag && flags[flag]) ?? envString(io, env) ?? (sf[field] || undefined);
    if (value !== undefined) out[field] = value;
  }
  const fetch = first(
    [flags.sfFetchSize, "--sf-fetch-size"],
    [envInt(io, "SNOWFLAKE_FETCH_SIZE"), "SNOWFLAKE_FETCH_SIZE"],
    [sf.fetchSize, `${config.path}: snowflake.fetch_size`],
  );
  if (fetch) {
    checkInt(fetch.value, fetch.label, "non-negative");
    out.fetchSize = fetch.value;
  }
  return out;
}
