/**
 * `byot check`: the load's configuration checked in seconds, before anything is sent. Same config
 * and flags as `byot load`; prints a ✓/✗ checklist (each ✗ with what to do) and exits 0 or 2. No
 * record is sent: every vault request is a read of something that cannot exist. The same checks
 * run quietly at the start of every `byot load` ({@linkcode preflight}).
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { type Clock, systemClock } from "../../common/clock.ts";
import { ConfigError, ExitCode } from "../../common/errors.ts";
import type { Io } from "../../common/io.ts";
import { resolveLoadSettings } from "../../config/resolve.ts";
import type { PromptSecret } from "../../config/secrets.ts";
import type { LoadSettings } from "../../config/settings.ts";
import type { LoadPlan } from "../../sources/plan.ts";
import type { TokenProvider } from "../../vault/auth/token_provider.ts";
import type { CommandResult } from "../shared/command.ts";
import { resolveStatePath } from "../shared/state_file.ts";
import { addLoadOptions, toLoadFlags } from "../load/options.ts";
import { allPassed, type CheckItem, renderChecks } from "./item.ts";
import { checkLedger, checkSources, explainChecks, projection } from "./local_checks.ts";
import { checkVaults } from "./vault_checks.ts";

/** Collaborators of the checks; production defaults otherwise. */
export interface CheckDeps {
  /** Time source. @default systemClock */
  clock?: Clock;
  /** HTTP client. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Uniform random in [0, 1). @default Math.random */
  random?: () => number;
  /** Hidden prompt for the bearer token on a terminal. @default promptHidden */
  promptSecret?: PromptSecret;
  /** The token provider to check (the load passes its own). @default one built from the settings */
  tokens?: TokenProvider;
}

/** The outcome of the checks. */
export interface CheckReport {
  /** True when no item failed. */
  ok: boolean;
  /** The items in order. */
  items: CheckItem[];
  /** Projected records per second and duration, when the rows are known. */
  projection?: { records?: number; recordsPerSecond?: number; seconds?: number };
}

/** Options of {@linkcode runChecks}. */
export interface RunChecksOptions {
  /** The ledger path; absent: `--no-checkpoint`, not checked. */
  statePath?: string;
  /** A plan already opened (the load's); else the sources are opened here and closed again. */
  plan?: LoadPlan;
}

/**
 * Runs every check for resolved `settings`: sources first (local, no network), then the vaults,
 * the ledger and the projection.
 */
export async function runChecks(
  settings: LoadSettings,
  options: RunChecksOptions,
  deps: CheckDeps = {},
): Promise<CheckReport> {
  const clock = deps.clock ?? systemClock;
  const items: CheckItem[] = [];
  let rows: number | undefined;
  if (options.plan) {
    // the load opened its sources (headers, paired counts, Snowflake login): what is left is the query
    rows = undefined;
    items.push(...await explainChecks(options.plan));
  } else {
    const sources = await checkSources(settings, options.statePath ?? "byot-state.db");
    items.push(...sources.items);
    rows = sources.rows;
    await sources.plan?.close?.();
    for (const v of sources.plan?.vaults ?? []) await v.source.close?.();
  }
  const vaults = await checkVaults(settings, {
    fetch: deps.fetch,
    clock,
    random: deps.random,
    tokens: deps.tokens,
  });
  items.push(...vaults.items);
  if (options.statePath !== undefined) {
    items.push(...await checkLedger(options.statePath, rows, settings.batchSize));
  }
  const projected = projection(settings, rows, vaults.latencyMs);
  if (!options.plan) items.push(projected.item);
  return {
    ok: allPassed(items),
    items,
    projection: { records: rows, recordsPerSecond: projected.recordsPerSecond, seconds: projected.seconds },
  };
}

/**
 * The quiet preflight of `byot load`: runs the checks on the load's opened plan and prints only the
 * ✗ lines. Throws a {@linkcode ConfigError} (exit 2) when any check failed; nothing was sent.
 */
export async function preflight(
  settings: LoadSettings,
  plan: LoadPlan,
  statePath: string | undefined,
  io: Io,
  deps: CheckDeps = {},
): Promise<void> {
  const report = await runChecks(settings, { statePath, plan }, deps);
  if (report.ok) return;
  io.stderr.write(renderChecks(report.items, true));
  const failed = report.items.filter((i) => i.status === "fail").length;
  throw new ConfigError(
    `preflight: ${failed} check${failed === 1 ? "" : "s"} failed (above); nothing was sent. ` +
      "Fix them and run the same command again (byot check shows every check; --no-preflight skips them)",
  );
}

/**
 * Builds the `check` command.
 *
 * @internal CLI wiring for `main()`: its signature uses commander types, which are not documented here.
 */
export function checkCommand(io: Io, result: CommandResult, deps: CheckDeps = {}): Command {
  return addLoadOptions(
    new Command("check")
      .description("check the load's setup in seconds without sending a record: ✓/✗ per item, exit 0 or 2")
      .option("--state <file>", "checkpoint ledger to check (default: $BYOT_STATE, else ./byot-state.db)")
      .option("--no-checkpoint", "the load runs without a ledger: do not check its path"),
  ).action(async (opts) => {
    const flags = toLoadFlags(opts);
    const settings = await resolveLoadSettings({ flags, io, promptSecret: deps.promptSecret });
    const statePath = opts.checkpoint === false ? undefined : resolveStatePath(opts.state, io);
    const report = await runChecks(settings, { statePath }, deps);
    const code = report.ok ? ExitCode.ok : ExitCode.usage;
    io.stderr.write(renderChecks(report.items));
    const failed = report.items.filter((i) => i.status === "fail").length;
    io.stderr.write(
      report.ok
        ? "check OK: nothing was sent; the load can start\n"
        : `check FAILED: ${failed} problem${failed === 1 ? "" : "s"}; nothing was sent\n`,
    );
    if (settings.json) {
      io.stdout.write(
        JSON.stringify({
          ok: report.ok,
          exitCode: code,
          checks: report.items,
          projection: report.projection,
        }) + "\n",
      );
    }
    result.code = code;
  });
}
