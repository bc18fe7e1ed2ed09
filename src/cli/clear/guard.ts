/**
 * The two safety checks of `byot clear`: the vault URL must look like a sandbox (or `--force`),
 * and the user must type each vault's name on a terminal (or pass `--yes`).
 *
 * @module
 */
import { ConfigError } from "../../common/errors.ts";
import type { Io } from "../../common/io.ts";
import type { VaultSpec } from "../../common/types.ts";
import { readLineFromStdin } from "../../common/prompt.ts";
import type { PromptLine } from "../shared/confirm.ts";

/** Host suffixes of Skyflow's non-production environments (sandbox/preview, dev, stage). */
export const SANDBOX_HOST_SUFFIXES: readonly string[] = [
  ".vault.skyflowapis-preview.com",
  ".vault.skyflowapis.dev",
  ".vault.skyflowapis.tech",
];

/** Loopback hosts: the local simulator. */
const LOCAL_HOSTS: readonly string[] = ["localhost", "127.0.0.1", "::1"];

/** The host of `vaultUrl`, lower-cased, without IPv6 brackets. */
export function hostOf(vaultUrl: string): string {
  return new URL(vaultUrl).hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
}

/**
 * True when `vaultUrl` is a Skyflow sandbox, dev or stage vault, or a loopback address.
 *
 * @example
 * ```ts
 * isSandboxUrl("https://abc.vault.skyflowapis-preview.com"); // true
 * isSandboxUrl("https://abc.vault.skyflowapis.com"); // false (production)
 * ```
 */
export function isSandboxUrl(vaultUrl: string): boolean {
  const host = hostOf(vaultUrl);
  return LOCAL_HOSTS.includes(host) || SANDBOX_HOST_SUFFIXES.some((suffix) => host.endsWith(suffix));
}

/**
 * Refuses a vault URL that is not a sandbox unless `force`; with `force` it only warns on stderr.
 *
 * @throws {ConfigError} (exit 2) `refusing to clear a non-sandbox vault (<host>); pass --force …`.
 */
export function checkSandbox(vaultUrl: string, force: boolean, io: Io): void {
  if (isSandboxUrl(vaultUrl)) return;
  const host = hostOf(vaultUrl);
  if (!force) {
    throw new ConfigError(
      `refusing to clear a non-sandbox vault (${host}); pass --force if you really mean it`,
    );
  }
  io.stderr.write(`warning: --force: clearing a vault that is not a sandbox (${host})\n`);
}

/** Options of {@linkcode confirmClear}. */
export interface ConfirmClearOptions {
  /** `--yes`: do not ask. @default false */
  yes?: boolean;
  /** Reads one answer. @default a line read from stdin, the question written on stderr */
  prompt?: PromptLine;
}

/** The question asked for `vault`. */
export function clearQuestion(vault: VaultSpec): string {
  return `Type the vault name (${vault.name}) to delete every record of its table "${vault.table}": `;
}

/**
 * Asks for each vault's name in turn (case-insensitive); any other answer stops before anything is
 * deleted. Off a terminal, `--yes` is required.
 *
 * @throws {ConfigError} (exit 2) without `--yes` off a terminal, or when a typed name does not match.
 */
export async function confirmClear(
  io: Io,
  vaults: readonly VaultSpec[],
  options: ConfirmClearOptions = {},
): Promise<void> {
  if (options.yes) return;
  if (!io.stdinIsTerminal) {
    throw new ConfigError(
      "refusing to clear without confirmation: stdin is not a terminal to type the vault name on; pass --yes",
    );
  }
  const prompt = options.prompt ?? ((question: string) => readLineFromStdin(question, io.stderr));
  for (const vault of vaults) {
    const answer = await prompt(clearQuestion(vault));
    if (answer.trim().toLowerCase() !== vault.name.toLowerCase()) {
      throw new ConfigError(`the typed name does not match vault ${vault.name}: nothing was deleted`);
    }
  }
}
