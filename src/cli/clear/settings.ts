/**
 * What `byot clear` needs from the configuration: the vault target (URL, selected vaults, retry
 * settings) and the credentials, resolved by the same layers as `byot load` (flags > environment >
 * config file > defaults); a clear reads no source, so no source setting is resolved.
 *
 * The non-secret part ({@linkcode resolveClearTarget}) is separate from the credentials
 * ({@linkcode clearTokenProvider}) so the sandbox check can refuse before a token is prompted for.
 *
 * @module
 */
import type { Clock } from "../../common/clock.ts";
import type { Io } from "../../common/io.ts";
import type { ConfigFile, ReadTextFile } from "../../config/config_file.ts";
import { loadConfig } from "../../config/resolve.ts";
import { type PromptSecret, resolveVaultAuth } from "../../config/secrets.ts";
import type { VaultTarget } from "../../config/settings.ts";
import { resolveVaultTarget } from "../../config/vault_target.ts";
import { createTokenProvider } from "../../vault/auth/token_factory.ts";
import type { TokenProvider } from "../../vault/auth/token_provider.ts";

/** The flags of `byot clear` (absent = not given). */
export interface ClearFlags {
  /** `--vault NAME[,NAME]` (required). */
  vault: string;
  /** `--config FILE`. */
  config?: string;
  /** `--vault-url URL`. */
  vaultUrl?: string;
  /** `--token-file FILE`. */
  tokenFile?: string;
  /** `--token TOKEN` (visible in `ps`; warned about). */
  token?: string;
  /** `--credentials FILE`: service-account `credentials.json`. */
  credentials?: string;
  /** `--role IDS`: role ids to scope service-account tokens to. */
  role?: string;
  /** `--yes`: do not ask for the vault name. */
  yes?: boolean;
  /** `--force`: clear a vault whose URL does not look like a sandbox. */
  force?: boolean;
  /** `--json`: print the result as JSON on stdout. */
  json?: boolean;
}

/** The resolved, non-secret settings of a clear: the vault target and the config it came from. */
export interface ClearTarget extends VaultTarget {
  /** The config file that was read. */
  config: ConfigFile;
}

/**
 * Reads the config (`--config` > `BYOT_CONFIG` > `config.json`), the vault URL (`--vault-url` >
 * `SKYFLOW_VAULT_URL` > `skyflow.vault_url`) and the vaults named by `--vault`.
 *
 * @throws {ConfigError} (exit 2) for a missing or bad config, URL or vault name.
 * @example
 * ```ts ignore
 * const target = await resolveClearTarget({ vault: "ssn", config: "config.json" }, io);
 * ```
 */
export async function resolveClearTarget(
  flags: ClearFlags,
  io: Io,
  readFile: ReadTextFile = Deno.readTextFile,
): Promise<ClearTarget> {
  const config = await loadConfig(flags, io, readFile);
  return { ...resolveVaultTarget(flags, io, config), config };
}

/** Collaborators of {@linkcode clearTokenProvider}. */
export interface ClearTokenDeps {
  /** Hidden prompt for the bearer token on a terminal. @default promptHidden */
  promptSecret?: PromptSecret;
  /** Reads the token and credentials files. @default Deno.readTextFile */
  readFile?: ReadTextFile;
  /** HTTP for the service-account token exchange. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Time for token refresh and backoff. @default systemClock */
  clock?: Clock;
  /** Backoff jitter in [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * The token provider of a clear, chosen as `byot load` chooses it: service-account credentials
 * (`--credentials` > `SKYFLOW_CREDENTIALS` > `skyflow.credentials_file`) unless a token is given
 * explicitly, else the bearer token (`--token` > `--token-file` > `SKYFLOW_BEARER_TOKEN` >
 * `skyflow.bearer_token` > a hidden prompt on a terminal).
 *
 * @throws {ConfigError} (exit 2) when no credentials are found or they are malformed.
 */
export async function clearTokenProvider(
  flags: ClearFlags,
  io: Io,
  config: ConfigFile,
  deps: ClearTokenDeps = {},
): Promise<TokenProvider> {
  const auth = await resolveVaultAuth({
    flags,
    io,
    config: config.skyflow,
    readFile: deps.readFile,
    promptSecret: deps.promptSecret,
  });
  return createTokenProvider(auth, { fetch: deps.fetch, clock: deps.clock, random: deps.random });
}
