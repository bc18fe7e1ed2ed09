/**
 * Resolves the Snowflake settings: `--sf-<field>` > `SNOWFLAKE_<FIELD>` > config `snowflake.<field>`.
 * Key-pair and token auth (`private_key_path`, `private_key_passphrase`, `token`) have no flags
 * (secrets stay out of argv). Snowflake keys byot does not know stay in `ConfigFile.snowflake.raw`.
 *
 * @module
 */
import { ConfigError } from "../common/errors.ts";
import type { Io } from "../common/io.ts";
import { readLineFromStdin } from "../common/prompt.ts";
import { promptHidden, type PromptSecret } from "./secrets.ts";
import type { ConfigFile } from "./config_file.ts";
import type { LoadFlags } from "./load_flags.ts";
import type { SnowflakeSettings } from "./settings.ts";
import { checkInt, envInt, envString, first } from "./rules.ts";
import { resolveSnowflakeQueries } from "./snowflake_queries.ts";

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
 * ```ts ignore
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
  resolveSnowflakeQueries(sf.raw, flags, config.path, out);
  return out;
}

/** The legacy loader's Snowflake default when no limit is given (kept, and said on screen). */
export const SNOWFLAKE_DEFAULT_MAX_RECORDS = 100;

/** How a connection to Snowflake authenticates, for messages (never a secret). */
export type AuthMethod = "password" | "programmatic_access_token" | "key_pair";

/**
 * The auth method `snowflake.authenticator` selects (trimmed, any case; empty = password).
 *
 * @example
 * ```ts
 * authMethodOf({ authenticator: " snowflake_jwt " }); // "key_pair"
 * ```
 *
 * @throws {ConfigError} for an authenticator byot does not support.
 */
export function authMethodOf(sf: SnowflakeSettings): AuthMethod {
  const name = (sf.authenticator ?? "").trim().toUpperCase();
  if (name === "" || name === "SNOWFLAKE") return "password";
  if (name === "PROGRAMMATIC_ACCESS_TOKEN") return "programmatic_access_token";
  if (name === "SNOWFLAKE_JWT") return "key_pair";
  throw new ConfigError(
    `unknown Snowflake authenticator "${sf.authenticator}": use snowflake, programmatic_access_token or SNOWFLAKE_JWT`,
  );
}

/** The programmatic access token: `token`, else the password fields (Snowflake takes one there too). */
export function snowflakeAccessToken(sf: SnowflakeSettings): string | undefined {
  return sf.token || sf.password || undefined;
}

/**
 * Fills in a missing Snowflake user and secret with prompts on a terminal; off a terminal a missing
 * one is a {@linkcode ConfigError} saying where to put it.
 */
export async function completeSnowflakeLogin(
  sf: SnowflakeSettings,
  io: Io,
  promptSecret: PromptSecret | undefined,
  promptLine: ((label: string) => Promise<string>) | undefined,
): Promise<void> {
  const hidden = promptSecret ?? promptHidden;
  const line = promptLine ?? ((label: string) => readLineFromStdin(label, io.stderr));
  if (!sf.user && io.stdinIsTerminal) sf.user = (await line("Snowflake username: ")).trim() || undefined;
  if (!sf.user) {
    throw new ConfigError("no Snowflake user: pass --sf-user, set SNOWFLAKE_USER or snowflake.user");
  }
  const method = authMethodOf(sf);
  if (method === "password") {
    if (!sf.password && io.stdinIsTerminal) {
      sf.password = (await hidden("Snowflake password: ")).trim() || undefined;
    }
    if (!sf.password) {
      throw new ConfigError(
        "no Snowflake password: set SNOWFLAKE_PASSWORD or snowflake.password (or use key-pair auth)",
      );
    }
  } else if (method === "programmatic_access_token") {
    if (!snowflakeAccessToken(sf) && io.stdinIsTerminal) {
      sf.token = (await hidden("Snowflake programmatic access token: ")).trim() || undefined;
    }
    if (!snowflakeAccessToken(sf)) {
      throw new ConfigError("no Snowflake programmatic access token: set SNOWFLAKE_TOKEN or snowflake.token");
    }
  } else if (!sf.privateKeyPath) {
    throw new ConfigError(
      "SNOWFLAKE_JWT needs a private key: set snowflake.private_key_path or SNOWFLAKE_PRIVATE_KEY_PATH",
    );
  }
}
