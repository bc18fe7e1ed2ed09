/**
 * What `byot clear` needs from the configuration: the vault URL, the selected vaults, retry
 * settings and the credentials, with the same precedence and messages as `byot load` (flags >
 * environment > config file > defaults). `resolveLoadSettings` is not used because it also
 * validates the load's input (a CSV directory, an error log), which a clear does not read.
 *
 * The non-secret part ({@linkcode resolveClearTarget}) is separate from the credentials
 * ({@linkcode clearTokenProvider}) so the sandbox check can refuse before a token is prompted for.
 *
 * @module
 */
import type { Clock } from "../../common/clock.ts";
import type { Io } from "../../common/io.ts";
import type { VaultSpec } from "../../common/types.ts";
import type { ConfigFile, ReadTextFile } from "../../config/config_file.ts";
import { loadConfig, resolveVaultUrl } from "../../config/resolve.ts";
import { type PromptSecret, resolveVaultAuth } from "../../config/secrets.ts";
import { DEFAULTS } from "../../config/settings.ts";
import { intSetting } from "../../config/rules.ts";
import { selectVaults } from "../../config/vault_selection.ts";
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

/** The resolved, non-secret settings of a clear. */
export interface ClearTarget {
  /** The config file that was read. */
  config: ConfigFile;
  /** Base URL of the vault API, without trailing slash. */
  vaultUrl: string;
  /** The vaults to clear, in config order. */
  vaults: VaultSpec[];
  /** Attempts per request (`performance.max_attempts`). @default 8 */
  maxAttempts: number;
  /** Per-request timeout in ms (`performance.request_timeout_ms`). @default 60000 */
  requestTimeoutMs: number;
}

/**
 * Reads the config (`--config` > `BYOT_CONFIG` > `config.json`), the vault URL (`--vault-url` >
 * `SKYFLOW_VAULT_URL` > `skyflow.vault_url`) and the vaults named by `--vault`.
 *
 * @throws {ConfigError} (exit 2) for a missing or bad config, URL or vault name.
 * @example
 * ```ts
 * const target = await resolveClearTarget({ vault: "ssn", config: "config.json" }, denoIo());
 * ```
 */
export async function resolveClearTarget(
  flags: ClearFlags,
  io: Io,
  readFile: ReadTextFile = Deno.readTextFile,
): Promise<ClearTarget> {
  const config = await loadConfig(flags, io, readFile);
  const at = (key: string) => `${config.path}: ${key}`;
  const perf = config.performance;
  return {
    config,
    vaultUrl: resolveVaultUrl(flags, io, config),
    vaults: selectVaults(config.skyflow.vaults, flags.vault, config.path),
    maxAttempts: intSetting("positive", DEFAULTS.maxAttempts, [
      perf.maxAttempts,
      at("performance.max_attempts"),
    ]),
    requestTimeoutMs: intSetting("positive", DEFAULTS.requestTimeoutMs, [
      perf.requestTimeoutMs,
      at("performance.request_timeout_ms"),
    ]),
  };
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
