/**
 * `byot generate <count> [--out DIR] [--seed S] [--vault name,id,dob,ssn]`: writes deterministic test
 * CSV files in the Go loader layout and prints one summary line to stderr.
 *
 * @module
 */
import { splitNames } from "../config/vault_selection.ts";
import { Command } from "@commander-js/extra-typings";
import { type Clock, systemClock } from "../common/clock.ts";
import { ConfigError } from "../common/errors.ts";
import type { Io } from "../common/io.ts";
import { GENERATED_COLUMNS, generateFiles, MAX_GENERATE_COUNT } from "../sources/generator.ts";
import { formatInt } from "../report/format.ts";

/**
 * The `generate` command's type: one `<count>` argument and its options.
 *
 * @internal CLI wiring: its signature uses commander types, which are not documented here.
 */
export type GenerateCommand = Command<
  [string],
  { out: string; seed: string; vault?: string; rejectEvery?: string },
  // deno-lint-ignore ban-types
  {}
>;

/** Options of {@linkcode generateCommand}. */
export interface GenerateCommandOptions {
  /** Clock for the elapsed time in the summary. @default systemClock */
  clock?: Clock;
}

/**
 * Parses a record count: digits with optional `_` or `,` separators, 0 to 1,000,000,000.
 *
 * @example
 * ```ts
 * parseCount("1_000_000"); // 1000000
 * ```
 */
export function parseCount(raw: string, what = "count"): number {
  const digits = raw.trim().replaceAll(/[_,]/g, "");
  const n = /^\d+$/.test(digits) ? Number(digits) : NaN;
  if (!Number.isSafeInteger(n) || n > MAX_GENERATE_COUNT) {
    throw new ConfigError(`invalid ${what} "${raw}": expected a whole number from 0 to 1,000,000,000`);
  }
  return n;
}

/**
 * Parses `--vault name,id`: names are case-insensitive, must be generator columns, and must not be empty.
 *
 * @example
 * ```ts
 * parseVaultList("NAME, ssn"); // ["name", "ssn"]
 * ```
 */
export function parseVaultList(raw: string): string[] {
  const names = splitNames(raw).map((s) => s.toLowerCase());
  if (names.length === 0) {
    throw new ConfigError(`--vault needs at least one of ${GENERATED_COLUMNS.join(", ")}`);
  }
  for (const name of names) {
    if (!(GENERATED_COLUMNS as readonly string[]).includes(name)) {
      throw new ConfigError(`unknown vault "${name}" for --vault (expected ${GENERATED_COLUMNS.join(", ")})`);
    }
  }
  return [...new Set(names)];
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/**
 * The `generate` command.
 *
 * @example
 * ```ts ignore
 * program.addCommand(generateCommand(denoIo()));
 * // byot generate 1000000 --out data --seed 7
 * ```
 *
 * @internal CLI wiring for `main()`: its signature uses commander types, which are not documented here.
 */
export function generateCommand(io: Io, options: GenerateCommandOptions = {}): GenerateCommand {
  const clock = options.clock ?? systemClock;
  return new Command("generate")
    .description("write deterministic test CSV files (<col>_data.csv + <col>_tokens.csv per vault)")
    .argument("<count>", "records per vault")
    .option("--out <dir>", "output directory (created when missing; files are overwritten)", "data")
    .option("--seed <seed>", "seed; the same seed writes identical files", "1")
    .option("--vault <names>", `comma-separated vaults to write (${GENERATED_COLUMNS.join(",")})`)
    .option("--reject-every <n>", "append __REJECT__ to every Nth value (for failure tests)")
    .action(async (rawCount, flags) => {
      const count = parseCount(rawCount);
      const vaults = flags.vault === undefined ? [...GENERATED_COLUMNS] : parseVaultList(flags.vault);
      const rejectEvery = flags.rejectEvery === undefined
        ? 0
        : parseCount(flags.rejectEvery, "--reject-every");
      const summary = await generateFiles({
        count,
        outDir: flags.out,
        seed: flags.seed,
        vaults,
        rejectEvery,
        clock,
      });
      const seconds = (summary.elapsedMs / 1000).toFixed(1);
      io.stderr.write(
        `generated ${formatInt(count)} records for ${vaults.join(", ")} in ${flags.out} ` +
          `(seed ${flags.seed}): ${summary.files.length} files, ${
            formatBytes(summary.bytes)
          } in ${seconds} s\n`,
      );
    });
}
