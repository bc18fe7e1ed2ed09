/**
 * The vault target layer of the settings: where requests go (URL, selected vaults) and how they are
 * retried. `byot load`, `failures retry`, `clear` and `tune` all resolve it here, with the same
 * precedence (flags > environment > config file > defaults) and the same messages.
 *
 * @module
 */
import { ConfigError } from "../common/errors.ts";
import type { Io } from "../common/io.ts";
import type { ConfigFile } from "./config_file.ts";
import type { LoadFlags } from "./load_flags.ts";
import { DEFAULTS, type VaultTarget } from "./settings.ts";
import { selectVaults } from "./vault_selection.ts";
import { checkHttpUrl, envString, first, intSetting } from "./rules.ts";

/** The flags that shape a vault target (absent = not given). */
export type VaultTargetFlags = Pick<LoadFlags, "vault" | "vaultUrl" | "maxAttempts" | "timeoutMs">;

/**
 * Resolves the vault target from the flags, the environment and a config file already read.
 *
 * @throws {ConfigError} (exit 2) for a bad retry setting, a missing or bad URL, or an unknown vault.
 * @example
 * ```ts ignore
 * const config = await loadConfig({ config: "config.json" }, io, Deno.readTextFile);
 * const target = resolveVaultTarget({ vault: "ssn" }, io, config);
 * ```
 */
export function resolveVaultTarget(flags: VaultTargetFlags, io: Io, config: ConfigFile): VaultTarget {
  const at = (key: string) => `${config.path}: ${key}`;
  const perf = config.performance;
  const maxAttempts = intSetting(
    "positive",
    DEFAULTS.maxAttempts,
    [flags.maxAttempts, "--max-attempts"],
    [perf.maxAttempts, at("performance.max_attempts")],
  );
  const requestTimeoutMs = intSetting(
    "positive",
    DEFAULTS.requestTimeoutMs,
    [flags.timeoutMs, "--timeout-ms"],
    [perf.requestTimeoutMs, at("performance.request_timeout_ms")],
  );
  return {
    vaultUrl: resolveVaultUrl(flags, io, config),
    vaults: selectVaults(config.skyflow.vaults, flags.vault, config.path),
    maxAttempts,
    requestTimeoutMs,
    backoffBaseMs: DEFAULTS.backoffBaseMs,
    backoffCapMs: DEFAULTS.backoffCapMs,
    configPath: config.path,
  };
}

/**
 * The vault URL: `--vault-url` > `SKYFLOW_VAULT_URL` > `skyflow.vault_url`, checked to be http(s),
 * without trailing slashes.
 *
 * @throws {ConfigError} when none is given or it is not an http(s) URL.
 */
export function resolveVaultUrl(flags: { vaultUrl?: string }, io: Io, config: ConfigFile): string {
  const url = first(
    [flags.vaultUrl, "--vault-url"],
    [envString(io, "SKYFLOW_VAULT_URL"), "SKYFLOW_VAULT_URL"],
    [config.skyflow.vaultUrl || undefined, `${config.path}: skyflow.vault_url`],
  );
  if (!url) {
    throw new ConfigError(
      `no vault URL: pass --vault-url URL, set SKYFLOW_VAULT_URL, or set skyflow.vault_url in ${config.path}`,
    );
  }
  return checkHttpUrl(url.value, url.label);
}
