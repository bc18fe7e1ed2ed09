/**
 * `byot clear --vault V[,V]`: deletes every record of the selected vaults' tables with one bulk
 * delete each (`DELETE {vault_url}/v1/vaults/{id}/{table}` with `{"skyflow_ids":["*"]}`), sent
 * through the vault client (retries, 429 gate). It replaces the Go loader's `-clear` and
 * `clear_vaults.go`, which paged through GETs and deleted without asking.
 *
 * Guards: a vault URL that does not look like a sandbox is refused unless `--force`; on a terminal
 * the user types each vault's name, off a terminal `--yes` is required. Exit codes: 0 done, 2 usage,
 * refusal or a 401/403/404 answer, 3 the vault rejected the delete, 75 the vault kept failing or never
 * answered (the delete may or may not have been applied; running it again is safe).
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { type Clock, systemClock } from "../../common/clock.ts";
import { ExitCode } from "../../common/errors.ts";
import type { Io } from "../../common/io.ts";
import type { PromptSecret } from "../../config/secrets.ts";
import { VaultClient } from "../../vault/client.ts";
import { type ClearedVault, deleteAll } from "../../vault/delete_all.ts";
import { checkSandbox, confirmClear } from "./guard.ts";
import { type ClearFlags, clearTokenProvider, resolveClearTarget } from "./settings.ts";
import type { PromptLine } from "../shared/confirm.ts";
import type { CommandResult } from "../shared/command.ts";
import { addVaultTargetOptions } from "../shared/options.ts";

/** Collaborators of `byot clear`; production defaults at the edge. */
export interface ClearDeps {
  /** Time for backoff and the 429 gate. @default systemClock */
  clock?: Clock;
  /** HTTP. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Backoff jitter in [0, 1). @default Math.random */
  random?: () => number;
  /** Hidden prompt for the bearer token. @default promptHidden */
  promptSecret?: PromptSecret;
  /** Asks for a vault's name. @default a line read from stdin */
  prompt?: PromptLine;
}

/**
 * Builds the `clear` command.
 *
 * @internal CLI wiring for `main()`: its signature uses commander types, which are not documented here.
 */
export function clearCommand(io: Io, result: CommandResult, deps: ClearDeps = {}): Command {
  return addVaultTargetOptions(
    new Command("clear")
      .description(
        "delete every record of the selected vaults' tables (bulk delete); asks for each vault's name, " +
          "and refuses a vault URL that is not a sandbox unless --force",
      )
      .requiredOption("--vault <names>", "configured vaults to clear, comma-separated, any case"),
  )
    .option("-y, --yes", "do not ask for the vault name (required off a terminal)")
    .option("--force", "clear even when the vault URL does not look like a sandbox")
    .option("--json", "print what was deleted as JSON on stdout")
    .action(async (opts) => {
      result.code = await runClear(opts, io, deps);
    });
}

/**
 * Runs `byot clear`: resolve, refuse a non-sandbox URL, resolve the token, confirm, then one bulk
 * delete per vault in config order, each reported as it is done. Returns 0; errors are thrown.
 *
 * @throws {ConfigError} (exit 2) for bad settings, a refusal, a declined confirmation, or a vault
 * answering 401/403/404.
 * @throws {VaultHttpError} (exit 3) when a vault rejects the delete.
 * @throws {VaultUnavailableError} or {UnknownOutcomeError} (exit 75) when a vault keeps failing or
 * never answers.
 */
export async function runClear(flags: ClearFlags, io: Io, deps: ClearDeps = {}): Promise<number> {
  const target = await resolveClearTarget(flags, io);
  checkSandbox(target.vaultUrl, flags.force === true, io);
  const clock = deps.clock ?? systemClock;
  const tokens = await clearTokenProvider(flags, io, target.config, {
    promptSecret: deps.promptSecret,
    fetch: deps.fetch,
    clock,
    random: deps.random,
  });
  const lines = [
    `About to delete EVERY record of ${target.vaults.length === 1 ? "this table" : "these tables"} at ` +
    `${target.vaultUrl} (this cannot be undone):`,
    ...target.vaults.map((v) => `  vault ${v.name} (id ${v.id}), table ${v.table}`),
  ];
  io.stderr.write(lines.join("\n") + "\n");
  await confirmClear(io, target.vaults, { yes: flags.yes, prompt: deps.prompt });

  const cleared: ClearedVault[] = [];
  for (const vault of target.vaults) {
    const client = new VaultClient({
      vaultUrl: target.vaultUrl,
      vaultName: vault.name,
      tokens,
      maxAttempts: target.maxAttempts,
      timeoutMs: target.requestTimeoutMs,
      clock,
      random: deps.random,
      fetch: deps.fetch,
    });
    const done = await deleteAll(client, vault);
    cleared.push(done);
    io.stderr.write(`${describe(done)}\n`);
  }
  if (flags.json) io.stdout.write(JSON.stringify({ vaults: cleared }) + "\n");
  return ExitCode.ok;
}

/** One line for the user: what the vault said it deleted. */
function describe(v: ClearedVault): string {
  const what = v.deleted === "all"
    ? `all records of table ${v.table} deleted`
    : v.deleted === 0
    ? `table ${v.table} had no records to delete`
    : `${v.deleted} records of table ${v.table} deleted`;
  return `vault ${v.name}: ${what}${v.requestId ? ` (request id ${v.requestId})` : ""}`;
}
